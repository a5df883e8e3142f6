"""Names in Vietnamese alphabetical order.

PostgreSQL compares text by the database's collation, and a cluster created with the C locale (as the tests' is,
and many servers are) orders by code point: "Chuyển trường" before "Cấp giấy", "Ủy ban nhân dân" after "Văn
phòng". PostgreSQL built with ICU (Debian's packages, the official images) carries Vietnamese collation rules:
a ă â b c d đ e ê …, tones after the letter. Lists people read (agencies, fields, procedures) are ordered through
it. A server without ICU, and SQLite (the local default without a server), keep their own order.
"""

import functools

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate

VIETNAMESE = "vi-x-icu"


@functools.cache
def _available() -> bool:
    """Whether the PostgreSQL server has the collation (asked once per process)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [VIETNAMESE])
        return cursor.fetchone() is not None


def vietnamese(field: str):
    """An ordering by ``field`` in Vietnamese alphabetical order (``.desc()`` for the reverse)."""
    if connection.vendor == "postgresql" and _available():
        return Collate(F(field), VIETNAMESE).asc()
    return F(field).asc()
