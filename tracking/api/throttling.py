"""Throttling of the look-up API: per client address for captcha users, per key for partners."""

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from portal.net import client_ip

from ..ratelimit import rate_seconds
from .auth import partner_key


class LookupThrottle(SimpleRateThrottle):
    """``TRACKING_API_LOOKUP_RATE`` per address, or ``TRACKING_API_PARTNER_RATE`` per partner key; new captchas
    are counted apart from look-ups, at the same rate.

    Rates are written like the pages' (``20/10m``) and read when the request comes (settings can change in tests).
    """

    scope = "tracking_lookup"

    def __init__(self):  # the rate depends on the request: chosen in allow_request
        pass

    def parse_rate(self, rate):
        return rate_seconds(rate) if rate else (None, None)

    def allow_request(self, request, view):
        key = partner_key(request)
        rate = settings.TRACKING_API_PARTNER_RATE if key else settings.TRACKING_API_LOOKUP_RATE
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)
        self.scope = "tracking_captcha" if getattr(view, "action", "") == "captcha" else "tracking_lookup"
        self._ident = f"partner:{hashlib.sha256(key.encode()).hexdigest()[:16]}" if key else f"ip:{client_ip(request)}"
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self._ident}
