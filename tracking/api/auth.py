"""Partners (other portals, mobile apps of the province) look dossiers up with an API key instead of a captcha."""

import hmac

from django.conf import settings

HEADER = "X-API-Key"


def partner_key(request) -> str:
    """The key the request carries if it is one of ``TRACKING_PARTNER_API_KEYS``, else ""."""
    given = request.headers.get(HEADER, "").strip()
    if not given:
        return ""
    matched = ""
    for key in settings.TRACKING_PARTNER_API_KEYS:  # compare with every key, in constant time each
        if key and hmac.compare_digest(key.encode(), given.encode()):
            matched = key
    return matched
