"""The look-up and rating endpoints of the JSON API."""

import pytest
from captcha.models import CaptchaStore
from django.test import override_settings
from rest_framework.test import APIClient

from portal.accounts.constants import Role
from tracking.models import Rating

from .factories import CitizenFactory
from .filing import HAC_THANH
from .test_tracking import (
    ADDRESS,
    ID_NUMBER,
    INTERNAL,
    MISSING,
    PHONE,
    SCORES,
    _fresh_rate_limits,  # noqa: F401 (an autouse fixture)
    dossier,  # noqa: F401 (a fixture)
    in_processing,
    returned,
    staff,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/lookup/"
CAPTCHA = "/api/v1/lookup/captcha/"
RATINGS = "/api/v1/ratings/"
PARTNER_KEY = "doi-tac-so-1-" + "k" * 32


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def solved_captcha(api) -> dict:
    body = api.get(CAPTCHA).json()
    assert body["image_url"].startswith("http://testserver/captcha/image/")
    return {"captcha_key": body["key"], "captcha_value": CaptchaStore.objects.get(hashkey=body["key"]).response}


def test_a_look_up_with_a_captcha_masks_personal_data(api, dossier, staff):  # noqa: F811
    dossier = in_processing(dossier, staff)
    response = api.post(LOOKUP, {"code": dossier.code, **solved_captcha(api)}, format="json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["code"] == dossier.code and body["full"] is False
    assert body["applicant_name"] == "Nguyễn V*** A**"
    assert body["status"] == 4 and body["status_label"] == "Processing"
    assert body["procedure_code"] == dossier.procedure.code and body["agency_code"] == HAC_THANH
    assert body["delivery_address"] is None and body["delivery_phone"] is None and body["documents"] == []
    assert [entry["label"] for entry in body["timeline"]][:2] == [
        "Dossier submitted online",
        "The agency asked for a supplement",
    ]
    assert MISSING in response.content.decode()
    for secret in (INTERNAL, ID_NUMBER, PHONE, ADDRESS, "Nguyễn Văn An"):
        assert secret not in response.content.decode()


def test_the_id_number_gives_the_full_detail(api, dossier):  # noqa: F811
    body = api.post(LOOKUP, {"code": dossier.code, "id_number": ID_NUMBER, **solved_captcha(api)}).json()
    assert body["full"] is True and body["applicant_name"] == "Nguyễn Văn An"
    assert body["delivery_address"] == ADDRESS and body["documents"]


def test_a_captcha_is_needed_and_used_once(api, dossier):  # noqa: F811
    response = api.post(LOOKUP, {"code": dossier.code})
    assert response.status_code == 400 and response.json()["code"] == "captcha_invalid"
    answer = solved_captcha(api)
    wrong = api.post(LOOKUP, {"code": dossier.code, **answer, "captcha_value": "WRONG"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "captcha_invalid"
    answer = solved_captcha(api)
    assert api.post(LOOKUP, {"code": dossier.code, **answer}).status_code == 200
    assert api.post(LOOKUP, {"code": dossier.code, **answer}).json()["code"] == "captcha_invalid"


def test_malformed_and_unknown_codes(api, catalogue):
    malformed = api.post(LOOKUP, {"code": "abc", **solved_captcha(api)})
    assert malformed.status_code == 400
    assert malformed.json()["fields"]["code"] == [
        "This is not a dossier code. A dossier code looks like 000.20.30.H56-261122-0001."
    ]
    unknown = api.post(LOOKUP, {"code": f"{HAC_THANH}-991231-9999", **solved_captcha(api)})
    assert unknown.status_code == 404
    assert unknown.json() == {"code": "not_found", "message": "We found no dossier with this code.", "fields": {}}


@override_settings(TRACKING_PARTNER_API_KEYS=[PARTNER_KEY])
def test_partners_look_up_with_their_key_instead_of_a_captcha(api, dossier):  # noqa: F811
    response = api.get(LOOKUP, {"code": dossier.code}, HTTP_X_API_KEY=PARTNER_KEY)
    assert response.status_code == 200 and response.json()["applicant_name"] == "Nguyễn V*** A**"
    refused = api.get(LOOKUP, {"code": dossier.code}, HTTP_X_API_KEY="not-a-key")
    assert refused.status_code == 403 and refused.json()["code"] == "api_key_invalid"


@override_settings(TRACKING_API_LOOKUP_RATE="2/10m", TRACKING_PARTNER_API_KEYS=[PARTNER_KEY])
def test_look_ups_are_throttled_per_address_and_per_partner(api, dossier):  # noqa: F811
    for _ in range(2):
        assert api.post(LOOKUP, {"code": dossier.code}).status_code == 400  # wrong or missing captcha counts too
    throttled = api.post(LOOKUP, {"code": dossier.code, **solved_captcha_unthrottled()})
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled" and int(throttled["Retry-After"]) > 0
    # A partner has its own allowance.
    assert api.get(LOOKUP, {"code": dossier.code}, HTTP_X_API_KEY=PARTNER_KEY).status_code == 200
    # So does another address.
    other = APIClient(REMOTE_ADDR="10.9.8.7")
    assert other.post(LOOKUP, {"code": dossier.code, **solved_captcha_unthrottled()}).status_code == 200


def solved_captcha_unthrottled() -> dict:
    key = CaptchaStore.pick()
    return {"captcha_key": key, "captcha_value": CaptchaStore.objects.get(hashkey=key).response}


def test_the_applicant_rates_through_the_api(api, dossier, staff):  # noqa: F811
    dossier = returned(dossier, staff)
    payload = {"code": dossier.code, **SCORES, "comment": "Đúng hẹn."}
    assert api.post(RATINGS, payload, format="json").status_code in (401, 403)  # not signed in

    api.force_authenticate(CitizenFactory())
    stranger = api.post(RATINGS, payload, format="json")
    assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"
    assert api.get(f"{RATINGS}{dossier.code}/").status_code == 404

    api.force_authenticate(dossier.applicant)
    assert api.get(f"{RATINGS}{dossier.code}/").status_code == 404  # not rated yet
    created = api.post(RATINGS, payload, format="json")
    assert created.status_code == 201
    assert created.json() | {"created_at": None} == {
        "code": dossier.code,
        **SCORES,
        "comment": "Đúng hẹn.",
        "created_at": None,
    }
    again = api.post(RATINGS, {**payload, "score": 1}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "rating_not_allowed"
    assert api.get(f"{RATINGS}{dossier.code}/").json()["score"] == 5
    assert Rating.objects.get(dossier=dossier).score == 5


def test_ratings_are_refused_before_the_result_is_returned_and_outside_1_to_5(api, dossier, staff):  # noqa: F811
    api.force_authenticate(dossier.applicant)
    early = api.post(RATINGS, {"code": dossier.code, **SCORES}, format="json")
    assert early.status_code == 409 and "handed over" in early.json()["message"]
    returned(dossier, staff)
    bad = api.post(RATINGS, {"code": dossier.code, **SCORES, "attitude": 6}, format="json")
    assert bad.status_code == 400 and "attitude" in bad.json()["fields"]
    assert not Rating.objects.exists()


def test_officials_cannot_rate(api, dossier, staff):  # noqa: F811
    dossier = returned(dossier, staff)
    api.force_authenticate(staff[Role.DESK])
    assert api.post(RATINGS, {"code": dossier.code, **SCORES}, format="json").status_code == 404


def test_the_schema_documents_the_look_up_and_rating_endpoints(api, catalogue):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"/api/v1/lookup/", "/api/v1/lookup/captcha/", "/api/v1/ratings/", "/api/v1/ratings/{code}/"} <= set(paths)
    assert set(paths["/api/v1/lookup/"]) >= {"get", "post"}
    assert "LookupResult" in schema["components"]["schemas"]


@pytest.mark.parametrize("answer", [2, 3])
def test_the_timeliness_answer_is_yes_early_yes_on_the_day_or_no(api, dossier, staff, answer):  # noqa: F811
    dossier = returned(dossier, staff)
    api.force_authenticate(dossier.applicant)

    response = api.post(RATINGS, {"code": dossier.code, **SCORES, "on_time": answer}, format="json")

    assert response.status_code == 400 and "on_time" in response.json()["fields"]
    assert not Rating.objects.exists()
