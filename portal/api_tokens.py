"""How an API call's ``Authorization: Token …`` is checked (the scheme ``portal.api_auth`` hands out).

Kept apart from the API's views: REST framework imports its authentication classes while its own views load.
"""

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.models import get_token_model
from knox.signals import token_expired


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's check of ``Authorization: Token …``, without reading every other token of the user on each call.

    knox deletes the user's other expired tokens whenever one token is used: one more query on every API request,
    growing with the user's tokens. Here only the presented token is checked (an expired one is refused and
    deleted, as knox does); the others go when the user next asks for a token and in the nightly sweep.
    """

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI description of the scheme above: knox's own."""

    target_class = TokenAuthentication


def delete_expired_tokens(user=None) -> int:
    """Delete expired API tokens (of one user, or everyone's); the number deleted."""
    tokens = get_token_model().objects.filter(expiry__lt=timezone.now())
    if user is not None:
        tokens = tokens.filter(user=user)
    return tokens.delete()[0]
