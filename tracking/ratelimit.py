"""Rates written as django-ratelimit writes them (``20/10m``: 20 per 10 minutes), for pages and the API alike."""

import re

_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_seconds(rate: str) -> tuple[int, int]:
    """``"20/10m"`` → ``(20, 600)``; ``"100/h"`` → ``(100, 3600)``."""
    match = _RATE.match(rate.strip())
    if not match:
        raise ValueError(f"Not a rate: {rate!r} (write e.g. 20/10m)")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _SECONDS[unit]
