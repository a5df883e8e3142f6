"""Stored templates name the desk a dossier was filed at and the agency whose official acted, and the SMS name the
desk: ``defaults.NAMES_WHO_ACTS``."""

from django.db import migrations

from notifications.defaults import NAMES_WHO_ACTS, reword


def forward(apps, schema_editor):
    reword(
        apps.get_model("notifications", "MessageTemplate"),
        apps.get_model("notifications", "MessageTemplateVersion"),
        NAMES_WHO_ACTS,
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_supplement_either_way")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
