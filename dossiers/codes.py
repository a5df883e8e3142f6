"""Dossier codes ``<agency code>-<YYMMDD>-<NNNN>`` (Circular 01/2018, art. 19), never reused, race-free.

One atomic upsert per code: concurrent submissions to the same agency on the same day queue on the counter row
and each gets the next number, on PostgreSQL and SQLite alike.
"""

from datetime import date

from django.db import connection

from procedures.models import Agency

from .models import DossierCodeCounter


def next_dossier_code(*, agency: Agency, day: date) -> str:
    table = connection.ops.quote_name(DossierCodeCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [agency.pk, day],
        )
        (number,) = cursor.fetchone()
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"
