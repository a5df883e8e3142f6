"""Citizen sign-in through the national identity platform (OpenID Connect), with Authlib.

The provider is configuration (``OIDC_*`` settings, docs/identity.md). The flow is the authorization code flow with
PKCE (S256), ``state`` and ``nonce`` kept in the session by Authlib, discovery of the endpoints and keys, and the ID
token checked here: signature against the provider's published keys with an allow-list of asymmetric algorithms,
issuer, audience, expiry (``OIDC_LEEWAY`` of clock skew), nonce (once only: a nonce seen before is a replay) and
``at_hash``. Claims then map to the citizen (``sign_in_citizen``): the CCCD is the stable key.

Every refusal is a ``SignInError`` with a stable code and a translated message; nothing signs anyone in.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.errors import DomainError
from procedures.eforms import IdentityPrefill

from .constants import Sex, UserKind
from .models import CitizenIdentity, User
from .services import id_number_self_declared
from .validators import normalize_vn_phone, validate_cccd

logger = logging.getLogger(__name__)

SESSION_ID_TOKEN = "identity_id_token"  # noqa: S105 - kept for the logout at the provider (id_token_hint)
SESSION_VERIFIED = "identity_verified"  # the sign-in came from the provider: bound e-form fields are verified
NONCE_CACHE_SECONDS = 24 * 3600


class SignInError(DomainError):
    """The identity provider's answer was refused; no session was opened."""

    code = "identity_sign_in_failed"
    status = HTTPStatus.BAD_REQUEST


MESSAGES = {
    "not_configured": _("Sign-in through the identity provider is not set up on this portal."),
    "state_mismatch": _(
        "This sign-in answer does not belong to a sign-in started here (it may be old or opened in another "
        "browser). Please start again."
    ),
    "nonce_replayed": _("This identity token has already been used. Please sign in again."),
    "token_invalid": _("The identity token could not be verified (wrong signature or malformed). Please try again."),
    "token_expired": _("The identity token has expired. Please sign in again."),
    "wrong_audience": _("The identity token was issued to another service, not to this portal."),
    "wrong_issuer": _("The identity token does not come from the configured identity provider."),
    "provider_unavailable": _("The identity provider is not answering just now. Please try again in a few minutes."),
    "provider_refused": _("The identity provider did not confirm your identity (sign-in cancelled or refused)."),
    "bad_id_number": _("The identity provider sent a personal identification number that is not 12 digits."),
    "identity_mismatch": _(
        "This identity account is already linked to a citizen with another identification number. Nothing was "
        "merged; please contact the portal's support."
    ),
    "official_id_number": _(
        "This identification number belongs to an official's account. Officials sign in with their portal account."
    ),
    "low_assurance": _("Your identity account's level of assurance is too low for online procedures (level %(min)s)."),
}
STATUS = {"provider_unavailable": HTTPStatus.SERVICE_UNAVAILABLE, "not_configured": HTTPStatus.NOT_FOUND}


def sign_in_error(code: str, **params) -> SignInError:
    message = MESSAGES[code]
    error = SignInError(str(message) % params if params else message, code=code)
    error.status = STATUS.get(code, HTTPStatus.BAD_REQUEST)
    return error


# --- Configuration and the client ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    timeout: float


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def config() -> ProviderConfig:
    if not enabled():
        raise sign_in_error("not_configured")
    issuer = settings.OIDC_ISSUER.rstrip("/")
    return ProviderConfig(
        issuer=issuer,
        discovery_url=settings.OIDC_DISCOVERY_URL or f"{issuer}/.well-known/openid-configuration",
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        scopes=settings.OIDC_SCOPES,
        timeout=settings.OIDC_TIMEOUT,
    )


_clients: dict[ProviderConfig, Any] = {}
_clients_lock = threading.Lock()


def client():
    """The Authlib client for the configured provider; one per configuration, keeping the discovered metadata and
    keys (refreshed when a token names a key it does not know)."""
    from authlib.integrations.django_client import OAuth

    cfg = config()
    with _clients_lock:
        app = _clients.get(cfg)
        if app is None:
            oauth = OAuth()
            app = oauth.register(
                name="identity",
                client_id=cfg.client_id,
                client_secret=cfg.client_secret,
                server_metadata_url=cfg.discovery_url,
                client_kwargs={"scope": cfg.scopes, "code_challenge_method": "S256", "default_timeout": cfg.timeout},
            )
            _clients[cfg] = app
    return app


def metadata() -> dict:
    """The provider's discovery document; its issuer must be the configured one (no mix-up of providers)."""
    import requests

    app = client()
    try:
        data = app.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("Identity provider discovery failed: %s", exc)
        raise sign_in_error("provider_unavailable") from exc
    if data.get("issuer", "").rstrip("/") != config().issuer:
        app.server_metadata = {}
        raise sign_in_error("wrong_issuer")
    return data


def provider_errors() -> tuple[type[BaseException], ...]:
    import requests

    return (requests.RequestException,)


# --- The flow --------------------------------------------------------------------------------------------------------


def authorization_redirect(request, *, redirect_uri: str, next_url: str):
    """Start a sign-in: the redirect to the provider (code flow, PKCE S256, state and nonce kept in the session)."""
    metadata()
    app = client()
    response = app.authorize_redirect(request, redirect_uri, ui_locales=request.LANGUAGE_CODE or "vi")
    # The page to return to travels with the state it belongs to.
    state = _state_of(response["Location"])
    key = f"_state_identity_{state}"
    stored = request.session.get(key)
    if stored is not None:
        stored["data"]["next"] = next_url
        request.session[key] = stored
    return response


def _state_of(url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query).get("state", [""])[0]


def complete(request) -> tuple[dict, str, str]:
    """Finish a sign-in from the provider's answer: (claims, id_token, next url). Raises ``SignInError``."""
    from authlib.integrations.base_client.errors import OAuthError

    app = client()
    params = request.GET
    state = params.get("state", "")
    state_data = app.framework.get_state_data(request.session, state) if state else None
    if state:
        app.framework.clear_state_data(request.session, state)
    if state_data is None:
        raise sign_in_error("state_mismatch")
    if params.get("error"):
        logger.info("Identity provider refused: %s", params.get("error"))
        raise sign_in_error("provider_refused")
    provider = metadata()
    if params.get("iss") and params["iss"].rstrip("/") != config().issuer:  # RFC 9207: the answer's issuer
        raise sign_in_error("wrong_issuer")
    if not params.get("code"):
        raise sign_in_error("provider_refused")
    try:
        token = app.fetch_access_token(
            code=params["code"],
            redirect_uri=state_data.get("redirect_uri"),
            code_verifier=state_data.get("code_verifier"),
        )
    except OAuthError as exc:
        logger.info("Identity provider refused the code: %s", exc)
        raise sign_in_error("token_invalid") from exc
    except provider_errors() as exc:
        logger.warning("Identity provider token endpoint failed: %s", exc)
        raise sign_in_error("provider_unavailable") from exc
    if "id_token" not in token:
        raise sign_in_error("token_invalid")
    claims = validate_id_token(
        token["id_token"], nonce=state_data.get("nonce", ""), access_token=token.get("access_token")
    )
    claims = _with_userinfo(app, provider, claims, token)
    return claims, token["id_token"], state_data.get("next") or ""


def validate_id_token(id_token: str, *, nonce: str, access_token: str | None = None, now: int | None = None) -> dict:
    """The ID token's claims once its signature, issuer, audience, expiry, nonce and at_hash are checked; a nonce is
    accepted once. Raises ``SignInError``."""
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import (
        ClaimError,
        ExpiredTokenError,
        InvalidClaimError,
        InvalidKeyIdError,
        JoseError,
        MissingClaimError,
    )
    from joserfc.jwk import KeySet
    from joserfc.jws import JWSRegistry

    app = client()
    metadata()
    registry = JWSRegistry(algorithms=list(settings.OIDC_ID_TOKEN_ALGORITHMS))
    try:
        try:
            decoded = jwt.decode(id_token, KeySet.import_key_set(app.fetch_jwk_set()), registry=registry)
        except InvalidKeyIdError:  # the provider rotated its keys
            decoded = jwt.decode(id_token, KeySet.import_key_set(app.fetch_jwk_set(force=True)), registry=registry)
    except provider_errors() as exc:
        raise sign_in_error("provider_unavailable") from exc
    except (JoseError, ValueError, TypeError) as exc:
        logger.info("ID token refused: %r", exc)
        raise sign_in_error("token_invalid") from exc
    cfg = config()
    options = {
        "iss": {"essential": True, "values": [cfg.issuer]},
        "aud": {"essential": True, "values": [cfg.client_id]},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "nonce": {"essential": True},
    }
    params = {"nonce": nonce, "client_id": cfg.client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(now=now, leeway=settings.OIDC_LEEWAY)
    except ExpiredTokenError as exc:
        raise sign_in_error("token_expired") from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        logger.info("ID token claim refused: %s", exc.claim)
        if exc.claim in ("aud", "azp"):
            raise sign_in_error("wrong_audience") from exc
        if exc.claim == "iss":
            raise sign_in_error("wrong_issuer") from exc
        if exc.claim == "exp":
            raise sign_in_error("token_expired") from exc
        if exc.claim == "nonce":  # a token minted for another sign-in, played back into this one
            raise sign_in_error("nonce_replayed") from exc
        raise sign_in_error("token_invalid") from exc
    except (ClaimError, JoseError) as exc:
        raise sign_in_error("token_invalid") from exc
    # The same nonce twice is a replayed token: remember each one for a day (longer than any token lives).
    if not cache.add(f"identity-nonce:{hashlib.sha256(nonce.encode()).hexdigest()}", 1, NONCE_CACHE_SECONDS):
        raise sign_in_error("nonce_replayed")
    return dict(claims)


def _with_userinfo(app, provider: dict, claims: dict, token: dict) -> dict:
    """Claims missing from the ID token, from the userinfo endpoint (for the same subject only)."""
    if settings.OIDC_CLAIMS["id_number"] in claims or not provider.get("userinfo_endpoint"):
        return claims
    try:
        info = dict(app.userinfo(token=token))
    except provider_errors() as exc:
        raise sign_in_error("provider_unavailable") from exc
    if info.get("sub") != claims.get("sub"):
        raise sign_in_error("token_invalid")
    return {**info, **claims}


def logout_url(*, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address for RP-initiated logout, or None when it has none (or is down)."""
    from urllib.parse import urlencode

    try:
        endpoint = metadata().get("end_session_endpoint")
    except SignInError:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": config().client_id,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


# --- Claims → the citizen ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    id_number: str
    full_name: str
    birth_date: date | None
    sex: str
    phone: str
    address: str
    level_of_assurance: str


SEXES = {
    "male": Sex.MALE, "m": Sex.MALE, "nam": Sex.MALE, "1": Sex.MALE,
    "female": Sex.FEMALE, "f": Sex.FEMALE, "nữ": Sex.FEMALE, "nu": Sex.FEMALE, "2": Sex.FEMALE,
}  # fmt: skip


def identity_from_claims(claims: dict) -> Identity:
    """Map the provider's claims (names from ``OIDC_CLAIMS``) to an ``Identity``; the CCCD must be 12 digits."""
    names = settings.OIDC_CLAIMS
    id_number = str(claims.get(names["id_number"]) or "").strip()
    try:
        validate_cccd(id_number)
    except ValidationError as exc:
        if not re.fullmatch(r"\d{12}", id_number):
            raise sign_in_error("bad_id_number") from exc
        # 12 digits with an unknown province code: the provider is the authority on its own numbers.
    loa = str(claims.get(names["loa"]) or "").strip()
    if settings.OIDC_MIN_LOA:
        digits = re.sub(r"\D", "", loa)
        if not digits or int(digits) < settings.OIDC_MIN_LOA:
            raise sign_in_error("low_assurance", min=settings.OIDC_MIN_LOA)
    address = claims.get(names["address"]) or ""
    if isinstance(address, dict):
        address = address.get("formatted") or ", ".join(
            str(address[k]) for k in ("street_address", "locality", "region") if address.get(k)
        )
    phone = str(claims.get(names["phone"]) or "")
    try:
        phone = normalize_vn_phone(phone) if phone else ""
    except ValidationError:
        phone = ""
    birth_date = None
    raw_birth = str(claims.get(names["birth_date"]) or "")
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            birth_date = datetime.strptime(raw_birth, pattern).date()  # noqa: DTZ007 - a date, no time zone
            break
        except ValueError:
            continue
    return Identity(
        issuer=str(claims.get("iss", "")),
        subject=str(claims.get("sub", "")),
        id_number=id_number,
        full_name=" ".join(str(claims.get(names["full_name"]) or "").split())[:150],
        birth_date=birth_date,
        sex=SEXES.get(str(claims.get(names["sex"]) or "").strip().lower(), ""),
        phone=phone,
        address=str(address)[:500],
        level_of_assurance=loa[:16],
    )


@transaction.atomic
def sign_in_citizen(*, identity: Identity, now: datetime | None = None) -> tuple[User, bool]:
    """The citizen this verified identity belongs to: found by the provider's subject, else by the CCCD (a record
    registered at a counter, or a local account, is linked with its dossiers), else created. Returns (user, created).

    One person, one record: a subject already linked to another CCCD, or a CCCD already linked to another subject
    of the same provider, is refused (``identity_mismatch``); nothing is merged. An official's CCCD is refused.
    A local account's password stops working when its CCCD is first verified (``retired_password``, see below).
    """
    now = now or timezone.now()
    link = (
        CitizenIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    if link is not None:
        user = User.objects.select_for_update().get(pk=link.user_id)
        if user.id_number != identity.id_number:
            raise sign_in_error("identity_mismatch")
        created = False
    else:
        user = User.objects.select_for_update().filter(id_number=identity.id_number).first()
        created = user is None
        if user is None:
            user = _create_citizen(identity)
        if user.kind != UserKind.CITIZEN:
            raise sign_in_error("official_id_number")
        other = CitizenIdentity.objects.select_for_update().filter(user=user).first()
        if other is not None and (other.issuer, other.subject) != (identity.issuer, identity.subject):
            raise sign_in_error("identity_mismatch")
        # ``other`` is this very link when the same person's other sign-in linked them a moment ago.
        link = other or CitizenIdentity(user=user, issuer=identity.issuer, subject=identity.subject)
    if user.kind != UserKind.CITIZEN:
        raise sign_in_error("official_id_number")
    # A local account whose CCCD was typed at registration, never checked, is linked now: the verified person owns
    # it from here on. Whoever registered it may have been someone else, so nothing of theirs keeps reaching it:
    # the password no longer opens it (its other sessions and its API tokens end; no reset link is sent for an
    # account without a usable password), and messages no longer go to the e-mail address and phone typed there
    # (the verified phone replaces them). ``retired_password`` tells the page to say so.
    user.retired_password = link.pk is None and id_number_self_declared(user)
    if user.retired_password:
        from knox.models import get_token_model

        user.set_unusable_password()
        user.email, user.email_verified_at, user.phone = "", None, identity.phone or ""
        user.save(update_fields=["password", "email", "email_verified_at", "phone"])
        get_token_model().objects.filter(user=user).delete()  # API tokens obtained with that password end too
    for field in ("full_name", "birth_date", "sex", "phone", "address", "level_of_assurance"):
        setattr(link, field, getattr(identity, field) or ("" if field != "birth_date" else None))
    link.verified_at = now
    link.save()
    # The verified name replaces what was typed; a phone is filled in when the record has none.
    changed = []
    if identity.full_name and user.full_name != identity.full_name:
        user.full_name = identity.full_name
        changed.append("full_name")
    if identity.phone and not user.phone:
        user.phone = identity.phone
        changed.append("phone")
    if changed:
        user.save(update_fields=changed)
    return user, created


def _create_citizen(identity: Identity) -> User:
    user = User(
        username=f"dd-{identity.id_number}",
        full_name=identity.full_name or identity.id_number,
        phone=identity.phone,
        id_number=identity.id_number,
        kind=UserKind.CITIZEN,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same person signing in twice at once: the other request created the record
        existing = User.objects.select_for_update().filter(id_number=identity.id_number).first()
        if existing is None:
            raise
        return existing
    return user


# --- Forms filled from identity -------------------------------------------------------------------------------------


def prefill_for(user) -> IdentityPrefill | None:
    """What the e-forms fill in for ``user``: the identity the provider verified (read-only fields), or, for a
    citizen who never signed in through it, what their record says (editable)."""
    if user is None or not getattr(user, "pk", None) or getattr(user, "kind", None) != UserKind.CITIZEN:
        return None
    link = CitizenIdentity.objects.filter(user_id=user.pk).first()
    if link is not None:
        values = {
            "full_name": link.full_name or user.full_name,
            "id_number": user.id_number,
            "birth_date": link.birth_date,
            "sex": link.sex,
            "phone": link.phone,
            "address": link.address,
        }
        return IdentityPrefill(values=values, verified=True, source=settings.OIDC_PROVIDER_NAME)
    values = {"full_name": user.full_name, "id_number": user.id_number, "phone": user.phone}
    return IdentityPrefill(values=values, verified=False)


def identity_summary(user) -> dict | None:
    """The verified identity of a citizen record as the desk's citizen search shows it: masked (personal data)."""
    link = CitizenIdentity.objects.filter(user_id=user.pk).first() if user is not None else None
    if link is None:
        return None
    return {
        "source": settings.OIDC_PROVIDER_NAME,
        "level": link.level_of_assurance,
        "birth_date": masked_birth_date(link.birth_date),
        "sex": link.get_sex_display() if link.sex else "",
        "address": masked_address(link.address),
        "verified_at": link.verified_at,
    }


def masked_birth_date(value: date | None) -> str:
    """``15/03/1990`` → ``**/**/1990``."""
    return f"**/**/{value.year}" if value else ""


def masked_address(value: str) -> str:
    """The street hidden, the ward and province kept: ``Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Hà Nội`` →
    ``***, Phường Hoàn Kiếm, Hà Nội``."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if len(parts) <= 2:
        return "***" if parts else ""
    return ", ".join(["***", *parts[-2:]])
