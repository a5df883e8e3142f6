"""Pages' answer to a domain error nobody handled: a translated page with the error's status, never a 500.

Views that can say something better (keep the form, show the message beside the field) catch the error
themselves; this is the floor under them. The JSON API maps the same errors in ``portal.api_errors``.
"""

import logging

from django.shortcuts import render

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
