"""Races on a dossier's money, on PostgreSQL: the gateway's late notification (IPN) against a counter payment, an
exemption and a withdrawal of the same dossier, each in its own thread and connection.

Every path takes the dossier's row lock first, then the request's, then the transaction's (``payments.services``).
The test holds the dossier's row lock while both threads start together at a barrier; the second one acts only once
the first is queued behind that lock, so PostgreSQL hands it over in a known order, and both orders are tried.
Exactly one outcome each time, read from the rows: the request paid once, what was paid twice refunded, the loser
refused in words; never a deadlock. (Before the lock order was one, a notification that got the dossier first
deadlocked with a counter payment or an exemption holding the request.)
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from dossiers import processing
from dossiers.constants import Status
from dossiers.models import Dossier
from payments import services
from payments.constants import RefundStatus, RequestStatus, TransactionStatus
from payments.models import PaymentRequest, Receipt, Refund, Transaction

from .conftest import restore_session_data
from .payments_support import file_dossier, gateway_params, official, to_processing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(is_postgresql):
    if not is_postgresql:
        pytest.skip("row locks and their order are PostgreSQL's")
    restore_session_data()  # the previous transactional test emptied the tables


def waiting_for_locks() -> int:
    """Connections of this database waiting for a row lock (the statistics are read afresh, even in a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_until(condition, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def race(dossier: Dossier, first, second) -> tuple[object, object]:
    """Run ``first`` then ``second`` (callables) in threads of their own, each with its own connection; returns what
    each returned or raised. The dossier's row stays locked until both wait for it, ``first`` ahead in the queue."""
    outcomes: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def run(name: str, action, after_first: bool) -> None:
        try:
            barrier.wait(timeout=15)
            if after_first:
                wait_until(lambda: waiting_for_locks() >= 1, "the first one waits for the dossier")
            with translation.override("en"):  # each thread has its own language
                outcomes[name] = action()
        except Exception as error:  # the outcome under test, asserted by the caller
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("first", first, False)),
        threading.Thread(target=run, args=("second", second, True)),
    ]
    with transaction.atomic():
        Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)  # the gate
        for thread in threads:
            thread.start()
        wait_until(lambda: waiting_for_locks() >= 2, "both wait for the dossier")
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes["first"], outcomes["second"]


def start_paying_online(request: PaymentRequest) -> Transaction:
    txn, _url = services.start_online_payment(
        request=request, by=request.dossier.applicant, return_url="http://testserver/", client_ip="1.2.3.4"
    )
    return txn


def expire(txn: Transaction) -> None:
    """The citizen left the bank's page: the payment expired here (as reconciliation leaves an abandoned one), and
    the bank's success comes late."""
    Transaction.objects.filter(pk=txn.pk).update(status=TransactionStatus.EXPIRED, settled_at=timezone.now())


ORDERS = ["ipn first", "ipn second"]  # which of the two PostgreSQL hands the dossier to first


@pytest.mark.parametrize("order", ORDERS)
def test_a_counter_payment_against_a_late_notification_pays_once(demo, order):
    dossier = file_dossier()  # 30,000 đ: the copy fee and the postal fee
    request = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    txn = start_paying_online(request)
    expire(txn)
    params = gateway_params(txn)

    def ipn():
        return services.handle_notification(params)["RspCode"]

    def counter():
        return services.record_counter_payment(request=request, by=official("thuphi"), method="cash")

    if order == "ipn first":
        answer, taken = race(dossier, ipn, counter)
    else:
        taken, answer = race(dossier, counter, ipn)

    assert answer == "00"  # the bank's success is always recorded, never a deadlock ("99")
    request.refresh_from_db()
    assert request.status == RequestStatus.PAID
    paid = Transaction.objects.filter(request__dossier=dossier, status=TransactionStatus.SUCCEEDED)
    refunds = Refund.objects.filter(transaction__request__dossier=dossier)
    if order == "ipn first":
        assert isinstance(taken, services.PaymentError) and "no longer awaited" in str(taken)
        assert list(paid.values_list("pk", flat=True)) == [txn.pk]
        assert not refunds.exists()
    else:
        assert isinstance(taken, Transaction) and taken.status == TransactionStatus.SUCCEEDED
        assert paid.count() == 2
        refund = refunds.get()  # the late online payment goes back
        assert (refund.transaction_id, refund.amount, refund.status) == (txn.pk, 30000, RefundStatus.REQUESTED)
        assert refund.reason.startswith("Thanh toán trùng")  # recorded in Vietnamese
    assert Receipt.objects.filter(transaction__request__dossier=dossier).count() == paid.count()


@pytest.mark.parametrize("order", ORDERS)
def test_an_exemption_against_a_late_notification_settles_once(demo, order):
    dossier = to_processing(file_dossier(place=None))
    PaymentRequest.objects.filter(dossier=dossier).update(status=RequestStatus.PAID)  # the fee paid at submission
    processing.request_payment(dossier=dossier, by=official("chuyenvien"), amount=50000, note="Lệ phí trích lục.")
    request = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    txn = start_paying_online(request)
    expire(txn)
    params = gateway_params(txn)
    line = request.lines.get()

    def ipn():
        return services.handle_notification(params)["RspCode"]

    def exempt():
        return services.exempt_line(line=line, by=official("thuphi"), reason="Hộ nghèo (NĐ 87/2020)")

    if order == "ipn first":
        answer, exempted = race(dossier, ipn, exempt)
    else:
        exempted, answer = race(dossier, exempt, ipn)

    assert answer == "00"
    request.refresh_from_db()
    line.refresh_from_db()
    dossier.refresh_from_db()
    assert request.status == RequestStatus.PAID
    assert dossier.status == Status.PROCESSING  # moved on from "payment requested" once
    assert dossier.events.filter(action="payment_received").count() == 1
    refunds = Refund.objects.filter(transaction=txn)
    if order == "ipn first":
        assert isinstance(exempted, services.PaymentError) and "still awaited" in str(exempted)
        assert (line.exempt, request.amount) == (False, 50000)
        assert not refunds.exists()
    else:
        assert isinstance(exempted, PaymentRequest)
        assert (line.exempt, request.amount) == (True, 0)
        refund = refunds.get()
        assert (refund.amount, refund.reason.startswith("Thanh toán trùng")) == (50000, True)


@pytest.mark.parametrize("order", ORDERS)
def test_a_withdrawal_against_a_notification_refunds_once(demo, order):
    dossier = file_dossier()
    request = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    txn = start_paying_online(request)  # still pending: the bank's answer comes as the citizen withdraws
    params = gateway_params(txn)

    def ipn():
        return services.handle_notification(params)["RspCode"]

    def withdraw():
        return processing.withdraw(dossier=dossier, by=official("tiepnhan"), reason="Công dân xin rút hồ sơ.")

    if order == "ipn first":
        answer, withdrawn = race(dossier, ipn, withdraw)
    else:
        withdrawn, answer = race(dossier, withdraw, ipn)

    assert answer == "00"
    assert isinstance(withdrawn, Dossier)
    dossier.refresh_from_db()
    request.refresh_from_db()
    txn.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN
    assert txn.status == TransactionStatus.SUCCEEDED
    refund = Refund.objects.get(transaction__request__dossier=dossier)  # exactly one: the money goes back once
    assert (refund.transaction_id, refund.amount) == (txn.pk, 30000)
    # Paid, then refunded by the withdrawal; or cancelled by it, then the late payment refunded.
    assert request.status == (RequestStatus.PAID if order == "ipn first" else RequestStatus.CANCELLED)
