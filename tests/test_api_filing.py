"""Filing through the API, with a token: the same services and checks as the web's filing flow."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from knox.models import AuthToken

from dossiers import processing
from dossiers.constants import Status
from dossiers.models import Dossier
from portal.accounts.constants import Role
from portal.accounts.models import User

from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH, PDF_BYTES, api_declaration, image_bytes

pytestmark = pytest.mark.django_db


def token_for(user) -> dict:
    _instance, token = AuthToken.objects.create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


@pytest.fixture
def citizen(catalogue):
    return CitizenFactory()


def start(client, auth) -> dict:
    response = client.post(
        "/api/v1/drafts/", {"procedure": BIRTH, "agency": HAC_THANH}, content_type="application/json", **auth
    )
    assert response.status_code == 201, response.content
    return response.json()


def upload(client, auth, url, slot, content=PDF_BYTES, name="scan.pdf"):
    return client.post(url, {"required_document": slot, "file": SimpleUploadedFile(name, content)}, **auth)


def test_a_citizen_files_a_dossier_through_the_api(client, citizen):
    auth = token_for(citizen)
    draft = start(client, auth)
    base = f"/api/v1/drafts/{draft['id']}/"

    assert draft["missing"] and draft["declaration_spec"] and draft["fees"] >= 0
    declared = client.put(
        base + "declaration/", {"answers": api_declaration()}, content_type="application/json", **auth
    )
    assert declared.status_code == 200, declared.content
    assert declared.json()["form_data"]["requester_address"]["ward"].endswith("Hạc Thành")
    for slot in [s for s in draft["required_documents"] if s["is_required"]]:
        assert upload(client, auth, base + "documents/", slot["id"]).status_code == 201
    delivery = client.put(base + "delivery/", {"method": "office"}, content_type="application/json", **auth)
    assert delivery.status_code == 200 and delivery.json()["missing"] == []

    submitted = client.post(base + "submit/", {"confirm": True}, content_type="application/json", **auth)

    assert submitted.status_code == 201, submitted.content
    body = submitted.json()
    assert body["code"].startswith(f"{HAC_THANH}-") and body["status"] == Status.SUBMITTED
    assert "note" not in body["events"][0]  # the citizen's view of the timeline has no internal notes
    again = client.post(base + "submit/", {"confirm": True}, content_type="application/json", **auth)
    assert again.status_code == 200 and again.json()["code"] == body["code"]  # a double click: one dossier
    assert client.get(f"/api/v1/dossiers/{body['code']}/", **auth).json()["code"] == body["code"]
    assert client.get("/api/v1/drafts/", **auth).json()["results"] == []


def test_submitting_needs_the_declaration_confirmed_and_complete(client, citizen):
    auth = token_for(citizen)
    base = f"/api/v1/drafts/{start(client, auth)['id']}/"

    unconfirmed = client.post(base + "submit/", {"confirm": False}, content_type="application/json", **auth)
    incomplete = client.post(base + "submit/", {"confirm": True}, content_type="application/json", **auth)

    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.json()["fields"]
    assert incomplete.status_code == 409 and incomplete.json()["code"] == "not_allowed"
    assert Dossier.objects.get(applicant=citizen).status == Status.DRAFT


def test_an_invalid_declaration_names_the_fields(client, citizen):
    auth = token_for(citizen)
    base = f"/api/v1/drafts/{start(client, auth)['id']}/"
    answers = api_declaration() | {"requester_id": "12", "child_birth_date": "2999-01-01"}

    response = client.put(base + "declaration/", {"answers": answers}, content_type="application/json", **auth)

    assert response.status_code == 400
    assert {"requester_id", "child_birth_date"} <= set(response.json()["fields"])


def test_an_address_given_as_text_is_refused_saying_it_is_an_object(client, citizen):
    """It read "This field is required" though the address was there, as one line of text."""
    auth = token_for(citizen)
    base = f"/api/v1/drafts/{start(client, auth)['id']}/"
    answers = api_declaration() | {"requester_address": "12 Lê Lợi, phường Hạc Thành"}

    response = client.put(
        base + "declaration/", {"answers": answers}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **auth
    )

    assert response.status_code == 400
    assert response.json()["fields"]["requester_address"] == [
        'Give the address as an object: {"province": code, "ward": code, "street": text}.'
    ]


def test_uploads_are_checked_by_content(client, citizen):
    auth = token_for(citizen)
    draft = start(client, auth)
    slot = draft["required_documents"][0]["id"]
    url = f"/api/v1/drafts/{draft['id']}/documents/"

    fake = upload(client, auth, url, slot, b"MZ\x90\x00 not a scan", "scan.pdf")
    empty = upload(client, auth, url, slot, b"", "scan.pdf")
    png = upload(client, auth, url, slot, image_bytes("PNG"), "photo.png")

    assert fake.status_code == 400 and fake.json()["fields"]["file"]
    assert empty.status_code == 400
    assert png.status_code == 201 and png.json()["content_type"] == "image/png"
    removed = client.delete(f"{url}{png.json()['id']}/", **auth)
    assert removed.status_code == 204
    assert client.get(f"/api/v1/drafts/{draft['id']}/", **auth).json()["documents"] == []


def test_a_file_over_the_limit_is_refused(client, citizen, settings):
    settings.DOSSIER_MAX_FILE_SIZE = 1000
    auth = token_for(citizen)
    draft = start(client, auth)

    response = upload(
        client, auth, f"/api/v1/drafts/{draft['id']}/documents/", draft["required_documents"][0]["id"], PDF_BYTES * 10
    )

    assert response.status_code == 400 and "1000" in " ".join(response.json()["fields"]["file"]).replace(".", "")


def test_starting_a_draft_checks_procedure_agency_and_case(client, citizen):
    auth = token_for(citizen)
    post = lambda data: client.post("/api/v1/drafts/", data, content_type="application/json", **auth)  # noqa: E731

    unknown = post({"procedure": "9.999999", "agency": "000.00.00.X00"})
    wrong_case = post({"procedure": BIRTH, "agency": HAC_THANH, "case": 10**9})
    official = client.post(
        "/api/v1/drafts/",
        {"procedure": BIRTH, "agency": HAC_THANH},
        content_type="application/json",
        **token_for(User.objects.get(agency__code=HAC_THANH, role=Role.DESK)),
    )

    assert unknown.status_code == 400 and set(unknown.json()["fields"]) == {"procedure", "agency"}
    assert wrong_case.status_code == 400 and "case" in wrong_case.json()["fields"]
    assert official.status_code == 409 and official.json()["code"] == "not_allowed"


def test_a_citizen_supplements_through_the_api(client, submitted):
    desk = User.objects.get(agency__code=HAC_THANH, role=Role.DESK)
    processing.request_supplement(dossier=submitted, by=desk, missing="Bản sao rõ hơn", days=5)
    auth = token_for(submitted.applicant)
    base = f"/api/v1/dossiers/{submitted.code}/"
    slot = submitted.case.documents.first().pk

    replaced = upload(client, auth, base + "documents/", slot, image_bytes("JPEG"), "ro-hon.jpg")
    sent = client.post(base + "supplement/", {"note": "Đã bổ sung"}, content_type="application/json", **auth)

    assert replaced.status_code == 201 and replaced.json()["content_type"] == "image/jpeg"
    assert sent.status_code == 200 and sent.json()["status"] == Status.SUBMITTED
    assert sent.json()["events"][-1]["public_note"] == "Đã bổ sung"
    late = upload(client, auth, base + "documents/", slot)
    assert late.status_code == 409 and late.json()["code"] == "not_allowed"


def test_only_the_applicant_supplements(client, submitted):
    desk = User.objects.get(agency__code=HAC_THANH, role=Role.DESK)
    processing.request_supplement(dossier=submitted, by=desk, missing="Bản sao", days=5)
    base = f"/api/v1/dossiers/{submitted.code}/"

    by_official = client.post(base + "supplement/", {}, content_type="application/json", **token_for(desk))
    by_stranger = client.post(base + "supplement/", {}, content_type="application/json", **token_for(CitizenFactory()))

    assert by_official.status_code == 403 and by_official.json()["code"] == "permission_denied"
    assert by_stranger.status_code == 404 and by_stranger.json()["code"] == "not_found"
    submitted.refresh_from_db()
    assert submitted.status == Status.SUPPLEMENT_REQUESTED


def test_the_result_can_be_posted_to_a_checked_address(client, citizen):
    auth = token_for(citizen)
    url = f"/api/v1/drafts/{start(client, auth)['id']}/delivery/"
    put = lambda data: client.put(url, data, content_type="application/json", **auth)  # noqa: E731
    place = {"province": "38", "ward": "Hạc Thành", "street": "12 Lê Lợi"}

    unknown_ward = put({"method": "post", "address": place | {"ward": "Không Có"}, "phone": "0912345678"})
    no_address = put({"method": "post", "phone": "0912345678"})
    posted = put({"method": "post", "address": place, "phone": "0912345678"})

    assert unknown_ward.status_code == 400 and "address" in unknown_ward.json()["fields"]
    assert no_address.status_code == 400 and "address" in no_address.json()["fields"]
    assert posted.status_code == 200, posted.content
    assert posted.json()["delivery_method"] == "post"
    assert posted.json()["delivery_address"].startswith("12 Lê Lợi, Phường Hạc Thành")
    assert posted.json()["delivery_phone"] == "+84912345678"


def test_a_drafts_answers_cost_the_same_few_queries_however_many_scans_it_holds(client, citizen):
    """Each step reads the draft once and answers through one fetch: the queries do not grow with the scans."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    auth = token_for(citizen)
    draft = start(client, auth)
    base = f"/api/v1/drafts/{draft['id']}/"
    slots = [s["id"] for s in draft["required_documents"]]
    assert len(slots) >= 2

    def delivery_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            answer = client.put(base + "delivery/", {"method": "office"}, content_type="application/json", **auth)
        assert answer.status_code == 200, answer.content
        return len(queries)

    assert upload(client, auth, base + "documents/", slots[0]).status_code == 201
    with_one = delivery_queries()
    for slot in slots[1:]:
        assert upload(client, auth, base + "documents/", slot).status_code == 201
    assert delivery_queries() == with_one
    assert len(
        client.put(base + "delivery/", {"method": "office"}, content_type="application/json", **auth).json()[
            "documents"
        ]
    ) == len(slots)
