"""Linked procedures ask for each paper once: a scan given for one procedure of the group goes to the others that
ask for the same kind of paper, the citizen's stored papers are offered on the group's documents step as on a single
dossier's, and a part's own step pages lead back to the group's."""

import hashlib
import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import translation
from django.utils.html import escape

from dossiers import linked, services
from dossiers.models import Dossier, LinkedFiling, StoredDocument, StoredOrigin
from procedures.eforms import EForm
from procedures.kinds import PaperKind, kind_of_document
from procedures.models import Procedure, ProcedureGroup

from .conftest import restore_session_data
from .factories import CitizenFactory
from .filing import pdf_bytes
from .test_api_filing import token_for
from .test_linked import BIRTH_GROUP, _cases, _centre, group_declaration, ready_filing

BIRTH = "1.001193"
RESIDENCE = "1.004222"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def filing(catalogue) -> LinkedFiling:
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    return linked.start_filing(group=group, applicant=CitizenFactory(), received_by=_centre(), cases=_cases(group))


def part(filing: LinkedFiling, code: str) -> Dossier:
    return filing.parts.get(procedure__code=code)


def residence_slot(dossier: Dossier):
    """The slot of the part that asks for a proof of residence (both the birth registration and the residence do)."""
    return next(s for s in dossier.case.documents.all() if kind_of_document(s) == PaperKind.RESIDENCE_PROOF)


def held(dossier: Dossier, slot):
    return dossier.documents.filter(required_document=slot).first()


def url(filing: LinkedFiling, step: str = "giay-to/") -> str:
    return f"/ho-so/lien-thong/{filing.public_id}/{step}"


def test_a_paper_two_procedures_ask_for_is_uploaded_once(client, filing):
    birth, residence = part(filing, BIRTH), part(filing, RESIDENCE)
    client.force_login(filing.applicant)
    scan = pdf_bytes(note="tạm trú")

    response = client.post(
        url(filing), {"save": "1", f"document-{residence_slot(birth).pk}": SimpleUploadedFile("cu-tru.pdf", scan)}
    )

    assert response.status_code == 302
    given, copy = held(birth, residence_slot(birth)), held(residence, residence_slot(residence))
    assert copy is not None and copy.sha256 == given.sha256 and copy.original_name == "cu-tru.pdf"
    assert copy.file.name != given.file.name and copy.file.read() == scan  # the residence agency's own copy
    page = client.get(url(filing), **EN).content.decode()
    assert page.count("The same file is used for:") == 2
    assert f"“{residence.procedure.name}”" in page and f"“{birth.procedure.name}”" in page
    # Nothing is missing for the residence part any more: its required proof came with the birth registration's.
    assert not any(residence_slot(residence).name in problem for problem in linked.missing_parts(filing))

    # The other way round, the birth registration's proof is optional ("only if it applies"): it is left to the citizen.
    assert not residence_slot(birth).is_required and residence_slot(residence).is_required
    client.post(url(filing, f"giay-to/{given.pk}/xoa/"))
    client.post(
        url(filing), {"save": "1", f"document-{residence_slot(residence).pk}": SimpleUploadedFile("x.pdf", scan)}
    )
    assert held(residence, residence_slot(residence)) is not None and held(birth, residence_slot(birth)) is None


def test_replacing_the_paper_replaces_it_where_it_was_shared_but_not_where_another_was_given(client, filing):
    birth, residence = part(filing, BIRTH), part(filing, RESIDENCE)
    client.force_login(filing.applicant)
    first, second, own = pdf_bytes(note="1"), pdf_bytes(note="2"), pdf_bytes(note="own")
    field = f"document-{residence_slot(birth).pk}"

    client.post(url(filing), {"save": "1", field: SimpleUploadedFile("a.pdf", first)})
    client.post(url(filing), {"save": "1", field: SimpleUploadedFile("b.pdf", second)})
    assert held(residence, residence_slot(residence)).file.read() == second

    # A copy the citizen replaces becomes that procedure's own paper; the one it was copied from stays.
    client.post(
        url(filing), {"save": "1", f"document-{residence_slot(residence).pk}": SimpleUploadedFile("c.pdf", own)}
    )
    assert held(birth, residence_slot(birth)).file.read() == second
    client.post(url(filing), {"save": "1", field: SimpleUploadedFile("d.pdf", first)})
    assert held(residence, residence_slot(residence)).file.read() == own  # the citizen gave this part its own
    assert held(birth, residence_slot(birth)).file.read() == first


def test_two_files_given_at_once_each_stay_where_they_were_given(client, filing):
    birth, residence = part(filing, BIRTH), part(filing, RESIDENCE)
    client.force_login(filing.applicant)
    mine, theirs = pdf_bytes(note="birth"), pdf_bytes(note="residence")

    client.post(
        url(filing),
        {
            "save": "1",
            f"document-{residence_slot(birth).pk}": SimpleUploadedFile("a.pdf", mine),
            f"document-{residence_slot(residence).pk}": SimpleUploadedFile("b.pdf", theirs),
        },
    )

    assert held(birth, residence_slot(birth)).file.read() == mine
    assert held(residence, residence_slot(residence)).file.read() == theirs
    assert "The same file is used for:" not in client.get(url(filing), **EN).content.decode()


def test_removing_the_paper_where_it_was_given_removes_its_copies_and_removing_a_copy_only_that(
    client, filing, django_capture_on_commit_callbacks
):
    birth, residence = part(filing, BIRTH), part(filing, RESIDENCE)
    client.force_login(filing.applicant)
    field = f"document-{residence_slot(birth).pk}"
    client.post(url(filing), {"save": "1", field: SimpleUploadedFile("a.pdf", pdf_bytes(note="x"))})
    copy = held(residence, residence_slot(residence))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(filing, f"giay-to/{copy.pk}/xoa/"), follow=True, **EN)

    assert "The file has been removed." in response.content.decode()
    assert held(residence, residence_slot(residence)) is None and held(birth, residence_slot(birth)) is not None
    assert not copy.file.storage.exists(copy.file.name)

    client.post(url(filing), {"save": "1", field: SimpleUploadedFile("b.pdf", pdf_bytes(note="y"))})
    original, copy = held(birth, residence_slot(birth)), held(residence, residence_slot(residence))
    assert copy.copied_from == original

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(filing, f"giay-to/{original.pk}/xoa/"), follow=True, **EN)

    assert "The file has been removed from every procedure that used it." in response.content.decode()
    assert held(birth, residence_slot(birth)) is None and held(residence, residence_slot(residence)) is None
    assert not copy.file.storage.exists(copy.file.name)


def test_the_groups_documents_step_offers_the_citizens_stored_papers(client, filing):
    citizen = filing.applicant
    birth, residence = part(filing, BIRTH), part(filing, RESIDENCE)
    earlier = services.start_draft(
        procedure=birth.procedure, applicant=citizen, agency=birth.agency, case=birth.case
    )  # a dossier the paper came from (its code is what the offer names)
    Dossier.objects.filter(pk=earlier.pk).update(code="000.20.30.H56-261201-0001")
    scan = pdf_bytes(note="stored")
    stored = StoredDocument(
        owner=citizen,
        kind=PaperKind.RESIDENCE_PROOF,
        title="Giấy tờ chứng minh nơi cư trú",
        origin=StoredOrigin.UPLOAD,
        origin_dossier=earlier,
        origin_code="000.20.30.H56-261201-0001",
        original_name="xac-nhan-cu-tru.pdf",
        content_type="application/pdf",
        size=len(scan),
        sha256=hashlib.sha256(scan).hexdigest(),
    )
    stored.file.save("stored", ContentFile(scan), save=False)
    stored.save()
    client.force_login(citizen)

    page = client.get(url(filing), **EN).content.decode()
    assert f'formaction="{url(filing, "giay-to/dung-lai/")}"' in page
    for dossier in (birth, residence):
        assert f'value="{residence_slot(dossier).pk}:{stored.pk}"' in page

    response = client.post(url(filing, "giay-to/dung-lai/"), {"reuse": f"{residence_slot(birth).pk}:{stored.pk}"})

    assert response.status_code == 302 and response.url == url(filing)
    for dossier in (birth, residence):  # the residence requires the same paper: it has it too
        document = held(dossier, residence_slot(dossier))
        assert document.reused_from == stored and document.file.read() == scan
    assert "Reused from dossier 000.20.30.H56-261201-0001" in client.get(url(filing), **EN).content.decode()


def test_another_citizens_stored_paper_or_another_groups_slot_is_not_found(client, filing):
    stranger_paper = StoredDocument.objects.create(
        owner=CitizenFactory(), kind=PaperKind.RESIDENCE_PROOF, title="x", origin=StoredOrigin.UPLOAD, size=1
    )
    client.force_login(filing.applicant)
    slot = residence_slot(part(filing, RESIDENCE))
    for reuse in (f"{slot.pk}:{stranger_paper.pk}", f"999999:{stranger_paper.pk}", "x:y", ""):
        assert client.post(url(filing, "giay-to/dung-lai/"), {"reuse": reuse}).status_code == 404
    assert not part(filing, RESIDENCE).documents.exists()


def test_a_slot_whose_data_the_agency_fetches_says_so_on_the_groups_page(client, filing):
    slot = residence_slot(part(filing, RESIDENCE))
    slot.replaced_by_data = "residence"
    slot.save(update_fields=["replaced_by_data"])
    client.force_login(filing.applicant)

    page = client.get(url(filing), **EN).content.decode()

    slot_item = page[page.index(escape(slot.name)) :].split("</li>")[0]
    assert "Not needed: the agency obtains this information from the state" in slot_item
    assert "Filled in online" not in slot_item and "<input" not in slot_item


def test_a_parts_own_step_pages_lead_to_the_groups(client, filing):
    client.force_login(filing.applicant)
    birth = part(filing, BIRTH)
    for step in ("to-khai/", "giay-to/", "nhan-ket-qua/", "kiem-tra/"):
        response = client.get(f"/ho-so/{birth.public_id}/{step}")
        assert response.status_code == 302 and response.url == url(filing), step


def test_the_api_leaves_a_parts_draft_to_the_filings_pages(client, filing):
    auth = token_for(filing.applicant)
    birth = part(filing, BIRTH)
    slot = residence_slot(birth)

    listed = client.get("/api/v1/drafts/", **auth).json()
    upload = client.post(
        f"/api/v1/drafts/{birth.public_id}/documents/",
        {"required_document": slot.pk, "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
        **auth,
    )

    assert str(birth.public_id) not in str(listed)
    assert upload.status_code == 404 and not birth.documents.exists()


def test_the_filings_papers_are_kept_in_the_citizens_store_once(filing, django_capture_on_commit_callbacks):
    birth = part(filing, BIRTH)
    scan = SimpleUploadedFile("a.pdf", pdf_bytes(note="cư trú"))
    linked.attach_document(filing=filing, part=birth, required_document=residence_slot(birth), upload=scan)
    assert part(filing, RESIDENCE).documents.filter(copied_from__isnull=False).exists()
    complete(filing)

    with django_capture_on_commit_callbacks(execute=True):
        linked.submit_filing(filing=filing, by=filing.applicant)

    stored = StoredDocument.objects.filter(owner=filing.applicant, kind=PaperKind.RESIDENCE_PROOF)
    assert stored.count() == 1  # given once, copied to two procedures, kept once
    assert stored.get().origin_dossier.filing_id == filing.pk


def complete(filing: LinkedFiling) -> None:
    """The group's declaration and a scan for every required slot still empty."""
    form = EForm(group_declaration(), spec=filing.group.eform)
    assert form.is_valid(), form.errors
    linked.save_declaration(filing=filing, data=form.to_json())
    for dossier in filing.parts.all():
        for slot in dossier.case.documents.filter(is_required=True):
            if slot.asks_for_scan(dossier.procedure) and held(dossier, slot) is None:
                upload = SimpleUploadedFile("b.pdf", pdf_bytes(note=str(slot.pk)))
                linked.attach_document(filing=filing, part=dossier, required_document=slot, upload=upload)


def test_a_copy_of_a_replaced_paper_never_stays_behind(filing, settings):
    """The new paper cannot go to a part (it would pass the part's size limit): the copy of the old one goes, and the
    part's page says the paper is missing, rather than the agency getting the paper the citizen replaced."""
    birth, residence = part(filing, BIRTH), part(filing, RESIDENCE)
    form = next(s for s in residence.case.documents.filter(is_required=True) if s.pk != residence_slot(residence).pk)
    old, new, other = pdf_bytes(note="old"), pdf_bytes(note="new", filler=6000), pdf_bytes(note="ct01", filler=3000)
    linked.attach_document(
        filing=filing, part=residence, required_document=form, upload=SimpleUploadedFile("f.pdf", other)
    )
    linked.attach_document(
        filing=filing, part=birth, required_document=residence_slot(birth), upload=SimpleUploadedFile("a.pdf", old)
    )
    assert held(residence, residence_slot(residence)).file.read() == old
    settings.DOSSIER_MAX_TOTAL_SIZE = len(new) + len(other) - 1  # room in the birth registration, not in the residence

    linked.attach_document(
        filing=filing, part=birth, required_document=residence_slot(birth), upload=SimpleUploadedFile("b.pdf", new)
    )

    assert held(birth, residence_slot(birth)).file.read() == new
    assert held(residence, residence_slot(residence)) is None
    assert any(residence_slot(residence).name in problem for problem in linked.missing_parts(filing))


def test_a_stored_paper_of_no_known_kind_goes_into_no_slot(filing):
    citizen = filing.applicant
    scan = pdf_bytes(note="no kind")
    stored = StoredDocument(
        owner=citizen, kind="", title="x", origin=StoredOrigin.UPLOAD, content_type="application/pdf", size=len(scan)
    )
    stored.file.save("stored", ContentFile(scan), save=False)
    stored.save()
    slot = next(s for s in part(filing, RESIDENCE).case.documents.all() if not kind_of_document(s))

    with translation.override("en"), pytest.raises(services.DossierError, match="not the kind of paper"):
        linked.reuse_document(filing=filing, required_document=slot, stored=stored, by=citizen)


@pytest.mark.django_db(transaction=True)
def test_a_drafts_lock_leaves_its_procedure_free_for_other_citizens():
    """Two citizens' linked filings of the same procedures must not wait on each other (they deadlocked when a
    draft's lock also took its procedure's row)."""
    restore_session_data()
    part = ready_filing().parts.first()
    held, release = threading.Event(), threading.Event()

    def hold_the_draft():
        try:
            with transaction.atomic():
                services._locked_draft(part)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_draft)
    holder.start()
    try:
        assert held.wait(10)
        with transaction.atomic():  # raises if the procedure's row is locked
            Procedure.objects.select_for_update(nowait=True).get(pk=part.procedure_id)
            with pytest.raises(DatabaseError):  # the draft itself is
                Dossier.objects.select_for_update(nowait=True).get(pk=part.pk)
    finally:
        release.set()
        holder.join()
