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

``official_page`` keeps an official's own pages (the queue, the dashboard) the same way, per official,
under their agency's generation (``dossiers.selectors.queues_version``, new after any change to one of the
agency's dossiers) and for at most ``DASHBOARD_CACHE_SECONDS``: reloading an unchanged queue costs a cache read,
a change shows at the next load, and what changes with the clock alone (overdue markers) within that period.
``official_data`` keeps the data of the API's list for them under the same rule.
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
KEPT_HEADERS = ("Content-Type", "Cache-Control", "Expires", "Content-Language", "Vary", "Allow")


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


def _may_keep(response, content_types: tuple[str, ...], *, private: bool = False) -> bool:
    # The CSRF cookie (set inside views the admin wraps in ``csrf_protect``) is set again for each visitor.
    if response.status_code != 200 or response.streaming or set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
        return False
    if not response.get("Content-Type", "").startswith(content_types):
        return False
    if private:  # kept for its one reader: what the page tells browsers and proxies is served again as it was
        return True
    directives = {d.split("=")[0].strip().lower() for d in response.get("Cache-Control", "").split(",")}
    return not directives & {"private", "no-cache", "no-store"}


def _address_key(request) -> str:
    """The address as asked (a page may name its own host) and whether HTML is asked for (the API negotiates)."""
    html = "text/html" in request.META.get("HTTP_ACCEPT", "")
    return hashlib.sha256(f"{request.build_absolute_uri()}\n{html}".encode()).hexdigest()[:32]


def _serve_kept(request, key: str):
    kept = cache.get(key)
    if kept is None:
        return None
    headers, body = kept
    response = HttpResponse(body.replace(PLACEHOLDER, get_token(request).encode()))
    for name, value in headers:
        response[name] = value
    return response


def _render_and_keep(view, request, args, kwargs, key: str, seconds: int, content_types, *, private=False):
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if _may_keep(response, content_types, private=private):
        body = CSRF_INPUT.sub(rb"\1" + PLACEHOLDER + rb"\2", response.content)
        headers = [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]
        cache.set(key, (headers, body), seconds)
    return response


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
            name = f"{view.__module__}.{view.__qualname__}"
            key = f"public-page:{name}:{version()}:{get_language()}:{_address_key(request)}"
            response = _serve_kept(request, key)
            if response is None:
                response = _render_and_keep(view, request, args, kwargs, key, keep_for, content_types)
            return response

        return wrapper

    return decorator


def _nothing_pending(request) -> bool:
    """No message waits to be shown (after an action): in the cookie, or in the session when it overflowed."""
    return CookieStorage.cookie_name not in request.COOKIES and "_messages" not in request.session


def _official_asks(request, seconds: int) -> bool:
    return (
        seconds > 0
        and request.method in ("GET", "HEAD")
        and getattr(getattr(request, "user", None), "is_authenticated", False)
        and len(request.get_full_path()) <= LONGEST_PATH
    )


def official_data(request, version: Callable[..., object | None], name: str, compute: Callable[[], object]):
    """An API list's data (before rendering) kept for the official who asked, under ``version(request)`` (None:
    not kept), for ``DASHBOARD_CACHE_SECONDS``, like ``official_page``'s pages. The renderer still runs for each
    request, so content negotiation stays the API's; ``compute()`` runs after the API checked who asks."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    current = version(request) if _official_asks(request, seconds) else None
    if current is None:
        return compute()
    address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()[:32]
    key = f"official-data:{name}:{request.user.pk}:{current}:{get_language()}:{address}"
    data = cache.get(key)
    if data is None:
        data = compute()
        cache.set(key, data, seconds)
    return data


def official_page(version: Callable[..., object | None], *, content_types: tuple[str, ...] = ("text/html",)):
    """Keep the view's answer for the signed-in official who asked, under ``version(request)`` (None: not kept),
    for ``DASHBOARD_CACHE_SECONDS`` (see the module's note). GET and HEAD only, with no message waiting to be
    shown; only 200 answers that set no cookie. The view must check who may see it before this runs (the
    admin's and the API's own checks do), or be wrapped inside that check.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            seconds = settings.DASHBOARD_CACHE_SECONDS
            asked = _official_asks(request, seconds) and _nothing_pending(request)
            current = version(request) if asked else None
            if current is None:
                return view(request, *args, **kwargs)
            name = f"{view.__module__}.{view.__qualname__}"
            key = f"official-page:{name}:{request.user.pk}:{current}:{get_language()}:{_address_key(request)}"
            response = _serve_kept(request, key)
            if response is None:
                response = _render_and_keep(view, request, args, kwargs, key, seconds, content_types, private=True)
            return response

        return wrapper

    return decorator
