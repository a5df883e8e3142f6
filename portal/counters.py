"""Race-free sequence numbers (dossier codes per agency and day, receipt numbers per agency and year).

One atomic upsert on a counter row: two callers at once get two numbers, a rolled-back caller's number is never
reused (the sequence only grows within the transaction that took it, as the law asks: no reuse after issue).
"""

from django.db import connection
from django.db.models import Model


def next_number(counter: type[Model], **key) -> int:
    """Add one to ``counter``'s ``last`` for ``key`` (its unique fields: ``agency_id=…, day=…``) and return it."""
    table = connection.ops.quote_name(counter._meta.db_table)
    columns = [connection.ops.quote_name(counter._meta.get_field(name).column) for name in key]
    placeholders = ", ".join(["%s"] * len(columns))
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}, last) VALUES ({placeholders}, 1) "  # noqa: S608 - our names
        f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(key.values()))
        (number,) = cursor.fetchone()
    return number
