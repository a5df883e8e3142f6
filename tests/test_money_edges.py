"""Edges of the money rules found in review: a payment asked for later never wipes out fees still owed from the
submission; a huge quantity typed into the declaration is bounded; a bad report parameter or a file store that is
down answers 4xx/503, never 500."""

import pytest
from botocore.config import Config
from django.urls import reverse

from dossiers import costs, processing
from dossiers.constants import Status
from payments import services as payments
from payments.constants import Purpose, RequestStatus
from payments.fees import MAX_QUANTITY, asked_quantity
from payments.models import PaymentRequest
from portal.accounts.models import User

from .payments_support import file_dossier, official, to_processing
from .test_file_store_outage import closed_port

pytestmark = pytest.mark.django_db


def test_a_payment_asked_for_later_keeps_the_submission_fees_owed(catalogue):
    dossier = to_processing(file_dossier(place=None))  # the copy fee billed at submission, unpaid
    owed_before = costs.cost_of(dossier).owed
    assert owed_before > 0

    processing.request_payment(dossier=dossier, by=official("chuyenvien"), amount=50_000, note="Lệ phí cấp bản sao")

    [request] = PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN)
    assert request.purpose == Purpose.REQUESTED and request.amount == owed_before + 50_000
    assert costs.cost_of(dossier).owed == owed_before + 50_000


def test_asking_again_replaces_the_earlier_ask_and_keeps_the_fees(catalogue):
    dossier = to_processing(file_dossier(place=None))
    owed_before = costs.cost_of(dossier).owed
    processing.request_payment(dossier=dossier, by=official("chuyenvien"), amount=50_000)
    processing.payment_received(dossier=dossier, by=None)  # back to processing without paying (the desk's choice)
    processing.request_payment(dossier=dossier, by=official("chuyenvien"), amount=40_000)

    [request] = PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN)
    assert request.amount == owed_before + 40_000
    assert costs.cost_of(dossier).owed == owed_before + 40_000


@pytest.mark.parametrize(
    ("typed", "quantity"),
    [("2", 2), ("", 0), ("-3", 0), ("abc", 0), ("9" * 30, MAX_QUANTITY), (str(MAX_QUANTITY + 1), MAX_QUANTITY)],
)
def test_the_quantity_typed_in_the_declaration_is_bounded(typed, quantity):
    assert asked_quantity({"copies": typed}, "copies") == quantity


def test_the_cashiers_report_with_a_malformed_agency_is_not_a_server_error(client, catalogue):
    client.force_login(User.objects.get(username="admin"))

    response = client.get(reverse("admin:payments_paymentrequest_report"), {"day": "2026-12-01", "agency": "abc"})

    assert response.status_code < 500


def test_downloading_a_receipt_while_the_file_store_is_down_answers_503(client, catalogue, settings):
    dossier = file_dossier(place=None)
    assert not dossier.receipt
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "down",
                "endpoint_url": f"http://127.0.0.1:{closed_port()}",
                "access_key": "key",
                "secret_key": "secret",
                "region_name": "us-east-1",
                "addressing_style": "path",
                "client_config": Config(connect_timeout=1, retries={"max_attempts": 1}),
            },
        },
    }
    client.force_login(dossier.applicant)

    response = client.get(reverse("dossiers:receipt", kwargs={"public_id": dossier.public_id}))

    assert response.status_code == 503
    dossier.refresh_from_db()
    assert not dossier.receipt


def test_the_cashier_cannot_mark_a_payment_received_that_the_books_still_await(catalogue, settings):
    """ "Payment received" by hand moved the dossier on while its request stayed open: the dossier read paid, the
    cashier's list still awaited it, and a later refusal left it awaited for ever."""
    settings.LANGUAGE_CODE = "en"
    dossier = to_processing(file_dossier(place=None))
    processing.request_payment(dossier=dossier, by=official("chuyenvien"), amount=50_000)
    dossier.refresh_from_db()

    awaited = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN).amount  # with the fees unpaid
    assert f"{awaited:,} VND is still awaited" in processing.why_not(dossier, "payment_received")
    with pytest.raises(processing.InvalidTransition, match="Record the payment at the counter"):
        processing.payment_received(dossier=dossier, by=official("thuphi"))
    dossier.refresh_from_db()
    assert dossier.status == Status.PAYMENT_REQUESTED

    request = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN, purpose=Purpose.REQUESTED)
    payments.record_counter_payment(request=request, by=official("thuphi"), method="cash")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING  # recorded with its receipt: the dossier moved on by itself
