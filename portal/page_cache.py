"""Whole public pages kept in the shared cache for visitors who are not signed in.

The catalogue's pages are the same for every anonymous visitor in one language, and most visits are anonymous:
rendering them for each request costs ten to twenty times a database read. A page is kept per path, query string,
language and *version* (a number its data owner starts anew on every change, e.g.
``procedures.selectors.catalogue_version``), so a change shows at the next load; ``PUBLIC_PAGE_SECONDS`` bounds
the age of anything kept.

Only what is the same for everyone is served from it:

- GET and HEAD from a visitor with no session and no pending messages (no session cookie: so not signed in, no
  sign-in in progress, nothing in a session the page could show); everyone else gets the page rendered;
- only 200 answers the view did not mark private or uncacheable and that set no cookie;
- the page's CSRF tokens (the language switch is a POST form) are kept as a placeholder and filled for each
  visitor with their own token, which also sets their CSRF cookie as rendering would.
"""

import hashlib
import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
PLACEHOLDER = b"\x00csrf-token\x00"
LONGEST_PATH = 512  # longer query strings are rendered each time: nobody shares them, they would only fill the cache
KEPT_HEADERS = ("Content-Type", "Cache-Control", "Content-Language", "Vary", "Allow")


def _anonymous_visit(request, params: frozenset[str]) -> bool:
    return (
        request.method in ("GET", "HEAD")
        # Only the parameters the page reads, each once: anything else would only multiply the kept copies.
        and all(name in params and len(values) == 1 for name, values in request.GET.lists())
        and "HTTP_AUTHORIZATION" not in request.META  # an API client with a token
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and len(request.get_full_path()) <= LONGEST_PATH
    )


def _may_keep(response, content_types: tuple[str, ...]) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not response.get("Content-Type", "").startswith(content_types):
        return False
    directives = {d.split("=")[0].strip().lower() for d in response.get("Cache-Control", "").split(",")}
    return not directives & {"private", "no-cache", "no-store"}


def public_page(
    version: Callable[[], object],
    *,
    content_types: tuple[str, ...] = ("text/html",),
    seconds: Callable[[], int] | None = None,
    params: tuple[str, ...] = (),
):
    """Keep the view's page for anonymous visitors under ``version()`` (see the module's note), for ``seconds()``
    (default ``PUBLIC_PAGE_SECONDS``; never longer; 0: not kept).

    ``params``: the query parameters the page reads; a request with any other one is answered but not kept. Only
    answers of ``content_types`` are kept: an API view keeps its JSON, not the browsable API's HTML page (whose
    CSRF token sits in a script, not in a form).
    """

    known = frozenset(params)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            keep_for = min(seconds(), settings.PUBLIC_PAGE_SECONDS) if seconds else settings.PUBLIC_PAGE_SECONDS
            if keep_for <= 0 or not _anonymous_visit(request, known):
                return view(request, *args, **kwargs)
            # The address as asked (a page may name its own host); whether HTML is asked for (the API negotiates).
            html = "text/html" in request.META.get("HTTP_ACCEPT", "")
            asked = f"{request.build_absolute_uri()}\n{html}"
            path = hashlib.sha256(asked.encode()).hexdigest()[:32]
            key = f"public-page:{view.__module__}.{view.__qualname__}:{version()}:{get_language()}:{path}"
            kept = cache.get(key)
            if kept is not None:
                headers, body = kept
                response = HttpResponse(body.replace(PLACEHOLDER, get_token(request).encode()))
                for name, value in headers:
                    response[name] = value
                return response
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if _may_keep(response, content_types):
                body = CSRF_INPUT.sub(rb"\1" + PLACEHOLDER + rb"\2", response.content)
                headers = [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]
                cache.set(key, (headers, body), keep_for)
            return response

        return wrapper

    return decorator
