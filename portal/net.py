"""The client's address, as seen through the reverse proxies the portal trusts (``PROXY_COUNT``)."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """With ``PROXY_COUNT`` proxies in front, the address the outermost one saw; else the connecting address.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so the client is the
    ``PROXY_COUNT``-th entry from the right. Entries further left were sent by the client and are not trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]
