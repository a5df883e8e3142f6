import pytest
from vietnam_provinces import Ward

from dossiers.constants import Status
from portal import demo
from portal.accounts.constants import Role
from portal.accounts.models import User
from procedures import routing
from procedures.constants import AdministrativeLevel
from procedures.models import Agency, Procedure

pytestmark = pytest.mark.django_db

THANH_HOA = 38  # province code in the official list of 2025
HAC_THANH = "000.20.30.H56"
HAC_THANH_POLICE = "000.23.30.H56"
PROVINCIAL_CENTRE = "000.00.01.H56"
JUSTICE = "000.00.12.H56"
PROVINCIAL_POLICE = "000.00.19.H56"
SOCIAL_INSURANCE = "000.00.20.H56"


def handled_by(code: str) -> set[str]:
    return set(Procedure.objects.get(code=code).agencies.filter(is_active=True).values_list("code", flat=True))


def test_the_demo_gives_the_back_office_a_queue_once(catalogue):
    assert demo.create_demo_dossiers() == 4

    statuses = sorted(demo.User.objects.get(username="congdan").dossiers.values_list("status", flat=True))
    assert statuses == [Status.SUBMITTED, Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED]
    assert demo.create_demo_dossiers() == 0


def test_the_demo_shows_a_routed_dossier_and_a_linked_filing_once(catalogue):
    demo.create_demo_accounts()
    assert demo.create_demo_routed_and_linked() == 4

    citizen = demo.User.objects.get(username="congdan")
    routed = citizen.dossiers.get(procedure__code=demo.CRIMINAL_RECORD)
    assert routed.received_by.code == HAC_THANH and routed.agency.code != HAC_THANH
    assert (routed.status, routed.handler.username) == (Status.PROCESSING, "chuyenvien.congan")
    filing = citizen.filings.get()
    parts = {part.procedure.code: part for part in filing.parts.all()}
    assert parts["1.001193"].status == Status.RESULT_READY and parts["1.001193"].result_reference == "125/2026"
    assert not parts["1.004222"].is_waiting and not parts["1.014137"].is_waiting
    assert demo.create_demo_routed_and_linked() == 0


def test_the_demo_citizen_has_a_returned_dossier_with_a_signed_electronic_result_once(catalogue):
    from portal.signing import verify

    demo.create_demo_accounts()
    assert demo.create_demo_signed_result() == 1

    dossier = demo.User.objects.get(username="congdan").dossiers.get(result_signed_at__isnull=False)
    assert dossier.status == Status.RETURNED
    report = verify.verify(dossier.result_file.read())
    assert report.verdict == verify.VALID and report.dossier_code == dossier.code
    assert [s.is_seal for s in report.signatures] == [False, True]  # the leader's signature, then the seal
    assert demo.create_demo_signed_result() == 0


def test_the_demo_province_has_no_district_agency(catalogue):
    assert not Agency.objects.filter(level=AdministrativeLevel.DISTRICT).exists()
    for agency in Agency.objects.all():
        assert "huyện" not in agency.name.lower(), agency.name
        assert agency.level in (AdministrativeLevel.PROVINCE, AdministrativeLevel.COMMUNE)


def test_one_stop_centres_are_the_provincial_centre_and_real_2025_wards_of_thanh_hoa(catalogue):
    wards = {str(int(w.code)): w for w in Ward.iter_all() if int(w.province_code) == THANH_HOA}
    centres = Agency.objects.filter(receives_dossiers=True, is_active=True)

    assert set(centres.filter(level=AdministrativeLevel.PROVINCE).values_list("code", flat=True)) == {PROVINCIAL_CENTRE}
    communes = centres.filter(level=AdministrativeLevel.COMMUNE)
    assert HAC_THANH in {c.code for c in communes} and communes.count() >= 5
    assert {w.name.split()[0] for w in (wards[c.ward_code] for c in communes)} == {"Phường", "Xã"}
    for centre in communes:
        ward = wards[centre.ward_code]  # a ward or commune of Thanh Hóa in the 2025 list
        kind, name = ward.name.split(" ", 1)
        assert centre.name == f"Ủy ban nhân dân {kind.lower()} {name}"
        assert centre.parent.code == "000.00.00.H56"
    assert Agency.objects.get(code=HAC_THANH).ward_code == "14797"  # Phường Hạc Thành


def test_loading_the_agencies_again_changes_nothing_and_retires_the_former_tier(catalogue):
    former = Agency.objects.create(code="000.00.30.H56", name="Cơ quan cũ", level=AdministrativeLevel.DISTRICT)
    before = list(Agency.objects.exclude(pk=former.pk).values().order_by("code"))

    demo.load_agencies()

    assert list(Agency.objects.exclude(pk=former.pk).values().order_by("code")) == before
    former.refresh_from_db()
    assert not former.is_active and not former.receives_dossiers


def test_commune_procedures_are_handled_by_every_commune_centre(catalogue):
    communes = {a.code for a in demo.commune_centres()}

    assert handled_by("1.001193") == communes  # khai sinh
    assert communes <= handled_by("1.000894")  # kết hôn


def test_provincial_and_police_procedures_go_to_their_agencies(catalogue):
    assert handled_by("1.014137") == {SOCIAL_INSURANCE}  # thẻ bảo hiểm y tế
    assert handled_by("1.004222") == {HAC_THANH_POLICE}  # đăng ký thường trú
    assert handled_by("1.004194") == {HAC_THANH_POLICE}  # đăng ký tạm trú
    assert handled_by("3.000333") == {PROVINCIAL_POLICE}  # lý lịch tư pháp: the police since 1 July 2025
    assert JUSTICE in handled_by("2.000635")  # bản sao trích lục hộ tịch from the civil status database


def test_former_district_procedures_go_by_their_district_rule(catalogue):
    communes = {a.code for a in demo.commune_centres()}
    for code in ("1.001612", "2.002481", "2.000815", "2.000884"):
        procedure = Procedure.objects.get(code=code)
        assert procedure.district_legacy and procedure.at_district
        assert routing.level_for_district_record(procedure) == AdministrativeLevel.COMMUNE
        assert procedure.administrative_levels == [AdministrativeLevel.COMMUNE]
        assert communes <= handled_by(code)


def test_demo_officials_work_at_the_province_its_departments_and_two_wards(catalogue):
    expected = {
        HAC_THANH: {"tiepnhan", "chuyenvien", "lanhdao", "thuphi", "quantridonvi"},
        PROVINCIAL_CENTRE: {"tiepnhan.tinh", "chuyenvien.tinh", "lanhdao.tinh", "thuphi.tinh"},  # a cashier at each
        # one-stop centre: it takes the money for the dossiers it receives
        JUSTICE: {"tiepnhan.sotuphap", "chuyenvien.sotuphap", "lanhdao.sotuphap"},
        PROVINCIAL_POLICE: {"tiepnhan.congan", "chuyenvien.congan", "lanhdao.congan"},
        HAC_THANH_POLICE: {"tiepnhan.conganhacthanh", "chuyenvien.conganhacthanh", "lanhdao.conganhacthanh"},
        SOCIAL_INSURANCE: {"tiepnhan.bhxh", "chuyenvien.bhxh", "lanhdao.bhxh"},
        "000.24.30.H56": {"tiepnhan.hamrong", "chuyenvien.hamrong", "lanhdao.hamrong", "thuphi.hamrong"},
    }
    for code, usernames in expected.items():
        officials = User.objects.filter(agency__code=code, is_staff=True)
        assert set(officials.values_list("username", flat=True)) == usernames
        assert {Role.DESK, Role.SPECIALIST, Role.LEADER} <= set(officials.values_list("role", flat=True))
        assert all(user.check_password(demo.DEMO_PASSWORD) for user in officials)
    assert User.objects.get(username="congdan").check_password(demo.DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser
    assert demo.create_demo_accounts() == []  # once
