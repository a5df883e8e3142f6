"""Pages' answer to a domain error nobody handled: a translated page with the error's status, never a 500.

Views that can say something better (keep the form, show the message beside the field) catch the error
themselves; this is the floor under them. The JSON API maps the same errors in ``portal.api_errors``.

Also the floor under every view's arguments: an address with a NUL character is refused with 400 before any view
reads it (PostgreSQL cannot hold one in text, so a code or a filter carrying it would otherwise fail as a 500).
Forms and the API's fields refuse it in what is posted (Django's and DRF's ``ProhibitNullCharactersValidator``).
"""

import logging

from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from .api_errors import api_error
from .errors import DomainError

logger = logging.getLogger(__name__)


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        logger.info("%s %s: %s (%s)", request.method, request.path, exception.code, exception.message)
        return render(
            request,
            "domain_error.html",
            {"message": exception.message, "code": exception.code},
            status=int(exception.status),
        )


class RefuseNullCharactersMiddleware:
    """400 for a path or query string with a NUL character, raw or percent-encoded: the API's error shape under
    ``/api/``, the translated page ``templates/400.html`` elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" not in request.path_info and "%00" not in request.META.get("QUERY_STRING", ""):
            return self.get_response(request)
        logger.info("%s %s: NUL character in the address", request.method, request.path.replace("\x00", "\\x00"))
        message = _("The address contains characters the portal does not accept.")
        response = api_error(request, "bad_request", message, 400)
        if response is None:
            raise BadRequest("NUL character in the address")
        return response
