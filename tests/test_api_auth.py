"""API tokens: obtained with the password, stored hashed, sent as "Authorization: Token …", revocable."""

import pytest
from knox.models import AuthToken

from .factories import CitizenFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


PASSWORD = "MatKhau@2026"


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

    assert response.status_code in (401, 403, 429)
    assert "token" not in response.json()
