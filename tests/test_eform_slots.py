"""A document slot that the e-form replaces online ("Tờ khai … (nộp trực tuyến)") is satisfied by the declaration:
the upload step does not ask for it and the dossier is submitted without it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.constants import Status
from dossiers.models import Dossier
from procedures.importers import _replaced_by_eform
from procedures.models import Procedure

from .factories import CitizenFactory
from .filing import BIRTH, PDF_BYTES, birth_declaration
from .test_filing import captcha_answer, start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "replaced"),
    [
        (
            "Tờ khai đăng ký khai sinh theo mẫu (nộp trực tiếp/bưu chính) hoặc Mẫu hộ tịch điện tử tương tác đăng ký "
            "khai sinh (nộp trực tuyến)",
            True,
        ),
        ("Tờ khai đăng ký kết hôn theo mẫu (nộp trực tuyến)", True),
        ("Tờ khai đăng ký khai sinh theo mẫu", False),  # on paper only: the scan is still asked for
        ("Giấy chứng sinh (nộp trực tuyến)", False),
    ],
)
def test_the_importer_knows_the_declaration_that_the_e_form_replaces(name, replaced):
    assert _replaced_by_eform(name) is replaced


def test_the_upload_step_does_not_ask_for_the_declaration_filled_online(client, catalogue):
    citizen = CitizenFactory()
    client.force_login(citizen)
    dossier = start(client, BIRTH)
    client.post(reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id}), birth_declaration())
    slots = list(dossier.case.documents.order_by("position"))
    declaration = next(slot for slot in slots if slot.name.startswith("Tờ khai"))
    assert declaration.eform_replaces and declaration.is_required

    page = client.get(reverse("dossiers:documents", kwargs={"public_id": dossier.public_id}), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert f'name="document-{declaration.pk}"' not in html
    assert "the declaration you completed takes the place of this document" in html

    others = {
        f"document-{slot.pk}": SimpleUploadedFile(f"giay-{slot.pk}.pdf", PDF_BYTES, content_type="application/pdf")
        for slot in slots
        if slot.is_required and slot != declaration
    }
    response = client.post(
        reverse("dossiers:documents", kwargs={"public_id": dossier.public_id}), {**others, "continue": "1"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("dossiers:delivery", kwargs={"public_id": dossier.public_id})
    client.post(reverse("dossiers:delivery", kwargs={"public_id": dossier.public_id}), {"method": "office"})
    review = reverse("dossiers:review", kwargs={"public_id": dossier.public_id})
    submitted = client.post(review, {"confirm": "on", **captcha_answer(client.get(review).content.decode())})

    assert submitted.status_code == 302
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.status == Status.SUBMITTED
    assert not dossier.documents.filter(required_document=declaration).exists()


def test_without_an_e_form_the_declaration_is_still_uploaded(client, catalogue):
    procedure = Procedure.objects.get(code=BIRTH)
    declaration = procedure.cases.get().documents.get(name__startswith="Tờ khai")

    assert declaration.asks_for_scan(procedure) is False
    procedure.eform = []
    assert declaration.asks_for_scan(procedure) is True
