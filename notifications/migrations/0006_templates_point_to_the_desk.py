"""Stored message templates name the desk that received the dossier where the citizen goes in person (to pay, to
collect a result, the acceptance), not the competent agency: ``defaults.TO_THE_DESK``."""

from django.db import migrations

from notifications.defaults import TO_THE_DESK, rewording


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_fewer_indexes")]

    operations = [migrations.RunPython(rewording(TO_THE_DESK), migrations.RunPython.noop, elidable=False)]
