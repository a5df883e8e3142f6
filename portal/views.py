from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from procedures.constants import ServiceLevel
from procedures.selectors import catalogue_counts, catalogue_version, most_used_procedures

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
