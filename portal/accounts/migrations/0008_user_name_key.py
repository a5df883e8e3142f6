"""People's names folded for searching with or without diacritics (``User.name_key``), filled for the existing rows,
with a trigram index on PostgreSQL in place of the one on ``UPPER(full_name)`` that the back office searched before.
"""

from django.db import migrations, models

from portal.text import fold

INDEX = "CREATE INDEX IF NOT EXISTS user_name_key_trgm ON accounts_user USING gin (name_key gin_trgm_ops)"
OLD_INDEX = "CREATE INDEX IF NOT EXISTS user_full_name_trgm ON accounts_user USING gin (UPPER(full_name::text) gin_trgm_ops)"


def fill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    batch = []
    for user in User.objects.only("pk", "full_name").order_by("pk").iterator(chunk_size=2000):
        user.name_key = fold(user.full_name)
        batch.append(user)
        if len(batch) == 2000:
            User.objects.bulk_update(batch, ["name_key"])
            batch = []
    User.objects.bulk_update(batch, ["name_key"])


def on_postgresql(*statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_citizen_identity")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=150),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(
            on_postgresql("CREATE EXTENSION IF NOT EXISTS pg_trgm", INDEX, "DROP INDEX IF EXISTS user_full_name_trgm"),
            on_postgresql(OLD_INDEX, "DROP INDEX IF EXISTS user_name_key_trgm"),
            elidable=False,
        ),
    ]
