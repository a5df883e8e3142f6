"""What an address locked out by django-axes (too many failed sign-ins) is answered: the page on the web, the API's
JSON error on the API (``portal.api_errors``' shape), both 429 with the cool-off in ``Retry-After``."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.api_errors import error_body


def lockout_response(request, original_response=None, credentials=None):
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if request.path.startswith("/api/"):
        message = _(
            "Too many failed sign-in attempts for this account from your address. Try again in %(minutes)d minutes."
        )
        response = JsonResponse(error_body("locked_out", message % {"minutes": seconds // 60}), status=429)
    else:
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
    response["Retry-After"] = str(seconds)
    return response
