"""The dossiers API follows the same rules as the back office: own agency only, legal transitions only."""

import pytest

from dossiers.constants import Status
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.accounts.services import create_official
from procedures.models import Agency

from .factories import CitizenFactory
from .filing import HAC_THANH

pytestmark = pytest.mark.django_db


def desk():
    return User.objects.get(agency__code=HAC_THANH, role=Role.DESK)


def url(dossier, action=None):
    base = f"/api/v1/dossiers/{dossier.code}/"
    return f"{base}actions/{action}/" if action else base


def test_an_official_lists_and_reads_their_agencys_dossiers(client, submitted):
    client.force_login(desk())

    listed = client.get("/api/v1/dossiers/").json()["results"]
    detail = client.get(url(submitted)).json()

    assert [d["code"] for d in listed] == [submitted.code]
    assert detail["status"] == Status.SUBMITTED and detail["events"][0]["action"] == "submit"


def test_another_agency_sees_nothing_and_cannot_act(client, submitted):
    outsider = create_official(
        username="desk_other",
        full_name="Cán bộ xã khác",
        email="desk_other@example.gov.vn",
        agency=Agency.objects.get(code="000.21.30.H56"),
        role=Role.DESK,
        password="MatKhau@2026",
    )
    client.force_login(outsider)

    assert client.get("/api/v1/dossiers/").json()["results"] == []
    assert client.get(url(submitted)).status_code == 404
    assert client.post(url(submitted, "accept"), {}, content_type="application/json").status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_accepting_through_the_api(client, submitted):
    client.force_login(desk())

    response = client.post(url(submitted, "accept"), {"expected_version": 0}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["status"] == Status.ACCEPTED and response.json()["due_at"]


def test_an_illegal_transition_is_409_with_a_message(client, submitted):
    client.force_login(desk())

    response = client.post(url(submitted, "return_result"), {}, content_type="application/json")

    assert response.status_code == 409
    assert submitted.code in response.json()["detail"]
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_a_stale_version_is_409(client, submitted):
    client.force_login(desk())
    client.post(url(submitted, "accept"), {"expected_version": 0}, content_type="application/json")

    response = client.post(
        url(submitted, "refuse"), {"expected_version": 0, "reason": "x"}, content_type="application/json"
    )

    assert response.status_code == 409
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED


def test_the_citizen_reads_their_dossier_but_cannot_act_on_it(client, submitted):
    client.force_login(submitted.applicant)

    assert client.get(url(submitted)).status_code == 200
    assert client.post(url(submitted, "accept"), {}, content_type="application/json").status_code == 409
    client.force_login(CitizenFactory())
    assert client.get(url(submitted)).status_code == 404


def test_anonymous_callers_are_refused(client, submitted):
    assert client.get("/api/v1/dossiers/").status_code in (401, 403)
