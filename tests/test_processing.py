"""The status machine and the processing services: transitions, roles, deadlines, concurrency, notices."""

import io
import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation
from pypdf import PdfReader

from dossiers import notices, processing
from dossiers.constants import NoticeKind, Stage, Status, Timeliness
from dossiers.models import Dossier, DossierNotice
from dossiers.workflow import ACTIONS, EDGES, DossierChanged, InvalidTransition
from portal.accounts.constants import Role
from portal.accounts.models import User

from .conftest import restore_session_data
from .factories import CitizenFactory, dossier_in, official
from .filing import HAC_THANH, PDF_BYTES

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_9 = datetime(2026, 3, 9, 9, 0, tzinfo=VN)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def staff(catalogue):
    """The demo agency's officials, one per role (created with the session's demo data)."""
    by_role = {u.role: u for u in User.objects.filter(agency__code=HAC_THANH, kind="official")}
    return {role: by_role[role] for role in (Role.DESK, Role.SPECIALIST, Role.LEADER, Role.CASHIER, Role.AGENCY_ADMIN)}


def call(action: str, dossier: Dossier, by, *, specialist=None, leader=None):
    args = {
        "refuse": {"reason": "Hồ sơ không thuộc thẩm quyền"},
        "request_supplement": {"missing": "Bản sao giấy chứng sinh rõ nét"},
        "assign": {"handler": specialist},
        "forward": {"handler": specialist},
        "submit_for_approval": {"leader": leader},
        "request_payment": {"amount": 8000},
        "recall": {"reason": "Sai tên cha"},
        "stop": {"reason": "Người yêu cầu đề nghị dừng"},
        "withdraw": {"reason": "Công dân rút hồ sơ"},
        "apologise": {"new_due_at": (dossier.due_at or MONDAY_9) + timedelta(days=3), "reason": "Chờ xác minh"},
    }.get(action, {})
    return getattr(processing, action)(dossier=dossier, by=by, **args)


def test_the_edge_list_matches_the_national_statuses():
    assert (Status.SUBMITTED, Status.ACCEPTED) in EDGES
    assert (Status.RESULT_READY, Status.PROCESSING) in EDGES  # recalled for correction
    assert (Status.PAYMENT_REQUESTED, Status.RESULT_READY) in EDGES
    assert not any(source in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED) for source, _ in EDGES)
    assert (Status.ACCEPTED, Status.RESULT_READY) not in EDGES


@pytest.mark.parametrize(
    ("action", "role"),
    [("accept", Role.SPECIALIST), ("approve", Role.DESK), ("return_result", Role.LEADER), ("stop", Role.CASHIER)],
)
def test_the_wrong_role_is_refused_with_a_message(catalogue, staff, action, role):
    status = next(iter(ACTIONS[action].sources))
    dossier = dossier_in(status)

    with pytest.raises(InvalidTransition, match=re.escape(str(Role(role).label))):
        call(action, dossier, staff[role])


def test_an_official_of_another_agency_cannot_act(catalogue, staff):
    dossier = dossier_in(Status.SUBMITTED)
    outsider = official(Role.DESK, "000.21.30.H56", name="desk_dongtien")

    with pytest.raises(InvalidTransition, match=r"cơ quan khác|another agency"):
        processing.accept(dossier=dossier, by=outsider)


def test_accepting_sets_the_due_date_in_working_time_and_issues_form_01(catalogue, staff):
    dossier = dossier_in(Status.SUBMITTED)  # birth registration: 1 working day

    processing.accept(dossier=dossier, by=staff[Role.DESK], now=at(2026, 2, 13, 16, 0))

    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED
    assert dossier.due_at == at(2026, 2, 23, 16, 0)  # across Tết 2026
    notice = dossier.notices.get()
    assert notice.kind == NoticeKind.ACCEPTANCE
    text = pdf_text(notices.render_and_store(notice.pk))
    assert dossier.code in text and "Thủ tục đăng ký khai sinh" in text and "23/02/2026" in text


def test_a_procedure_without_a_time_limit_is_accepted_without_a_deadline(catalogue, staff):
    """2.002481 ("Không quy định thời hạn giải quyết", 0 in the national data) was due, and overdue, the moment the
    desk accepted it; form 01 promised the result at that very minute."""
    from portal import demo
    from procedures.importers import import_package, load_package
    from procedures.models import Procedure

    import_package(load_package(demo.CATALOGUE_FILE))  # the national data again, as a nightly pull would
    transfer = Procedure.objects.get(code="2.002481")
    assert transfer.processing_days is None
    dossier = dossier_in(Status.SUBMITTED, procedure=transfer)

    processing.accept(dossier=dossier, by=staff[Role.DESK], now=at(2026, 12, 8, 8, 10))

    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED and dossier.due_at is None
    text = pdf_text(notices.render_and_store(dossier.notices.get().pk))
    assert "Thời gian trả kết quả: theo quy định" in text


def test_a_supplement_pauses_the_clock_and_the_due_date_moves_by_the_time_waited(catalogue, staff):
    dossier = dossier_in(Status.SUBMITTED)
    processing.accept(dossier=dossier, by=staff[Role.DESK], now=MONDAY_9)
    processing.assign(dossier=dossier, by=staff[Role.DESK], handler=staff[Role.SPECIALIST], now=MONDAY_9)
    due = Dossier.objects.get(pk=dossier.pk).due_at
    assert due == at(2026, 3, 10, 9, 0)

    processing.request_supplement(
        dossier=dossier, by=staff[Role.SPECIALIST], missing="Giấy chứng sinh", now=at(2026, 3, 9, 14, 0)
    )
    paused = Dossier.objects.get(pk=dossier.pk)
    assert paused.status == Status.SUPPLEMENT_REQUESTED and paused.supplement_deadline is not None
    processing.supplement(dossier=dossier, by=dossier.applicant, now=at(2026, 3, 11, 10, 0))

    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING  # back where it was
    # Paused from Mon 14:00 to Wed 10:00 = 3 + 8 + 3 = 14 working hours; due Tue 09:00 + 14 h = Wed 17:00.
    assert dossier.due_at == at(2026, 3, 11, 17, 0)
    text = pdf_text(notices.render_and_store(dossier.notices.get(kind=NoticeKind.SUPPLEMENT).pk))
    assert "Giấy chứng sinh" in text and "bổ sung" in text


def test_a_supplement_at_intake_returns_the_dossier_to_intake(catalogue, staff):
    dossier = dossier_in(Status.SUBMITTED)
    processing.request_supplement(dossier=dossier, by=staff[Role.DESK], missing="Tờ khai ký tên")

    processing.supplement(dossier=dossier, by=dossier.applicant)

    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED and dossier.due_at is None


def test_only_the_applicant_supplements(catalogue, staff):
    dossier = dossier_in(Status.SUBMITTED)
    processing.request_supplement(dossier=dossier, by=staff[Role.DESK], missing="Tờ khai")

    with pytest.raises(InvalidTransition):
        processing.supplement(dossier=dossier, by=CitizenFactory())


@pytest.mark.parametrize(("expiry", "expected"), [("refuse", Status.REFUSED), ("stop", Status.STOPPED)])
def test_a_missed_supplement_deadline_refuses_or_stops_as_configured(catalogue, staff, settings, expiry, expected):
    settings.SUPPLEMENT_EXPIRY = expiry
    dossier = dossier_in(Status.PROCESSING)
    processing.request_supplement(
        dossier=dossier, by=staff[Role.SPECIALIST], missing="Giấy tờ", days=2, now=at(2026, 3, 9, 9, 0)
    )

    assert processing.expire_supplements(now=at(2026, 3, 11, 8, 0)) == 0  # deadline Wed 09:00 not passed
    with translation.override("en"):  # whatever language the sweep's thread last served, the record is Vietnamese
        assert processing.expire_supplements(now=at(2026, 3, 11, 10, 0)) == 1

    dossier.refresh_from_db()
    assert dossier.status == expected
    assert dossier.events.last().public_note == "Không nhận được hồ sơ bổ sung trước 09:00 11/03/2026."


def test_an_apology_is_issued_once_and_only_before_the_deadline(catalogue, staff):
    dossier = dossier_in(Status.PROCESSING, due_at=at(2026, 3, 12, 17, 0))
    new_due = at(2026, 3, 16, 17, 0)

    with pytest.raises(InvalidTransition, match=r"later|sau"):
        processing.apologise(
            dossier=dossier, by=staff[Role.LEADER], new_due_at=at(2026, 3, 12, 9, 0), reason="x", now=MONDAY_9
        )
    processing.apologise(
        dossier=dossier, by=staff[Role.LEADER], new_due_at=new_due, reason="Chờ xác minh", now=at(2026, 3, 11, 9, 0)
    )
    with pytest.raises(InvalidTransition, match=r"once|một lần"):
        processing.apologise(dossier=dossier, by=staff[Role.LEADER], new_due_at=new_due + timedelta(days=2), reason="x")

    dossier.refresh_from_db()
    assert dossier.due_at == new_due and dossier.status == Status.PROCESSING
    late = dossier_in(Status.PROCESSING, due_at=at(2026, 3, 10, 17, 0))
    with pytest.raises(InvalidTransition, match=r"before|trước"):
        processing.apologise(
            dossier=late, by=staff[Role.LEADER], new_due_at=new_due, reason="x", now=at(2026, 3, 11, 9, 0)
        )
    text = pdf_text(notices.render_and_store(dossier.notices.get(kind=NoticeKind.APOLOGY).pk))
    assert "16/03/2026" in text and "xin lỗi" in text.lower()


@pytest.mark.parametrize(
    ("finished", "expected"),
    [
        (at(2026, 3, 9, 15, 0), Timeliness.AHEAD),  # more than a working day early
        (at(2026, 3, 10, 16, 59), Timeliness.ON_TIME),
        (at(2026, 3, 11, 8, 0), Timeliness.LATE),
    ],
)
def test_finished_dossiers_are_classified_by_timeliness(catalogue, staff, finished, expected):
    dossier = dossier_in(Status.PROCESSING, due_at=at(2026, 3, 10, 17, 0))

    processing.approve(dossier=dossier, by=staff[Role.LEADER], now=finished)

    assert Dossier.objects.get(pk=dossier.pk).timeliness == expected


def test_the_whole_path_to_the_result_with_steps_and_control_slip(catalogue, staff):
    dossier = dossier_in(Status.SUBMITTED)
    desk, specialist, leader = staff[Role.DESK], staff[Role.SPECIALIST], staff[Role.LEADER]

    processing.accept(dossier=dossier, by=desk, now=MONDAY_9)
    processing.assign(dossier=dossier, by=desk, handler=specialist, now=MONDAY_9)
    processing.submit_for_approval(dossier=dossier, by=specialist, leader=leader, now=at(2026, 3, 9, 14, 0))
    assert Dossier.objects.get(pk=dossier.pk).stage == Stage.APPROVAL
    result = SimpleUploadedFile("giay-khai-sinh.pdf", PDF_BYTES, content_type="application/pdf")
    processing.approve(
        dossier=dossier, by=leader, result=result, pin=settings.SIGNATURE_DEMO_PIN, now=at(2026, 3, 9, 16, 0)
    )
    processing.return_result(dossier=dossier, by=desk, now=at(2026, 3, 10, 8, 0))

    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.result_file
    assert [e.action for e in dossier.events.all()] == [
        "accept",
        "assign",
        "submit_for_approval",
        "approve",
        "return_result",
    ]
    steps = list(dossier.steps.all())
    assert [(s.handler, s.finished_at is not None) for s in steps] == [(specialist, True), (leader, True)]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(notices.render_control_slip(dossier))).pages)
    assert dossier.code in text and specialist.full_name in text and "Đúng hạn" in text


def test_a_stale_version_is_refused(catalogue, staff):
    dossier = dossier_in(Status.SUBMITTED)
    processing.accept(dossier=dossier, by=staff[Role.DESK], expected_version=0)

    with pytest.raises(DossierChanged):
        processing.refuse(dossier=dossier, by=staff[Role.DESK], reason="x", expected_version=0)


@pytest.mark.django_db(transaction=True)
def test_two_officials_acting_at_once_one_wins_the_other_is_told():
    restore_session_data()
    first, second = official(Role.DESK, name="desk_a"), official(Role.DESK, name="desk_b")
    dossier = dossier_in(Status.SUBMITTED)
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user, action):
        try:
            barrier.wait(timeout=10)
            if action == "accept":
                processing.accept(dossier=dossier, by=user, expected_version=0)
            else:
                processing.refuse(dossier=dossier, by=user, reason="Không hợp lệ", expected_version=0)
            outcomes.append((action, "ok"))
        except (DossierChanged, InvalidTransition) as error:
            outcomes.append((action, str(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=a) for a in ((first, "accept"), (second, "refuse"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    results = dict(outcomes)
    assert sorted(v == "ok" for v in results.values()) == [False, True]
    loser = next(v for v in results.values() if v != "ok")
    assert dossier.code in loser
    final = Dossier.objects.get(pk=dossier.pk)
    assert final.version == 1 and final.events.count() == 1
    assert final.status == (Status.ACCEPTED if results["accept"] == "ok" else Status.REFUSED)


def pdf_text(notice: DossierNotice) -> str:
    with notice.file.open("rb") as fh:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)
    return " ".join(text.split())  # lines wrap anywhere in a PDF


@pytest.mark.parametrize(
    ("status", "action", "kind", "words"),
    [
        (Status.SUBMITTED, "refuse", NoticeKind.REFUSAL, ["TỪ CHỐI", "Hồ sơ không thuộc thẩm quyền"]),
        (Status.PROCESSING, "stop", NoticeKind.STOP, ["DỪNG GIẢI QUYẾT", "Người yêu cầu đề nghị dừng"]),
        (
            Status.PROCESSING,
            "approve",
            NoticeKind.RESULT,
            ["CÓ KẾT QUẢ", "đã có kết quả", "Nhận trực tiếp tại cơ quan"],
        ),
    ],
)
def test_each_notice_says_what_happened_in_vietnamese(catalogue, staff, status, action, kind, words):
    dossier = dossier_in(status)

    call(action, dossier, staff[Role.AGENCY_ADMIN])

    text = pdf_text(notices.render_and_store(dossier.notices.get(kind=kind).pk))
    assert dossier.code in text and "Thủ tục đăng ký khai sinh" in text
    for word in words:
        assert word in text


def test_a_result_the_citizen_receives_online_is_not_approved_without_it(catalogue, staff):
    """Approving with nothing attached made the dossier "result ready" with no result for the citizen to download."""
    dossier = dossier_in(Status.PROCESSING, stage=Stage.APPROVAL, delivery_method="online")
    with translation.override("en"), pytest.raises(InvalidTransition, match="attach it"):
        processing.approve(dossier=dossier, by=staff[Role.LEADER])
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING

    at_office = dossier_in(Status.PROCESSING, stage=Stage.APPROVAL, delivery_method="office")
    processing.approve(dossier=at_office, by=staff[Role.LEADER])  # a paper result, handed over at the desk
    at_office.refresh_from_db()
    assert at_office.status == Status.RESULT_READY


def test_a_recalled_result_is_no_longer_offered_as_the_result(catalogue, staff):
    """After "recall to correct", the signed PDF with the mistake was still linked as the dossier's result."""
    dossier = dossier_in(Status.PROCESSING, stage=Stage.APPROVAL, delivery_method="online")
    result = SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")
    processing.approve(dossier=dossier, by=staff[Role.LEADER], result=result, pin=settings.SIGNATURE_DEMO_PIN)
    dossier.refresh_from_db()
    name = dossier.result_file.name
    assert name and dossier.result_signed_at

    processing.recall(dossier=dossier, by=staff[Role.LEADER], reason="Sai ngày sinh trong kết quả")

    dossier.refresh_from_db()
    assert not dossier.result_file and dossier.result_signed_at is None
    assert dossier.events.last().data["recalled_result"] == name


def test_an_apologys_new_date_falls_in_working_time_and_it_is_not_offered_when_it_cannot_be_issued(catalogue, staff):
    """Form 04 was issued for 10:00 on Sunday 13 December 2026; the apology was offered on dossiers without a due
    date or already overdue, where it could only fail."""
    dossier = dossier_in(Status.PROCESSING, due_at=at(2026, 12, 10, 17, 0))
    for moment in (at(2026, 12, 13, 10, 0), at(2026, 12, 14, 19, 0)):  # a Sunday; a Monday evening
        with translation.override("en"), pytest.raises(InvalidTransition, match="working hours on a working day"):
            processing.apologise(
                dossier=dossier, by=staff[Role.LEADER], new_due_at=moment, reason="x", now=at(2026, 12, 8, 9, 0)
            )
    processing.apologise(
        dossier=dossier, by=staff[Role.LEADER], new_due_at=at(2026, 12, 14, 10, 0), reason="x", now=at(2026, 12, 8, 9)
    )

    without_due = dossier_in(Status.PROCESSING, due_at=None)
    overdue = dossier_in(Status.PROCESSING, due_at=at(2020, 1, 2, 17, 0))
    with translation.override("en"):
        for case in (without_due, overdue):
            assert "before the due date passes" in processing.why_not(case, "apologise")
        dossier.refresh_from_db()
        assert "only once" in processing.why_not(dossier, "apologise")
