"""Notifications without a worker: what is written to the outbox, the texts, the claim, the sweep, the back office,
the delivery-report callback and the citizen's preferences. Delivery through a real worker, Redis, SMTP listener
and SMS gateway is in test_notifications_delivery.py."""

import json
import smtplib
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from dossiers import processing
from dossiers.constants import DeliveryMethod, Status
from dossiers.timeline import write_event
from dossiers.workflow import ACTIONS, TIMELINE_EVENTS
from notifications import selectors, services
from notifications.admin import MessageInline
from notifications.backends import PermanentError, TemporaryError
from notifications.backends.email import EmailBackend
from notifications.constants import ACTION_EVENTS, Channel, Event, MessageStatus
from notifications.forms import MessageTemplateForm
from notifications.models import Message, MessageTemplate
from notifications.text import sms_parts, sms_text, transliterate
from portal.accounts.constants import Role
from portal.accounts.validators import format_vn_phone

from .factories import AgencyFactory, working_time_after
from .filing import PDF_BYTES
from .notifications_support import SmtpListener, dossier_in, make_citizen, make_office

MONDAY_9 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
# Routing and a linked part's prerequisite are timeline entries; the acceptance message already told the citizen.
SILENT_ACTIONS = {
    "supplement",
    "assign",
    "forward",
    "submit_for_approval",
    "payment_received",
    "recall",
    "route",
    "prerequisite_done",
}


@pytest.fixture(autouse=True)
def in_english(client):
    """Errors and pages in English, the source language, whatever the catalogues say."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def office(db):
    return make_office()


def messages_of(dossier) -> list[Message]:
    return list(Message.objects.filter(dossier=dossier).order_by("channel"))


# --- Text ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vietnamese", "ascii_text"),
    [
        ("Hồ sơ đã được tiếp nhận", "Ho so da duoc tiep nhan"),
        ("ĐĂNG KÝ KHAI SINH – Đợt 1", "DANG KY KHAI SINH - Dot 1"),
        ("Ủy ban nhân dân phường Hạc Thành", "Uy ban nhan dan phuong Hac Thanh"),
        ("“Bản sao” giấy chứng sinh…", '"Ban sao" giay chung sinh...'),
        ("Lệ phí: 8.000 đồng [a|b]", "Le phi: 8.000 dong (a/b)"),
    ],
)
def test_sms_text_is_plain_ascii_with_the_case_kept(vietnamese, ascii_text):
    assert transliterate(vietnamese) == ascii_text


def test_sms_has_the_brand_in_front_and_is_cut_to_whole_parts():
    assert sms_text("Hồ sơ   đã\nđược tiếp nhận.", brand="DVC Thanh Hóa", max_parts=3) == (
        "DVC Thanh Hoa: Ho so da duoc tiep nhan."
    )
    long = "Bổ sung bản sao giấy chứng sinh có chứng thực. " * 20
    for parts in (1, 2, 3):
        text = sms_text(long, brand="DICHVUCONG", max_parts=parts)
        assert text.isascii() and text.endswith("...")
        assert sms_parts(text) == parts
        assert (160 if parts == 1 else 153 * parts) - 3 <= len(text) <= (160 if parts == 1 else 153 * parts)
    assert sms_parts("x" * 160) == 1 and sms_parts("x" * 161) == 2


# --- What is written ------------------------------------------------------------------------------------


def test_every_workflow_action_either_notifies_or_is_known_to_be_silent():
    # Postal updates are timeline entries without a status change; a paper dossier received by post is intake.
    notified = set(ACTIONS) | {"submit"} | (set(TIMELINE_EVENTS) - {"post_received"})
    assert notified == set(ACTION_EVENTS) | SILENT_ACTIONS
    assert not set(ACTION_EVENTS) & SILENT_ACTIONS


@pytest.mark.parametrize("action", sorted(set(ACTION_EVENTS) | SILENT_ACTIONS))
def test_each_timeline_action_writes_its_event_or_nothing(office, action):
    dossier = dossier_in(office, make_citizen(), Status.PROCESSING)

    event = write_event(dossier, action=action, from_status=4, by=None, public_note="x")

    written = {(m.kind, m.channel) for m in Message.objects.filter(event=event)}
    if action in SILENT_ACTIONS:
        assert written == set()
    else:
        assert written == {(ACTION_EVENTS[action], Channel.EMAIL), (ACTION_EVENTS[action], Channel.SMS)}


def test_accepting_writes_the_expected_email_and_sms_in_the_same_transaction(office, settings):
    settings.PORTAL_URL = "https://dichvucong.thanhhoa.gov.vn"
    citizen = make_citizen(full_name="Nguyễn Văn An")
    dossier = dossier_in(office, citizen, Status.SUBMITTED)

    processing.accept(dossier=dossier, by=office.desk, now=MONDAY_9)

    dossier.refresh_from_db()
    due = timezone.localtime(dossier.due_at)
    email, sms = messages_of(dossier)
    assert (email.kind, email.channel, email.recipient, email.status) == (
        Event.ACCEPTED,
        Channel.EMAIL,
        citizen.email,
        MessageStatus.QUEUED,
    )
    assert email.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert email.body == (
        "Kính gửi ông/bà Nguyễn Văn An,\n\n"
        f"Hồ sơ {dossier.code} (Đăng ký khai sinh) đã được Ủy ban nhân dân xã Thử Nghiệm tiếp nhận.\n\n"
        f"Ngày hẹn trả kết quả: {due:%H:%M %d/%m/%Y}.\n\n"
        "Phiếu tiếp nhận và hẹn trả kết quả có trong trang hồ sơ: "
        f"https://dichvucong.thanhhoa.gov.vn/ho-so/{dossier.public_id}/\n\n"
        "Trân trọng,\nCổng Dịch vụ công\nỦy ban nhân dân tỉnh Thanh Hóa\n\n"
        f"Đây là thư tự động, vui lòng không trả lời. Tra cứu hồ sơ bằng mã {dossier.code} trên Cổng Dịch vụ công."
    )
    assert (sms.channel, sms.recipient, sms.subject) == (Channel.SMS, citizen.phone, "")
    assert sms.body == f"DICHVUCONG: Ho so {dossier.code} da duoc tiep nhan. Hen tra ket qua ngay {due:%d/%m/%Y}."
    assert email.template.version == sms.template.version == 1
    assert email.event == sms.event == dossier.events.get()


def test_the_same_event_written_twice_gives_one_message_per_channel(office):
    dossier = dossier_in(office, make_citizen(), Status.SUBMITTED)
    processing.accept(dossier=dossier, by=office.desk)
    event = dossier.events.get()

    services.create_messages_for_event(event=event)

    assert Message.objects.filter(dossier=dossier).count() == 2


@pytest.mark.parametrize(
    ("choice", "email", "phone", "expected"),
    [
        ("email", True, True, {Channel.EMAIL}),
        ("sms", True, True, {Channel.SMS}),
        ("both", True, True, {Channel.EMAIL, Channel.SMS}),
        ("both", True, False, {Channel.EMAIL}),
        ("sms", True, False, {Channel.EMAIL}),  # asked for SMS but has no number: email rather than nothing
    ],
)
def test_messages_go_on_the_channels_the_citizen_chose(office, choice, email, phone, expected):
    citizen = make_citizen(notify_by=choice, **({} if email else {"email": ""}), **({} if phone else {"phone": ""}))
    dossier = dossier_in(office, citizen, Status.SUBMITTED)

    processing.refuse(dossier=dossier, by=office.desk, reason="Hồ sơ không thuộc thẩm quyền")

    assert {m.channel for m in messages_of(dossier)} == expected
    assert all(m.status == MessageStatus.QUEUED for m in messages_of(dossier))


def test_a_citizen_with_no_address_gets_a_visible_failed_message(office):
    dossier = dossier_in(office, make_citizen(email="", phone=""), Status.SUBMITTED)

    processing.accept(dossier=dossier, by=office.desk)

    [message] = messages_of(dossier)
    assert message.status == MessageStatus.FAILED
    assert message.error == "The citizen has no email address or mobile number."


def test_english_speaking_citizens_get_the_english_templates(office):
    citizen = make_citizen(language="en", full_name="Trần Thị Bình")
    dossier = dossier_in(office, citizen, Status.PROCESSING, delivery_method=DeliveryMethod.POST)
    dossier.delivery_address = "12 Lê Lợi, phường Hạc Thành"
    dossier.save()

    processing.request_payment(dossier=dossier, by=office.specialist, amount=1250000, note="Lệ phí cấp bản sao.")

    email, sms = messages_of(dossier)
    assert email.subject == f"Dossier {dossier.code}: payment requested"
    assert email.body.startswith(
        f"Dear Trần Thị Bình,\n\nTo continue with your dossier {dossier.code} (Đăng ký khai sinh), "
        "please pay 1,250,000 VND.\n\nLệ phí cấp bản sao.\n\nHow to pay: online"
    )
    assert sms.body == (
        f"DICHVUCONG: Dossier {dossier.code}: please pay 1,250,000 VND online on Cong Dich vu cong "
        "or at the one-stop desk of Uy ban nhan dan xa Thu Nghiem."  # which desk: a counter citizen had no other word
    )


def test_each_event_has_the_details_the_citizen_needs(office):
    citizen = make_citizen(notify_by="sms")

    def sms_for(status, action, **kwargs):
        dossier = dossier_in(office, citizen, status, **kwargs.pop("fields", {}))
        dossier = getattr(processing, action)(dossier=dossier, **kwargs)
        return Message.objects.get(dossier=dossier).body.removeprefix("DICHVUCONG: "), dossier

    text, d = sms_for(Status.SUBMITTED, "request_supplement", by=office.desk, missing="Bản sao giấy chứng sinh")
    assert text == f"Ho so {d.code} can bo sung truoc {timezone.localtime(d.supplement_deadline):%d/%m/%Y}: " + (
        "Ban sao giay chung sinh"
    )
    text, d = sms_for(Status.SUBMITTED, "refuse", by=office.desk, reason="Sai thẩm quyền")
    assert text == f"Ho so {d.code} khong duoc tiep nhan. Ly do: Sai tham quyen"
    text, d = sms_for(Status.PROCESSING, "request_payment", by=office.specialist, amount=8000)
    assert text == f"Ho so {d.code}: de nghi nop 8.000 dong. Thanh toan truc tuyen tren Cong Dich vu cong " + (
        "hoac tai Bo phan Mot cua Uy ban nhan dan xa Thu Nghiem."
    )
    result = SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")
    text, d = sms_for(
        Status.PROCESSING,
        "approve",
        by=office.leader,
        result=result,
        pin=settings.SIGNATURE_DEMO_PIN,
        fields={"delivery_method": DeliveryMethod.ONLINE},
    )
    assert text == f"Ho so {d.code} da co ket qua. Tai ket qua tren Cong Dich vu cong."
    text, d = sms_for(
        Status.RESULT_READY,
        "return_result",
        by=office.desk,
        tracking_number="EB123456789VN",
        fields={"delivery_method": DeliveryMethod.POST, "delivery_address": "12 Lê Lợi"},
    )
    assert text == f"Ket qua ho so {d.code} da duoc gui qua buu dien. Ma van don: EB123456789VN."
    due = timezone.now() + timedelta(days=3)
    text, d = sms_for(
        Status.PROCESSING,
        "apologise",
        by=office.desk,
        new_due_at=working_time_after(due, days=4),
        reason="Cần xác minh thêm",
        fields={"due_at": due},
    )
    assert (
        text
        == f"Xin loi ong/ba: ho so {d.code} cham tra ket qua. Hen lai ngay {timezone.localtime(d.due_at):%d/%m/%Y}."
    )
    text, d = sms_for(Status.PROCESSING, "stop", by=office.leader, reason="Người yêu cầu đề nghị dừng")
    assert text == f"Ho so {d.code} bi dung giai quyet. Ly do: Nguoi yeu cau de nghi dung"
    text, d = sms_for(Status.ACCEPTED, "withdraw", by=office.desk)
    assert text == f"Ho so {d.code} da duoc rut theo de nghi cua ong/ba."


def test_a_disabled_template_sends_nothing_on_that_channel(office):
    MessageTemplate.objects.filter(event=Event.ACCEPTED, channel=Channel.SMS).update(enabled=False)
    dossier = dossier_in(office, make_citizen(), Status.SUBMITTED)

    processing.accept(dossier=dossier, by=office.desk)

    assert [m.channel for m in messages_of(dossier)] == [Channel.EMAIL]


def test_an_edited_template_is_a_new_version_and_old_messages_keep_theirs(office, admin_client):
    first = dossier_in(office, make_citizen(notify_by="sms"), Status.SUBMITTED)
    processing.accept(dossier=first, by=office.desk)
    template = MessageTemplate.objects.get(event=Event.ACCEPTED, channel=Channel.SMS, language="vi")

    response = admin_client.post(
        reverse("admin:notifications_messagetemplate_change", args=[template.pk]),
        {
            "subject": "",
            "body": "Hồ sơ {{ code }} đã được tiếp nhận, hẹn {{ due_date }}.",
            "enabled": "on",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    second = dossier_in(office, make_citizen(notify_by="sms"), Status.SUBMITTED)
    processing.accept(dossier=second, by=office.desk)

    template.refresh_from_db()
    assert template.version == 2
    assert list(template.versions.values_list("version", flat=True)) == [2, 1]
    old, new = Message.objects.get(dossier=first), Message.objects.get(dossier=second)
    assert (old.template.version, new.template.version) == (1, 2)
    assert "da duoc tiep nhan. Hen tra" in old.body and "da duoc tiep nhan, hen" in new.body


def test_a_template_that_cannot_be_rendered_fails_the_message_not_the_status_change(office):
    template = MessageTemplate.objects.get(event=Event.ACCEPTED, channel=Channel.SMS, language="vi")
    template.body = '{% include "khong-co.html" %}'
    services.save_template(template=template)
    dossier = dossier_in(office, make_citizen(notify_by="sms"), Status.SUBMITTED)

    dossier = processing.accept(dossier=dossier, by=office.desk)

    assert dossier.status == Status.ACCEPTED
    [message] = messages_of(dossier)
    assert message.status == MessageStatus.FAILED and "khong-co.html" in message.error


@pytest.mark.parametrize(
    "body",
    [
        "{% if code %}Hồ sơ",
        '{{ code|ljust:"99999999999999999999" }}',  # these answered 500 and the edit was lost
        '{{ amount|floatformat:"99999999999" }}',
        "{% if a %}" * 3000 + "x" + "{% endif %}" * 3000,
    ],
    ids=["unclosed tag", "a width too large", "a precision too large", "nesting too deep"],
)
def test_a_template_with_a_mistake_is_refused(db, body):
    form = MessageTemplateForm({"event": Event.ACCEPTED, "channel": Channel.SMS, "language": "vi", "body": body})
    assert not form.is_valid()
    assert "The template has a mistake" in str(form.errors)


# --- Sending, in-process ----------------------------------------------------------------------------------


def test_a_claimed_message_is_sent_once(office, settings):
    settings.SMS_BACKEND = "console"
    dossier = dossier_in(office, make_citizen(notify_by="sms"), Status.SUBMITTED)
    processing.accept(dossier=dossier, by=office.desk)
    [message] = messages_of(dossier)

    first = services.deliver(message_id=message.pk, claim="task-1")
    second = services.deliver(message_id=message.pk, claim="task-2")
    again = services.deliver(message_id=message.pk, claim="task-1")

    assert (first.status, second.status, again.status) == ("sent", "skipped", "skipped")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert message.provider_id.startswith("console-")


@pytest.mark.django_db(transaction=True)
def test_a_send_outside_any_transaction_commits_alone_and_leaves_the_connection_durable(settings):
    """As in the worker: the claim and the outcome are each their own (asynchronously committed) transaction; the
    connection's later commits (a status change the same worker makes) still wait for the disk."""
    settings.SMS_BACKEND = "console"
    office = make_office()
    dossier = dossier_in(office, make_citizen(notify_by="sms"), Status.SUBMITTED)
    processing.accept(dossier=dossier, by=office.desk)
    [message] = messages_of(dossier)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED, claimed_by="", attempts=0)
    assert not connection.in_atomic_block
    postgresql = connection.vendor == "postgresql"
    if postgresql:  # durable for this connection, whatever the test server's default
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO on")

    try:
        assert services.deliver(message_id=message.pk, claim="task-1").status == "sent"
        message.refresh_from_db()
        assert (message.status, message.claimed_by, message.attempts) == (MessageStatus.SENT, "", 1)
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                assert cursor.fetchone()[0] == "on"
    finally:
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def test_a_message_being_sent_by_one_task_is_left_alone_by_another(office):
    dossier = dossier_in(office, make_citizen(notify_by="sms"), Status.SUBMITTED)
    processing.accept(dossier=dossier, by=office.desk)
    [message] = messages_of(dossier)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_by="task-1")

    assert services.deliver(message_id=message.pk, claim="task-2").status == "skipped"


def test_email_to_a_real_smtp_listener_and_permanent_refusals(office, settings):
    smtp = SmtpListener().start()
    try:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": smtp.port, "timeout": 5},
            }
        }
        good = dossier_in(office, make_citizen(notify_by="email"), Status.SUBMITTED)
        bad = dossier_in(office, make_citizen(notify_by="email", email="khong.ton.tai@example.vn"), Status.SUBMITTED)
        smtp.mailbox.refuse["khong.ton.tai@example.vn"] = "550 5.1.1 No such user"
        for dossier in (good, bad):
            processing.refuse(dossier=dossier, by=office.desk, reason="Hồ sơ không thuộc thẩm quyền giải quyết")

        sent = services.deliver(message_id=messages_of(good)[0].pk, claim="t1")
        refused = services.deliver(message_id=messages_of(bad)[0].pk, claim="t2")
    finally:
        smtp.stop()

    assert (sent.status, refused.status) == ("sent", "failed")
    [received] = smtp.messages
    assert received["Subject"] == f"Hồ sơ {good.code} không được tiếp nhận"
    assert "Lý do: Hồ sơ không thuộc thẩm quyền giải quyết" in received.get_content()
    assert received["Message-ID"] == messages_of(good)[0].provider_id
    failed = messages_of(bad)[0]
    assert failed.attempts == 1 and "550" in failed.error and failed.failed_at is not None
    assert not mail.outbox


def test_email_errors_are_told_apart():
    message = Message(subject="s", body="b", recipient="a@example.vn")
    cases = [
        (smtplib.SMTPRecipientsRefused({"a@example.vn": (550, b"no")}), PermanentError),
        (smtplib.SMTPRecipientsRefused({"a@example.vn": (451, b"later")}), TemporaryError),
        (smtplib.SMTPDataError(421, b"busy"), TemporaryError),
        (smtplib.SMTPServerDisconnected("gone"), TemporaryError),
        (ConnectionRefusedError(111, "refused"), TemporaryError),
    ]
    for exc, expected in cases:
        with mock.patch("notifications.backends.email.EmailMessage.send", side_effect=exc), pytest.raises(expected):
            EmailBackend().send(message)


def test_the_sweep_requeues_forgotten_messages_and_times_out_stuck_ones(
    office, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_STUCK_AFTER = 600
    citizen = make_citizen(notify_by="sms")
    rows = []
    for _ in range(4):
        dossier = dossier_in(office, citizen, Status.SUBMITTED)
        processing.accept(dossier=dossier, by=office.desk)
        rows.append(Message.objects.get(dossier=dossier))
    fresh, forgotten, stuck, exhausted = rows
    now = timezone.now()
    Message.objects.filter(pk=forgotten.pk).update(next_attempt_at=now - timedelta(minutes=2))
    Message.objects.filter(pk__in=[stuck.pk, exhausted.pk]).update(
        status=MessageStatus.SENDING, claimed_by="lost-task", claimed_at=now - timedelta(minutes=11), attempts=1
    )
    Message.objects.filter(pk=exhausted.pk).update(attempts=3)

    with django_capture_on_commit_callbacks() as callbacks:
        counts = services.sweep_outbox(now=now)

    assert counts == {"requeued": 1, "stuck": 1, "failed": 1}
    assert len(callbacks) == 1
    statuses = dict(Message.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "status"))
    assert statuses == {
        fresh.pk: MessageStatus.QUEUED,
        forgotten.pk: MessageStatus.QUEUED,
        stuck.pk: MessageStatus.QUEUED,
        exhausted.pk: MessageStatus.FAILED,
    }
    assert "No outcome after 10 minutes" in Message.objects.get(pk=exhausted.pk).error
    # Just enqueued again: the next sweep a minute later leaves them alone.
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.sweep_outbox(now=now + timedelta(seconds=30)) == {"requeued": 0, "stuck": 0, "failed": 0}
    assert not callbacks


def test_retry_delays_grow_exponentially(settings):
    settings.NOTIFICATIONS_RETRY_DELAY = 30
    assert [services.retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert services.retry_delay(20) == 3600


# --- Back office ------------------------------------------------------------------------------------------


def test_officials_see_their_agencys_messages_and_can_resend_failed_ones(
    office, client, django_capture_on_commit_callbacks
):
    ours = dossier_in(office, make_citizen(notify_by="sms"), Status.SUBMITTED)
    processing.accept(dossier=ours, by=office.desk)
    [message] = messages_of(ours)
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.FAILED, error="HTTP 400: invalid number", attempts=1, provider_id="gw-1"
    )
    other_agency = AgencyFactory(code="000.99.02.T56")
    theirs = dossier_in(office, make_citizen(notify_by="sms"), Status.SUBMITTED)
    theirs.agency = theirs.received_by = other_agency
    theirs.save()
    theirs.status = Status.REFUSED
    write_event(theirs, action="refuse", from_status=1, by=None, public_note="x")

    client.force_login(office.desk)
    page = client.get(reverse("admin:notifications_message_changelist") + "?status__exact=failed")
    assert page.status_code == 200
    assert ours.code in page.content.decode() and "HTTP 400: invalid number" in page.content.decode()
    assert theirs.code not in client.get(reverse("admin:notifications_message_changelist")).content.decode()
    # Never silent: the dashboard counts the failure, and the dossier's timeline shows it under its event.
    dashboard = client.get(reverse("admin:dossiers_dossier_dashboard"))
    assert {row["key"]: row["count"] for row in dashboard.context["rows"]}["failed_messages"] == 1
    timeline = client.get(reverse("admin:dossiers_dossier_change", args=[ours.pk])).content.decode()
    assert f"SMS → {message.recipient}: Failed" in timeline and 'class="message-failed"' in timeline

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("admin:notifications_message_changelist"),
            {"action": "resend", "_selected_action": [message.pk]},
            follow=True,
        )
    assert "1 message will be sent again." in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.resends, message.error) == (MessageStatus.QUEUED, 0, 1, "")
    assert message.reference == f"{message.public_id}.1"  # a new send: the gateway must not dedupe it
    assert len(callbacks) == 1


def test_the_dossier_shows_its_messages(office):
    dossier = dossier_in(office, make_citizen(), Status.SUBMITTED)
    processing.request_supplement(dossier=dossier, by=office.desk, missing="Tờ khai")
    processing.refuse(dossier=dossier, by=office.desk, reason="Không bổ sung")

    log = list(selectors.messages_for_dossier(dossier))
    assert [m.kind for m in log] == [Event.SUPPLEMENT_REQUESTED] * 2 + [Event.REFUSED] * 2
    grouped = selectors.messages_by_event(dossier)
    assert [len(v) for v in grouped.values()] == [2, 2]
    assert MessageInline.model is Message and MessageInline.fk_name == "dossier"


# --- Delivery reports ---------------------------------------------------------------------------------------


@pytest.fixture
def sent_sms(office):
    dossier = dossier_in(office, make_citizen(notify_by="sms"), Status.SUBMITTED)
    processing.accept(dossier=dossier, by=office.desk)
    Message.objects.filter(dossier=dossier).update(status=MessageStatus.SENT, provider_id="gw-42", attempts=1)
    return Message.objects.get(dossier=dossier)


SECRET = "callback-secret"


def report(client, body, secret=SECRET):
    return client.post(
        reverse("notifications:delivery_report"),
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Callback-Secret": secret} if secret is not None else {},
    )


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "callback-secre"])
def test_a_delivery_report_with_a_bad_secret_is_rejected(client, settings, sent_sms, secret):
    settings.SMS_CALLBACK_SECRET = "callback-secret"

    response = report(client, {"message_id": "gw-42", "status": "delivered"}, secret=secret)

    assert response.status_code == 403
    sent_sms.refresh_from_db()
    assert sent_sms.status == MessageStatus.SENT


def test_delivery_reports_are_refused_while_no_secret_is_configured(client, settings, sent_sms):
    settings.SMS_CALLBACK_SECRET = ""
    assert report(client, {"message_id": "gw-42", "status": "delivered"}, secret="").status_code == 403


def test_delivery_reports_update_the_message(client, settings, sent_sms):
    settings.SMS_CALLBACK_SECRET = "callback-secret"

    assert report(client, {"message_id": "gw-42", "status": "delivered"}).status_code == 200
    sent_sms.refresh_from_db()
    assert sent_sms.status == MessageStatus.DELIVERED and sent_sms.delivered_at is not None
    # A late "failed" does not undo a delivery; unknown ids and bad bodies are told so.
    assert report(client, {"message_id": "gw-42", "status": "failed", "error": "x"}).status_code == 200
    sent_sms.refresh_from_db()
    assert sent_sms.status == MessageStatus.DELIVERED
    assert report(client, {"message_id": "gw-0", "status": "delivered"}).status_code == 404
    assert report(client, ["gw-42"]).status_code == 400
    assert report(client, {"message_id": "gw-42\ud800", "status": "delivered"}).status_code == 400  # unpaired
    assert client.get(reverse("notifications:delivery_report")).status_code == 405


def test_an_undelivered_report_fails_the_message_visibly(client, settings, office, sent_sms):
    settings.SMS_CALLBACK_SECRET = "callback-secret"

    report(client, {"message_id": "gw-42", "status": "undelivered", "error": "Thuê bao không liên lạc được"})

    sent_sms.refresh_from_db()
    assert sent_sms.status == MessageStatus.FAILED
    assert sent_sms.error == "Not delivered: Thuê bao không liên lạc được"
    assert sent_sms in selectors.failed_messages(office.desk)


# --- Preferences ------------------------------------------------------------------------------------------


def test_citizens_choose_their_channels_and_language(client, db):
    citizen = make_citizen(notify_by="both")
    client.force_login(citizen)
    url = reverse("notifications:preferences")
    assert url == "/tai-khoan/thong-bao/"

    page = client.get(url)
    assert page.status_code == 200 and format_vn_phone(citizen.phone) in page.content.decode()  # 0910 000 001
    response = client.post(url, {"notify_by": "sms", "language": "en"})

    assert response.status_code == 302
    citizen.refresh_from_db()
    assert (citizen.notify_by, citizen.language) == ("sms", "en")


def test_sms_cannot_be_chosen_without_a_mobile_number(client, db):
    citizen = make_citizen(phone="", notify_by="email")
    client.force_login(citizen)

    response = client.post(reverse("notifications:preferences"), {"notify_by": "both", "language": "vi"})

    assert response.status_code == 200
    assert "no mobile number" in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.notify_by == "email"


def test_the_preferences_page_needs_a_signed_in_user(client, db):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302 and "/tai-khoan/dang-nhap/" in response["Location"]


def test_the_citizen_is_sent_to_the_desk_that_received_the_dossier(office):
    """Received by a ward's centre for a provincial department, the dossier's result was to be collected at "the
    one-stop desk of" the department, which has none for the ward's citizens."""
    centre = AgencyFactory(code="000.99.02.T56", name="Ủy ban nhân dân phường Trung Tâm")
    citizen = make_citizen(notify_by="email")
    result = SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")
    dossier = dossier_in(office, citizen, Status.PROCESSING, received_by=centre)

    processing.approve(dossier=dossier, by=office.leader, result=result, pin=settings.SIGNATURE_DEMO_PIN)

    body = Message.objects.get(dossier=dossier).body
    assert "Mời ông/bà đến Bộ phận Một cửa Ủy ban nhân dân phường Trung Tâm nhận kết quả" in body


def test_stored_templates_are_pointed_at_the_desk_and_keep_the_change_as_a_version(office):
    from notifications.defaults import point_to_the_desk
    from notifications.models import MessageTemplateVersion

    template = MessageTemplate.objects.get(event=Event.RESULT_READY, channel=Channel.EMAIL, language="vi")
    edited = template.body.replace("{{ desk }}", "{{ agency }}") + "\nĐã sửa bởi quản trị."  # stored before, edited
    MessageTemplate.objects.filter(pk=template.pk).update(body=edited)

    assert point_to_the_desk(MessageTemplate, MessageTemplateVersion) == 1

    template.refresh_from_db()
    assert "Bộ phận Một cửa {{ desk }} nhận kết quả" in template.body and "Đã sửa bởi quản trị." in template.body
    assert template.versions.get(version=template.version).body == template.body
    assert point_to_the_desk(MessageTemplate, MessageTemplateVersion) == 0  # once


def test_a_supplement_request_says_the_papers_may_also_be_brought_to_the_desk(office):
    """A citizen registered at a counter has no password: the request offered only the online page."""
    centre = AgencyFactory(code="000.99.03.T56", name="Ủy ban nhân dân phường Bến Đò")
    citizen = make_citizen(notify_by="email")
    dossier = dossier_in(office, citizen, Status.PROCESSING, received_by=centre)

    processing.request_supplement(dossier=dossier, by=office.specialist, missing="Bản sao giấy chứng sinh")

    body = Message.objects.get(dossier=dossier).body
    assert "(đăng nhập bằng tài khoản hoặc VNeID)" in body
    assert "hoặc mang giấy tờ đến Bộ phận Một cửa Ủy ban nhân dân phường Bến Đò." in body


def test_the_rewordings_turn_every_earlier_default_into_todays(office):
    """An existing database keeps its templates: the data migrations must bring the earlier defaults to today's."""
    from notifications.defaults import (
        DEFAULT_TEMPLATES,
        NAMES_WHO_ACTS,
        SUPPLEMENT_EITHER_WAY,
        TO_THE_DESK,
        reword,
    )
    from notifications.models import MessageTemplateVersion

    steps = [TO_THE_DESK, SUPPLEMENT_EITHER_WAY, NAMES_WHO_ACTS]  # in the migrations' order
    for template in MessageTemplate.objects.all():
        earlier = template.body
        for pairs in reversed(steps):
            for old, new in pairs:
                earlier = earlier.replace(new, old)
        MessageTemplate.objects.filter(pk=template.pk).update(body=earlier)

    for pairs in steps:
        reword(MessageTemplate, MessageTemplateVersion, pairs)

    for template in MessageTemplate.objects.all():
        assert template.body == DEFAULT_TEMPLATES[(template.event, template.channel, template.language)][1], template


def test_a_refusal_at_intake_names_the_desk_that_refused_and_a_submission_the_desk_it_went_to(office):
    """Refused at intake by a ward's desk, the citizen read that the provincial department had refused it."""
    from portal.accounts.services import create_official

    centre = AgencyFactory(code="000.99.04.T56", name="Ủy ban nhân dân phường Cửa Tiền")
    desk = create_official(
        username="notify_centre_desk",
        full_name="Cán bộ một cửa phường",
        email="centre.desk@example.gov.vn",
        agency=centre,
        role=Role.DESK,
        password="MatKhau@2026",
    )
    citizen = make_citizen(notify_by="email")
    dossier = dossier_in(office, citizen, Status.SUBMITTED, received_by=centre)

    processing.refuse(dossier=dossier, by=desk, reason="Hồ sơ thiếu giấy tờ")

    body = Message.objects.get(dossier=dossier).body
    assert "Ủy ban nhân dân phường Cửa Tiền không tiếp nhận hồ sơ" in body and office.agency.name not in body
