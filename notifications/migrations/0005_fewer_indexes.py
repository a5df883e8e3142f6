"""Fewer indexes on the outbox: each send updates its row twice, and each update writes every index the new row
version belongs to. The dossier's own index duplicates the dedupe constraint's (which starts with the dossier);
status and the provider's id get partial indexes for the questions asked of them, and no ``LIKE`` indexes."""

import django.db.models.deletion
from django.db import migrations, models

DOSSIER_INDEX = "notifications_message_dossier_id_9bdc2508"


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0015_result_signed"),
        ("notifications", "0004_verbose_names"),
    ]

    operations = [
        # Only the index goes: Django would otherwise drop and re-check the foreign key over the whole table.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="dossier",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="dossiers.dossier",
                        verbose_name="dossier",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{DOSSIER_INDEX}"',
                    reverse_sql=f'CREATE INDEX "{DOSSIER_INDEX}" ON "notifications_message" ("dossier_id")',
                ),
            ],
        ),
        migrations.AlterField(
            model_name="message",
            name="provider_id",
            field=models.CharField(blank=True, max_length=128, verbose_name="provider's message id"),
        ),
        migrations.AlterField(
            model_name="message",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("delivered", "Delivered"),
                    ("failed", "Failed"),
                ],
                default="queued",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(condition=models.Q(("status", "failed")), fields=["created_at"], name="message_failed"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("provider_id", ""), _negated=True), fields=["provider_id"], name="message_provider_id"
            ),
        ),
    ]
