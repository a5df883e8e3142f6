"""The citizen's document store (kho dữ liệu): papers given once and results issued once, reused in later filings."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from dossiers import processing, services, store
from dossiers.constants import Status
from dossiers.models import Dossier, DossierDocument, StoredDocument, StoredOrigin
from portal.accounts.models import User
from procedures.eforms import EForm
from procedures.kinds import PaperKind, kind_of_document, result_kind_of
from procedures.models import Agency, Procedure
from procedures.routing import competent_agencies

from .factories import CitizenFactory, dossier_in, official
from .filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration, pdf_bytes

pytestmark = pytest.mark.django_db

CRIMINAL_RECORD = "3.000333"  # Phiếu lý lịch tư pháp: asks for an identity paper (required)
BIRTH_AGAIN = "1.004884"  # Đăng ký lại khai sinh: asks for the birth certificate (required)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def slot_of(procedure: Procedure, kind: str):
    return next(d for c in procedure.cases.all() for d in c.documents.all() if kind_of_document(d) == kind)


def file_birth_registration(citizen: User, capture) -> Dossier:
    """A birth registration filed online with every required scan and the (optional) identity paper."""
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.all():
        if slot.is_required or kind_of_document(slot) == PaperKind.ID_DOCUMENT:
            services.attach_document(
                dossier=dossier, required_document=slot, upload=SimpleUploadedFile("cccd.pdf", pdf_bytes(1))
            )
    with capture(execute=True):
        dossier, _ = services.submit_dossier(dossier=dossier, by=citizen)
    return dossier


def draft_of(code: str, citizen: User, agency: Agency | None = None) -> Dossier:
    procedure = Procedure.objects.get(code=code)
    return services.start_draft(
        procedure=procedure,
        applicant=citizen,
        agency=agency or competent_agencies(procedure).first(),
        case=procedure.cases.order_by("position").first(),
    )


def test_the_kinds_are_recognised_from_the_catalogue(catalogue):
    assert result_kind_of(Procedure.objects.get(code=BIRTH)) == PaperKind.BIRTH_CERTIFICATE
    assert result_kind_of(Procedure.objects.get(code=CRIMINAL_RECORD)) == PaperKind.CRIMINAL_RECORD
    assert slot_of(Procedure.objects.get(code=BIRTH_AGAIN), PaperKind.BIRTH_CERTIFICATE).is_required
    procedure = Procedure.objects.get(code=BIRTH)
    procedure.result_kind = PaperKind.MARITAL_STATUS  # the catalogue's own kind wins
    assert result_kind_of(procedure) == PaperKind.MARITAL_STATUS


def test_submitting_keeps_the_papers_in_the_citizens_store(catalogue, django_capture_on_commit_callbacks):
    citizen = CitizenFactory()
    dossier = file_birth_registration(citizen, django_capture_on_commit_callbacks)
    stored = StoredDocument.objects.get(owner=citizen, kind=PaperKind.ID_DOCUMENT)
    assert stored.kind == PaperKind.ID_DOCUMENT
    assert stored.origin == StoredOrigin.UPLOAD
    assert stored.origin_dossier == dossier and stored.origin_code == dossier.code
    source = dossier.documents.get(required_document=slot_of(dossier.procedure, PaperKind.ID_DOCUMENT))
    assert stored.file.name != source.file.name  # its own copy
    assert stored.sha256 == source.sha256 and stored.file.read() == source.file.read()


def test_a_later_filing_reuses_the_stored_paper(client, catalogue, django_capture_on_commit_callbacks):
    citizen = CitizenFactory()
    first = file_birth_registration(citizen, django_capture_on_commit_callbacks)
    stored = StoredDocument.objects.get(owner=citizen, kind=PaperKind.ID_DOCUMENT)
    draft = draft_of(CRIMINAL_RECORD, citizen)
    slot = slot_of(draft.procedure, PaperKind.ID_DOCUMENT)
    client.force_login(citizen)
    page = client.get(reverse("dossiers:documents", kwargs={"public_id": draft.public_id}), **EN).content.decode()
    assert f'value="{slot.pk}:{stored.pk}"' in page and first.code in page
    response = client.post(
        reverse("dossiers:reuse_document", kwargs={"public_id": draft.public_id}), {"reuse": f"{slot.pk}:{stored.pk}"}
    )
    assert response.status_code == 302
    document = draft.documents.get(required_document=slot)
    assert document.reused_from == stored and document.reused_from_dossier == first.code
    assert document.file.name != stored.file.name and document.sha256 == stored.sha256
    page = client.get(reverse("dossiers:documents", kwargs={"public_id": draft.public_id}), **EN).content.decode()
    assert f"Reused from dossier {first.code}" in page
    assert f'value="{slot.pk}:{stored.pk}"' not in page  # the file the slot holds is not offered again


def test_a_stored_paper_that_would_take_the_dossier_over_its_limit_is_refused(
    catalogue, settings, django_capture_on_commit_callbacks
):
    citizen = CitizenFactory()
    file_birth_registration(citizen, django_capture_on_commit_callbacks)
    stored = StoredDocument.objects.get(owner=citizen, kind=PaperKind.ID_DOCUMENT)
    draft = draft_of(CRIMINAL_RECORD, citizen)
    settings.DOSSIER_MAX_TOTAL_SIZE = stored.size - 1

    with pytest.raises(services.DossierError, match="over its limit"):
        store.reuse(
            dossier=draft, required_document=slot_of(draft.procedure, PaperKind.ID_DOCUMENT), stored=stored, by=citizen
        )

    assert not draft.documents.exists()


def test_a_returned_result_is_stored_and_offered_to_the_next_filing(
    client, catalogue, django_capture_on_commit_callbacks
):
    citizen = CitizenFactory()
    dossier = dossier_in(Status.RESULT_READY, applicant=citizen)
    dossier.result_file.save("ket-qua.pdf", ContentFile(PDF_BYTES), save=True)
    with django_capture_on_commit_callbacks(execute=True):
        processing.return_result(dossier=dossier, by=User.objects.get(username="tiepnhan"))
    stored = StoredDocument.objects.get(owner=citizen)
    assert (stored.kind, stored.origin, stored.origin_dossier) == (
        PaperKind.BIRTH_CERTIFICATE,
        StoredOrigin.RESULT,
        dossier,
    )
    draft = draft_of(BIRTH_AGAIN, citizen)
    offers = store.offers_for(draft, held={})
    assert offers[slot_of(draft.procedure, PaperKind.BIRTH_CERTIFICATE).pk] == [stored]


def test_the_same_paper_is_stored_once(catalogue, django_capture_on_commit_callbacks):
    citizen = CitizenFactory()
    dossier = file_birth_registration(citizen, django_capture_on_commit_callbacks)
    count = StoredDocument.objects.filter(owner=citizen).count()
    assert store.store_dossier_documents(dossier) == []
    assert StoredDocument.objects.filter(owner=citizen).count() == count


def test_a_paper_of_no_known_kind_is_kept_but_offered_to_no_slot(catalogue, django_capture_on_commit_callbacks):
    citizen = CitizenFactory()
    dossier = file_birth_registration(citizen, django_capture_on_commit_callbacks)
    scans = dossier.documents.exclude(file="").select_related("required_document")
    distinct = {(kind_of_document(d.required_document), d.sha256) for d in scans}  # the same paper: once
    assert StoredDocument.objects.filter(owner=citizen).count() == len(distinct) >= 2
    other = StoredDocument.objects.filter(owner=citizen, kind="").first()
    assert other is not None
    assert other.title in {d.required_document.name for d in dossier.documents.all()}
    draft = draft_of(BIRTH, citizen, Agency.objects.get(code=HAC_THANH))
    assert all(other not in offers for offers in store.offers_for(draft, held={}).values())


def test_the_citizen_lists_downloads_and_deletes_without_touching_dossiers(
    client, catalogue, django_capture_on_commit_callbacks
):
    citizen = CitizenFactory()
    first = file_birth_registration(citizen, django_capture_on_commit_callbacks)
    stored = StoredDocument.objects.get(owner=citizen, kind=PaperKind.ID_DOCUMENT)
    draft = draft_of(CRIMINAL_RECORD, citizen)
    store.reuse(
        dossier=draft, required_document=slot_of(draft.procedure, PaperKind.ID_DOCUMENT), stored=stored, by=citizen
    )
    client.force_login(citizen)
    listing = client.get(reverse("dossiers:store"), **EN).content.decode()
    assert "Identity card or passport" in listing and first.code in listing
    download = client.get(reverse("dossiers:stored_document", kwargs={"pk": stored.pk}))
    assert download.status_code == 200
    with stored.file.open("rb") as handle:
        assert b"".join(download.streaming_content) == handle.read()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dossiers:delete_stored_document", kwargs={"pk": stored.pk}))
    assert response.status_code == 302
    assert not StoredDocument.objects.filter(pk=stored.pk).exists()
    for document in DossierDocument.objects.filter(dossier__in=[first, draft]).exclude(file=""):
        assert document.file.storage.exists(document.file.name)  # every dossier keeps its own copy
    reused = draft.documents.get(required_document=slot_of(draft.procedure, PaperKind.ID_DOCUMENT))
    assert reused.reused_from is None and reused.reused_from_dossier == first.code


def test_another_citizen_cannot_reuse_download_or_delete_by_guessing_the_id(
    client, catalogue, django_capture_on_commit_callbacks
):
    owner = CitizenFactory()
    file_birth_registration(owner, django_capture_on_commit_callbacks)
    stored = StoredDocument.objects.get(owner=owner, kind=PaperKind.ID_DOCUMENT)
    other = CitizenFactory()
    draft = draft_of(CRIMINAL_RECORD, other)
    slot = slot_of(draft.procedure, PaperKind.ID_DOCUMENT)
    client.force_login(other)
    assert client.get(reverse("dossiers:stored_document", kwargs={"pk": stored.pk})).status_code == 404
    assert client.post(reverse("dossiers:delete_stored_document", kwargs={"pk": stored.pk})).status_code == 404
    response = client.post(
        reverse("dossiers:reuse_document", kwargs={"public_id": draft.public_id}), {"reuse": f"{slot.pk}:{stored.pk}"}
    )
    assert response.status_code == 404
    assert not draft.documents.exists()
    assert StoredDocument.objects.filter(pk=stored.pk).exists()
    assert stored.pk not in {d.pk for d in store.documents_of(other)}
    with translation.override("en"), pytest.raises(Exception, match="not yours"):
        store.reuse(dossier=draft, required_document=slot, stored=stored, by=other)


def test_a_stored_paper_of_another_kind_is_refused(catalogue, django_capture_on_commit_callbacks):
    citizen = CitizenFactory()
    file_birth_registration(citizen, django_capture_on_commit_callbacks)
    stored = StoredDocument.objects.get(owner=citizen, kind=PaperKind.ID_DOCUMENT)
    draft = draft_of(BIRTH_AGAIN, citizen)
    with pytest.raises(services.DossierError):
        store.reuse(
            dossier=draft,
            required_document=slot_of(draft.procedure, PaperKind.BIRTH_CERTIFICATE),
            stored=stored,
            by=citizen,
        )


def test_officials_see_the_paper_of_their_agencys_dossiers_and_where_it_came_from(
    client, catalogue, django_capture_on_commit_callbacks
):
    citizen = CitizenFactory()
    first = file_birth_registration(citizen, django_capture_on_commit_callbacks)
    stored = StoredDocument.objects.get(owner=citizen, kind=PaperKind.ID_DOCUMENT)
    url = reverse("dossiers:stored_document", kwargs={"pk": stored.pk})
    client.force_login(User.objects.get(username="tiepnhan"))  # the desk of the dossier's agency
    assert client.get(url).status_code == 200
    client.force_login(official(agency="000.21.30.H56"))  # another ward's official
    assert client.get(url).status_code == 404
    client.force_login(CitizenFactory())
    assert client.get(url).status_code == 404
    # The dossier a copy went into: its page in the back office says where the paper came from.
    draft = draft_of(BIRTH, citizen, Agency.objects.get(code=HAC_THANH))
    document = store.reuse(
        dossier=draft, required_document=slot_of(draft.procedure, PaperKind.ID_DOCUMENT), stored=stored, by=citizen
    )
    assert document.reused_from_dossier == first.code
    form = EForm(birth_declaration(), spec=draft.procedure.eform)
    assert form.is_valid()
    services.save_declaration(dossier=draft, data=form.to_json())
    for slot in draft.case.documents.filter(is_required=True):
        services.attach_document(dossier=draft, required_document=slot, upload=SimpleUploadedFile("a.pdf", PDF_BYTES))
    second, _ = services.submit_dossier(dossier=draft, by=citizen)
    client.force_login(User.objects.get(username="tiepnhan"))
    page = client.get(reverse("admin:dossiers_dossier_change", args=[second.pk]), **EN).content.decode()
    assert f"reused from dossier {first.code}" in page
