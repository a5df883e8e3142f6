"""Delivery through real components: a Redis broker and a Celery worker process (not eager mode), an SMTP listener
and an HTTP SMS gateway, all started by these tests.

The module has its own redis-server (so a test can stop and restart it) and points this process's Celery
producer at it. The tests are transactional: the worker reads the rows only once they are committed.
"""

import contextlib
import itertools
import os
import re
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from dossiers import processing
from dossiers.constants import Status
from dossiers.models import Dossier
from dossiers.receipts import RECEIPT
from notifications.constants import Channel, Event, MessageStatus
from notifications.models import Message
from notifications.tasks import send_message, sweep_outbox
from portal import issued

from .notifications_support import (
    GATEWAY_API_KEY,
    CeleryWorker,
    RedisServer,
    SmsGateway,
    SmtpListener,
    celery_broker,
    database_url_for_subprocesses,
    dossier_in,
    make_citizen,
    make_office,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

MAX_ATTEMPTS = 4


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    with celery_broker(server.url):
        yield server
    server.stop()


@pytest.fixture(scope="module")
def smtp():
    listener = SmtpListener().start()
    yield listener
    listener.stop()


@pytest.fixture(scope="module")
def gateway():
    server = SmsGateway().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(django_db_setup, broker, smtp, gateway, tmp_path_factory):
    env = {
        "DATABASE_URL": database_url_for_subprocesses(),
        "REDIS_URL": broker.url,
        "CELERY_BROKER_URL": broker.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "SMS_BACKEND": "http",
        "SMS_GATEWAY_URL": gateway.url,
        "SMS_GATEWAY_API_KEY": GATEWAY_API_KEY,
        "SMS_GATEWAY_TIMEOUT": "5",
        "NOTIFICATIONS_RETRY_DELAY": "0.2",
        "NOTIFICATIONS_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "CONN_MAX_AGE": "300",  # as deployed: the worker keeps its connections between tasks
    }
    process = CeleryWorker(env, log_path=tmp_path_factory.mktemp("worker") / "celery.log").start()
    yield process
    process.stop()


@pytest.fixture
def office(worker, smtp, gateway, settings):
    smtp.clear()
    gateway.clear()
    # What this process would use to send in-process; the worker has the same from EMAIL_URL.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp.port, "timeout": 5},
        }
    }
    return make_office()


def settled(dossier, count: int, *, timeout: float = 30) -> list[Message]:
    """The dossier's messages once ``count`` of them are done (sent, delivered or failed)."""

    def done():
        rows = list(Message.objects.filter(dossier=dossier).order_by("channel"))
        finished = [m for m in rows if m.status in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)]
        return rows if len(finished) >= count else None

    return wait_for(done, timeout=timeout, message=f"{count} messages of {dossier.code} to be sent")


def task_finished(worker, task_id: str, result: str) -> bool:
    return any(task_id in line and "succeeded" in line and result in line for line in worker.output().splitlines())


def test_a_status_change_sends_exactly_the_expected_messages(office, smtp, gateway):
    citizen = make_citizen(full_name="Nguyễn Văn An")
    dossier = dossier_in(office, citizen, Status.SUBMITTED)

    dossier = processing.accept(dossier=dossier, by=office.desk)

    email, sms = settled(dossier, 2)
    due = timezone.localtime(dossier.due_at)
    assert [(m.kind, m.channel, m.recipient, m.status, m.attempts) for m in (email, sms)] == [
        (Event.ACCEPTED, Channel.EMAIL, citizen.email, MessageStatus.SENT, 1),
        (Event.ACCEPTED, Channel.SMS, citizen.phone, MessageStatus.SENT, 1),
    ]
    wait_for(lambda: smtp.messages, message="the email")
    [received] = smtp.messages
    assert received["To"] == citizen.email
    assert received["Subject"] == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    body = received.get_content().replace("\r\n", "\n")
    assert body.startswith(
        f"Kính gửi ông/bà Nguyễn Văn An,\n\nHồ sơ {dossier.code} (Đăng ký khai sinh) đã được "
        f"Ủy ban nhân dân xã Thử Nghiệm tiếp nhận.\n\nNgày hẹn trả kết quả: {due:%H:%M %d/%m/%Y}."
    )
    assert received["Message-ID"] == email.provider_id
    [request] = gateway.requests
    assert request["headers"]["x-api-key"] == GATEWAY_API_KEY
    assert request["body"] == {
        "to": citizen.phone,
        "from": "DICHVUCONG",
        "text": f"DICHVUCONG: Ho so {dossier.code} da duoc tiep nhan. Hen tra ket qua ngay {due:%d/%m/%Y}.",
        "reference": str(sms.public_id),
    }
    assert sms.provider_id == gateway.delivered[str(sms.public_id)]["message_id"]


def test_a_rolled_back_status_change_sends_nothing(office, smtp, gateway, broker):
    dropped = dossier_in(office, make_citizen(), Status.SUBMITTED)

    with pytest.raises(RuntimeError), transaction.atomic():
        processing.accept(dossier=dropped, by=office.desk)
        assert Message.objects.filter(dossier=dropped).count() == 2  # written inside the transaction...
        raise RuntimeError("the request failed after the status change")

    assert not Message.objects.filter(dossier=dropped).exists()  # ...and gone with it
    # A change committed afterwards goes through the same queue and worker: once its messages are out,
    # anything the rolled-back change had enqueued would have been handled too.
    later = dossier_in(office, make_citizen(), Status.PROCESSING)
    processing.request_payment(dossier=later, by=office.specialist, amount=8000)
    settled(later, 2)
    wait_for(lambda: smtp.messages, message="the email")
    assert [m["To"] for m in smtp.messages] == [later.applicant.email]
    assert [sms["to"] for sms in gateway.delivered.values()] == [later.applicant.phone]
    assert len(gateway.requests) == 1


def test_running_the_task_twice_sends_once(office, gateway, worker):
    citizen = make_citizen(notify_by="sms")
    dossier = dossier_in(office, citizen, Status.PROCESSING)
    gateway.hold_next()  # the first send stays in flight while the duplicates arrive

    processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)
    assert gateway.holding.wait(15)
    message = Message.objects.get(dossier=dossier)
    assert message.status == MessageStatus.SENDING
    while_sending = [send_message.delay(message.pk).id for _ in range(2)]
    wait_for(lambda: all(task_finished(worker, t, "'skipped'") for t in while_sending), message="the duplicates")
    gateway.release()
    settled(dossier, 1)
    after_sent = send_message.delay(message.pk).id
    wait_for(lambda: task_finished(worker, after_sent, "'skipped'"), message="the task run after sending")

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(gateway.requests) == 1
    assert len(gateway.texts_to(citizen.phone)) == 1


def worker_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_connections_the_server_ended_between_tasks_are_replaced_without_losing_a_send(office, gateway, worker):
    """The worker keeps its connections and skips the check of one used a moment ago (``portal.database``);
    PostgreSQL ending them right after a task (a restart, an administrator) must still cost no message."""
    citizen = make_citizen(notify_by="sms")
    first, second = dossier_in(office, citizen, Status.PROCESSING), dossier_in(office, citizen, Status.PROCESSING)
    processing.request_payment(dossier=first, by=office.specialist, amount=8000)
    settled(first, 1)
    ended = worker_backends()
    assert ended  # kept after the task
    with connection.cursor() as cursor:
        for pid in ended:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_for(lambda: not (ended & worker_backends()), message="the connections to end")

    processing.request_payment(dossier=second, by=office.specialist, amount=8000)

    [message] = settled(second, 1, timeout=10)  # by the task itself, not the sweep a minute later
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(gateway.texts_to(citizen.phone)) == 2
    assert "OperationalError" not in worker.output() and "InterfaceError" not in worker.output()


def test_a_message_is_not_held_up_behind_a_backlog_of_receipts(office, gateway, worker):
    """Receipts and notices (100–150 ms each to render and seal) have a queue of their own: a status change's SMS
    published behind a burst of them is taken at the worker's next turn, not after the whole burst."""
    citizen = make_citizen(notify_by="sms")
    backlog = [dossier_in(office, citizen, Status.SUBMITTED).pk for _ in range(24)]
    for pk in backlog:
        issued.issue(RECEIPT, pk)  # outside a transaction: published at once, as a burst of submissions would
    dossier = dossier_in(office, citizen, Status.PROCESSING)

    processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)

    [message] = settled(dossier, 1, timeout=60)
    assert message.status == MessageStatus.SENT
    rendered = Dossier.objects.filter(pk__in=backlog).exclude(receipt="").count()
    assert rendered < len(backlog) // 2  # one queue would have sent it after about all 24
    wait_for(
        lambda: Dossier.objects.filter(pk__in=backlog, receipt="").count() == 0,
        timeout=120,
        message="the backlog of receipts to be rendered too",
    )


def test_a_worker_killed_mid_send_delivers_exactly_once_after_redelivery(office, gateway, worker):
    """The pool process is killed while the gateway holds the request (it has taken the SMS; our side never
    hears back). acks_late + reject_on_worker_lost put the task back on the queue; the redelivered task (same
    id) takes its own claim back and sends again with the same Idempotency-Key, which the gateway dedupes."""
    citizen = make_citizen(notify_by="sms")
    dossier = dossier_in(office, citizen, Status.PROCESSING)
    gateway.hold_next()

    processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)
    assert gateway.holding.wait(15)
    message = Message.objects.get(dossier=dossier)
    assert (message.status, message.attempts) == (MessageStatus.SENDING, 1)
    assert worker.kill_pool_processes()
    gateway.release()

    [message] = settled(dossier, 1)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(gateway.requests) == 2  # at-least-once towards the provider...
    assert {r["headers"]["idempotency-key"] for r in gateway.requests} == {message.reference}
    assert len(gateway.texts_to(citizen.phone)) == 1  # ...exactly one SMS to the citizen
    assert message.provider_id == gateway.delivered[message.reference]["message_id"]
    assert "WorkerLostError" in worker.output()
    wait_for(lambda: len(worker.pool_processes()) == 2, message="the pool to be replaced")


def test_redis_down_during_the_status_change_then_the_sweep_delivers(office, gateway, broker, worker):
    citizen = make_citizen(notify_by="sms")
    dossier = dossier_in(office, citizen, Status.PROCESSING)

    broker.stop()
    try:
        started = time.monotonic()
        dossier = processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)
        took = time.monotonic() - started
        message = Message.objects.get(dossier=dossier)
    finally:
        broker.start()

    assert dossier.status == Status.PAYMENT_REQUESTED  # committed: the broker is not needed to change status
    assert took < 5
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 0)
    assert not gateway.requests
    # A minute later beat's sweep finds the message still queued and enqueues it.
    Message.objects.filter(pk=message.pk).update(next_attempt_at=F("next_attempt_at") - timedelta(minutes=2))
    sweep_outbox.delay()

    [message] = settled(dossier, 1, timeout=60)
    assert message.status == MessageStatus.SENT
    assert len(gateway.texts_to(citizen.phone)) == 1


def test_a_worker_holding_a_send_stays_up_when_redis_restarts_and_takes_the_next_task(office, gateway, broker, worker):
    """Redis restarts while the worker is in the middle of sending an SMS (the gateway holds the request). The
    worker finishes that send, reconnects and takes the next status change's task: the same process, no restart
    from outside, each citizen one SMS. (With kombu's transport as it is, closing the lost connection raised
    AttributeError and the worker exited with "Unrecoverable error": portal/broker.py.)"""
    first, second = make_citizen(notify_by="sms"), make_citizen(notify_by="sms")
    dossier = dossier_in(office, first, Status.PROCESSING)
    later = dossier_in(office, second, Status.PROCESSING)
    main_process = worker.process.pid
    gateway.hold_next()
    processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)
    assert gateway.holding.wait(15)

    broker.stop()
    broker.start()
    gateway.release()

    [message] = settled(dossier, 1)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    wait_for(
        lambda: "Connected to " in worker.output().rpartition("Connection to broker lost")[2],
        timeout=30,
        message="the worker to reconnect",
    )
    processing.request_payment(dossier=later, by=office.specialist, amount=8000)
    [message] = settled(later, 1, timeout=60)
    assert message.status == MessageStatus.SENT
    assert worker.process.poll() is None and worker.process.pid == main_process
    assert "Unrecoverable error" not in worker.output()
    assert len(gateway.texts_to(first.phone)) == 1 and len(gateway.texts_to(second.phone)) == 1


def test_sms_is_transliterated_cut_to_the_part_limit_and_retried_on_5xx(office, gateway, settings):
    settings.SMS_MAX_PARTS = 2
    citizen = make_citizen(notify_by="sms")
    dossier = dossier_in(office, citizen, Status.SUBMITTED)
    gateway.fail_with = [503, 502]
    missing = (
        "Bản sao Giấy chứng sinh có chứng thực; Tờ khai đăng ký khai sinh ghi đủ họ, chữ đệm, tên của người "
        "được đăng ký; văn bản ủy quyền được chứng thực nếu người đi đăng ký không phải cha, mẹ, ông, bà; "
        "giấy tờ chứng minh nơi cư trú của người mẹ tại xã Đông Sơn."
    )

    dossier = processing.request_supplement(dossier=dossier, by=office.desk, missing=missing)

    [message] = settled(dossier, 1)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 3)
    assert len(gateway.requests) == 3 and len({r["headers"]["idempotency-key"] for r in gateway.requests}) == 1
    [text] = gateway.texts_to(citizen.phone)
    deadline = timezone.localtime(dossier.supplement_deadline)
    assert text.startswith(
        f"DICHVUCONG: Ho so {dossier.code} can bo sung truoc {deadline:%d/%m/%Y}: Ban sao Giay chung sinh co chung "
        "thuc; To khai dang ky khai sinh ghi du ho, chu dem, ten cua nguoi duoc dang ky;"
    )
    assert text.isascii() and text.endswith("...")
    assert 2 * 153 - 3 <= len(text) <= 2 * 153


def test_temporary_errors_give_up_after_the_last_attempt_and_permanent_ones_at_once(office, gateway):
    flaky, refused = (make_citizen(notify_by="sms") for _ in range(2))
    first = dossier_in(office, flaky, Status.SUBMITTED)
    gateway.fail_with = [503] * 10

    processing.accept(dossier=first, by=office.desk)

    [message] = settled(first, 1)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
    assert "HTTP 503" in message.error and str(MAX_ATTEMPTS) in message.error
    assert len(gateway.requests) == MAX_ATTEMPTS
    times = [r["at"] for r in gateway.requests]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4 and gaps[2] >= 0.8  # exponential backoff

    gateway.clear()
    gateway.fail_with = [400]
    second = dossier_in(office, refused, Status.SUBMITTED)
    processing.accept(dossier=second, by=office.desk)

    [message] = settled(second, 1)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert message.error.startswith("HTTP 400")
    assert len(gateway.requests) == 1


def test_a_worker_whose_main_process_dies_mid_send_is_replaced_within_a_minute(office, gateway, worker, settings):
    """The whole worker dies (main process and pool) while the gateway holds an SMS: no redelivery comes from the
    broker for hours (visibility timeout), so the sweep takes the message over once NOTIFICATIONS_STUCK_AFTER
    has passed (never before: a live worker could still be sending) and another worker sends it, with the same
    Idempotency-Key. Beat runs the sweep every 15 s; here it is run every second to measure the bound itself."""
    assert settings.NOTIFICATIONS_STUCK_AFTER == 30  # the default this test measures
    citizen = make_citizen(notify_by="sms")
    dossier = dossier_in(office, citizen, Status.PROCESSING)
    gateway.hold_next()
    processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)
    assert gateway.holding.wait(15)
    message = Message.objects.get(dossier=dossier)
    assert message.status == MessageStatus.SENDING

    pool = worker.pool_processes()
    worker.process.kill()  # SIGKILL the main process, as a node failure would...
    for pid in pool:  # ...and its pool with it
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    died = time.monotonic()
    worker.process.wait(timeout=10)
    gateway.release()
    worker.stop()
    worker.start()  # another node's worker

    def sent():
        sweep_outbox.apply()  # in-process, as beat's task would run it
        row = Message.objects.get(pk=message.pk)
        return row if row.status == MessageStatus.SENT else None

    message = wait_for(sent, timeout=90, interval=1, message="the lost message to be sent by another worker")
    recovered = time.monotonic() - died

    assert settings.NOTIFICATIONS_STUCK_AFTER - 2 <= recovered < 60, recovered
    print(f"\nlost in-flight message sent again {recovered:.1f} s after its worker died")
    assert message.attempts == 2  # one lost with the worker, one sent
    assert {r["headers"]["idempotency-key"] for r in gateway.requests} == {message.reference}
    assert len(gateway.texts_to(citizen.phone)) == 1  # the citizen gets one SMS


def send_tasks_received(worker) -> list[str]:
    """The ids of the send tasks the worker has received so far, once per delivery (a retry comes again)."""
    return re.findall(r"notifications\.tasks\.send_message\[([0-9a-f-]+)\] received", worker.output())


def test_a_status_changes_email_and_sms_go_out_in_one_task_and_a_failed_sms_holds_back_neither(
    office, smtp, gateway, worker
):
    """Both messages of one status change are one task (half the broker's round trips for a citizen who gets
    both). The gateway refuses the SMS once: the email is sent anyway, and the task's retry sends the SMS without
    sending the email again."""
    citizen = make_citizen()  # email and SMS, the default
    dossier = dossier_in(office, citizen, Status.PROCESSING)
    before = len(send_tasks_received(worker))
    gateway.fail_with = [503]

    processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)

    email, sms = settled(dossier, 2)
    assert [(m.channel, m.status, m.attempts) for m in (email, sms)] == [
        (Channel.EMAIL, MessageStatus.SENT, 1),
        (Channel.SMS, MessageStatus.SENT, 2),
    ]
    wait_for(lambda: smtp.to(citizen.email), message="the email")
    assert len(smtp.to(citizen.email)) == 1
    assert len(gateway.texts_to(citizen.phone)) == 1 and len(gateway.requests) == 2
    received = wait_for(lambda: (ids := send_tasks_received(worker)[before:]) and len(ids) >= 2 and ids)
    assert len(received) == 2 and len(set(received)) == 1  # one task, delivered again for its retry


# --- A backlog: one task sends the messages queued behind its own --------------------------------------------


def left_queued(office, broker, worker, count: int) -> list[Dossier]:
    """Status changes made while Redis is down: their messages are committed, queued, and no task was published."""
    dossiers = [dossier_in(office, make_citizen(notify_by="sms"), Status.PROCESSING) for _ in range(count)]
    broker.stop()
    try:
        for dossier in dossiers:
            processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)
    finally:
        broker.start()
    assert Message.objects.filter(dossier__in=dossiers, status=MessageStatus.QUEUED, attempts=0).count() == count
    return dossiers


def all_sent(dossiers: list[Dossier]) -> list[Message] | None:
    rows = list(Message.objects.filter(dossier__in=dossiers).order_by("next_attempt_at", "pk"))
    return rows if rows and all(row.status == MessageStatus.SENT for row in rows) else None


def test_after_an_outage_the_next_send_task_also_sends_what_was_left_queued(office, gateway, broker, worker):
    """Five status changes while Redis was down left their SMS queued with no task. The first status change after
    Redis is back sends its own SMS and, in the same task, the five that are due — a minute before the sweep would
    have enqueued them (no sweep runs here). A sixth, due only in an hour (a retry's backoff), waits for its time.
    Each citizen gets one SMS, and each row records one attempt."""
    backlog = left_queued(office, broker, worker, 6)
    later = Message.objects.get(dossier=backlog[-1])
    Message.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    due = backlog[:-1]
    dossier = dossier_in(office, make_citizen(notify_by="sms"), Status.PROCESSING)

    processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)

    sent = wait_for(lambda: all_sent([*due, dossier]), timeout=15, message="the backlog to be sent by one task")
    assert [(m.status, m.attempts, m.claimed_by) for m in sent] == [(MessageStatus.SENT, 1, "")] * 6
    assert all(m.provider_id == gateway.delivered[m.reference]["message_id"] for m in sent)
    assert len(gateway.requests) == 6
    assert all(len(gateway.texts_to(d.applicant.phone)) == 1 for d in [*due, dossier])
    later.refresh_from_db()
    assert (later.status, later.attempts) == (MessageStatus.QUEUED, 0)
    assert not gateway.texts_to(backlog[-1].applicant.phone)


def test_a_failure_while_catching_up_is_retried_and_the_rest_given_back(office, gateway, broker, worker):
    """While a task sends the backlog, the gateway answers 503 for one SMS: that one is retried on its own
    schedule (NOTIFICATIONS_RETRY_DELAY, here 0.2 s), the ones the task had claimed but not reached go back to the
    queue uncharged, and the retry's task sends them. Nobody waits for the sweep; nobody gets two SMS."""
    backlog = left_queued(office, broker, worker, 4)
    dossier = dossier_in(office, make_citizen(notify_by="sms"), Status.PROCESSING)
    gateway.fail_with = [0, 503]  # the task's own SMS goes through; the first of the backlog does not

    processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)

    sent = wait_for(lambda: all_sent([*backlog, dossier]), timeout=15, message="the backlog, after one retry")
    attempts = {m.dossier_id: m.attempts for m in sent}
    assert attempts == {backlog[0].pk: 2, backlog[1].pk: 1, backlog[2].pk: 1, backlog[3].pk: 1, dossier.pk: 1}
    assert len(gateway.requests) == 6  # five sends and the one refused
    assert all(len(gateway.texts_to(d.applicant.phone)) == 1 for d in [*backlog, dossier])
    [retried] = [m for m in sent if m.attempts == 2]
    assert [r["headers"]["idempotency-key"] for r in gateway.requests].count(retried.reference) == 2


def test_a_backlog_of_emails_goes_out_through_one_smtp_session(office, smtp, broker, worker):
    """Emails left queued by an outage go out with the next task through one connection to the mail server (one
    TLS handshake and login in production, not one per email), each email once."""
    dossiers = [dossier_in(office, make_citizen(notify_by="email"), Status.PROCESSING) for _ in range(5)]
    broker.stop()
    try:
        for dossier in dossiers[:-1]:
            processing.request_payment(dossier=dossier, by=office.specialist, amount=8000)
    finally:
        broker.start()

    processing.request_payment(dossier=dossiers[-1], by=office.specialist, amount=8000)

    wait_for(lambda: all_sent(dossiers), timeout=15, message="the emails to be sent by one task")
    assert sorted(m["To"] for m in smtp.messages) == sorted(d.applicant.email for d in dossiers)
    assert len(set(smtp.mailbox.sessions)) == 1


def test_a_message_refused_for_good_while_catching_up_does_not_hold_back_the_rest(
    office, gateway, broker, worker, settings
):
    """In-process: the gateway refuses the first SMS of a backlog of three for good (400, say a number it does not
    serve). That one fails at once, with the gateway's reason for the back office; the provider is not in trouble, so
    the same call goes on and sends the two others rather than giving them back to wait for their own tasks."""
    from notifications.services import catch_up

    settings.SMS_BACKEND, settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_API_KEY = "http", gateway.url, GATEWAY_API_KEY
    backlog = left_queued(office, broker, worker, 3)
    gateway.fail_with = [400]

    assert catch_up(claim="in-process", until=time.monotonic() + 5) == 2

    rows = list(Message.objects.filter(dossier__in=backlog).order_by("next_attempt_at", "pk"))
    assert [(m.status, m.attempts, m.claimed_by) for m in rows] == [
        (MessageStatus.FAILED, 1, ""),
        (MessageStatus.SENT, 1, ""),
        (MessageStatus.SENT, 1, ""),
    ]
    assert "HTTP 400" in rows[0].error
    assert len(gateway.requests) == 3


def test_a_task_out_of_time_gives_back_what_it_claimed_and_has_not_sent(office, gateway, broker, worker, settings):
    """In-process, with the time ending while the gateway holds the first SMS of a claim of three: that one is
    recorded as sent, the two others go back to the queue with no attempt charged, and the next call sends them."""
    from notifications.services import catch_up

    settings.SMS_BACKEND, settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_API_KEY = "http", gateway.url, GATEWAY_API_KEY
    settings.NOTIFICATIONS_CATCH_UP = 3
    backlog = left_queued(office, broker, worker, 3)
    gateway.hold_next()
    release = threading.Timer(1.0, gateway.release)
    release.start()

    assert catch_up(claim="in-process", until=time.monotonic() + 0.3) == 1

    release.join()
    rows = list(Message.objects.filter(dossier__in=backlog).order_by("next_attempt_at", "pk"))
    assert [(m.status, m.attempts, m.claimed_by) for m in rows] == [
        (MessageStatus.SENT, 1, ""),
        (MessageStatus.QUEUED, 0, ""),
        (MessageStatus.QUEUED, 0, ""),
    ]
    assert catch_up(claim="in-process", until=time.monotonic() + 5) == 2
    assert all_sent(backlog)
    assert all(len(gateway.texts_to(d.applicant.phone)) == 1 for d in backlog)
