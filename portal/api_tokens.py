"""How an API call's ``Authorization: Token …`` is checked (the scheme ``portal.api_auth`` hands out).

Kept apart from the API's views: REST framework imports its authentication classes while its own views load.

A token that passed the check is remembered in the shared cache, under the hash of the token (never the token),
for at most ``API_TOKEN_CHECK_SECONDS`` and never past its expiry: an API client calling again and again is not read
from the database each time. What would change the answer forgets it at once, and again after the commit:
revoking or deleting the token, any save of it, and any save of its user (deactivated, another role or agency:
what the API's permissions rest on; ``forget_tokens_of``).
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme as SpectacularSessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.signals import token_expired
from rest_framework import authentication, exceptions

from .remembered import forget, recall, remember


def _checked_key(digest: str) -> str:
    return f"api-token:checked:{digest}"


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's check of ``Authorization: Token …``, without reading every other token of the user on each call, and
    remembered for a few seconds once passed (see the module's note).

    knox deletes the user's other expired tokens whenever one token is used: one more query on every API request,
    growing with the user's tokens. Here only the presented token is checked (an expired one is refused and
    deleted, as knox does); the others go when the user next asks for a token and in the nightly sweep.
    """

    def authenticate_credentials(self, token: bytes):
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not (text.isascii() and text.isprintable()):  # tokens are hex; a NUL would reach PostgreSQL (a 500)
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        seconds = settings.API_TOKEN_CHECK_SECONDS
        key = _checked_key(hash_token(text)) if seconds > 0 else None
        if key is not None:
            checked, edition = recall(key)
            if checked is not None:
                user, auth_token = checked
                if auth_token.expiry is None or auth_token.expiry >= timezone.now():
                    return self.validate_user(auth_token)
        user, auth_token = super().authenticate_credentials(token)
        if key is not None:
            left = seconds if auth_token.expiry is None else (auth_token.expiry - timezone.now()).total_seconds()
            if left > 0:
                remember(key, (user, auth_token), edition, min(seconds, int(left)) or 1)
        return user, auth_token

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True


class SessionAuthentication(authentication.SessionAuthentication):
    """REST framework's session check for the portal's own pages calling the API, its CSRF refusal in the caller's
    language (REST framework writes "CSRF Failed: …" in English, whatever the language)."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                _("The page's security token is missing or out of date. Reload the page and send again.")
            ) from None


class SessionScheme(SpectacularSessionScheme):
    """The OpenAPI description of the session check above: REST framework's own."""

    target_class = SessionAuthentication


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI description of the scheme above: knox's own."""

    target_class = TokenAuthentication


def _forget(digests) -> None:
    forget(_checked_key(digest) for digest in digests)


def forget_token(sender, instance, created=False, **kwargs) -> None:
    """A token saved (renewed, shortened) or deleted (revoked, expired, its user deleted) is checked again."""
    if not created:
        _forget([instance.digest])


def forget_tokens_of(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """Every token of a user who changed is checked again at its next use (one query; not for a mere sign-in)."""
    if created or instance.pk is None or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    _forget(get_token_model().objects.filter(user_id=instance.pk).values_list("digest", flat=True))


def delete_expired_tokens(user=None) -> int:
    """Delete expired API tokens (of one user, or everyone's); the number deleted."""
    tokens = get_token_model().objects.filter(expiry__lt=timezone.now())
    if user is not None:
        tokens = tokens.filter(user=user)
    return tokens.delete()[0]
