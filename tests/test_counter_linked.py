"""Linked procedures brought on paper (Decree 63/2024) are registered at the one-stop desk together, as online: one
declaration, each paper scanned once for every procedure that asks for its kind, one filing code, then each
procedure accepted by the desk if it can start now."""

import pytest
from django.urls import reverse

from dossiers import counter, linked
from dossiers.constants import Channel, DigitisationExemption, Status
from dossiers.counter_views import citizen_reference
from dossiers.events import DossierAction
from dossiers.models import Dossier, DossierNotice, LinkedFiling
from procedures.models import ProcedureGroup

from .factories import official
from .filing import pdf_bytes
from .test_counter_intake import EN, PROCEDURE, START, exempt, file, register_citizen, scan, url
from .test_filing import captcha_answer
from .test_linked import BIRTH_GROUP, DONG_SON, _cases, _centre, group_declaration
from .test_linked_papers import BIRTH, RESIDENCE, residence_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(catalogue):
    _centre()  # Hạc Thành's desk receives dossiers for the procedures any centre may receive
    return official(name="mot-cua-lien-thong")


@pytest.fixture
def client_at_desk(client, desk):
    client.force_login(desk)
    return client


def filing_url(filing: LinkedFiling, step: str = "") -> str:
    name = "filing_declaration" if step == "declaration" else "filing"
    return reverse(f"admin:dossiers_dossier_counter_{name}", args=[filing.pk])


def start_group(client) -> LinkedFiling:
    citizen = register_citizen(client)
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    reference = citizen_reference(citizen)
    offered = client.get(PROCEDURE, {"citizen": reference}, **EN).content.decode()
    start = reverse("admin:dossiers_dossier_counter_linked_start", args=[group.code])
    assert f'href="{start}?citizen=' in offered and group.name in offered
    page = client.get(start, {"citizen": reference}, **EN)
    assert page.status_code == 200 and all(m.procedure.name in page.content.decode() for m in group.members.all())
    cases = {f"case_{member}": case.pk for member, case in _cases(group).items()}
    response = client.post(start, {"id_number": citizen.id_number, "centre": _centre().pk, **cases}, **EN)
    assert response.status_code == 302, response.context["form"].errors
    filing = LinkedFiling.objects.get(applicant=citizen)
    assert response["Location"] == filing_url(filing, "declaration")
    return filing


def part(filing: LinkedFiling, code: str) -> Dossier:
    return filing.parts.get(procedure__code=code)


def scan_everything(client, filing: LinkedFiling) -> None:
    """The proof of residence scanned once (with the birth registration); every other paper shown only."""
    birth = part(filing, BIRTH)
    assert scan(client, birth, residence_slot(birth), file("cu-tru.pdf", pdf_bytes(2))).status_code == 302
    for dossier in filing.parts.all():
        have = set(dossier.documents.values_list("required_document_id", flat=True))
        for slot in dossier.case.documents.filter(is_required=True):
            if slot.pk not in have and slot.needs_upload(dossier.procedure):
                assert exempt(client, dossier, slot, DigitisationExemption.SHOWN_ONLY).status_code == 302


def test_linked_procedures_brought_on_paper_are_registered_together(
    client_at_desk, desk, django_capture_on_commit_callbacks
):
    client = client_at_desk
    filing = start_group(client)
    assert filing.parts.count() == 3 and set(filing.parts.values_list("channel", flat=True)) == {Channel.COUNTER}
    assert client.post(filing_url(filing, "declaration"), group_declaration(), **EN).status_code == 302
    checklist = client.get(filing_url(filing), **EN).content.decode()
    assert "Missing document for" in checklist and "Register the linked procedures" not in checklist

    scan_everything(client, filing)

    birth, residence = part(filing, BIRTH), part(filing, RESIDENCE)
    given, copy = (d.documents.get(required_document=residence_slot(d)) for d in (birth, residence))
    assert copy.copied_from == given and copy.scanned_at_intake and copy.pages == 2  # scanned once, for both
    assert copy.file.read() == given.file.read()
    # A part's own checklist and declaration lead to the filing's: they are decided together.
    assert client.get(url("review", residence), **EN)["Location"] == filing_url(filing)
    assert client.get(url("declaration", residence), **EN)["Location"] == filing_url(filing, "declaration")
    checklist = client.get(filing_url(filing), **EN).content.decode()
    assert "Missing document for" not in checklist and "Register the linked procedures" in checklist

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(filing_url(filing), {"decision": "accept"}, **EN)

    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.code and filing.submitted_at
    parts = {p.procedure.code: p for p in filing.parts.select_related("procedure")}
    for dossier in parts.values():
        assert dossier.code and dossier.code != filing.code
        submitted = dossier.events.get(action=DossierAction.SUBMIT)
        assert submitted.actor == desk and submitted.public_note.startswith("Tiếp nhận tại quầy")
        assert submitted.data.get("filing") == filing.code
        # A part that can start now is accepted at the desk (its notice, form 01); one that needs another's result
        # waits for it, as online.
        assert dossier.status == (Status.SUBMITTED if dossier.needs_id else Status.ACCEPTED), dossier.procedure
        assert DossierNotice.objects.filter(dossier=dossier, kind="01").exists() == (not dossier.needs_id)
    assert any(d.needs_id for d in parts.values()) and not all(d.needs_id for d in parts.values())
    registered = client.get(filing_url(filing), **EN).content.decode()
    assert filing.code in registered and all(p.code in registered for p in parts.values())
    assert "Register the linked procedures" not in registered
    again = client.post(filing_url(filing), {"decision": "accept"}, **EN)
    assert again.status_code == 200 and LinkedFiling.objects.filter(code=filing.code).count() == 1


def test_one_of_linked_procedures_is_never_decided_alone(client_at_desk, desk):
    filing = start_group(client_at_desk)
    residence = part(filing, RESIDENCE)

    with pytest.raises(counter.CounterError):
        counter.refuse(dossier=residence, by=desk, reason="Thiếu giấy tờ")
    with pytest.raises(counter.CounterError):
        counter.discard(dossier=residence, by=desk)

    assert Dossier.objects.get(pk=residence.pk).status == Status.DRAFT


def test_nothing_is_registered_while_a_paper_is_missing_and_a_discard_drops_every_part(
    client_at_desk, django_capture_on_commit_callbacks
):
    client = client_at_desk
    filing = start_group(client)
    client.post(filing_url(filing, "declaration"), group_declaration(), **EN)

    refused = client.post(filing_url(filing), {"decision": "accept"}, **EN)

    assert refused.status_code == 409 and "Missing document for" in refused.content.decode()
    filing.refresh_from_db()
    assert filing.code is None and set(filing.parts.values_list("status", flat=True)) == {Status.DRAFT}
    birth = part(filing, BIRTH)
    scan(client, birth, residence_slot(birth), file("cu-tru.pdf", pdf_bytes(1)))
    scans = [d.file.name for d in Dossier.objects.filter(filing=filing).prefetch_related("documents")
             for d in d.documents.all()]  # fmt: skip
    assert len(scans) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(filing_url(filing), {"decision": "discard"}, **EN)

    assert response.status_code == 302 and response["Location"] == START
    assert not LinkedFiling.objects.filter(pk=filing.pk).exists() and not Dossier.objects.filter(filing_id=filing.pk)
    assert not any(birth.documents.model.objects.filter(file=name).exists() for name in scans)


def test_another_centres_desk_cannot_open_or_register_them(client_at_desk, client, catalogue):
    filing = start_group(client_at_desk)
    client.force_login(official(agency=DONG_SON, name="mot-cua-dong-son"))

    assert client.get(filing_url(filing), **EN).status_code == 403
    assert client.post(filing_url(filing), {"decision": "accept"}, **EN).status_code == 403
    assert client.get(filing_url(filing, "declaration"), **EN).status_code == 403
    assert client.get(url("documents", part(filing, BIRTH)), **EN).status_code == 403
    filing.refresh_from_db()
    assert filing.code is None


def test_the_citizen_cannot_change_online_what_the_desk_is_registering(client_at_desk, client):
    filing = start_group(client_at_desk)
    client.force_login(filing.applicant)

    response = client.post(f"/ho-so/lien-thong/{filing.public_id}/to-khai/", group_declaration(), **EN)

    assert response.status_code == 409 and "the desk completes it" in response.content.decode()
    filing.refresh_from_db()
    assert filing.form_data == {} and not any(p.form_data for p in filing.parts.all())


def test_the_citizens_list_says_what_the_desk_is_registering(client_at_desk, client):
    filing = start_group(client_at_desk)
    client.force_login(filing.applicant)

    page = client.get(reverse("dossiers:mine"), **EN).content.decode()

    assert page.count("Being registered at the counter") == 1 + filing.parts.count()  # the filing, each part
    assert "Continue the draft" not in page


def test_a_scan_done_again_or_removed_changes_its_copies_too(client_at_desk):
    client = client_at_desk
    filing = start_group(client)
    birth, residence = part(filing, BIRTH), part(filing, RESIDENCE)
    scan(client, birth, residence_slot(birth), file("cu-tru.pdf", pdf_bytes(1)))
    again = pdf_bytes(3)

    scan(client, birth, residence_slot(birth), file("cu-tru-ro-hon.pdf", again))

    copy = residence.documents.get(required_document=residence_slot(residence))
    assert copy.pages == 3 and copy.copied_from == birth.documents.get(required_document=residence_slot(birth))
    removed = client.post(url("documents", birth), {"document": residence_slot(birth).pk, "action": "clear"}, **EN)
    assert removed.status_code == 302
    assert not residence.documents.exists() and not birth.documents.exists()


def test_papers_missing_are_asked_for_by_each_procedure_that_lacks_them_and_the_rest_go_ahead(
    client_at_desk, desk, django_capture_on_commit_callbacks
):
    client = client_at_desk
    filing = start_group(client)
    undeclared = client.post(filing_url(filing), {"decision": "supplement"}, **EN)
    assert undeclared.status_code == 409 and "The declaration is not complete." in undeclared.content.decode()
    client.post(filing_url(filing, "declaration"), group_declaration(), **EN)
    scan_everything(client, filing)
    birth = part(filing, BIRTH)
    first_scan = birth.documents.get(required_document=residence_slot(birth))
    lacking_slot = next(
        s for s in birth.case.documents.filter(is_required=True) if s.needs_upload(birth.procedure) and s != first_scan
    )
    client.post(url("documents", birth), {"document": lacking_slot.pk, "action": "clear"}, **EN)  # not brought

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            filing_url(filing),
            {"decision": "supplement", "note": "Mang bản chính khi nhận kết quả.", "days": "5"},
            **EN,
        )

    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.code
    parts = {p.procedure.code: p for p in filing.parts.all()}
    birth = parts[BIRTH]
    assert birth.status == Status.SUPPLEMENT_REQUESTED
    assert lacking_slot.name in birth.supplement_request and "Mang bản chính" in birth.supplement_request
    assert "Còn thiếu giấy tờ" in birth.supplement_request  # the citizen reads it in Vietnamese, whatever the desk used
    for code, dossier in parts.items():
        if code != BIRTH:  # complete: waiting for the birth registration's result, as online
            assert dossier.status == (Status.SUBMITTED if dossier.needs_id else Status.ACCEPTED)
    # The citizen sends the missing paper online: the birth registration goes back to intake, as any supplement.
    client.force_login(filing.applicant)
    supplement_url = reverse("dossiers:supplement", kwargs={"public_id": birth.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            supplement_url, {f"document-{lacking_slot.pk}": file("giay-chung-sinh.pdf", pdf_bytes(1)), "send": "1"}
        )
    assert sent.status_code == 302
    birth.refresh_from_db()
    assert birth.status == Status.SUBMITTED and birth.documents.filter(required_document=lacking_slot).exists()


def test_a_supplement_request_with_a_wrong_number_of_days_says_so_and_registers_nothing(client_at_desk):
    filing = start_group(client_at_desk)
    client_at_desk.post(filing_url(filing, "declaration"), group_declaration(), **EN)

    response = client_at_desk.post(filing_url(filing), {"decision": "supplement", "days": "0"}, **EN)

    assert response.status_code == 400 and "greater than or equal to 1" in response.content.decode()
    filing.refresh_from_db()
    assert filing.code is None


def test_the_citizen_cannot_submit_what_the_desk_is_registering(client_at_desk, client):
    filing = start_group(client_at_desk)
    client_at_desk.post(filing_url(filing, "declaration"), group_declaration(), **EN)
    scan_everything(client_at_desk, filing)
    client.force_login(filing.applicant)

    review = f"/ho-so/lien-thong/{filing.public_id}/kiem-tra/"
    answer = captcha_answer(client.get(review, **EN).content.decode())
    response = client.post(review, {"confirm": "on", **answer}, **EN)

    assert response.status_code in (400, 409) and "the desk completes it" in response.content.decode()
    with pytest.raises(linked.LinkedFilingError):
        linked.submit_filing(filing=filing, by=filing.applicant)
    filing.refresh_from_db()
    assert filing.code is None and set(filing.parts.values_list("status", flat=True)) == {Status.DRAFT}


def test_linked_procedures_the_citizen_may_not_file_are_refused_together_with_the_reason(
    client_at_desk, desk, django_capture_on_commit_callbacks
):
    filing = start_group(client_at_desk)  # nothing declared, nothing scanned: refused all the same
    empty = client_at_desk.post(filing_url(filing), {"decision": "refuse", "reason": " "}, **EN)
    assert empty.status_code == 400 and LinkedFiling.objects.get(pk=filing.pk).code is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client_at_desk.post(filing_url(filing), {"decision": "refuse", "reason": "Trẻ đã trên 6 tuổi"}, **EN)

    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.code
    for dossier in filing.parts.all():
        assert dossier.status == Status.REFUSED and dossier.code
        refused = dossier.events.get(action=DossierAction.REFUSE)
        assert refused.actor == desk and "Trẻ đã trên 6 tuổi" in refused.public_note
        assert DossierNotice.objects.filter(dossier=dossier, kind="03").exists()


def test_the_counter_lists_linked_procedures_being_registered_with_the_single_dossiers(client_at_desk):
    filing = start_group(client_at_desk)

    page = client_at_desk.get(START, **EN).content.decode()

    drafts = page[page.index('id="counter-drafts"') :].split("</table>")[0]
    assert f'href="{filing_url(filing)}"' in drafts and filing.group.name in drafts
    assert not any(url("review", part) in drafts for part in filing.parts.all())  # not each procedure on its own
