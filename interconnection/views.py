"""The national portal's two ways in: the inbound dossier endpoint and the signed file links."""

import hmac
import logging

from django.conf import settings
from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from dossiers.models import Dossier, DossierDocument
from portal.issued import file_response

from . import inbound, links
from .constants import InboundOutcome

logger = logging.getLogger(__name__)


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error_code": InboundOutcome.ERROR.value, "message": message}, status=status)


def authenticated(request) -> bool:
    """The shared secret in the configured header, compared in constant time; refused while none is set."""
    secret = settings.NATIONAL_PORTAL_INBOUND_SECRET
    given = request.headers.get(settings.NATIONAL_PORTAL_INBOUND_HEADER, "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


@csrf_exempt
@never_cache
@require_POST
def receive_dossier(request):
    if not authenticated(request):
        return _error(_("Not authenticated."), 403)
    limit = settings.NATIONAL_PORTAL_INBOUND_MAX_BODY
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = limit + 1
    if length > limit:
        return _error(_("The request is too large."), 413)
    # Read from the stream: files arrive as base64 inside the JSON, past DATA_UPLOAD_MAX_MEMORY_SIZE (which guards
    # ``request.body`` for the portal's own forms); this endpoint has its own limit.
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return _error(_("The request is too large."), 413)
    try:
        data = inbound.parse(raw)
    except inbound.InboundError as exc:
        return _error(str(exc), 400)
    answer = inbound.receive(data=data)
    if answer.code == InboundOutcome.ERROR:
        logger.info("Inbound dossier refused: %s", answer.message)
    return JsonResponse(answer.as_json(), status=400 if answer.code == InboundOutcome.ERROR else 200)


@require_GET
def signed_file(request, token: str):
    """A dossier's file for the national portal, by a signed link that has not expired."""
    try:
        kind, pk = links.read(token)
    except signing.BadSignature:  # SignatureExpired included
        raise Http404 from None
    if kind == links.DOCUMENT:
        document = get_object_or_404(DossierDocument.objects.exclude(file=""), pk=pk)
        extension = document.file.name.rsplit(".", 1)[-1]
        return file_response(document.file, f"{document.dossier.code}-{document.pk}.{extension}", document.content_type)
    dossier = get_object_or_404(Dossier.objects.submitted().exclude(result_file=""), pk=pk)
    return file_response(dossier.result_file, f"{dossier.code}-ket-qua.pdf")
