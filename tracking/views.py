"""The public look-up page (Tra cứu hồ sơ) and the satisfaction rating page."""

import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from dossiers.codes import normalise_code
from dossiers.linked import find_filing, parts_of
from dossiers.models import Dossier, LinkedFiling

from . import services
from .forms import LookupForm, RatingForm
from .ratelimit import rate_seconds
from .selectors import find_dossier, id_number_matches, is_owner, lookup_result, rating_of

# Dossiers whose applicant's ID number this browser has given in a look-up (so it may rate them), newest last.
VERIFIED_SESSION_KEY = "tracking_verified"
VERIFIED_KEEP = 5


def _remember_verified(request, dossier: Dossier, id_number: str) -> None:
    verified = [item for item in request.session.get(VERIFIED_SESSION_KEY, []) if item[0] != str(dossier.public_id)]
    verified.append((str(dossier.public_id), id_number))
    request.session[VERIFIED_SESSION_KEY] = verified[-VERIFIED_KEEP:]


def _verified_id_number(request, dossier: Dossier) -> str:
    for public_id, id_number in request.session.get(VERIFIED_SESSION_KEY, []):
        if public_id == str(dossier.public_id):
            return id_number
    return ""


# A result read again without a new captcha for a while (reloaded, or read in the other language): the language
# switch leads to ``?code=…&again=…``, ``again`` signing the code and the time of the look-up. Nothing is kept on the
# server for it; the signed link shows what the code and a captcha showed, to whoever holds it, for AGAIN_SECONDS.
AGAIN_SALT = "tracking.lookup.again"
AGAIN_SECONDS = 10 * 60


def _again_url(code: str, again: str = "") -> str:
    """Where the language switch leads from a result: the same result, in the other language. A result reached
    through such a link passes on the same signature (``again``), so ten minutes after the captcha it ends."""
    again = again or signing.dumps(code, salt=AGAIN_SALT, compress=False)
    return f"{reverse('tracking:lookup')}?{urlencode({'code': code, 'again': again})}"


def _looked_up_again(request, code: str) -> bool:
    try:
        signed = signing.loads(request.GET.get("again", ""), salt=AGAIN_SALT, max_age=AGAIN_SECONDS)
    except signing.BadSignature:  # tampered, expired or missing
        return False
    return signed == code


def _rate_limited(request):
    """Too many look-ups from this address: a page that says how long to wait, status 429."""
    rate = settings.TRACKING_LOOKUP_RATE
    limit, seconds = rate_seconds(rate)
    minutes = max(1, math.ceil(seconds / 60))
    response = render(request, "tracking/rate_limited.html", {"limit": limit, "minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _over_limit(request) -> bool:
    return is_ratelimited(
        request, group="tracking.lookup", key="ip", rate=settings.TRACKING_LOOKUP_RATE, method=ALL, increment=True
    )


def _show(request, dossier: Dossier, *, id_number: str = "", status: int = 200, again: str = ""):
    result = lookup_result(dossier, user=request.user, id_number=id_number)
    if id_number and result.full and not result.signed_in_owner:
        _remember_verified(request, dossier, id_number)
    context = {
        "result": result,
        "dossier": dossier,
        "id_mismatch": bool(id_number) and not result.full,
        "language_next": _again_url(dossier.code, again),
    }
    return render(request, "tracking/result.html", context, status=status)


def _show_filing(request, filing: LinkedFiling, *, id_number: str = "", again: str = "", seen: bool = False):
    """A linked filing's code: every part, each shown (and masked) as its own look-up would show it. The ID number
    given is remembered for each part as for a dossier, so the result read again (``seen``: the language switch)
    stays whole; it came back masked."""
    parts = parts_of(filing)
    given = {part.pk: id_number or (_verified_id_number(request, part) if seen else "") for part in parts}
    results = [lookup_result(part, user=request.user, id_number=given[part.pk]) for part in parts]
    for part, result in zip(parts, results, strict=True):
        if id_number and result.full and not result.signed_in_owner:
            _remember_verified(request, part, id_number)
    full = bool(results) and all(result.full for result in results)
    context = {
        "filing": filing,
        "results": results,
        "full": full,
        "id_mismatch": bool(id_number) and not full,
        "language_next": _again_url(filing.code, again),
    }
    return render(request, "tracking/filing.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lookup(request):
    """GET: the form (``?code=`` from a QR code fills it in; the signed-in owner sees their dossier at once).

    POST: code + captcha (+ optionally the applicant's ID number). Each POST counts against the address's limit.
    """
    if request.method == "POST":
        if _over_limit(request):
            return _rate_limited(request)
        form = LookupForm(request.POST)
        if not form.is_valid():
            return render(request, "tracking/lookup.html", {"form": form}, status=400)
        dossier = find_dossier(form.cleaned_data["code"])
        filing = find_filing(form.cleaned_data["code"]) if dossier is None else None
        if filing is not None:
            return _show_filing(request, filing, id_number=form.cleaned_data["id_number"])
        if dossier is None:
            # The same answer whatever the reason (no such code, or a draft): codes cannot be probed.
            form = LookupForm(initial={"code": form.cleaned_data["code"]})
            return render(request, "tracking/lookup.html", {"form": form, "not_found": True}, status=404)
        return _show(request, dossier, id_number=form.cleaned_data["id_number"])

    code = normalise_code(request.GET.get("code", ""))[:40]
    seen = bool(code) and _looked_up_again(request, code)  # looked up with a captcha a moment ago
    if code and (seen or request.user.is_authenticated):
        dossier = find_dossier(code)
        again = request.GET.get("again", "") if seen else ""
        if dossier is not None and (seen or is_owner(dossier, request.user)):
            return _show(request, dossier, id_number=_verified_id_number(request, dossier) if seen else "", again=again)
        filing = find_filing(code) if dossier is None else None
        if filing is not None and (seen or filing.applicant_id == request.user.pk):
            return _show_filing(request, filing, again=again, seen=seen)
    return render(request, "tracking/lookup.html", {"form": LookupForm(initial={"code": code} if code else None)})


def _rating_dossier(request, public_id) -> tuple[Dossier, str]:
    """The dossier and the ID number to rate it with, if this visitor may rate it; else raise or redirect."""
    try:
        dossier = (
            Dossier.objects.submitted()
            .select_related("procedure", "agency", "applicant", "rating")
            .get(public_id=public_id)
        )
    except Dossier.DoesNotExist:
        raise Http404 from None
    if is_owner(dossier, request.user):
        return dossier, ""
    id_number = _verified_id_number(request, dossier)
    if id_number and id_number_matches(dossier, id_number):
        return dossier, id_number
    raise Http404


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request, public_id):
    """Rate the service for a returned dossier: the signed-in applicant, or after a look-up with their ID number."""
    try:
        dossier, id_number = _rating_dossier(request, public_id)
    except Http404:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise
    rating = rating_of(dossier)
    if rating is not None or not dossier.is_returned:
        return render(request, "tracking/rate.html", {"dossier": dossier, "rating": rating, "form": None})
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate_dossier(
                dossier=dossier,
                user=request.user,
                id_number=id_number,
                comment=form.cleaned_data["comment"],
                **form.scores(),
            )
        except services.RatingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you: your rating has been sent to the agency."))
        return redirect("tracking:rate", public_id=dossier.public_id)
    status = 400 if form.errors else 200
    return render(request, "tracking/rate.html", {"dossier": dossier, "rating": None, "form": form}, status=status)
