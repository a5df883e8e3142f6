"""Overdue is one rule (``dossiers.selectors``): past the due date while the clock runs. The back office's list and
queue, the API and the public look-up all answer it from there, so they agree for every status."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dossiers.constants import Status
from dossiers.models import Dossier
from dossiers.selectors import is_overdue, overdue_q
from portal.accounts.constants import Role
from portal.accounts.models import User
from tracking.selectors import lookup_result

from .factories import dossier_in
from .filing import HAC_THANH

pytestmark = pytest.mark.django_db

# Written out, not read from the code under test: the clock runs while accepted, processing and awaiting payment.
OVERDUE_WHEN_LATE = {Status.ACCEPTED, Status.PROCESSING, Status.PAYMENT_REQUESTED}
SUBMITTED_STATUSES = [status for status in Status if status != Status.DRAFT]


@pytest.fixture
def late(catalogue) -> dict[int, Dossier]:
    """One dossier in every submitted status, due an hour ago."""
    an_hour_ago = timezone.now() - timedelta(hours=1)
    return {status: dossier_in(status, due_at=an_hour_ago) for status in SUBMITTED_STATUSES}


def desk() -> User:
    return User.objects.get(agency__code=HAC_THANH, role=Role.DESK)


def test_every_page_agrees_which_dossiers_are_overdue(client, late):
    expected = {late[status].code for status in OVERDUE_WHEN_LATE}
    client.force_login(desk())

    listed = client.get("/api/v1/dossiers/", {"page_size": 100}).json()["results"]
    queue = client.get("/api/v1/dossiers/", {"queue": "overdue", "page_size": 100}).json()["results"]
    back_office = client.get("/quan-tri/dossiers/dossier/", {"due": "overdue"}).context["cl"].result_list
    rows = client.get("/quan-tri/dossiers/dossier/").text.split("<tr")

    assert {d["code"] for d in listed if d["overdue"]} == expected
    assert {d["code"] for d in queue} == expected
    assert {d.code for d in back_office} == expected
    assert {d.code for d in late.values() if any(d.code in r and 'class="overdue"' in r for r in rows)} == expected
    assert {d.code for d in late.values() if lookup_result(d).overdue} == expected


def test_the_query_and_the_loaded_dossier_answer_alike(late):
    now = timezone.now()
    in_query = set(Dossier.objects.filter(overdue_q(now)).values_list("code", flat=True))

    assert in_query == {d.code for d in late.values() if is_overdue(d, now)}
    assert not any(is_overdue(d, now - timedelta(days=1)) for d in late.values())  # not yet due a day ago
