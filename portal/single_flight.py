"""One computation at a time of a value kept in the shared cache: whoever takes the lock computes it, the others
wait for it to appear instead of computing it too (the public statistics' figures, an agency's queue counts).
"""

import time

from django.core.cache import cache

POLL_SECONDS = 0.05


def lock_key(key: str) -> str:
    return f"{key}:computing"


def take(key: str, seconds: int) -> bool:
    """True when this caller is now the one computing ``key``, for at most ``seconds`` (then the lock lapses)."""
    return cache.add(lock_key(key), 1, timeout=seconds)


def release(key: str) -> None:
    cache.delete(lock_key(key))


def wait_for(key: str, seconds: float):
    """The value another caller is computing under ``key`` once it is there; None if it is not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        value = cache.get(key)
        if value is not None:
            return value
    return None
