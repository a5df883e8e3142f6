"""The public verification page (``/xac-minh/``) and the trust anchors (``/api/v1/signing/trust-anchors/``).

Anyone uploads a PDF, or follows the QR code printed in a leader's signature box (``?ho-so=<dossier id>``: the
signed result the portal keeps for that dossier), and sees who signed it, when, and whether it is intact and
trusted. Rate-limited per address like the look-up; the upload is checked and kept nowhere. A body larger than
``SIGNATURE_VERIFY_MAX_SIZE`` is refused by its length (and the reverse proxy's body limit should be set to match).
"""

import math
import uuid

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from portal.issued import open_stored
from portal.params import number
from tracking.ratelimit import rate_seconds

from . import sign, verify
from .links import DOSSIER_PARAM


class VerifyForm(forms.Form):
    document = forms.FileField(
        label=_("PDF document"),
        help_text=_("The electronic result or document issued by the portal, as you received it."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


def _over_limit(request) -> bool:
    return is_ratelimited(
        request, group="signing.verify", key="ip", rate=settings.SIGNATURE_VERIFY_RATE, method=ALL, increment=True
    )


def _rate_limited(request):
    limit, seconds = rate_seconds(settings.SIGNATURE_VERIFY_RATE)
    context = {"limit": limit, "minutes": max(1, math.ceil(seconds / 60))}
    response = render(request, "signing/rate_limited.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _page(request, form, report=None, *, source: str = "", status: int = 200):
    context = {
        "form": form,
        "report": report,
        "source": source,
        "max_size": settings.SIGNATURE_VERIFY_MAX_SIZE,
        "anchors_url": reverse("v1:signing-trust-anchors"),
    }
    return render(request, "signing/verify.html", context, status=status)


def _stored_result(public_id: str) -> bytes | None:
    """The signed result the portal keeps for the dossier ``public_id`` (what the QR code names), or None."""
    from dossiers.models import Dossier

    try:
        public_id = uuid.UUID(public_id)
    except ValueError:
        return None
    dossier = Dossier.objects.submitted().filter(public_id=public_id, result_signed_at__isnull=False).first()
    if dossier is None or not dossier.result_file:
        return None
    with open_stored(dossier.result_file) as handle:  # FileMissing or FileStoreUnavailable: a page that says so
        return handle.read()


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_page(request):
    if request.method == "POST":
        if _over_limit(request):
            return _rate_limited(request)
        length = number(request.META.get("CONTENT_LENGTH") or "0")  # None: not a length a server would pass on
        if length is None or length > settings.SIGNATURE_VERIFY_MAX_SIZE + 64 * 1024:
            return _page(request, VerifyForm(), verify.Report(verify.TOO_LARGE), status=413)
        return _post(request)
    public_id = request.GET.get(DOSSIER_PARAM, "").strip()
    if public_id:
        if _over_limit(request):
            return _rate_limited(request)
        data = _stored_result(public_id)
        if data is None:
            return _page(request, VerifyForm(), None, source="missing", status=404)
        return _page(request, VerifyForm(), verify.verify(data), source="portal")
    return _page(request, VerifyForm())


def _post(request):
    """The upload is read once, checked and dropped: Django keeps it in memory (or, past
    ``FILE_UPLOAD_MAX_MEMORY_SIZE``, in a temporary file removed when the request ends); no row, no stored file."""
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["document"]
    if upload.size > settings.SIGNATURE_VERIFY_MAX_SIZE:
        return _page(request, VerifyForm(), verify.Report(verify.TOO_LARGE), status=413)
    report = verify.verify(upload.read())
    return _page(request, VerifyForm(), report, source="upload")


# --- API ----------------------------------------------------------------------------------------------------------


class PEMRenderer(BaseRenderer):
    media_type = "application/x-pem-file"
    format = "pem"
    charset = "ascii"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | str):
            return data
        return str(data.get("message", data)).encode() if isinstance(data, dict) else b""


class TrustAnchorsView(APIView):
    """The certificates (PEM) that the portal's signatures chain to: import them into a PDF reader to check one."""

    permission_classes = [AllowAny]
    authentication_classes = []
    renderer_classes = [PEMRenderer]

    @extend_schema(
        operation_id="signing_trust_anchors",
        responses={(200, "application/x-pem-file"): OpenApiResponse(OpenApiTypes.STR, description="PEM certificates")},
        tags=["signing"],
    )
    def get(self, request):
        response = HttpResponse(sign.anchors_pem() if sign.enabled() else b"", content_type="application/x-pem-file")
        response["Content-Disposition"] = 'inline; filename="trust-anchors.pem"'
        response["Cache-Control"] = "public, max-age=3600"
        return response
