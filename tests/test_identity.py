"""Citizen sign-in through the identity provider (OpenID Connect), against the real provider of the test command."""

import base64
import hashlib
import secrets
import socket
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts import identity
from portal.accounts.constants import Role, UserKind
from portal.accounts.models import CitizenIdentity, User
from portal.accounts.services import create_citizen, find_or_create_citizen_record
from tests.factories import official
from tests.identity_support import (
    BAD_CCCD,
    CITIZEN,
    LOW_LEVEL_CITIZEN,
    OTHER_CITIZEN,
    configure,
    identity_provider_url,  # noqa: F401 - the session fixture
    secret,
    sign_in_at_provider,
)

pytestmark = pytest.mark.django_db

CALLBACK = reverse("accounts:identity_callback")


@pytest.fixture
def provider(settings, identity_provider_url):  # noqa: F811
    configure(settings, identity_provider_url)
    settings.IDENTITY_START_RATE = None
    return identity_provider_url


@pytest.fixture
def browser_client():
    """The portal seen at a loopback address, as registered at the provider (any port)."""
    return Client(HTTP_HOST="127.0.0.1")


def start(client, next_url: str = "") -> str:
    response = client.post(reverse("accounts:identity_start"), {"next": next_url})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))


def sign_in(client, cccd: str = CITIZEN, next_url: str = ""):
    answer = sign_in_at_provider(start(client, next_url), cccd)
    return client.get(callback_path(answer))


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def refused(response, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.content[:800]
    assert f'data-code="{code}"' in response.content.decode()


# --- The flow ---------------------------------------------------------------------------------------------------------


def test_the_sign_in_uses_the_code_flow_with_pkce_state_and_nonce(provider, browser_client):
    location = start(browser_client)
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{provider}/auth?")
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://127.0.0.1/tai-khoan/dinh-danh/ve/"]
    assert set(query["scope"][0].split()) >= {"openid", "profile", "cccd"}


def test_a_first_sign_in_creates_the_citizen_from_the_verified_claims(provider, browser_client):
    response = sign_in(browser_client, next_url="/thu-tuc/")
    assert response.status_code == 302
    assert response["Location"] == "/thu-tuc/"
    user = User.objects.get(id_number=CITIZEN)
    assert signed_in(browser_client)
    assert int(browser_client.session["_auth_user_id"]) == user.pk
    assert user.kind == UserKind.CITIZEN
    assert user.full_name == "Nguyễn Văn An"
    assert user.phone == "+84912000001"
    assert not user.has_usable_password()
    link = user.identity
    assert (link.issuer, link.subject) == (provider, CITIZEN)
    assert str(link.birth_date) == "1990-03-15"
    assert link.sex == "male"
    assert "Hàng Bạc" in link.address
    assert link.level_of_assurance == "2"
    assert browser_client.session[identity.SESSION_VERIFIED] is True


def test_a_second_sign_in_finds_the_same_citizen(provider, browser_client):
    sign_in(browser_client)
    browser_client.post(reverse("accounts:logout"))
    assert not signed_in(browser_client)
    sign_in(browser_client)
    assert signed_in(browser_client)
    assert User.objects.filter(id_number=CITIZEN).count() == 1
    assert CitizenIdentity.objects.count() == 1


def test_a_citizen_registered_at_the_counter_is_linked_with_their_record(provider, browser_client):
    record, _created = find_or_create_citizen_record(id_number=CITIZEN, full_name="Nguyen Van An", phone="0912000001")
    sign_in(browser_client)
    assert int(browser_client.session["_auth_user_id"]) == record.pk
    record.refresh_from_db()
    assert record.full_name == "Nguyễn Văn An"  # the verified name replaces what was typed at the desk
    assert record.identity.subject == CITIZEN
    assert User.objects.filter(id_number=CITIZEN).count() == 1


def test_a_local_account_with_the_same_cccd_is_linked(provider, browser_client):
    local = create_citizen(
        username="an@example.vn",
        full_name="Nguyễn Văn An",
        email="an@example.vn",
        phone="0912000001",
        id_number=CITIZEN,
        password="mot-mat-khau-dai-123",
    )
    password = {"username": "an@example.vn", "password": "mot-mat-khau-dai-123"}
    elsewhere = Client(HTTP_HOST="127.0.0.1")  # whoever registered it, signed in with its password
    elsewhere.post(reverse("accounts:login"), password)
    assert signed_in(elsewhere)
    token = elsewhere.post("/api/v1/auth/token/", password, content_type="application/json").json()["token"]
    api = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert Client().get("/api/v1/dossiers/", **api).status_code == 200

    response = sign_in(browser_client)

    assert int(browser_client.session["_auth_user_id"]) == local.pk
    # The CCCD was only typed at registration, perhaps by someone else: from now on the account is the verified
    # person's alone. The password no longer opens it, its other sessions end, no reset link can be sent to the
    # typed e-mail, and messages go to the phone the provider gives.
    local.refresh_from_db()
    assert not local.has_usable_password() and local.email == "" and local.phone == "+84912000001"
    assert response["Location"] == reverse("notifications:preferences")
    assert elsewhere.get(reverse("dossiers:mine")).status_code == 302  # signed out: sent to the sign-in page
    assert Client().get("/api/v1/dossiers/", **api).status_code == 401  # and the API token is gone
    again = Client(HTTP_HOST="127.0.0.1")
    again.post(reverse("accounts:login"), password)
    assert not signed_in(again)
    assert "mật khẩu của tài khoản đó không còn dùng được" in browser_client.get(response["Location"]).text


def test_a_record_the_desk_made_keeps_its_password_when_its_citizen_signs_in_through_the_provider(
    provider, browser_client
):
    record, _created = find_or_create_citizen_record(id_number=CITIZEN, full_name="Nguyễn Văn An", email="an@x.vn")
    record.set_password("mot-mat-khau-dai-123")  # chosen through the link the desk sent: the desk saw the card
    record.save()

    response = sign_in(browser_client)

    record.refresh_from_db()
    assert record.has_usable_password() and record.email == "an@x.vn"
    assert response["Location"] != reverse("notifications:preferences")


def test_a_subject_linked_to_another_cccd_is_never_merged(provider, browser_client):
    someone = create_citizen(
        username="binh@example.vn",
        full_name="Trần Thị Bình",
        email="binh@example.vn",
        phone="0903000002",
        id_number=OTHER_CITIZEN,
        password="mot-mat-khau-dai-123",
    )
    CitizenIdentity.objects.create(user=someone, issuer=provider, subject=CITIZEN, verified_at="2026-01-01T00:00Z")
    response = sign_in(browser_client)
    refused(response, "identity_mismatch")
    assert not signed_in(browser_client)
    assert not User.objects.filter(id_number=CITIZEN).exists()
    someone.refresh_from_db()
    assert someone.id_number == OTHER_CITIZEN


def test_a_cccd_already_linked_to_another_subject_is_refused(provider, browser_client):
    record, _created = find_or_create_citizen_record(id_number=CITIZEN, full_name="Nguyễn Văn An")
    CitizenIdentity.objects.create(
        user=record, issuer=provider, subject="someone-else", verified_at="2026-01-01T00:00Z"
    )
    refused(sign_in(browser_client), "identity_mismatch")
    assert not signed_in(browser_client)


def test_an_officials_cccd_does_not_sign_in_through_the_provider(provider, browser_client, catalogue):
    desk = official(Role.DESK)
    User.objects.filter(pk=desk.pk).update(id_number=CITIZEN)
    refused(sign_in(browser_client), "official_id_number")
    assert not signed_in(browser_client)


def test_the_next_page_must_be_on_this_site(provider, browser_client):
    response = sign_in(browser_client, next_url="https://evil.example/steal")
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:mine")


def test_sign_out_ends_the_session_at_the_provider_too(provider, browser_client):
    sign_in(browser_client)
    id_token = browser_client.session[identity.SESSION_ID_TOKEN]
    response = browser_client.post(reverse("accounts:logout"))
    assert not signed_in(browser_client)
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider}/session/end"
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://127.0.0.1/"]


def test_a_local_sign_out_stays_local(client, django_user_model):
    user = django_user_model.objects.create_user(username="u", password="mot-mat-khau-dai-123", full_name="U")
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == "http://testserver/"


# --- Refusals: a translated message and no session -------------------------------------------------------------------


def test_a_state_that_does_not_match_is_refused(provider, browser_client):
    answer = sign_in_at_provider(start(browser_client), CITIZEN)
    parts = urlsplit(answer)
    query = parse_qs(parts.query)
    query["state"] = ["forged-state"]
    response = browser_client.get(f"{parts.path}?{urlencode(query, doseq=True)}")
    refused(response, "state_mismatch")
    assert not signed_in(browser_client)


def test_the_answer_played_back_a_second_time_is_refused(provider, browser_client):
    answer = callback_path(sign_in_at_provider(start(browser_client), CITIZEN))
    assert browser_client.get(answer).status_code == 302
    browser_client.post(reverse("accounts:logout"))
    refused(browser_client.get(answer), "state_mismatch")
    assert not signed_in(browser_client)


def test_an_answer_for_another_browser_is_refused(provider, browser_client):
    answer = callback_path(sign_in_at_provider(start(browser_client), CITIZEN))
    refused(Client(HTTP_HOST="127.0.0.1").get(answer), "state_mismatch")


def test_a_replayed_nonce_is_refused(provider, browser_client):
    first = start(browser_client)
    nonce = parse_qs(urlsplit(first).query)["nonce"][0]
    assert browser_client.get(callback_path(sign_in_at_provider(first, CITIZEN))).status_code == 302
    browser_client.post(reverse("accounts:logout"))
    # A second sign-in made to carry the first one's nonce: the provider mints a valid token with it.
    second = start(browser_client)
    parts = urlsplit(second)
    query = parse_qs(parts.query)
    state = query["state"][0]
    session = browser_client.session
    stored = session[f"_state_identity_{state}"]
    stored["data"]["nonce"] = nonce
    session[f"_state_identity_{state}"] = stored
    session.save()
    query["nonce"] = [nonce]
    replay = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, doseq=True), ""))
    refused(browser_client.get(callback_path(sign_in_at_provider(replay, CITIZEN))), "nonce_replayed")
    assert not signed_in(browser_client)


def test_a_token_with_another_sign_ins_nonce_is_refused(provider, browser_client):
    location = start(browser_client)
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    query["nonce"] = ["a-nonce-this-browser-never-made"]
    forged = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, doseq=True), ""))
    refused(browser_client.get(callback_path(sign_in_at_provider(forged, CITIZEN))), "nonce_replayed")
    assert not signed_in(browser_client)


def test_an_expired_id_token_is_refused(provider, settings, browser_client):
    configure(settings, provider, client_id="portal-slow")  # its token arrives 3 s late, valid for 1 s
    settings.OIDC_LEEWAY = 0
    refused(sign_in(browser_client), "token_expired")
    assert not signed_in(browser_client)
    assert not User.objects.filter(id_number=CITIZEN).exists()


def test_an_id_token_signed_with_a_key_the_provider_does_not_publish_is_refused(provider, settings, browser_client):
    configure(settings, provider, client_id="portal-hs256")  # HS256 with the client secret, not the provider's keys
    refused(sign_in(browser_client), "token_invalid")
    assert not signed_in(browser_client)


def test_a_tampered_id_token_is_refused(provider, browser_client):
    id_token, nonce = _token_for(provider, "portal")
    header, payload, signature = id_token.split(".")
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).replace(CITIZEN.encode(), b"001090000002")
    forged = ".".join([header, base64.urlsafe_b64encode(claims).rstrip(b"=").decode(), signature])
    with pytest.raises(identity.SignInError) as error:
        identity.validate_id_token(forged, nonce=nonce)
    assert error.value.code == "token_invalid"


def test_an_id_token_for_another_audience_is_refused(provider):
    id_token, nonce = _token_for(provider, "portal-other")  # a real token, issued to another relying party
    with pytest.raises(identity.SignInError) as error:
        identity.validate_id_token(id_token, nonce=nonce)
    assert error.value.code == "wrong_audience"


def test_an_id_token_is_accepted_once_by_its_audience(provider):
    id_token, nonce = _token_for(provider, "portal")
    assert identity.validate_id_token(id_token, nonce=nonce)["cccd"] == CITIZEN
    with pytest.raises(identity.SignInError) as error:
        identity.validate_id_token(id_token, nonce=nonce)
    assert error.value.code == "nonce_replayed"


def test_a_provider_that_is_down_gives_a_clear_answer(provider, settings, browser_client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    configure(settings, dead)
    response = browser_client.post(reverse("accounts:identity_start"))
    refused(response, "provider_unavailable", status=503)
    assert not signed_in(browser_client)


def test_a_provider_that_goes_down_before_the_answer_gives_a_clear_answer(provider, settings, browser_client):
    answer = callback_path(sign_in_at_provider(start(browser_client), CITIZEN))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.OIDC_ISSUER = f"http://127.0.0.1:{probe.getsockname()[1]}"
    refused(browser_client.get(answer), "provider_unavailable", status=503)
    assert not signed_in(browser_client)


def test_a_cccd_of_the_wrong_shape_is_refused(provider, browser_client):
    refused(sign_in(browser_client, cccd=BAD_CCCD), "bad_id_number")
    assert not signed_in(browser_client)
    assert not User.objects.filter(full_name="Phạm Sai Số").exists()


def test_a_sign_in_the_citizen_cancels_is_refused(provider, browser_client):
    answer = sign_in_at_provider(start(browser_client), CITIZEN, consent=False)
    refused(browser_client.get(callback_path(answer)), "provider_refused")
    assert not signed_in(browser_client)


def test_a_level_of_assurance_below_the_minimum_is_refused(provider, settings, browser_client):
    settings.OIDC_MIN_LOA = 2
    refused(sign_in(browser_client, cccd=LOW_LEVEL_CITIZEN), "low_assurance")
    assert not signed_in(browser_client)
    sign_in(browser_client, cccd=CITIZEN)
    assert signed_in(browser_client)


def test_the_refusal_is_translated(provider, browser_client):
    browser_client.cookies["django_language"] = "en"
    response = browser_client.get(CALLBACK + "?state=nothing&code=x")
    assert "does not belong to a sign-in started here" in response.content.decode()


def test_without_a_provider_the_pages_are_not_there(settings, client):
    settings.OIDC_ISSUER = ""
    assert client.post(reverse("accounts:identity_start")).status_code == 404
    assert client.get(CALLBACK).status_code == 404
    assert "identity-sign-in-button" not in client.get(reverse("accounts:login")).content.decode()


def test_the_sign_in_page_offers_the_provider(provider, client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "identity-sign-in-button" in page
    assert "VNeID" in page


# --- Local citizen accounts switched off ----------------------------------------------------------------------------


@pytest.fixture
def local_citizen_switched_off(settings, catalogue):
    """A citizen with a portal password, on a portal whose local citizen accounts are switched off."""
    settings.LOCAL_CITIZEN_ACCOUNTS = False
    return create_citizen(
        username="an@example.vn",
        full_name="Nguyễn Văn An",
        email="an@example.vn",
        phone="0912000001",
        id_number=CITIZEN,
        password="mot-mat-khau-dai-123",
    )


def test_local_citizen_accounts_can_be_switched_off(client, local_citizen_switched_off):
    response = client.post(reverse("accounts:login"), {"username": "an@example.vn", "password": "mot-mat-khau-dai-123"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:register")).status_code == 302
    desk = official(Role.DESK)
    desk.set_password("mot-mat-khau-dai-123")
    desk.save()
    response = client.post(reverse("accounts:login"), {"username": desk.username, "password": "mot-mat-khau-dai-123"})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == desk.pk


def test_switched_off_local_citizen_accounts_get_no_api_token(client, local_citizen_switched_off):
    response = client.post(
        reverse("v1:token"),
        {"username": "an@example.vn", "password": "mot-mat-khau-dai-123"},
        content_type="application/json",
    )
    assert response.status_code == 403
    desk = official(Role.DESK)
    desk.set_password("mot-mat-khau-dai-123")
    desk.save()
    response = client.post(
        reverse("v1:token"),
        {"username": desk.username, "password": "mot-mat-khau-dai-123"},
        content_type="application/json",
    )
    assert response.status_code == 201


# --- Helpers ---------------------------------------------------------------------------------------------------------


def _token_for(provider_url: str, client_id: str) -> tuple[str, str]:
    """A real ID token from the provider for ``client_id`` (code flow with PKCE, outside the portal)."""
    import requests

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    nonce, state = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    redirect_uri = "http://127.0.0.1/tai-khoan/dinh-danh/ve/"
    authorize = f"{provider_url}/auth?" + urlencode(
        {
            "client_id": client_id,
            "response_type": "code",
            "scope": "openid profile cccd",
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    code = parse_qs(urlsplit(sign_in_at_provider(authorize, CITIZEN)).query)["code"][0]
    response = requests.post(
        f"{provider_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(client_id, secret(client_id)),
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["id_token"], nonce
