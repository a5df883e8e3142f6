"""Redis down when a change commits: the request answers as usual and the periodic sweep renders what it issued.

Each test points this process's Celery producer at a closed port. The tests are transactional, so the task is
published where production publishes it: after the request's own commit, inside the request. Before publishing
could never raise, the back office answered 500 to an accept it had saved, and the official's retry got a 409.
"""

import logging
import time
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.constants import Status
from dossiers.models import Dossier
from payments.models import PaymentRequest, Receipt
from portal import issued
from portal.accounts.models import User

from .factories import CitizenFactory
from .notifications_support import celery_broker
from .payments_support import file_dossier
from .test_filing import complete_birth_dossier, submit

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_PORT = "redis://127.0.0.1:1/0"
NOT_PUBLISHED = "Could not publish portal.tasks.render_issued"


@pytest.fixture
def redis_down(load_demo, caplog):
    caplog.set_level(logging.WARNING, logger="portal.celery")
    with celery_broker(CLOSED_PORT):
        yield caplog


def later() -> datetime:
    """When beat's sweep runs: past the minute the sweep leaves to the task published at commit."""
    return timezone.now() + issued.SWEEP_AFTER + timedelta(seconds=5)


def pdf_of(file) -> bytes:
    with file.open("rb") as fh:
        return fh.read()


def test_accepting_in_the_back_office_answers_as_usual_and_the_sweep_renders_the_notice(client, redis_down):
    dossier = file_dossier(place=None)
    client.force_login(User.objects.get(username="tiepnhan"))

    started = time.monotonic()
    response = client.post(reverse("admin:dossiers_dossier_action", args=[dossier.pk, "accept"]), {"version": 0})
    took = time.monotonic() - started

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    assert took < 5
    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED and dossier.version == 1
    notice = dossier.notices.get()
    assert not notice.file and not dossier.receipt  # neither task reached a worker
    assert NOT_PUBLISHED in redis_down.text

    assert issued.sweep(now=later()) == {"dossiers.receipt": 1, "dossiers.notice": 1, "payments.receipt": 0}

    notice.refresh_from_db()
    dossier.refresh_from_db()
    assert pdf_of(notice.file).startswith(b"%PDF-") and pdf_of(dossier.receipt).startswith(b"%PDF-")
    assert issued.sweep(now=later()) == {"dossiers.receipt": 0, "dossiers.notice": 0, "payments.receipt": 0}


def test_accepting_through_the_api_answers_200_and_a_second_accept_409(client, redis_down):
    dossier = file_dossier(place=None)
    client.force_login(User.objects.get(username="tiepnhan"))
    url = f"/api/v1/dossiers/{dossier.code}/actions/accept/"

    first = client.post(url, {"expected_version": 0}, content_type="application/json")
    again = client.post(url, {"expected_version": 0}, content_type="application/json")

    assert first.status_code == 200 and first.json()["status"] == Status.ACCEPTED
    assert again.status_code == 409  # the first one answered: nobody needs to try again
    notice = Dossier.objects.get(pk=dossier.pk).notices.get()
    assert not notice.file
    assert NOT_PUBLISHED in redis_down.text

    issued.sweep(now=later())

    notice.refresh_from_db()
    assert pdf_of(notice.file).startswith(b"%PDF-")


def test_the_citizen_submits_as_usual_and_the_sweep_renders_the_receipt(client, redis_down):
    client.force_login(CitizenFactory())
    dossier = complete_birth_dossier(client)

    response = submit(client, dossier)

    dossier.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == dossier.get_absolute_url()
    assert dossier.status == Status.SUBMITTED and dossier.code
    assert not dossier.receipt
    assert NOT_PUBLISHED in redis_down.text
    assert client.get(dossier.get_absolute_url()).status_code == 200

    issued.sweep(now=later())

    dossier.refresh_from_db()
    assert pdf_of(dossier.receipt).startswith(b"%PDF-")


def test_a_counter_payment_answers_as_usual_and_the_sweep_renders_the_receipt(client, redis_down):
    dossier = file_dossier()  # the result by post: a postal fee to pay
    payment = PaymentRequest.objects.get(dossier=dossier)
    client.force_login(User.objects.get(username="thuphi"))

    response = client.post(
        reverse("admin:payments_paymentrequest_counter", args=[payment.pk]), {"method": "cash", "reference": ""}
    )

    assert response.status_code == 302
    receipt = Receipt.objects.get(transaction__request=payment)
    assert not receipt.file
    assert NOT_PUBLISHED in redis_down.text

    assert issued.sweep(now=later())["payments.receipt"] == 1

    receipt.refresh_from_db()
    assert pdf_of(receipt.file).startswith(b"%PDF-")
