"""Links into the verification page (what the QR code in a leader's signature box opens)."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

DOSSIER_PARAM = "ho-so"


def verification_url(dossier) -> str:
    """The verification page, checking the dossier's signed result the portal keeps."""
    query = urlencode({DOSSIER_PARAM: str(dossier.public_id)})
    return f"{settings.PORTAL_URL.rstrip('/')}{reverse('signing:verify')}?{query}"
