"""The file store is down: an upload answers 503 with a clear message, nothing is half-saved, and the rest of the
dossier (declaration, other scans) is kept. The store is a real S3 client pointed at a port where nothing listens."""

import socket

import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from knox.models import AuthToken

from dossiers import services
from dossiers.models import Dossier
from procedures.models import Agency, Procedure

from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def store_down(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "down",
                "endpoint_url": f"http://127.0.0.1:{closed_port()}",
                "access_key": "key",
                "secret_key": "secret",
                "region_name": "us-east-1",
                "addressing_style": "path",
                "client_config": Config(connect_timeout=1, retries={"max_attempts": 1}),
            },
        },
    }


@pytest.fixture
def draft(catalogue):
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure,
        applicant=CitizenFactory(),
        agency=Agency.objects.get(code=HAC_THANH),
        case=procedure.cases.get(),
    )
    return dossier


def test_the_filing_page_says_the_file_was_not_saved_and_keeps_the_declaration(client, draft, store_down):
    client.force_login(draft.applicant)
    declared = client.post(reverse("dossiers:declaration", kwargs={"public_id": draft.public_id}), birth_declaration())
    assert declared.status_code == 302
    slot = draft.case.documents.order_by("position").first()

    response = client.post(
        reverse("dossiers:documents", kwargs={"public_id": draft.public_id}),
        {f"document-{slot.pk}": SimpleUploadedFile("giay-chung-sinh.pdf", PDF_BYTES, content_type="application/pdf")},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 503
    html = response.content.decode()
    assert "giay-chung-sinh.pdf was not saved" in html and "Everything else in your dossier is kept" in html
    draft.refresh_from_db()
    assert draft.form_data and not draft.documents.exists()


def test_the_api_answers_503_in_its_error_shape(client, draft, store_down):
    _instance, token = AuthToken.objects.create(user=draft.applicant)
    slot = draft.case.documents.order_by("position").first()

    response = client.post(
        f"/api/v1/drafts/{draft.public_id}/documents/",
        {"required_document": slot.pk, "file": SimpleUploadedFile("scan.pdf", PDF_BYTES)},
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "file_store_unavailable" and "không lưu được" in body["message"].lower()
    assert not Dossier.objects.get(pk=draft.pk).documents.exists()


# --- A file the store no longer has ----------------------------------------------------------------------------------


def test_a_scan_the_store_lost_is_a_page_that_says_so_and_a_lost_receipt_is_rendered_again(client, submitted):
    """A row naming a file that is gone answered 500 on every download (scans, receipts, notices, templates)."""
    from django.core.files.storage import default_storage

    scan = submitted.documents.exclude(file="").first()
    default_storage.delete(scan.file.name)
    client.force_login(submitted.applicant)

    lost = client.get(
        reverse("dossiers:document", kwargs={"public_id": submitted.public_id, "pk": scan.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    receipt_url = reverse("dossiers:receipt", kwargs={"public_id": submitted.public_id})
    first = b"".join(client.get(receipt_url).streaming_content)
    Dossier.objects.get(pk=submitted.pk).receipt.delete(save=False)  # gone from the store, still named
    again = client.get(receipt_url)

    assert lost.status_code == 404 and "no longer in the portal&#x27;s file store" in lost.content.decode()
    assert first.startswith(b"%PDF-")
    assert again.status_code == 200 and b"".join(again.streaming_content).startswith(b"%PDF-")
    assert default_storage.exists(Dossier.objects.get(pk=submitted.pk).receipt.name)


def test_a_form_template_the_store_lost_is_a_page_that_says_so(client, catalogue):
    from django.core.files.storage import default_storage

    from procedures.models import FormTemplate

    template = FormTemplate.objects.exclude(file="").select_related("procedure").first()
    # The row names a file the store does not have (the demo's own file stays for the other tests).
    FormTemplate.objects.filter(pk=template.pk).update(file=f"forms/missing-{template.pk}.pdf")
    assert not default_storage.exists(f"forms/missing-{template.pk}.pdf")

    response = client.get(
        reverse("procedures:template", kwargs={"code": template.procedure.code, "pk": template.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 404 and "no longer in the portal&#x27;s file store" in response.content.decode()


def test_a_lost_scan_is_skipped_when_the_papers_go_to_the_citizens_store(submitted):
    """After the submission the papers are copied to the citizen's store; one lost file stopped the copy of all."""
    from django.core.files.storage import default_storage

    from dossiers import store

    lost = submitted.documents.exclude(file="").order_by("pk").first()
    default_storage.delete(lost.file.name)

    stored = store.store_dossier_documents(submitted)  # it raised "no longer in the file store"

    assert all(default_storage.exists(item.file.name) for item in stored)  # what could be copied was
