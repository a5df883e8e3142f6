"""Rows remembered in the shared cache for a few seconds (a checked API token, a signed-in user) and how they are
forgotten when they change.

A change forgets the remembered copy at once, and again once the change is committed: a request that read the old
row between the two (before the commit made the new one visible) may have remembered it meanwhile.
"""

from django.core.cache import cache
from django.db import transaction


def forget(keys) -> None:
    """Forget these cache keys now and again after the current transaction commits (at once outside one)."""
    keys = list(keys)
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
