"""The dossiers API follows the same rules as the back office: own agency only, legal transitions only."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken

from dossiers import services
from dossiers.constants import Status
from dossiers.models import Dossier
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.accounts.services import create_official
from procedures.models import Agency, Procedure

from .factories import CitizenFactory, dossier_in, official
from .filing import BIRTH, HAC_THANH, PDF_BYTES

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
    assert response.json()["code"] == "invalid_transition"
    assert submitted.code in response.json()["message"]
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


# --- Isolation of every endpoint ---------------------------------------------------------------------------------


OTHER_AGENCY = "000.21.30.H56"


def token(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {AuthToken.objects.create(user=user)[1]}"}


@pytest.fixture
def outsider(catalogue):
    return official(Role.DESK, OTHER_AGENCY, name="desk_other_api", full_name="Cán bộ phường khác")


@pytest.fixture
def draft(catalogue):
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure, applicant=CitizenFactory(), agency=Agency.objects.get(code=HAC_THANH), case=None
    )
    slot = dossier.case.documents.first()
    services.attach_document(dossier=dossier, required_document=slot, upload=SimpleUploadedFile("a.pdf", PDF_BYTES))
    return dossier


def calls(submitted: Dossier, draft: Dossier) -> list[tuple[str, str, dict | None]]:
    """Every endpoint that touches a dossier, with a request body a legitimate caller might send."""
    d = f"/api/v1/dossiers/{submitted.code}/"
    r = f"/api/v1/drafts/{draft.public_id}/"
    doc = draft.documents.first().pk
    upload = {"required_document": draft.case.documents.first().pk, "file": io.BytesIO(PDF_BYTES)}
    return [
        ("get", d, None),
        ("post", d + "actions/accept/", {}),
        ("post", d + "documents/", upload),
        ("post", d + "supplement/", {}),
        ("get", r, None),
        ("put", r + "declaration/", {"answers": {}}),
        ("post", r + "documents/", upload),
        ("delete", f"{r}documents/{doc}/", None),
        ("put", r + "delivery/", {"method": "office"}),
        ("post", r + "submit/", {"confirm": True}),
    ]


def send(client, method: str, url: str, data, **extra):
    if data is not None and "file" in data:
        data = {**data, "file": SimpleUploadedFile("a.pdf", PDF_BYTES)}
        return getattr(client, method)(url, data, **extra)
    if data is None:
        return getattr(client, method)(url, **extra)
    return getattr(client, method)(url, data, content_type="application/json", **extra)


def test_anonymous_callers_get_401_from_every_private_endpoint(client, submitted, draft):
    private = [("get", "/api/v1/dossiers/", None), ("get", "/api/v1/drafts/", None), ("post", "/api/v1/drafts/", {})]
    private += [("get", "/api/v1/queues/", None), *calls(submitted, draft)]
    for method, url, data in private:
        response = send(client, method, url, data)
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("who", ["stranger", "outsider"])
def test_nobody_else_reaches_a_dossier_or_a_draft(client, submitted, draft, outsider, who):
    caller = CitizenFactory() if who == "stranger" else outsider
    auth = token(caller)
    for method, url, data in calls(submitted, draft):
        response = send(client, method, url, data, **auth)
        assert response.status_code == 404, (who, method, url, response.status_code)
        assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/dossiers/", **auth).json()["results"] == []
    assert client.get("/api/v1/drafts/", **auth).json()["results"] == []
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and submitted.version == 0
    assert draft.status == Status.DRAFT and draft.documents.count() == 1


def test_the_receiving_agency_never_sees_a_citizens_draft(client, draft):
    auth = token(desk())
    r = f"/api/v1/drafts/{draft.public_id}/"

    assert client.get(r, **auth).status_code == 404
    assert client.get("/api/v1/dossiers/", **auth).json()["results"] == []


def test_citizens_have_no_queues(client, submitted):
    response = client.get("/api/v1/queues/", **token(submitted.applicant))

    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    own = client.get("/api/v1/dossiers/", {"queue": "following"}, **token(submitted.applicant))
    assert own.status_code == 200 and own.json()["results"] == []  # an official's queue: none of theirs


def test_public_endpoints_are_read_only_for_everyone(client, catalogue):
    for url in ("/api/v1/procedures/", "/api/v1/agencies/", "/api/v1/fields/", "/api/v1/statistics/"):
        assert client.get(url).status_code == 200
        assert client.post(url, {}, content_type="application/json").status_code in (401, 405)
    agency = client.get(f"/api/v1/agencies/{HAC_THANH}/").json()
    field = client.get("/api/v1/fields/").json()["results"][0]
    assert agency["code"] == HAC_THANH
    assert client.get(f"/api/v1/fields/{field['id']}/").json() == field


# --- Queues, filters, ordering, pagination -------------------------------------------------------------------------


def test_queues_are_the_dashboards_for_the_officials_agency(client, catalogue, outsider):
    now = timezone.now()
    dossier_in(Status.SUBMITTED)
    dossier_in(Status.SUBMITTED)
    dossier_in(Status.ACCEPTED, due_at=now - timedelta(hours=1))  # overdue
    dossier_in(Status.SUBMITTED, agency=OTHER_AGENCY)

    mine = {row["key"]: row["count"] for row in client.get("/api/v1/queues/", **token(desk())).json()}
    theirs = {row["key"]: row["count"] for row in client.get("/api/v1/queues/", **token(outsider)).json()}

    assert mine["intake"] == 2 and mine["accepted"] == 1 and mine["overdue"] == 1
    assert theirs["intake"] == 1 and theirs["overdue"] == 0
    listed = client.get("/api/v1/dossiers/", {"queue": "overdue"}, **token(desk())).json()
    assert listed["count"] == 1 and listed["results"][0]["overdue"] is True


def test_an_officials_list_is_kept_for_them_until_their_agency_changes(
    client, catalogue, outsider, settings, django_capture_on_commit_callbacks
):
    """With DASHBOARD_CACHE_SECONDS set, an unchanged list is answered without reading dossiers; accepting one shows
    at the next call; another agency's official never gets this list."""
    from dossiers import processing

    settings.DASHBOARD_CACHE_SECONDS = 60
    waiting = dossier_in(Status.SUBMITTED)
    dossier_in(Status.SUBMITTED, agency=OTHER_AGENCY)
    auth, theirs = token(desk()), token(outsider)
    statuses = lambda auth: {d["code"]: d["status"] for d in client.get("/api/v1/dossiers/", **auth).json()["results"]}  # noqa: E731

    first = statuses(auth)
    assert first == {waiting.code: Status.SUBMITTED}
    with CaptureQueriesContext(connection) as queries:
        assert statuses(auth) == first
    assert not [q for q in queries.captured_queries if "dossiers_dossier" in q["sql"]]
    assert waiting.code not in statuses(theirs)

    with django_capture_on_commit_callbacks(execute=True):
        processing.accept(dossier=waiting, by=desk())
    assert statuses(auth) == {waiting.code: Status.ACCEPTED}


def test_lists_filter_order_and_paginate(client, catalogue):
    old = dossier_in(Status.SUBMITTED, submitted_at=timezone.now() - timedelta(days=3))
    new = dossier_in(Status.SUBMITTED, channel="counter")
    accepted = dossier_in(Status.ACCEPTED, submitted_at=timezone.now() - timedelta(days=1))
    auth = token(desk())
    codes = lambda params: [d["code"] for d in client.get("/api/v1/dossiers/", params, **auth).json()["results"]]  # noqa: E731

    assert codes({}) == [new.code, accepted.code, old.code]  # newest first by default
    assert codes({"ordering": "submitted_at"}) == [old.code, accepted.code, new.code]
    assert codes({"status": Status.ACCEPTED}) == [accepted.code]
    assert codes({"status": [Status.ACCEPTED, Status.SUBMITTED], "channel": "counter"}) == [new.code]
    assert codes({"submitted_after": (timezone.now() - timedelta(days=2)).isoformat()}) == [new.code, accepted.code]
    assert codes({"code": new.code[:-2]}) and codes({"procedure": "9.999999"}) == []
    page = client.get("/api/v1/dossiers/", {"page_size": 1, "page": 2}, **auth).json()
    assert page["count"] == 3 and page["previous"] and len(page["results"]) >= 1
    bad = client.get("/api/v1/dossiers/", {"status": 99}, **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "status" in bad.json()["fields"]


def count_queries(client, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/api/v1/dossiers/", "/api/v1/dossiers/?queue=due_soon", "/api/v1/queues/", "/api/v1/drafts/"]
)
def test_dossier_lists_run_a_constant_number_of_queries(client, catalogue, url):
    official = desk()
    client.force_login(official)
    citizen = CitizenFactory()
    procedure = Procedure.objects.get(code=BIRTH)

    def grow(n: int):
        for _ in range(n):
            dossier_in(Status.PROCESSING, handler=official, due_at=timezone.now() + timedelta(hours=2))
            services.start_draft(
                procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=None
            )

    grow(2)
    auth = {}
    if url.startswith("/api/v1/drafts/"):
        client.force_login(citizen)
    count_queries(client, url, **auth)  # the first request also reads the signed-in user, then remembered
    few = count_queries(client, url, **auth)
    grow(8)
    assert count_queries(client, url, **auth) == few


@pytest.mark.parametrize("url", ["/api/v1/procedures/", "/api/v1/procedures/?q=khai+sinh", "/api/v1/agencies/"])
def test_catalogue_lists_run_a_constant_number_of_queries(client, catalogue, url):
    small = count_queries(client, url + ("&" if "?" in url else "?") + "page_size=2")
    large = count_queries(client, url + ("&" if "?" in url else "?") + "page_size=20")

    assert small == large
