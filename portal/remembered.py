"""Rows remembered in the shared cache for a few seconds (a checked API token, a signed-in user) and how they are
forgotten when they change.

A change forgets the remembered copy at once, and again once the change is committed: a request that read the old
row between the two (before the commit made the new one visible) may have remembered it meanwhile.

A request that read the row before the change and remembers it only after the change was forgotten would put the
old row back for the rest of its time. So each forgetting also gives the key a new *edition*, and a copy counts
only under the edition that was current before its row was read (``recall`` gives it, ``remember`` keeps it with the
copy): such a late copy carries the edition before the change and is never recalled. The edition is read in the
same round trip as the copy.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

# An edition outlives by far any copy remembered under it (seconds, not days): were it gone, a copy remembered
# before it was set, under no edition, would count again; it cannot still be there.
EDITION_SECONDS = 24 * 3600


def _edition_key(key: str) -> str:
    return f"{key}:edition"


def recall(key: str) -> tuple[object | None, str | None]:
    """The value remembered under ``key`` (None if there is none, or it is older than the last change), and the
    key's edition, to give ``remember`` when the value is read afresh."""
    edition_key = _edition_key(key)
    found = cache.get_many([key, edition_key])
    edition = found.get(edition_key)
    copy = found.get(key)
    if isinstance(copy, tuple) and len(copy) == 2 and copy[0] == edition:
        return copy[1], edition
    return None, edition


def remember(key: str, value, edition: str | None, seconds: int) -> None:
    """Keep ``value``, read after ``recall`` gave ``edition``, for ``seconds``."""
    cache.set(key, (edition, value), seconds)


def _forget_now(keys: list[str]) -> None:
    cache.set_many({_edition_key(key): uuid.uuid4().hex for key in keys}, EDITION_SECONDS)
    cache.delete_many(keys)


def forget(keys) -> None:
    """Forget these cache keys now and again after the current transaction commits (at once outside one)."""
    keys = list(keys)
    if not keys:
        return
    _forget_now(keys)
    transaction.on_commit(lambda: _forget_now(keys))
