"""Stored message templates name the desk that received the dossier where the citizen goes in person (to pay, to
collect a result, the acceptance), not the competent agency: ``defaults.TO_THE_DESK``."""

from django.db import migrations

from notifications.defaults import point_to_the_desk


def forward(apps, schema_editor):
    point_to_the_desk(
        apps.get_model("notifications", "MessageTemplate"), apps.get_model("notifications", "MessageTemplateVersion")
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_fewer_indexes")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
