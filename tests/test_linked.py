"""Linked procedures filed once (Decree 63/2024/NĐ-CP): a birth registration, the child's permanent residence and
health-insurance card in one filing; each agency processes its part; results flow to the parts waiting for them."""

import json
import re
from datetime import date

import pytest
from captcha.models import CaptchaStore
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from dossiers import linked, processing, services
from dossiers.constants import Status
from dossiers.events import DossierAction
from dossiers.models import Dossier, DossierCodeCounter, LinkedFiling
from dossiers.workflow import InvalidTransition
from portal import access
from portal.accounts.constants import Role
from procedures import routing
from procedures.eforms import EForm
from procedures.groups import load_groups
from procedures.models import Agency, ProcedureGroup

from .conftest import restore_session_data
from .factories import CitizenFactory, official, superuser
from .filing import HAC_THANH, PDF_BYTES, address, birth_declaration
from .test_dossier_codes import in_threads

BIRTH_GROUP = "khai-sinh-thuong-tru-bhyt"
DEATH_GROUP = "khai-tu-mai-tang"
POLICE = "000.23.30.H56"  # Công an phường Hạc Thành
SOCIAL_INSURANCE = "000.00.20.H56"  # Bảo hiểm xã hội tỉnh Thanh Hóa
DONG_SON = "000.22.30.H56"  # Ủy ban nhân dân xã Đông Sơn


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def _centre() -> Agency:
    """Hạc Thành's one-stop desk receives dossiers for any procedure the province lets any centre receive."""
    Agency.objects.filter(code=HAC_THANH).update(receives_dossiers=True)
    return Agency.objects.get(code=HAC_THANH)


def group_declaration(**overrides) -> dict:
    """What the citizen types into the group's one e-form (the birth declaration, then residence and insurance)."""
    return birth_declaration(
        **address("residence_address"),
        household_head="Nguyễn Văn An",
        relation_to_head="Con",
        health_facility="Trạm Y tế phường Hạc Thành",
        contact_phone="0912345678",
        **overrides,
    )


def _cases(group: ProcedureGroup) -> dict:
    """The first case of each procedure (the residence: "về ở với cha, mẹ" is the child's case)."""
    chosen = {}
    for member in group.members.select_related("procedure"):
        cases = list(member.procedure.cases.all())
        chosen[member.pk] = next((c for c in cases if "cha/mẹ" in c.name), cases[0])
    return chosen


def ready_filing(owner=None, *, centre: Agency | None = None) -> LinkedFiling:
    """Group (a) with its declaration and every required scan, not submitted."""
    owner = owner or CitizenFactory()
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    filing = linked.start_filing(group=group, applicant=owner, received_by=centre or _centre(), cases=_cases(group))
    form = EForm(group_declaration(), spec=group.eform)
    assert form.is_valid(), form.errors
    linked.save_declaration(filing=filing, data=form.to_json())
    for part in filing.parts.all():
        for slot in part.case.documents.filter(is_required=True):
            if slot.asks_for_scan(part.procedure):
                linked.attach_document(
                    filing=filing, part=part, required_document=slot, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
                )
    return filing


def _part(filing: LinkedFiling, code: str) -> Dossier:
    return filing.parts.get(procedure__code=code)


def finish(part: Dossier, *, result_reference: str = "") -> Dossier:
    """The normal back office: the receiving centre's desk accepts; the competent agency assigns, checks, approves."""
    processing.accept(dossier=part, by=official(Role.DESK, part.receiving_centre))
    agency = Agency.objects.get(pk=part.agency_id)
    specialist, leader = official(Role.SPECIALIST, agency), official(Role.LEADER, agency)
    processing.assign(dossier=part, by=official(Role.DESK, agency), handler=specialist)
    processing.submit_for_approval(dossier=part, by=specialist, leader=leader)
    result = SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")  # signed by the leader
    return processing.approve(
        dossier=part, by=leader, result=result, pin=settings.SIGNATURE_DEMO_PIN, result_reference=result_reference
    )


def test_the_demo_defines_both_groups_of_the_decree_as_data(catalogue):
    births = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    members = list(births.members.select_related("procedure", "agency", "needs__procedure"))

    assert [m.procedure.code for m in members] == ["1.001193", "1.004222", "1.014137"]
    assert [m.agency.code if m.agency else None for m in members] == [None, POLICE, SOCIAL_INSURANCE]
    assert [m.needs.procedure.code if m.needs else None for m in members] == [None, "1.001193", "1.001193"]
    assert members[1].inputs["so_dang_ky_khai_sinh"] == "result_reference"
    deaths = ProcedureGroup.objects.get(code=DEATH_GROUP)
    assert [m.procedure.code for m in deaths.members.all()] == ["1.000656", "1.001731"]


def test_loading_the_groups_again_changes_nothing(catalogue, settings):
    before = list(ProcedureGroup.objects.values_list("code", "members__procedure__code", "members__needs"))

    load_groups(settings.BASE_DIR / "procedures" / "demo" / "groups.json")

    assert list(ProcedureGroup.objects.values_list("code", "members__procedure__code", "members__needs")) == before


def test_the_groups_e_form_is_a_complete_birth_declaration(catalogue):
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    birth = group.members.get(procedure__code="1.001193").procedure
    group_form = EForm(group_declaration(), spec=group.eform)
    assert group_form.is_valid(), group_form.errors

    assert EForm(group_declaration(), spec=birth.eform).is_valid()


def test_a_filing_starts_one_draft_per_procedure_for_its_competent_agency(catalogue):
    filing = ready_filing()

    parts = linked.parts_of(filing)
    assert [(p.procedure.code, p.agency.code, p.received_by.code) for p in parts] == [
        ("1.001193", HAC_THANH, HAC_THANH),
        ("1.004222", POLICE, HAC_THANH),
        ("1.014137", SOCIAL_INSURANCE, HAC_THANH),
    ]
    assert [p.needs_id for p in parts] == [None, parts[0].pk, parts[0].pk]
    assert all(p.is_draft and p.form_data["child_name"] == "Nguyễn Minh Khôi" for p in parts)


def test_only_a_centre_that_may_receive_every_procedure_of_the_group_is_offered(catalogue):
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    centre = _centre()
    dong_son = Agency.objects.get(code=DONG_SON)  # a commune that handles births only, made no one-stop centre here
    Agency.objects.filter(pk=dong_son.pk).update(receives_dossiers=False)
    dong_son.refresh_from_db()

    assert centre in linked.receiving_centres(group)
    assert dong_son not in linked.receiving_centres(group)
    with pytest.raises(routing.RoutingError, match="cannot receive dossiers"):
        linked.start_filing(group=group, applicant=CitizenFactory(), received_by=dong_son, cases=_cases(group))
    assert not LinkedFiling.objects.filter(received_by=dong_son).exists()  # nothing half-made is left


def test_the_residence_case_must_be_chosen(catalogue):
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)

    with pytest.raises(linked.LinkedFilingError, match="Choose the case"):
        linked.start_filing(group=group, applicant=CitizenFactory(), received_by=_centre())


def test_submission_gives_the_filing_and_every_part_a_code_from_the_receiving_centre(catalogue):
    filing = ready_filing()

    filing, submitted = linked.submit_filing(filing=filing, by=filing.applicant)

    day = timezone.localdate().strftime("%y%m%d")
    parts = linked.parts_of(filing)
    codes = [filing.code, *(p.code for p in parts)]
    assert submitted and filing.submitted_at is not None
    assert all(code.startswith(f"{HAC_THANH}-{day}-") for code in codes)
    numbers = [int(code.rsplit("-", 1)[1]) for code in codes]
    assert numbers == list(range(numbers[0], numbers[0] + 4))  # one counter: the filing's number, then each part's
    assert [p.status for p in parts] == [Status.SUBMITTED] * 3
    assert [list(p.events.values_list("action", flat=True)) for p in parts] == [[DossierAction.SUBMIT]] * 3
    assert [p.is_waiting for p in parts] == [False, True, True]


def test_a_filing_without_every_parts_documents_is_not_submitted(catalogue):
    filing = ready_filing()
    residence = _part(filing, "1.004222")
    residence.documents.all().delete()

    with pytest.raises(linked.LinkedFilingError, match="Missing document for “Đăng ký thường trú”"):
        linked.submit_filing(filing=filing, by=filing.applicant)
    assert not Dossier.objects.filter(filing=filing).exclude(status=Status.DRAFT).exists()


def test_a_part_cannot_be_submitted_on_its_own(catalogue):
    filing = ready_filing()

    with pytest.raises(services.DossierError, match="part of linked procedures"):
        services.submit_dossier(dossier=_part(filing, "1.001193"), by=filing.applicant)


def test_a_waiting_part_cannot_be_accepted_until_the_part_it_needs_is_done(catalogue):
    owner = CitizenFactory()
    filing = ready_filing(owner)
    filing, _ = linked.submit_filing(filing=filing, by=owner)
    residence = _part(filing, "1.004222")

    with pytest.raises(InvalidTransition, match=r"starts when .* is done"):
        processing.accept(dossier=residence, by=official(Role.DESK, HAC_THANH))
    # The back office lists the reason instead of offering the button.
    assert processing.why_not(residence, "accept") == processing.waiting_reason(residence)

    finish(_part(filing, "1.001193"), result_reference="125/2026")
    processing.accept(dossier=residence, by=official(Role.DESK, HAC_THANH))
    assert Dossier.objects.get(pk=residence.pk).status == Status.ACCEPTED


def test_the_birth_registrations_number_and_the_childs_details_reach_the_waiting_parts(catalogue):
    filing, _ = linked.submit_filing(filing=(f := ready_filing()), by=f.applicant)

    finish(_part(filing, "1.001193"), result_reference="125/2026")

    residence, insurance = _part(filing, "1.004222"), _part(filing, "1.014137")
    assert residence.form_data["so_dang_ky_khai_sinh"] == "125/2026"
    assert residence.form_data["applicant_name"] == "Nguyễn Minh Khôi"
    assert residence.form_data["new_address"]["ward"] == "Phường Hạc Thành"
    assert insurance.form_data["so_dang_ky_khai_sinh"] == "125/2026"
    assert insurance.form_data["health_facility"] == "Trạm Y tế phường Hạc Thành"
    event = residence.events.get(action=DossierAction.PREREQUISITE_DONE)
    # What arrived, recorded in Vietnamese though this test runs in English (the record is the citizen's).
    assert event.public_note.startswith("Thủ tục đăng ký khai sinh đã có kết quả")
    assert "Số kết quả" in event.public_note and "Họ, chữ đệm, tên" in event.public_note
    assert "Nguyễn Minh Khôi" not in event.public_note  # the look-up shows public notes: no personal data there
    assert "125/2026" in event.note and "Nguyễn Minh Khôi" in event.note  # the officials see the values
    assert event.to_status == Status.SUBMITTED  # it may now be accepted; nothing else changed
    assert not residence.is_waiting
    # Dates read as officials write them: "12/10/2026", not the stored "2026-10-12".
    passed_on = insurance.events.get(action=DossierAction.PREREQUISITE_DONE).note
    birth_date = date.fromisoformat(insurance.form_data["child_birth_date"])
    assert birth_date.strftime("%d/%m/%Y") in passed_on and not re.search(r"\d{4}-\d{2}-\d{2}", passed_on)


def test_the_filing_is_done_when_every_part_is(catalogue):
    filing, _ = linked.submit_filing(filing=(f := ready_filing()), by=f.applicant)
    birth, residence, insurance = linked.parts_of(filing)

    finish(birth, result_reference="125/2026")
    finish(residence)
    assert not linked.is_done(filing)

    finish(insurance, result_reference="TE1383820000001")
    assert linked.is_done(filing)


def test_each_agency_sees_only_its_part_and_the_receiving_centre_sees_them_all(catalogue):
    filing, _ = linked.submit_filing(filing=(f := ready_filing()), by=f.applicant)
    parts = {p.procedure.code: p.pk for p in filing.parts.all()}

    def seen_by(agency_code):
        user = official(Role.SPECIALIST, agency_code)
        return set(access.visible(Dossier.objects.filter(filing=filing), user).values_list("pk", flat=True))

    assert seen_by(POLICE) == {parts["1.004222"]}
    assert seen_by(SOCIAL_INSURANCE) == {parts["1.014137"]}
    assert seen_by(HAC_THANH) == set(parts.values())
    assert seen_by(DONG_SON) == set()


def test_another_citizen_cannot_submit_or_open_the_filing(catalogue):
    filing = ready_filing()
    stranger = CitizenFactory()

    with pytest.raises(linked.LinkedFilingError):
        linked.submit_filing(filing=filing, by=stranger)
    from django.http import Http404

    with pytest.raises(Http404):
        linked.filing_for(stranger, filing.public_id)


@pytest.mark.django_db(transaction=True)
def test_the_same_filing_submitted_twice_at_once_gets_one_set_of_codes():
    restore_session_data()
    filing = ready_filing()
    counters_before = sum(DossierCodeCounter.objects.values_list("last", flat=True))

    results = in_threads(lambda: linked.submit_filing(filing=filing, by=filing.applicant), count=2, workers=2)

    assert sorted(submitted for _, submitted in results) == [False, True]
    assert len({f.code for f, _ in results}) == 1
    assert sum(DossierCodeCounter.objects.values_list("last", flat=True)) - counters_before == 4
    assert [p.events.count() for p in Dossier.objects.filter(filing=filing)] == [1, 1, 1]


# --- Pages -----------------------------------------------------------------------------------------------------

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _captcha(client, url) -> dict:
    html = client.get(url, **EN).content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def test_the_pages_of_each_procedure_offer_to_file_the_group_together(client, catalogue):
    for code in ("1.001193", "1.004222", "1.014137"):
        html = client.get(f"/thu-tuc/{code}/", **EN).content.decode()
        assert "/ho-so/lien-thong/nop/khai-sinh-thuong-tru-bhyt/" in html
        assert "File these procedures together" in html


def test_a_citizen_files_the_group_through_the_pages(client, catalogue):
    centre = _centre()
    owner = CitizenFactory()
    client.force_login(owner)
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    residence = group.members.get(procedure__code="1.004222")
    insurance = group.members.get(procedure__code="1.014137")
    cases = _cases(group)

    start = client.get(f"/ho-so/lien-thong/nop/{BIRTH_GROUP}/", **EN)
    assert start.status_code == 200 and centre.name in start.content.decode()
    response = client.post(
        f"/ho-so/lien-thong/nop/{BIRTH_GROUP}/",
        {
            "centre": centre.pk,
            f"case_{residence.pk}": cases[residence.pk].pk,
            f"case_{insurance.pk}": cases[insurance.pk].pk,
        },
    )
    filing = LinkedFiling.objects.get(applicant=owner)
    assert response.url == f"/ho-so/lien-thong/{filing.public_id}/to-khai/"

    declared = group_declaration(requester_address_ward="Hàm Rồng", requester_address_street="5 Trần Phú")
    assert client.post(response.url, declared).status_code == 302
    # The results' postal address is offered from the group's declaration, its first address (the requester's).
    offered = client.get(f"/ho-so/lien-thong/{filing.public_id}/nhan-ket-qua/").content.decode()
    assert 'name="address_ward" value="Phường Hàm Rồng"' in offered and 'value="5 Trần Phú"' in offered
    uploads = {}
    for part in filing.parts.all():
        for slot in part.case.documents.filter(is_required=True):
            if slot.asks_for_scan(part.procedure):
                uploads[f"document-{slot.pk}"] = SimpleUploadedFile(f"{slot.pk}.pdf", PDF_BYTES)
    documents = client.post(f"/ho-so/lien-thong/{filing.public_id}/giay-to/", {"continue": "1", **uploads})
    assert documents.url == f"/ho-so/lien-thong/{filing.public_id}/nhan-ket-qua/"
    choices = {f"method_{part.pk}": "online" for part in filing.parts.exclude(procedure__code="1.004222")}
    delivery = client.post(documents.url, choices)
    assert delivery.url == f"/ho-so/lien-thong/{filing.public_id}/kiem-tra/"
    review_url = delivery.url
    submitted = client.post(review_url, {"confirm": "on", **_captcha(client, review_url)})

    filing.refresh_from_db()
    assert submitted.url == f"/ho-so/lien-thong/{filing.public_id}/"
    page = client.get(submitted.url, **EN).content.decode()
    assert filing.code in page and "Your dossiers have been submitted" in page
    for part in filing.parts.all():
        assert part.code in page and part.agency.name in page
    mine = client.get("/ho-so/", **EN).content.decode()
    assert filing.code in mine and "Linked procedures filed together" in mine


def _look_up(client, code: str, id_number: str = ""):
    data = {"code": code, "id_number": id_number, **_captcha(client, "/tra-cuu/")}
    return client.post("/tra-cuu/", data, **EN)


def test_looking_up_the_filing_code_shows_every_part_masked(client, catalogue):
    owner = CitizenFactory(full_name="Nguyễn Văn An")
    filing, _ = linked.submit_filing(filing=ready_filing(owner), by=owner)
    finish(_part(filing, "1.001193"), result_reference="125/2026")

    response = _look_up(client, filing.code)

    html = response.content.decode()
    assert response.status_code == 200
    assert all(part.code in html for part in filing.parts.all())
    assert "Công an phường Hạc Thành" in html and "Bảo hiểm xã hội tỉnh Thanh Hóa" in html
    assert "Nguyễn V*** A**" in html and "Nguyễn Văn An" not in html
    assert "Nguyễn Minh Khôi" not in html and "125/2026" not in html  # no personal data, no result number


def test_a_filing_looked_up_with_the_cccd_stays_whole_after_the_language_switch(client, catalogue):
    """Read again in the other language, the filing came back masked though the ID number had been given."""
    owner = CitizenFactory(full_name="Nguyễn Văn An", id_number="038090005678")
    filing, _ = linked.submit_filing(filing=ready_filing(owner), by=owner)

    html = _look_up(client, filing.code, id_number=owner.id_number).content.decode()
    assert "Nguyễn Văn An" in html
    again = re.search(r'name="next" value="([^"]+)"', html).group(1).replace("&amp;", "&")

    switched = client.get(again, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "Nguyễn Văn An" in switched and "Nguyễn V*** A**" not in switched
    elsewhere = Client().get(again).content.decode()  # the link alone, in another browser: masked
    assert "Nguyễn V*** A**" in elsewhere and "Nguyễn Văn An" not in elsewhere


def test_looking_up_a_parts_code_shows_that_part_and_names_the_filing(client, catalogue):
    filing, _ = linked.submit_filing(filing=(f := ready_filing()), by=f.applicant)
    residence = _part(filing, "1.004222")

    html = _look_up(client, residence.code).content.decode()

    assert residence.code in html and filing.code in html
    assert _part(filing, "1.014137").code not in html


def test_a_parts_pages_name_its_filing_and_what_it_waits_for(client, catalogue):
    owner = CitizenFactory()
    filing, _ = linked.submit_filing(filing=ready_filing(owner), by=owner)
    residence = _part(filing, "1.004222")
    birth = _part(filing, "1.001193")

    client.force_login(official(Role.DESK, POLICE))
    back_office = client.get(reverse("admin:dossiers_dossier_change", args=[residence.pk]), **EN).content.decode()
    assert f"Part of linked filing {filing.code}" in back_office
    assert f"Waiting: it starts when dossier {birth.code}" in back_office

    client.force_login(owner)
    page = client.get(residence.get_absolute_url(), **EN).content.decode()
    assert f"/ho-so/lien-thong/{filing.public_id}/" in page and "Waiting" in page


def _write_groups(tmp_path, members: list[dict]):
    path = tmp_path / "groups.json"
    path.write_text(json.dumps({"groups": [{"code": "thu", "name": "Thử", "members": members}]}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("members", "problem"),
    [
        ([{"procedure": "1.001193"}, {"procedure": "9.999999"}], "no procedure"),
        ([{"procedure": "1.001193"}, {"procedure": "1.004222", "agency": SOCIAL_INSURANCE}], "does not handle"),
        ([{"procedure": "1.004222", "needs": "1.001193"}, {"procedure": "1.001193"}], "not listed before it"),
        (
            [{"procedure": "1.001193"}, {"procedure": "1.004222", "needs": "1.001193", "inputs": {"x": "y"}}],
            "neither result_reference nor form",
        ),
    ],
)
def test_a_group_file_with_a_mistake_is_refused_whole(catalogue, tmp_path, members, problem):
    with pytest.raises(ValidationError, match=problem):
        load_groups(_write_groups(tmp_path, members))
    assert not ProcedureGroup.objects.filter(code="thu").exists()


def test_the_back_office_edits_a_group_with_its_procedures(client, catalogue):
    client.force_login(superuser())
    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)

    page = client.get(reverse("admin:procedures_proceduregroup_change", args=[group.pk]), **EN)

    assert page.status_code == 200
    assert "1.004222" in page.content.decode()


def test_group_b_files_a_death_registration_and_the_funeral_allowance_at_a_commune(catalogue):
    """The sample catalogue has no "xóa đăng ký thường trú": group (b) links the two procedures it has."""
    group = ProcedureGroup.objects.get(code=DEATH_GROUP)
    dong_son = Agency.objects.get(code=DONG_SON)  # handles both: no one-stop rule needed
    owner = CitizenFactory()
    assert dong_son in linked.receiving_centres(group)
    filing = linked.start_filing(group=group, applicant=owner, received_by=dong_son)
    form = EForm(
        {
            "requester_name": "Nguyễn Văn An",
            "requester_id": "038090001234",
            "requester_relation": "Con",
            "deceased_name": "Nguyễn Văn Bình",
            "deceased_birth_date": "1940-03-02",
            "deceased_sex": "Nam",
            **address("deceased_address", ward="Đông Sơn"),
            "death_date": "2026-11-20",
            "death_place": "Tại nhà",
            "death_cause": "Tuổi già",
            "funeral_organiser": "Nguyễn Văn An",
            "funeral_organiser_relation": "Con",
            "contact_phone": "0912345678",
        },
        spec=group.eform,
    )
    assert form.is_valid(), form.errors
    linked.save_declaration(filing=filing, data=form.to_json())
    for part in filing.parts.all():
        for slot in part.case.documents.filter(is_required=True):
            if slot.asks_for_scan(part.procedure):
                linked.attach_document(
                    filing=filing, part=part, required_document=slot, upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
                )

    filing, _ = linked.submit_filing(filing=filing, by=owner)
    death, funeral = linked.parts_of(filing)
    finish(death, result_reference="37/2026")

    funeral.refresh_from_db()
    assert filing.code.startswith(DONG_SON) and {death.agency.code, funeral.agency.code} == {DONG_SON}
    assert funeral.form_data["so_dang_ky_khai_tu"] == "37/2026"
    assert funeral.form_data["deceased_name"] == "Nguyễn Văn Bình"


def test_a_part_whose_prerequisite_was_refused_says_so(catalogue):
    owner = CitizenFactory()
    filing, _ = linked.submit_filing(filing=ready_filing(owner), by=owner)
    birth, residence = _part(filing, "1.001193"), _part(filing, "1.004222")
    processing.refuse(dossier=birth, by=official(Role.DESK, HAC_THANH), reason="Giấy chứng sinh không hợp lệ.")
    residence.refresh_from_db()

    with translation.override("en"):
        reason = processing.why_not(residence, "accept")
    assert "cannot start" in reason and birth.code in reason and "Refuse it" in reason
    processing.refuse(dossier=residence, by=official(Role.DESK, HAC_THANH), reason="Không đủ điều kiện.")
    assert Dossier.objects.get(pk=residence.pk).status == Status.REFUSED


def test_the_back_office_saves_a_group_whose_e_form_and_inputs_were_left_empty(client, catalogue):
    """The boxes are JSON; an emptied one is the field's default (it answered 500: null in a NOT NULL column)."""
    client.force_login(superuser())
    birth = ProcedureGroup.objects.get(code=BIRTH_GROUP).members.order_by("position").first()
    management = {f"members-{name}": value for name, value in [("TOTAL_FORMS", 1), ("INITIAL_FORMS", 0)]}
    member = {"members-0-position": 1, "members-0-procedure": birth.procedure_id, "members-0-inputs": ""}

    response = client.post(
        reverse("admin:procedures_proceduregroup_add"),
        {"code": "nhom-thu", "name": "Nhóm thử", "eform": "", "is_published": "", **management, **member},
    )

    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    group = ProcedureGroup.objects.get(code="nhom-thu")
    assert group.eform == [] and [m.inputs for m in group.members.all()] == [{}]


def test_a_procedures_e_form_typed_as_null_is_no_fields():
    from django.forms import modelform_factory

    from procedures.models import Procedure

    form = modelform_factory(Procedure, fields=["eform", "unverified"])({"eform": "null", "unverified": ""})

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["eform"], form.cleaned_data["unverified"]) == ([], [])


def test_every_json_column_that_is_never_null_reads_an_empty_box_as_its_default():
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings
    from django.db import models

    from portal.model_fields import JSONField

    project = Path(settings.BASE_DIR)
    ours = [
        c
        for c in apps.get_app_configs()
        if Path(c.path).is_relative_to(project) and not Path(c.path).is_relative_to(project / ".venv")
    ]
    assert {"dossiers", "procedures", "payments"} <= {c.label for c in ours}
    blank = [
        f"{model.__name__}.{field.name}"
        for config in ours
        for model in config.get_models()
        for field in model._meta.fields
        if isinstance(field, models.JSONField) and field.blank and not field.null and not isinstance(field, JSONField)
    ]
    assert blank == []


def test_the_filings_page_says_what_is_still_to_pay_and_where(client, catalogue):
    """ "Every result is ready" was all it said while 18.000 đ were owed, and a result is held until paid."""
    from portal.money import vnd

    filing, _ = linked.submit_filing(filing=(f := ready_filing()), by=f.applicant)
    owed = sum(processing.owed_before_return(part) for part in linked.parts_of(filing))  # billed, not quoted
    assert owed > 0
    client.force_login(filing.applicant)

    page = client.get(reverse("dossiers:linked_detail", kwargs={"public_id": filing.public_id})).content.decode()

    summary = page.split('id="filing-owed"')[1].split("</dd>")[0]
    with translation.override("vi"):
        assert f"còn phải nộp {vnd(owed)}" in summary
