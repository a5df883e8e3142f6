"""Pages of the sign-in through the identity provider: start, the provider's answer, and sign-out at the provider."""

import logging

from django.conf import settings
from django.contrib import auth, messages
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import identity
from .backends import BACKEND
from .views import limit_posts_per_ip

logger = logging.getLogger(__name__)


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, require_https=request.is_secure()):
        return value
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _error(request, error: identity.SignInError):
    """The refusal, translated, with no session (a sign-in in this browser is ended too)."""
    if request.user.is_authenticated:
        auth.logout(request)
    logger.info("Identity sign-in refused: %s", error.code)
    return render(
        request,
        "accounts/identity_error.html",
        {"message": error.message, "code": error.code},
        status=int(error.status),
    )


@require_POST
@never_cache
@limit_posts_per_ip(group="accounts.identity_start", rate=lambda group, request: settings.IDENTITY_START_RATE)
def start(request):
    if not identity.enabled():
        raise Http404
    next_url = _safe_next(request, request.POST.get("next", ""))
    try:
        return identity.authorization_redirect(
            request, redirect_uri=request.build_absolute_uri(reverse("accounts:identity_callback")), next_url=next_url
        )
    except identity.SignInError as error:
        return _error(request, error)


@require_safe
@never_cache
def callback(request):
    if not identity.enabled():
        raise Http404
    try:
        claims, id_token, next_url = identity.complete(request)
        user, _created = identity.sign_in_citizen(identity=identity.identity_from_claims(claims))
    except identity.SignInError as error:
        return _error(request, error)
    auth.login(request, user, backend=BACKEND)
    request.session[identity.SESSION_ID_TOKEN] = id_token
    request.session[identity.SESSION_VERIFIED] = True
    if getattr(user, "retired_password", False):
        messages.warning(
            request,
            _(
                "An account registered on this portal with your ID number is now yours and opens only through "
                "%(source)s: its password no longer works, and messages about your dossiers no longer go to the "
                "e-mail address and phone typed there, only to the phone %(source)s gives."
            )
            % {"source": settings.OIDC_PROVIDER_NAME},
        )
        return redirect("notifications:preferences")  # where they see what messages go to
    return redirect(_safe_next(request, next_url))


@require_POST
@never_cache
def logout(request):
    """Sign out here; a citizen who signed in through the provider is then sent to sign out there too."""
    id_token = request.session.get(identity.SESSION_ID_TOKEN)
    auth.logout(request)
    home = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    if id_token and identity.enabled():
        url = identity.logout_url(id_token=id_token, post_logout_redirect_uri=home)
        if url:
            return redirect(url)
    return redirect(home)
