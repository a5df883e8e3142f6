"""A trigram index for searching people by part of their name (the back office's search box), on PostgreSQL.

Django's ``icontains`` compares ``UPPER(full_name)``, so that is what the index holds. Other databases (SQLite for
local use) have no trigram indexes and search by scanning, which is fine at their size.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS user_full_name_trgm ON accounts_user USING gin (UPPER(full_name::text) gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS user_full_name_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_notification_preferences")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
