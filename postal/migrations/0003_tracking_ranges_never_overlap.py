"""Tracking-number ranges never overlap: a tracking number is unique nationwide, whichever agency holds it.

PostgreSQL refuses an overlap itself, with an exclusion constraint over ``int8range(first, last, '[]')`` per
prefix; the prefix's equality inside a GiST index needs ``btree_gist``, a trusted extension that the database
owner may create (as ``pg_trgm`` is created by procedures 0002), and that stays in place on the way back.
Ranges that overlap already stop this migration with PostgreSQL's message naming both; correct them first.
Other databases (the SQLite local default) rely on ``postal.services.create_tracking_range``, which checks first.

The check constraints also get messages in words for the back office's form.
"""

from django.db import migrations, models

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE postal_trackingrange ADD CONSTRAINT tracking_range_no_overlap "
    "EXCLUDE USING gist (prefix WITH =, int8range(first, last, '[]') WITH &&)",
]
DROP = ["ALTER TABLE postal_trackingrange DROP CONSTRAINT IF EXISTS tracking_range_no_overlap"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("postal", "0002_default_tariff")]

    operations = [
        migrations.AlterConstraint(
            model_name="trackingrange",
            name="tracking_range_ordered",
            constraint=models.CheckConstraint(
                condition=models.Q(("first__lte", models.F("last"))),
                name="tracking_range_ordered",
                violation_error_message="The first serial cannot be greater than the last.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="trackingrange",
            name="tracking_range_eight_digits",
            constraint=models.CheckConstraint(
                condition=models.Q(("last__lte", 99999999)),
                name="tracking_range_eight_digits",
                violation_error_message="Serials have eight digits: the last one can be at most 99999999.",
            ),
        ),
        migrations.RunPython(run(CREATE), run(DROP), elidable=False),
    ]
