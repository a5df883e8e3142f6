"""API tokens: obtained with the password, stored hashed, sent as "Authorization: Token …", revocable."""

from datetime import timedelta

import pytest
from knox.models import AuthToken

from .factories import CitizenFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


PASSWORD = "MatKhau@2026"


@pytest.fixture(autouse=True)
def _token_endpoint_not_throttled():
    """The sign-in endpoint allows ten calls a minute per address (kept in the shared cache): start each test
    with none counted, so the tests do not depend on how many ran in the last minute."""
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.delete(ScopedRateThrottle.cache_format % {"scope": "api_token", "ident": "127.0.0.1"})


def obtain(client, username, password=PASSWORD):
    return client.post(TOKEN_URL, {"username": username, "password": password}, content_type="application/json")


def test_a_citizen_gets_a_token_and_uses_it(client):
    citizen = CitizenFactory(full_name="Trần Thị Bình")

    response = obtain(client, citizen.username)
    token = response.json()["token"]
    me = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 201 and response.json()["expiry"]
    assert me.status_code == 200
    assert me.json() == {
        "username": citizen.username,
        "full_name": "Trần Thị Bình",
        "email": "",
        "kind": "citizen",
        "agency": None,
        "role": "",
    }
    assert not AuthToken.objects.filter(digest__contains=token).exists()  # only a hash is stored


def test_a_wrong_password_is_401_with_a_translated_message(client):
    citizen = CitizenFactory()

    response = client.post(
        TOKEN_URL,
        {"username": citizen.username, "password": "sai-mat-khau"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response.json()["message"]


def test_a_bad_or_revoked_token_is_refused(client):
    citizen = CitizenFactory()
    token = obtain(client, citizen.username).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}

    assert client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION="Token nonsense").status_code == 401
    assert client.post("/api/v1/auth/token/revoke/", **auth).status_code == 204
    refused = client.get("/api/v1/auth/me/", **auth)
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"


@pytest.mark.parametrize(
    "token",
    [
        "abc\x00def0123456789abcdef",  # a NUL would reach PostgreSQL in the token's key
        "đ".encode().decode("latin-1") * 32,  # UTF-8 bytes, as a WSGI server hands the header over
    ],
)
def test_a_token_with_characters_no_token_has_is_refused_in_the_callers_language(client, catalogue, token):
    for path in ["/api/v1/auth/me/", "/api/v1/procedures/"]:
        refused = client.get(path, HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="vi")

        assert refused.status_code == 401
        assert refused.json() == {"code": "authentication_failed", "message": "Mã truy cập không hợp lệ.", "fields": {}}


def test_revoking_every_token(client):
    citizen = CitizenFactory()
    first = obtain(client, citizen.username).json()["token"]
    second = obtain(client, citizen.username).json()["token"]

    assert client.post("/api/v1/auth/token/revoke-all/", HTTP_AUTHORIZATION=f"Token {first}").status_code == 204
    assert client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {second}").status_code == 401


def test_revoking_needs_a_token(client):
    assert client.post("/api/v1/auth/token/revoke/").status_code == 401
    assert client.post("/api/v1/auth/token/revoke-all/").status_code == 401
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)


def test_repeated_failures_lock_the_account_out_like_the_web_sign_in(client, settings):
    citizen = CitizenFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        obtain(client, citizen.username, "sai-mat-khau")

    response = obtain(client, citizen.username)  # the right password, but locked out

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["code"] == "locked_out" and "token" not in response.json()
    assert "đăng nhập sai quá nhiều lần" in response.json()["message"]  # Vietnamese first


def test_a_call_reads_only_the_token_it_presents(client):
    """One query for the token and its user, however many other tokens the user holds (knox alone also reads
    every other token of the user on each call)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    citizen = CitizenFactory()
    tokens = [issue(citizen) for _ in range(4)]

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {tokens[-1]}").status_code == 200
    assert len([q for q in queries.captured_queries if "knox_authtoken" in q["sql"]]) == 1


def issue(user) -> str:
    from knox.settings import knox_settings

    return AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)[1]


def expire(token_row, hours=1):
    from django.utils import timezone

    AuthToken.objects.filter(pk=token_row.pk).update(expiry=timezone.now() - timedelta(hours=hours))


def test_an_expired_token_is_refused_and_deleted(client):
    citizen = CitizenFactory()
    token = issue(citizen)
    expire(AuthToken.objects.get(user=citizen))

    refused = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {token}")

    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    assert not AuthToken.objects.filter(user=citizen).exists()


def test_expired_tokens_do_not_count_against_the_limit(client, settings):
    """A user who let all ten tokens expire gets a new one; their expired ones are gone."""
    citizen = CitizenFactory()
    for _ in range(10):
        issue(citizen)
    refused = obtain(client, citizen.username)
    assert refused.status_code == 403 and refused.json()["message"]

    for row in AuthToken.objects.filter(user=citizen):
        expire(row)
    response = obtain(client, citizen.username)

    assert response.status_code == 201
    assert AuthToken.objects.filter(user=citizen).count() == 1


def test_the_nightly_sweep_deletes_only_expired_tokens(client):
    from portal.tasks import delete_expired_tokens

    citizen, other = CitizenFactory(), CitizenFactory()
    kept = issue(other)
    issue(citizen)
    expire(AuthToken.objects.get(user=citizen))

    assert delete_expired_tokens() == 1
    assert not AuthToken.objects.filter(user=citizen).exists()
    assert client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {kept}").status_code == 200


def token_reads(client, token, path="/api/v1/auth/me/"):
    """The answer to a call with the token, and how many times the call read the tokens' table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_AUTHORIZATION=f"Token {token}")
    return response, len([q for q in queries.captured_queries if "knox_authtoken" in q["sql"]])


def test_a_token_checked_a_moment_ago_is_not_read_again(client):
    token = issue(CitizenFactory())

    first, first_reads = token_reads(client, token)
    again, again_reads = token_reads(client, token)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert (first_reads, again_reads) == (1, 0)


def test_with_the_check_not_remembered_every_call_reads_the_token(client, settings):
    settings.API_TOKEN_CHECK_SECONDS = 0
    token = issue(CitizenFactory())

    assert [token_reads(client, token)[1] for _ in range(2)] == [1, 1]


def test_a_user_deactivated_is_refused_at_the_next_call(client):
    citizen = CitizenFactory()
    token = issue(citizen)
    assert token_reads(client, token)[0].status_code == 200

    citizen.is_active = False
    citizen.save()
    refused, reads = token_reads(client, token)

    assert refused.status_code == 401 and reads == 1


@pytest.mark.django_db(transaction=True)
def test_a_check_made_just_before_a_deactivation_is_not_remembered_past_it(client):
    """The call read the token and its user while the user was still active; the deactivation committed and
    forgot the remembered check; only then did that call remember its check. The next call is refused."""
    from django.db import connection

    from portal.accounts.models import User

    from .interleaving import ChangeAfterRead

    citizen = CitizenFactory()
    token = issue(citizen)

    def deactivate():
        user = User.objects.get(pk=citizen.pk)
        user.is_active = False
        user.save()

    with connection.execute_wrapper(ChangeAfterRead(AuthToken._meta.db_table, deactivate)):
        assert client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200

    assert client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


def test_an_official_moved_to_another_agency_is_seen_there_at_the_next_call(client):
    from procedures.models import Agency

    from .factories import official

    desk = official()
    token = issue(desk)
    first = desk.agency.code
    before = token_reads(client, token)[0].json()["agency"]
    other = Agency.objects.exclude(pk=desk.agency_id).filter(is_active=True).first()

    desk.agency = other
    desk.save()
    after = token_reads(client, token)[0].json()["agency"]

    assert (before, after) == (first, other.code)


def test_a_sign_in_elsewhere_does_not_forget_the_users_tokens(client):
    """Signing in only moves last_login: the tokens' remembered checks stay."""
    from django.contrib.auth.models import update_last_login

    citizen = CitizenFactory()
    token = issue(citizen)
    token_reads(client, token)

    update_last_login(None, citizen)

    assert token_reads(client, token)[1] == 0


def test_a_token_shortened_in_the_database_is_refused_at_the_next_call(client):
    from django.utils import timezone

    citizen = CitizenFactory()
    token = issue(citizen)
    assert token_reads(client, token)[0].status_code == 200

    row = AuthToken.objects.get(user=citizen)
    row.expiry = timezone.now() - timedelta(minutes=1)
    row.save()

    assert token_reads(client, token)[0].status_code == 401
    assert not AuthToken.objects.filter(user=citizen).exists()


def test_a_remembered_check_ends_with_the_token(client, monkeypatch):
    """The token expires between two calls: the second is refused though its check was remembered."""
    from django.utils import timezone

    citizen = CitizenFactory()
    token = issue(citizen)
    assert token_reads(client, token)[0].status_code == 200
    expiry = AuthToken.objects.get(user=citizen).expiry

    monkeypatch.setattr(timezone, "now", lambda: expiry + timedelta(seconds=1))
    refused, reads = token_reads(client, token)

    assert refused.status_code == 401 and reads >= 1
    assert not AuthToken.objects.filter(user=citizen).exists()


def test_a_header_that_is_not_utf8_is_401_not_an_error(client):
    response = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION="Token caf\xe9")

    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"
