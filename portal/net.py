"""The client's address, as seen through the reverse proxies the portal trusts (``PROXY_COUNT``)."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# What a request whose address cannot be read is counted as: rate limits still apply (all such requests share one
# count) and the address columns, which hold only addresses, can store it.
UNKNOWN = str(ipaddress.IPv4Address(0))  # 0.0.0.0


def client_ip(request: HttpRequest) -> str:
    """With ``PROXY_COUNT`` proxies in front, the address the outermost one saw; else the connecting address.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so the client is the
    ``PROXY_COUNT``-th entry from the right. Entries further left were sent by the client and are not trusted.
    The answer is always an address: a proxy that writes a port (``203.0.113.9:5123``, ``[2001:db8::1]:443``) is
    read without it; anything else that is no address (a port reached past the proxy, a socket with no peer address)
    counts as ``UNKNOWN``, never as text a client chose.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return _address(forwarded[-count])
    return _address(remote)


def _address(text: str) -> str:
    for candidate in (text, *_without_port(text)):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return UNKNOWN


def _without_port(text: str) -> tuple[str, ...]:
    if text.startswith("["):  # [2001:db8::1]:443
        return (text[1:].partition("]")[0],)
    host, colon, port = text.rpartition(":")
    if colon and port.isascii() and port.isdigit() and "." in host:  # 203.0.113.9:5123
        return (host,)
    return ()
