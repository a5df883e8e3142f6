"""Inputs that once answered 500: each now answers 4xx in the API's error shape and changes nothing."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dossiers import processing
from dossiers.constants import Status
from dossiers.models import Dossier
from portal.accounts.constants import Role
from portal.accounts.models import User

from .factories import CitizenFactory, superuser
from .filing import BIRTH, HAC_THANH, api_declaration
from .test_api_filing import token_for

pytestmark = pytest.mark.django_db


def official(role: str) -> User:
    return User.objects.get(agency__code=HAC_THANH, role=role)


def act(client, dossier, action, body):
    return client.post(f"/api/v1/dossiers/{dossier.code}/actions/{action}/", body, content_type="application/json")


def processing_dossier(submitted) -> Dossier:
    processing.accept(dossier=submitted, by=official(Role.DESK))
    return processing.assign(dossier=submitted, by=official(Role.DESK), handler=official(Role.SPECIALIST))


@pytest.mark.parametrize("action", ["submit_for_approval", "assign", "forward"])
def test_an_empty_action_from_the_applicant_is_refused_before_its_arguments_are_read(client, submitted, action):
    client.force_login(submitted.applicant)
    version = submitted.version

    response = act(client, submitted, action, {})

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition" and response.json()["message"]
    submitted.refresh_from_db()
    assert (submitted.status, submitted.version) == (Status.SUBMITTED, version)


@pytest.mark.parametrize(
    ("action", "role", "field"),
    [
        ("submit_for_approval", Role.SPECIALIST, "leader"),
        ("forward", Role.SPECIALIST, "handler"),
    ],
)
def test_an_official_who_leaves_out_a_required_argument_gets_the_field_named(client, submitted, action, role, field):
    dossier = processing_dossier(submitted)
    version = dossier.version
    client.force_login(official(role))

    response = act(client, dossier, action, {})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == [field]
    dossier.refresh_from_db()
    assert (dossier.version, dossier.stage, dossier.handler) == (version, "processing", official(Role.SPECIALIST))


def test_assign_without_a_handler_names_the_field(client, submitted):
    processing.accept(dossier=submitted, by=official(Role.DESK))
    client.force_login(official(Role.DESK))

    response = act(client, submitted, "assign", {})

    assert response.status_code == 400 and list(response.json()["fields"]) == ["handler"]
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED


def test_a_due_date_filter_with_any_offset_is_read_as_the_moment_it_names(client, submitted):
    processing.accept(dossier=submitted, by=official(Role.DESK))
    submitted.refresh_from_db()
    client.force_login(official(Role.DESK))
    # -17:19 is a valid ISO 8601 offset that PostgreSQL cannot store: the same moment in UTC is used instead.
    after_due = timezone.localtime(
        submitted.due_at + timedelta(minutes=1), timezone.get_fixed_timezone(-(17 * 60 + 19))
    )
    before_due = after_due - timedelta(minutes=2)

    found = client.get("/api/v1/dossiers/", {"due_before": after_due.isoformat()})
    not_found = client.get("/api/v1/dossiers/", {"due_before": before_due.isoformat()})
    fixed = client.get("/api/v1/dossiers/?due_before=2026-01-01T00:00:00-17:19")

    assert "-17:19" in after_due.isoformat()
    assert found.status_code == 200 and [d["code"] for d in found.json()["results"]] == [submitted.code]
    assert not_found.status_code == 200 and not_found.json()["results"] == []
    assert fixed.status_code == 200


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-17:19", "0001-01-01T00:00:00+23:59", "2026-13-01T00:00:00"])
def test_a_moment_outside_the_calendar_is_a_validation_error(client, submitted, value):
    client.force_login(official(Role.DESK))

    response = client.get("/api/v1/dossiers/", {"due_before": value})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "due_before" in response.json()["fields"]


@pytest.mark.parametrize(
    "address", ["/thu-tuc/%00/", "/thu-tuc/%00/mau-don/1/", "/ho-so/nop/%00/", "/thu-tuc/?q=a%00b"]
)
def test_an_address_with_a_nul_character_is_a_translated_bad_request_page(client, catalogue, address):
    response = client.get(address)

    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="vi">' in page and "Không đọc được yêu cầu" in page
    assert 'href="/thu-tuc/"' in page  # the way on: search the procedures


def test_an_api_address_with_a_nul_character_answers_in_the_apis_error_shape(client, catalogue):
    response = client.get("/api/v1/procedures/%00/", HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "message": "Địa chỉ có ký tự mà Cổng không chấp nhận.",
        "fields": {},
    }
    assert client.get("/api/v1/procedures/", {"search": "a\x00"}).status_code == 400


def test_an_api_address_that_names_no_endpoint_answers_in_the_apis_error_shape(client, catalogue):
    for address in ("/api/v1/khong-co/", "/api/", "/api/v1/procedures/1.001193/khong-co/"):
        response = client.get(address, HTTP_ACCEPT_LANGUAGE="vi")

        assert response.status_code == 404, address
        assert response.json() == {"code": "not_found", "message": "Không tìm thấy.", "fields": {}}  # was HTML
    assert "<h1>" in client.get("/khong-co-trang-nay/").content.decode()  # pages keep their page


def test_an_unexpected_error_in_the_api_answers_500_in_the_apis_error_shape(client, catalogue, monkeypatch):
    from procedures.api.views import ProcedureViewSet

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a fault the portal did not foresee")

    monkeypatch.setattr(ProcedureViewSet, "list", broken)
    client.raise_request_exception = False  # as in production: Django's 500 handling, logged

    response = client.get("/api/v1/procedures/", HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "message": "Cổng chưa trả lời được. Vui lòng thử lại sau ít phút.",
        "fields": {},
    }


MANY_FIELDS = "&".join(f"field{number}=1" for number in range(1200))  # Django reads at most 1,000


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"procedure": BIRTH, "agency": HAC_THANH, "note": "x" * 3_000_000}), "application/json"),
        (MANY_FIELDS, "application/x-www-form-urlencoded"),
    ],
    ids=["3 MB of text", "1,200 fields"],
)
def test_a_body_past_the_limits_is_413_in_the_apis_error_shape_and_files_nothing(client, catalogue, body, content_type):
    citizen = CitizenFactory()

    response = client.post("/api/v1/drafts/", body, content_type, HTTP_ACCEPT_LANGUAGE="vi", **token_for(citizen))

    assert response.status_code == 413  # was the HTML page for a bad address, status 400
    assert response.json() == {
        "code": "too_large",
        "message": "Yêu cầu quá lớn, hoặc có quá nhiều trường hay tệp.",
        "fields": {},
    }
    assert not Dossier.objects.filter(applicant=citizen).exists()


def test_a_form_past_the_limits_gets_a_page_that_says_so(client, catalogue):
    response = client.post("/tra-cuu/", MANY_FIELDS, "application/x-www-form-urlencoded", HTTP_ACCEPT_LANGUAGE="vi")

    page = response.content.decode()
    assert response.status_code == 413
    assert '<html lang="vi">' in page and "<h1>Gửi quá nhiều dữ liệu trong một lần</h1>" in page
    assert "ký tự mà Cổng không chấp nhận" not in page  # not blamed on characters


def test_json_with_a_text_no_column_can_hold_is_refused_and_the_draft_keeps_its_declaration(client, catalogue):
    """An unpaired surrogate (UTF-8 cannot encode it: the answer could not even be written) or a NUL (PostgreSQL
    refuses it in jsonb), anywhere in the body, keys included. A surrogate pair is one character and is kept."""
    auth = token_for(CitizenFactory())
    draft = client.post(
        "/api/v1/drafts/", {"procedure": BIRTH, "agency": HAC_THANH}, content_type="application/json", **auth
    )
    url = f"/api/v1/drafts/{draft.json()['id']}/declaration/"

    def declare(**overrides):
        body = json.dumps({"answers": api_declaration(**overrides)})  # non-ASCII escaped: "\ud83c\udfe5"
        return client.put(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="vi", **auth)

    kept = declare(child_birth_place="Bệnh viện 🏥")
    assert kept.status_code == 200 and kept.json()["form_data"]["child_birth_place"] == "Bệnh viện 🏥"

    for overrides in [{"child_birth_place": "Bệnh viện \ud800"}, {"child_name": "Khôi\x00"}, {"\udfff": "x"}]:
        response = declare(**overrides)

        assert response.status_code == 400, overrides
        assert response.json()["code"] == "parse_error"
        assert (
            response.json()["message"]
            == "Nội dung gửi lên có ký tự mà Cổng không chấp nhận (ký tự NUL hoặc ký tự hỏng)."
        )
    form_data = client.get(f"/api/v1/drafts/{draft.json()['id']}/", **auth).json()["form_data"]
    assert form_data["child_birth_place"] == "Bệnh viện 🏥" and form_data["child_name"] == "Nguyễn Minh Khôi"


@pytest.mark.parametrize("value", ["²", "١", "9" * 30])  # str.isdigit() is true for all three; int() reads none well
def test_a_number_parameter_that_is_no_number_applies_no_filter(client, catalogue, value):
    everything = client.get("/api/v1/procedures/").json()["count"]

    for name in ["level", "service_level", "field"]:
        response = client.get("/api/v1/procedures/", {name: value})
        assert response.status_code == 200 and response.json()["count"] == everything, name  # it answered 500
    client.force_login(superuser())  # chooses the agency of a report by its id
    assert client.get("/thong-ke/co-quan/", {"agency": value}).status_code == 200
    listed = client.get("/quan-tri/procedures/procedure/", {"level": value}, follow=True)
    assert listed.status_code == 200  # applied as no filter (a number longer than any id: shown again with ?e=1)


OUT_OF_RANGE = "Nhập một ngày trong khoảng từ 01/01/1900 đến 31/12/2199."


@pytest.mark.parametrize("day", ["9999-12-31", "31/12/9999", "0001-01-01"])
def test_a_period_past_the_calendar_is_refused_beside_its_field(client, catalogue, day):
    """The midnight after 31/12/9999 is no date: the statistics pages and API answered 500."""
    client.force_login(official(Role.LEADER))

    page = client.get("/thong-ke/co-quan/", {"date_to": day}, HTTP_ACCEPT_LANGUAGE="vi")
    api = client.get("/api/v1/statistics/", {"date_to": day}, HTTP_ACCEPT_LANGUAGE="vi")

    assert page.status_code == 400 and OUT_OF_RANGE in page.text
    assert api.status_code == 400 and api.json()["fields"]["date_to"] == [OUT_OF_RANGE]


def test_the_cashiers_report_for_a_day_past_the_calendar_says_so(client, catalogue):
    client.force_login(official(Role.CASHIER))

    response = client.get("/quan-tri/payments/paymentrequest/bao-cao-ngay/", {"day": "9999-12-31"})

    assert response.status_code == 200 and OUT_OF_RANGE in response.text  # it answered 500
    assert not response["Content-Type"].startswith("text/csv")


def test_a_new_due_date_past_the_calendar_is_refused():
    from dossiers.admin_forms import ApologiseForm
    from dossiers.api.serializers import ActionSerializer

    api = ActionSerializer(data={"new_due_at": "9999-12-31T23:00:00+07:00"})
    assert not api.is_valid() and api.errors["new_due_at"][0].code == "out_of_range"
    page = ApologiseForm.base_fields["new_due_at"]
    with pytest.raises(ValidationError) as refused:
        page.clean("31/12/9999 23:00")
    assert [error.code for error in refused.value.error_list] == ["out_of_range"]


@pytest.mark.parametrize("url", ["/api/v1/lookup/", "/api/v1/drafts/"])
def test_json_nested_too_deeply_is_refused_in_the_apis_error_shape(client, catalogue, url):
    """Ten kilobytes of brackets exhausted the JSON decoder's stack (RecursionError, answered 500), before any
    authentication or rate limit could refuse them."""
    auth = token_for(CitizenFactory()) if "drafts" in url else {}
    body = "[" * 5000 + "]" * 5000

    response = client.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="vi", **auth)

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["message"] == "Nội dung gửi lên lồng nhau quá nhiều cấp."


def test_a_postal_address_half_typed_is_asked_for_whole_and_forgotten_when_nothing_goes_by_post(client, catalogue):
    """A blank province beside a ward and a street answered 500 (the address field looked the province up before
    checking it was there), on the citizen's page, linked procedures, the counter and the API alike."""
    citizen = CitizenFactory()
    auth = token_for(citizen)
    draft = client.post(
        "/api/v1/drafts/", {"procedure": BIRTH, "agency": HAC_THANH}, content_type="application/json", **auth
    ).json()
    url = f"/api/v1/drafts/{draft['id']}/delivery/"

    def choose(body):
        return client.put(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="vi", **auth)

    posted = choose({"method": "post", "phone": "0912345678", "address": {"ward": "Hạc Thành", "street": "12 Lê Lợi"}})
    assert posted.status_code == 400
    assert posted.json()["fields"]["address"] == ["Nhập tỉnh/thành phố, phường/xã và số nhà, đường."]
    at_office = choose({"method": "office", "address": {"province": "", "ward": "x", "street": ""}})
    assert at_office.status_code == 200 and at_office.json()["delivery_method"] == "office"

    client.force_login(citizen)
    page = client.post(
        f"/ho-so/{draft['id']}/nhan-ket-qua/",
        {"method": "post", "phone": "0912345678", "address_province": "", "address_ward": "Hạc Thành"},
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nhập tỉnh/thành phố, phường/xã và số nhà, đường." in html
    assert 'value="Hạc Thành"' in html  # what was typed stays


def test_a_file_name_too_long_to_read_gets_a_page_that_says_so(client, catalogue):
    """Django reads each uploaded part's headers up to 1 KB: a file named with thousands of characters cannot be
    read at all. The page said the address held characters the portal refuses."""
    citizen = CitizenFactory()
    client.force_login(citizen)
    draft = client.post(
        "/api/v1/drafts/", {"procedure": BIRTH, "agency": HAC_THANH}, content_type="application/json",
        **token_for(citizen),
    ).json()  # fmt: skip
    name = "A" * 5000 + ".pdf"  # written by hand: the test client's uploads cut names to 255 characters
    body = (
        f'--B\r\nContent-Disposition: form-data; name="document-1"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--B--\r\n"
    ).encode()

    response = client.post(
        f"/ho-so/{draft['id']}/giay-to/", body, "multipart/form-data; boundary=B", HTTP_ACCEPT_LANGUAGE="vi"
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "có thể tên tệp quá dài" in page and "ký tự mà Cổng không chấp nhận" not in page


def test_json_nested_too_deeply_is_a_value_error_for_the_portals_own_readers():
    """The national portal's deliveries and the SMS gateway's reports are read with ``json_input.loads``, whose
    callers catch ValueError: a RecursionError went past them."""
    from portal import json_input

    with pytest.raises(ValueError, match="nested too deeply"):
        json_input.loads("[" * 5000 + "]" * 5000)


# --- Numbers longer than any id in the back office ------------------------------------------------------------------

THIRTY_DIGITS = "9" * 30


@pytest.mark.parametrize(
    "url",
    [
        f"/quan-tri/dossiers/dossier/?agency={THIRTY_DIGITS}",
        f"/quan-tri/dossiers/dossier/?id__in=1,{THIRTY_DIGITS}",
        f"/quan-tri/accounts/user/?agency={THIRTY_DIGITS}",
        f"/quan-tri/payments/receipt/?id__in={THIRTY_DIGITS}",
    ],
)
def test_a_filter_longer_than_any_id_shows_the_list_again_unfiltered(client, catalogue, url):
    """On the embedded database (SQLite) such a number cannot even be compared: every list answered 500."""
    client.force_login(superuser())

    response = client.get(url)

    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_a_selection_or_a_choice_longer_than_any_id_names_no_row(client, catalogue):
    from portal.params import is_key
    from procedures.models import Agency

    # No id of the table: the embedded database cannot even compare it (PostgreSQL compares it and finds nothing).
    assert not is_key(Agency._meta.pk, THIRTY_DIGITS) and is_key(Agency._meta.pk, "12")
    client.force_login(superuser())
    agencies = Agency.objects.count()

    action = client.post(
        "/quan-tri/procedures/agency/", {"action": "delete_selected", "_selected_action": THIRTY_DIGITS}
    )
    form = client.post(
        "/quan-tri/procedures/agency/add/",
        {"code": "000.99.99.T56", "name": "Cơ quan thử", "level": 1, "parent": "9" * 20},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert action.status_code in (200, 302) and Agency.objects.count() == agencies
    assert form.status_code == 200 and "Select a valid choice" in form.content.decode()
