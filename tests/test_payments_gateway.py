"""The VNPay adapter against the sandbox gateway over real HTTP (a live server): the IPN call back to the portal,
querydr reconciliation of a lost notification and of an abandoned payment, refunds, and two IPNs at once."""

import json
import threading
import urllib.parse
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossiers import processing
from payments import services
from payments.constants import RefundStatus, RequestStatus, TransactionStatus
from payments.models import PaymentRequest, Receipt, Refund, SandboxPayment, Transaction

from .payments_support import file_dossier, gateway_params, official

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal(live_server, load_demo, settings):
    """The live portal as the sandbox's merchant: IPN and API calls go over HTTP to it."""
    settings.PORTAL_URL = live_server.url
    settings.PAYMENT_SANDBOX = True
    settings.PAYMENT_SANDBOX_IPN_URL = live_server.url + reverse("payments:ipn")
    return live_server


def start(dossier) -> tuple[Transaction, str]:
    request = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    return services.start_online_payment(
        request=request,
        by=dossier.applicant,
        return_url="http://testserver/thanh-toan/vnpay/ket-qua/",
        client_ip="1.2.3.4",
    )


def at_the_bank(url: str, outcome: str = "success", *, lose_ipn: bool = False):
    """The citizen on the sandbox's bank page: open it (the signed redirect), choose, confirm."""
    client = Client()
    parts = urlsplit(url)
    page = client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200, page.content
    form = dict(page.context["params"])
    form["outcome"] = outcome
    if lose_ipn:
        form["lose_ipn"] = "1"
    return client.post(parts.path, form)


def test_the_sandbox_calls_the_ipn_back_and_returns_the_citizen_with_a_signed_result(portal):
    dossier = file_dossier()
    txn, url = start(dossier)
    assert url.startswith(f"{reverse('payments:sandbox_pay')}?vnp_Amount={txn.amount * 100}&")

    response = at_the_bank(url)

    txn.refresh_from_db()
    assert txn.status == TransactionStatus.SUCCEEDED and txn.gateway_confirmed  # by the IPN, over HTTP
    assert json.loads(SandboxPayment.objects.get(txn_ref=txn.txn_ref).ipn_answer) == {
        "RspCode": "00",
        "Message": "Confirm Success",
    }
    assert response.status_code == 302 and response["Location"].startswith(
        "http://testserver/thanh-toan/vnpay/ket-qua/?"
    )
    assert "vnp_ResponseCode=00" in response["Location"] and "vnp_SecureHash=" in response["Location"]
    assert PaymentRequest.objects.get(dossier=dossier).status == RequestStatus.PAID


@pytest.mark.parametrize(("outcome", "code"), [("cancel", "24"), ("insufficient", "51"), ("timeout", "11")])
def test_a_failed_payment_at_the_bank_is_recorded_as_failed(portal, outcome, code):
    txn, url = start(file_dossier())
    at_the_bank(url, outcome)
    txn.refresh_from_db()
    assert (txn.status, txn.response_code) == (TransactionStatus.FAILED, code)
    assert PaymentRequest.objects.get(pk=txn.request_id).status == RequestStatus.OPEN


def test_the_sandbox_refuses_a_tampered_redirect(portal):
    txn, url = start(file_dossier())
    tampered = url.replace(f"vnp_Amount={txn.amount * 100}&", "vnp_Amount=100&")
    assert tampered != url
    assert Client().get(tampered).status_code == 400


def test_a_lost_notification_is_found_by_reconciliation(portal):
    txn, url = start(file_dossier())
    at_the_bank(url, lose_ipn=True)
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.PENDING  # the browser came back, but the return URL proves nothing

    Transaction.objects.filter(pk=txn.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    assert services.reconcile()["settled"] == 1

    txn.refresh_from_db()
    assert txn.status == TransactionStatus.SUCCEEDED and txn.gateway_transaction_no
    assert Receipt.objects.filter(transaction=txn).exists()


def test_an_abandoned_payment_expires_and_a_late_success_is_still_reconciled(portal):
    txn, url = start(file_dossier())
    long_ago = timezone.now() - timedelta(minutes=40)
    Transaction.objects.filter(pk=txn.pk).update(created_at=long_ago, expires_at=long_ago + timedelta(minutes=15))

    assert services.reconcile()["expired"] == 1  # the gateway never saw it: "transaction not found"
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.EXPIRED

    # The citizen had the bank page open after all and paid; the notification was lost.
    at_the_bank(url, lose_ipn=True)
    assert services.reconcile()["settled"] == 1
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.SUCCEEDED
    assert PaymentRequest.objects.get(pk=txn.request_id).status == RequestStatus.PAID


def test_a_withdrawn_paid_dossier_is_refunded_through_the_gateway(portal):
    dossier = file_dossier()
    txn, url = start(dossier)
    at_the_bank(url)

    processing.withdraw(dossier=dossier, by=official("tiepnhan"), reason="Công dân xin rút hồ sơ.")
    refund = Refund.objects.get(transaction=txn)
    status = services.send_refund(refund_id=refund.pk)

    assert status == RefundStatus.DONE
    assert SandboxPayment.objects.get(txn_ref=txn.txn_ref).refunded == txn.amount * 100
    assert services.send_refund(refund_id=refund.pk) == RefundStatus.DONE  # sent once


def test_two_notifications_at_once_confirm_once(portal):
    txn, _url = start(file_dossier())
    query = "&".join(f"{k}={urllib.parse.quote_plus(v)}" for k, v in gateway_params(txn).items())
    url = f"{portal.url}{reverse('payments:ipn')}?{query}"
    barrier = threading.Barrier(4)
    answers = []

    def call():
        barrier.wait(timeout=10)
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 - the live test server
            answers.append(json.loads(response.read())["RspCode"])

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    connection.close()

    assert sorted(answers) == ["00", "02", "02", "02"]
    assert Receipt.objects.filter(transaction=txn).count() == 1
    assert not Refund.objects.exists()
