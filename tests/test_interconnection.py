"""Interconnection with the national public service portal, against a real peer: the fake national portal, a
separate HTTP process speaking its shapes (tests/peers/national_portal.py)."""

import base64
import json
import re
import secrets
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import processing, services
from dossiers.constants import Channel, Status
from dossiers.models import Dossier
from interconnection import services as sync
from interconnection.constants import SyncState
from interconnection.models import DossierSync, InboundDossier, StatusMapping, SyncChange
from payments.constants import RequestStatus
from payments.models import PaymentRequest
from payments.services.counter import record_counter_payment
from portal.accounts.constants import Role
from portal.accounts.models import User
from procedures.eforms import EForm
from procedures.models import Agency, Procedure

from .factories import CitizenFactory
from .filing import HAC_THANH, PDF_BYTES, birth_declaration, image_bytes
from .interconnection_support import connect

BIRTH = "1.001193"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
STAMP = re.compile(r"^\d{14}$")


@pytest.fixture
def staff(catalogue):
    by_role = {u.role: u for u in User.objects.filter(agency__code=HAC_THANH, kind="official")}
    return {role: by_role[role] for role in (Role.DESK, Role.SPECIALIST, Role.LEADER, Role.CASHIER)}


def new_id_number() -> str:
    return f"038090{secrets.randbelow(10**6):06d}"


def file_birth(citizen=None) -> Dossier:
    citizen = citizen or CitizenFactory(id_number=new_id_number(), email="an@example.vn")
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.filter(is_required=True):
        services.attach_document(
            dossier=dossier, required_document=slot, upload=SimpleUploadedFile("scan.pdf", PDF_BYTES)
        )
    dossier, _ = services.submit_dossier(dossier=dossier, by=citizen)
    return dossier


@pytest.fixture
def national_portal(settings, catalogue):
    from interconnection.client import DvcqgAdapter

    DvcqgAdapter.forget_session()
    yield connect(settings)
    DvcqgAdapter.forget_session()


def push(dossier, claim="task-1"):
    return sync.push(dossier_id=dossier.pk, claim=claim)


def stamp(value: datetime) -> str:
    return value.astimezone(VN).strftime("%Y%m%d%H%M%S")


# --- Outbound ----------------------------------------------------------------------------------------------------


def test_a_dossiers_whole_life_arrives_in_order_with_the_national_numbers_and_dates(national_portal, staff):
    desk, specialist, leader = staff[Role.DESK], staff[Role.SPECIALIST], staff[Role.LEADER]
    dossier = file_birth()
    fees = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    record_counter_payment(request=fees, by=staff[Role.CASHIER])  # paid at the counter: a timeline entry, no status
    assert push(dossier).state == SyncState.SYNCED
    steps = [
        lambda: processing.accept(dossier=dossier, by=desk),
        lambda: processing.assign(dossier=dossier, by=desk, handler=specialist),
        lambda: processing.submit_for_approval(dossier=dossier, by=specialist, leader=leader),
        lambda: processing.approve(
            dossier=dossier,
            by=leader,
            result=SimpleUploadedFile("kq.pdf", PDF_BYTES, content_type="application/pdf"),
            pin=settings.SIGNATURE_DEMO_PIN,
        ),
        lambda: processing.return_result(dossier=dossier, by=desk),
    ]
    for step in steps:
        step()
        assert push(dossier).state == SyncState.SYNCED

    dossier.refresh_from_db()
    headers = national_portal.received("DongBoHoSoMC")
    assert [h["isUpdating"] for h in headers] == ["False", "True", "True", "True", "True", "True"]
    assert [h["data"][0]["TrangThaiHoSo"] for h in headers] == ["1", "2", "4", "4", "9", "10"]
    assert {h["madonvi"] for h in headers} == {"000.00.00.H56"}
    last = headers[-1]["data"][0]
    assert last["MaHoSo"] == dossier.code and last["MaTTHC"] == BIRTH
    assert last["NgayHenTra"] == stamp(dossier.due_at) and last["NgayTiepNhan"] == stamp(dossier.accepted_at)
    assert last["NgayTra"] == stamp(dossier.returned_at) and last["NgayKetThucXuLy"] == stamp(dossier.finished_at)
    assert last["SoGiayToChuHoSo"] == dossier.applicant.id_number and last["DonViXuLy"] == HAC_THANH
    assert all(STAMP.match(last[key]) for key in ("NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayTra"))
    progress = [item for call in national_portal.received("CapNhatTienDoHoSoMC") for item in call["data"]]
    timeline = list(dossier.events.order_by("pk"))
    assert [p["TrangThai"] for p in progress] == [str(event.to_status) for event in timeline]
    assert [p["ThoiDiemXuLy"] for p in progress] == [stamp(event.created_at) for event in timeline]
    assert [p["TrangThai"] for p in progress if p["TrangThai"] != "1"] == ["2", "4", "4", "9", "10"]
    assert progress[0]["NoiDungXuLy"].startswith("Nộp trực tuyến")
    assert all(STAMP.match(p["ThoiDiemXuLy"]) for p in progress)
    assert DossierSync.objects.get(dossier=dossier).state == SyncState.SYNCED
    assert not SyncChange.objects.filter(dossier=dossier, sent_at__isnull=True).exists()


def test_the_portal_down_for_a_while_loses_nothing_and_sends_nothing_twice_or_out_of_order(national_portal, staff):
    desk, specialist = staff[Role.DESK], staff[Role.SPECIALIST]
    dossier = file_birth()
    national_portal.mode(fail=503)
    assert push(dossier).state == SyncState.PENDING
    processing.accept(dossier=dossier, by=desk)
    assert push(dossier).state == SyncState.PENDING
    processing.assign(dossier=dossier, by=desk, handler=specialist)
    row = DossierSync.objects.get(dossier=dossier)
    assert row.state == SyncState.PENDING and "503" in row.last_message
    assert national_portal.received() == []

    national_portal.mode(fail=0)
    assert push(dossier).state == SyncState.SYNCED
    assert push(dossier, claim="task-2").state == "skipped"  # nothing left: nothing sent again

    headers = national_portal.received("DongBoHoSoMC")
    assert [h["data"][0]["TrangThaiHoSo"] for h in headers] == ["4"]  # the current state, once
    progress = [item for call in national_portal.received("CapNhatTienDoHoSoMC") for item in call["data"]]
    assert [p["TrangThai"] for p in progress] == ["1", "2", "4"]


def test_retries_are_bounded_then_the_failure_shows_the_portals_message_and_resend_sends_it(
    national_portal, settings, staff
):
    settings.NATIONAL_PORTAL_MAX_ATTEMPTS = 2
    dossier = file_birth()
    national_portal.mode(fail=503)
    assert push(dossier).state == SyncState.PENDING
    assert push(dossier).state == SyncState.FAILED
    row = DossierSync.objects.get(dossier=dossier)
    assert row.failed_at and "Hệ thống đang bảo trì" in row.last_message and "2" in row.last_message

    national_portal.mode(fail=0)
    assert push(dossier).state == "skipped"  # a failed row waits for the back office
    assert sync.resend(sync=row)
    assert push(dossier).state == SyncState.SYNCED


def test_one_failing_dossier_never_holds_up_the_others_and_an_unmapped_status_is_reported(national_portal, staff):
    StatusMapping.objects.filter(status=Status.ACCEPTED).delete()
    stuck, other = file_birth(), file_birth(CitizenFactory())
    processing.accept(dossier=stuck, by=staff[Role.DESK])

    assert push(stuck).state == SyncState.FAILED
    assert push(other).state == SyncState.SYNCED
    row = DossierSync.objects.get(dossier=stuck)
    assert "(2)" in row.last_message
    assert [h["data"][0]["MaHoSo"] for h in national_portal.received("DongBoHoSoMC")] == [other.code]


def test_an_expired_session_is_renewed_and_the_call_repeated(national_portal, staff):
    dossier = file_birth()
    assert push(dossier).state == SyncState.SYNCED
    assert national_portal.state()["logins"] == 1
    national_portal.expire_sessions()
    processing.accept(dossier=dossier, by=staff[Role.DESK])

    assert push(dossier).state == SyncState.SYNCED
    assert national_portal.state()["logins"] == 2
    assert [h["data"][0]["TrangThaiHoSo"] for h in national_portal.received("DongBoHoSoMC")] == ["1", "2"]


def test_an_answer_slower_than_the_timeout_is_retried_later(national_portal, settings):
    settings.NATIONAL_PORTAL_READ_TIMEOUT = 0.3
    dossier = file_birth()
    national_portal.mode(delay=1.0)
    assert push(dossier).state == SyncState.PENDING
    assert "timed out" in DossierSync.objects.get(dossier=dossier).last_message.lower()
    national_portal.mode(delay=0)
    assert push(dossier).state == SyncState.SYNCED


def test_a_dossier_the_portal_already_has_is_sent_as_an_update(national_portal, staff):
    dossier = file_birth()
    assert push(dossier).state == SyncState.SYNCED
    DossierSync.objects.filter(dossier=dossier).update(known=False)  # e.g. the answer to the first send was lost
    processing.accept(dossier=dossier, by=staff[Role.DESK])

    assert push(dossier).state == SyncState.SYNCED
    assert [h["isUpdating"] for h in national_portal.received("DongBoHoSoMC")] == ["False", "True"]


def test_progress_goes_in_chunks_of_ten(national_portal, staff):
    dossier = file_birth()
    for _ in range(11):
        processing.log_event(dossier=dossier, action="post_in_transit", by=staff[Role.DESK])
    assert push(dossier).state == SyncState.SYNCED
    assert [len(call["data"]) for call in national_portal.received("CapNhatTienDoHoSoMC")] == [10, 2]


def test_the_sweep_publishes_rows_no_task_took(national_portal):
    dossier = file_birth()
    DossierSync.objects.filter(dossier=dossier).update(next_attempt_at=datetime(2020, 1, 1, tzinfo=VN))
    assert sync.sweep()["requeued"] == 1


def test_nothing_is_written_when_the_connection_is_off(catalogue, settings):
    settings.NATIONAL_PORTAL_URL = ""
    dossier = file_birth()
    assert not DossierSync.objects.filter(dossier=dossier).exists()
    assert not SyncChange.objects.filter(dossier=dossier).exists()


def test_files_are_linked_by_signed_expiring_urls(national_portal, client, settings):
    dossier = file_birth()
    push(dossier)
    item = national_portal.received("DongBoHoSoMC")[0]["data"][0]
    url = item["TaiLieuNop"][0]["DuongDanTaiTepTin"]
    path = urlsplit(url).path

    response = client.get(path)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert client.get(path[:-2] + "xx").status_code == 404  # tampered
    document = dossier.documents.first()
    forged = reverse("interconnection:file", kwargs={"token": f"d.{document.pk}"})
    assert client.get(forged).status_code == 404  # unsigned
    settings.NATIONAL_PORTAL_FILE_LINK_DAYS = -1
    assert client.get(path).status_code == 404  # expired


# --- Inbound -----------------------------------------------------------------------------------------------------

SECRET = "bi-mat-chung-cua-cong-quoc-gia"


@pytest.fixture
def inbound(settings, catalogue):
    settings.NATIONAL_PORTAL_INBOUND_SECRET = SECRET
    settings.NATIONAL_PORTAL_URL = ""  # receiving needs no outbound connection


def inbound_body(**overrides) -> dict:
    body = {
        "MaHoSo": "G22.99.99-261205-0001",
        "MaTTHC": BIRTH,
        "MaCoQuan": HAC_THANH,
        "ChuHoSo": "Lê Thị Hoa",
        "SoGiayToChuHoSo": "038192004321",
        "DiaChi": "12 Lê Lợi, phường Hạc Thành",
        "MaTinh": "38",
        "SoDienThoai": "0912345678",
        "Email": "hoa@example.vn",
        "TaiLieuNop": [{"TenTepDinhKem": "giay-chung-sinh.pdf", "Base64": base64.b64encode(PDF_BYTES).decode()}],
    }
    body.update(overrides)
    return body


def post(client, body, secret=SECRET, raw=None):
    headers = {"HTTP_X_INTERCONNECTION_SECRET": secret} if secret is not None else {}
    data = raw if raw is not None else body
    return client.post(reverse("interconnection:inbound"), data=data, content_type="application/json", **headers)


def test_a_dossier_filed_on_the_national_portal_is_filed_here_and_routed(client, inbound):
    response = post(client, inbound_body())

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["error_code"] == 0
    received = InboundDossier.objects.get(national_code="G22.99.99-261205-0001")
    dossier = received.dossier
    assert answer["message"] == f"G22.99.99-261205-0001|{dossier.code}"
    assert dossier.channel == Channel.NATIONAL_PORTAL and dossier.status == Status.SUBMITTED
    assert dossier.agency.code == HAC_THANH and dossier.applicant.id_number == "038192004321"
    assert dossier.documents.count() == 1 and dossier.events.get().action == "submit"


def test_the_same_dossier_twice_makes_one_dossier(client, inbound):
    first = post(client, inbound_body()).json()
    second = post(client, inbound_body()).json()

    assert (first["error_code"], second["error_code"]) == (0, 1)
    assert first["message"] == second["message"]
    assert InboundDossier.objects.filter(national_code="G22.99.99-261205-0001").count() == 1
    assert Dossier.objects.filter(channel=Channel.NATIONAL_PORTAL).count() == 1


@pytest.mark.parametrize(
    ("case", "overrides", "status"),
    [
        ("unknown procedure", {"MaTTHC": "9.999999"}, 400),
        ("missing applicant ID", {"SoGiayToChuHoSo": ""}, 400),
        ("applicant ID not a citizen ID", {"SoGiayToChuHoSo": "12345"}, 400),
        ("not a PDF or image", {"TaiLieuNop": [{"TenTepDinhKem": "a.pdf", "Base64": "PGh0bWw+PC9odG1sPg=="}]}, 400),
        ("not base64", {"TaiLieuNop": [{"TenTepDinhKem": "a.pdf", "Base64": "***"}]}, 400),
        ("files not a list", {"TaiLieuNop": "a.pdf"}, 400),
        ("missing national code", {"MaHoSo": ""}, 400),
        ("agency that does not handle it", {"MaCoQuan": "000.99.99.H56"}, 400),
    ],
)
def test_bad_input_gets_the_portals_error_answer_and_creates_nothing(client, inbound, case, overrides, status):
    dossiers, users = Dossier.objects.count(), User.objects.count()

    response = post(client, inbound_body(**overrides))

    assert response.status_code == status, case
    assert response.json()["error_code"] == -1 and response.json()["message"]
    assert (Dossier.objects.count(), User.objects.count()) == (dossiers, users), case
    assert not InboundDossier.objects.exists()


def test_an_oversized_file_is_refused_before_it_is_decoded(client, inbound, settings):
    settings.DOSSIER_MAX_FILE_SIZE = 1000
    body = inbound_body(
        TaiLieuNop=[{"TenTepDinhKem": "a.png", "Base64": base64.b64encode(image_bytes(size=(900, 900))).decode()}]
    )
    response = post(client, body)
    assert response.json()["error_code"] == -1 and not Dossier.objects.filter(channel=Channel.NATIONAL_PORTAL).exists()


@pytest.mark.parametrize("secret", [None, "", "sai-bi-mat", SECRET + "x"])
def test_a_wrong_secret_is_refused(client, inbound, secret):
    response = post(client, inbound_body(), secret=secret)
    assert response.status_code == 403 and response.json()["error_code"] == -1
    assert not Dossier.objects.filter(channel=Channel.NATIONAL_PORTAL).exists()


def test_no_secret_configured_refuses_everything(client, inbound, settings):
    settings.NATIONAL_PORTAL_INBOUND_SECRET = ""
    assert post(client, inbound_body(), secret="").status_code == 403


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_malformed_body_is_refused(client, inbound, raw):
    response = post(client, None, raw=raw)
    assert response.status_code == 400 and response.json()["error_code"] == -1


@pytest.mark.parametrize(
    ("field", "text"),
    [("ChuHoSo", "Nguy\\ud800n"), ("DiaChi", "12 L\\u0000"), ("MaHoSo", "G22.99.99-261205-0001\\udfff")],
)
def test_a_text_no_column_can_hold_is_refused(client, inbound, field, text):
    """An unpaired surrogate (which UTF-8 cannot encode) or a NUL (which PostgreSQL refuses), escaped in the JSON."""
    raw = json.dumps(inbound_body(**{field: "?"})).replace('"?"', f'"{text}"').encode()

    response = post(client, None, raw=raw)

    assert response.status_code == 400
    assert response.json() == {"error_code": -1, "message": "Nội dung yêu cầu có ký tự NUL hoặc ký tự hỏng."}
    assert not Dossier.objects.filter(channel=Channel.NATIONAL_PORTAL).exists()


# --- Catalogue pull ----------------------------------------------------------------------------------------------


def sample_records() -> list[dict]:
    import json

    from portal.demo import CATALOGUE_FILE

    return json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))


def test_the_catalogue_pull_imports_the_portals_procedures_and_reports_a_bad_one(national_portal):
    from django.core.management import CommandError, call_command

    records = sample_records()[:3]
    new = dict(records[0], MaTTHC="1.999001", TENTTHC="Thủ tục mới trên Cổng Dịch vụ công quốc gia")
    bad = dict(records[1], MaTTHC="2.999002", TENTTHC="")  # no name: the importer rejects it
    national_portal.serve_catalogue(
        [new, bad, records[2]],
        fields=[{"MALINHVUC": "HT", "TENLINHVUC": "Hộ tịch"}],
        agencies=[{"MACOQUAN": HAC_THANH, "TENCOQUAN": "UBND phường Hạc Thành (mới)"}],
    )

    with pytest.raises(CommandError, match="1 procedure"):
        call_command("pull_national_catalogue")
    assert Procedure.objects.get(code="1.999001").name == new["TENTTHC"]
    assert not Procedure.objects.filter(code="2.999002").exists()
    assert Agency.objects.get(code=HAC_THANH).name == "UBND phường Hạc Thành (mới)"

    # Idempotent: again, the same procedure is updated, not duplicated; a procedure the portal cannot give is named.
    national_portal.mode(bad_procedures=[records[2]["MaTTHC"]])
    from interconnection import catalogue

    report = catalogue.pull()
    assert report.imported.updated == ["1.999001"] and report.imported.created == []
    reasons = dict(report.errors)
    assert "TENTTHC" in reasons["2.999002"] and "LayThuTuc" in reasons[records[2]["MaTTHC"]]
    assert Procedure.objects.filter(code="1.999001").count() == 1


def test_the_catalogue_pull_refuses_to_run_without_a_connection(catalogue, settings):
    from django.core.management import CommandError, call_command

    settings.NATIONAL_PORTAL_URL = ""
    with pytest.raises(CommandError, match="NATIONAL_PORTAL_URL"):
        call_command("pull_national_catalogue")


# --- Statistics --------------------------------------------------------------------------------------------------


def test_the_sync_rate_per_agency_is_in_the_statistics_the_csv_and_the_api(national_portal, client):
    from django.utils import timezone

    from reports.selectors import StatisticsFilters, compute_statistics

    synced, waiting = file_birth(), file_birth(CitizenFactory())
    assert push(synced).state == SyncState.SYNCED
    desk = User.objects.get(username="tiepnhan")
    for dossier in (synced, waiting):  # received: accepted at intake
        processing.accept(dossier=dossier, by=desk)
    synced.national_sync.refresh_from_db()
    today = timezone.localdate()
    agency = Agency.objects.get(code=HAC_THANH)

    stats = compute_statistics(StatisticsFilters(start=today, end=today, agency=agency))
    row = next(row for row in stats.sync if row.key == HAC_THANH)
    assert (row.received, row.synced, row.share) == (2, 1, 50.0)
    assert stats.synced == 1 and stats.sync_share == 50.0
    assert waiting.national_sync.state == SyncState.PENDING

    query = {"date_from": today.isoformat(), "date_to": today.isoformat(), "agency": HAC_THANH}
    csv_text = client.get(reverse("reports:csv"), query).content.decode("utf-8-sig")
    assert f"national_sync_agency,{HAC_THANH}," in csv_text and ",share,50.0" in csv_text
    body = client.get("/api/v1/statistics/", query).json()
    assert body["synced"] == 1 and body["sync"][0]["share"] == 50.0
    page = client.get(reverse("reports:statistics"), query).content.decode()
    assert 'id="national-sync-table"' in page


def test_a_dossier_filed_on_the_national_portal_counts_as_received_online(client, inbound):
    from django.utils import timezone

    from reports.selectors import StatisticsFilters, compute_statistics

    assert post(client, inbound_body()).json()["error_code"] == 0
    arrived = Dossier.objects.filter(channel=Channel.NATIONAL_PORTAL).latest("pk")
    processing.accept(dossier=arrived, by=User.objects.get(username="tiepnhan"))  # received at intake
    today = timezone.localdate()
    stats = compute_statistics(StatisticsFilters(start=today, end=today, agency=Agency.objects.get(code=HAC_THANH)))
    assert {row.channel: row.count for row in stats.channels}["online"] >= 1
    assert client.get(reverse("reports:csv"), {"date_from": today.isoformat()}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_same_dossier_sent_twice_at_once_makes_one_dossier(load_demo, settings):
    import threading

    from django.db import connection

    from interconnection import inbound as receiving

    settings.NATIONAL_PORTAL_URL = ""
    body = inbound_body(MaHoSo="G22.99.99-261205-0042")
    barrier, answers = threading.Barrier(2), []

    def deliver():
        try:
            barrier.wait()
            answers.append(receiving.receive(data=body).code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [0, 1]
    assert InboundDossier.objects.filter(national_code="G22.99.99-261205-0042").count() == 1
    assert Dossier.objects.filter(channel=Channel.NATIONAL_PORTAL).count() == 1


# --- Back office -------------------------------------------------------------------------------------------------


def test_the_back_office_lists_failed_syncs_by_agency_and_resends_them(national_portal, staff, client, settings):
    from dossiers.dashboard import panel_rows

    settings.NATIONAL_PORTAL_MAX_ATTEMPTS = 1
    dossier = file_birth()
    national_portal.mode(fail=503)
    assert push(dossier).state == SyncState.FAILED
    national_portal.mode(fail=0)
    desk = staff[Role.DESK]

    rows = {row.key: row for row in panel_rows(desk)}
    assert rows["failed_national_syncs"].count == 1
    client.force_login(desk)
    listing = client.get(rows["failed_national_syncs"].url)
    assert listing.status_code == 200 and dossier.code in listing.content.decode()
    row = DossierSync.objects.get(dossier=dossier)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk]))
    assert "Hệ thống đang bảo trì" in page.content.decode()  # the last answer, on the dossier's page

    client.post(
        reverse("admin:interconnection_dossiersync_changelist"),
        {"action": "resend", "_selected_action": [row.pk]},
    )
    assert DossierSync.objects.get(pk=row.pk).state == SyncState.PENDING
    assert push(dossier).state == SyncState.SYNCED
    outsider = User.objects.filter(kind="official").exclude(agency__code=HAC_THANH).first()
    assert not [r for r in panel_rows(outsider) if r.key == "failed_national_syncs"]


def test_a_dossier_with_scans_of_several_megabytes_is_received(client, inbound):
    from .filing import pdf_bytes

    scan = pdf_bytes(note="lon", filler=4 * 1024 * 1024)
    body = inbound_body(TaiLieuNop=[{"TenTepDinhKem": "ban-quet.pdf", "Base64": base64.b64encode(scan).decode()}])

    response = post(client, body)

    assert response.status_code == 200 and response.json()["error_code"] == 0, response.content[:300]
    assert InboundDossier.objects.get().dossier.documents.get().size == len(scan)


def test_a_body_over_the_endpoints_limit_is_refused(client, inbound, settings):
    settings.NATIONAL_PORTAL_INBOUND_MAX_BODY = 200
    response = post(client, inbound_body())
    assert response.status_code == 413 and response.json()["error_code"] == -1
    assert not Dossier.objects.filter(channel=Channel.NATIONAL_PORTAL).exists()


def test_a_change_while_sending_stays_with_the_task_and_one_after_a_failure_starts_again(national_portal, staff):
    dossier = file_birth()
    DossierSync.objects.filter(dossier=dossier).update(state=SyncState.SENDING, claimed_by="task-9", attempts=3)

    processing.accept(dossier=dossier, by=staff[Role.DESK])
    row = DossierSync.objects.get(dossier=dossier)
    latest = SyncChange.objects.filter(dossier=dossier).latest("pk")
    assert (row.state, row.claimed_by, row.attempts, row.wanted) == (SyncState.SENDING, "task-9", 3, latest.pk)

    DossierSync.objects.filter(dossier=dossier).update(state=SyncState.FAILED, claimed_by="", attempts=8)
    processing.log_event(dossier=dossier, action="post_in_transit", by=staff[Role.DESK])
    row = DossierSync.objects.get(dossier=dossier)
    assert (row.state, row.attempts, row.failed_at) == (SyncState.PENDING, 0, None)
    assert row.wanted == SyncChange.objects.filter(dossier=dossier).latest("pk").pk
    assert push(dossier).state == SyncState.SYNCED


def test_what_is_sent_back_names_the_portals_code_the_fees_the_supplements_and_who_acted(client, inbound):
    """A dossier received from the portal went back under our code (the portal made a second one); the fees and
    supplements were always empty; it was "received" while still awaiting intake; every step was the competent
    agency's."""
    from dossiers import costs
    from interconnection import payload

    post(client, inbound_body())
    dossier = InboundDossier.objects.get(national_code="G22.99.99-261205-0001").dossier
    table = payload.mapping()

    item = payload.dossier_item(dossier, table)
    assert item["MaHoSo"] == "G22.99.99-261205-0001" and item["NgayTiepNhan"] == ""
    assert item["DanhSachHoSoBoSung"] == []

    desk = User.objects.get(username="tiepnhan")
    processing.request_supplement(dossier=dossier, by=desk, missing="Bản sao giấy chứng sinh")
    dossier.refresh_from_db()
    item = payload.dossier_item(dossier, table)
    [asked] = item["DanhSachHoSoBoSung"]
    assert (asked["NguoiYeuCauBoSung"], asked["NoiDungBoSung"], asked["TrangThaiBoSung"]) == (
        desk.full_name,
        "Bản sao giấy chứng sinh",
        "0",
    )
    processing.supplement(dossier=dossier, by=dossier.applicant)
    dossier.refresh_from_db()
    [answered] = payload.dossier_item(dossier, table)["DanhSachHoSoBoSung"]
    assert answered["TrangThaiBoSung"] == "1" and answered["NgayTiepNhanBoSung"]
    processing.accept(dossier=dossier, by=desk)
    dossier.refresh_from_db()

    assert payload.dossier_item(dossier, table)["NgayTiepNhan"]
    specialist = User.objects.get(username="chuyenvien")
    processing.assign(dossier=dossier, by=User.objects.get(username="lanhdao"), handler=specialist)
    processing.request_payment(dossier=dossier, by=specialist, amount=50000, note="Phí thẩm định")
    dossier.refresh_from_db()

    item = payload.dossier_item(dossier, table)
    billed = costs.cost_of(dossier)
    assert [fee["Gia"] for fee in item["DanhSachLePhi"]] == ["50000"]
    assert [(fee["TenPhiLePhi"], int(fee["Gia"])) for fee in item["DanhSachLePhi"]] == [
        (line.description, line.due) for line in billed.lines
    ]
    accepted = dossier.events.get(action="accept")
    progress = payload.progress_item(dossier, accepted, table)
    assert progress["MaHoSo"] == "G22.99.99-261205-0001" and progress["PhongBanXuLy"] == desk.agency.name
