from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware import csrf
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from procedures.constants import ServiceLevel
from procedures.selectors import catalogue_counts, catalogue_version, most_used_procedures

from .api_errors import api_error
from .health import run_checks
from .page_cache import public_page


@require_safe
@public_page(catalogue_version)
def home(request):
    counts = catalogue_counts()
    return render(
        request,
        "home.html",
        {
            "popular": most_used_procedures(limit=8),
            "total": sum(counts.values()),
            "level_counts": [(level, counts.get(level.value, 0)) for level in ServiceLevel],
        },
    )


@never_cache
@require_safe
def healthz(request):
    ok, checks = run_checks()
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


def rate_limited(request, exception=None):
    """Too many requests from one address (django-ratelimit): a translated page, status 429."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


def csrf_failure(request, reason=""):
    """A form sent without the page's security token, or with an old one (Django's CSRF check): a translated page in
    the portal's layout, status 403, with a way back to the form. Django's own page is English and unstyled."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    context = {"back": back, "no_cookie": reason == csrf.REASON_NO_CSRF_COOKIE}
    return render(request, "403_csrf.html", context, status=403)


def bad_request(request, exception=None):
    """A request Django refuses as it reads it (400): the API's error shape under ``/api/``, the translated page
    elsewhere. A body past Django's limits (``DATA_UPLOAD_MAX_MEMORY_SIZE`` for what is not a file, and the numbers
    of fields and files) is 413 and says so; before, the API answered with the HTML page, which blamed characters."""
    too_large = isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent))
    # Files sent in a way Django cannot read: most often a file name of a thousand characters or so (each part's
    # headers are read up to 1 KB), which the page blamed on characters.
    upload = isinstance(exception, MultiPartParserError)
    if too_large:
        api = api_error(request, "too_large", _("The request is too large, or has too many fields or files."), 413)
    else:
        api = api_error(request, "bad_request", _("The request could not be read."), 400)
    context = {"too_large": too_large, "upload": upload}
    return api or render(request, "400.html", context, status=413 if too_large else 400)


def page_not_found(request, exception=None):
    """404: the API's error shape for an address under ``/api/`` that names no endpoint, Django's page elsewhere."""
    return api_error(request, "not_found", _("Not found."), 404) or defaults.page_not_found(request, exception)


def server_error(request):
    """500: the API's error shape under ``/api/``, Django's (the static ``500.html``) elsewhere."""
    message = _("The portal could not answer. Please try again in a few minutes.")
    return api_error(request, "server_error", message, 500) or defaults.server_error(request)
