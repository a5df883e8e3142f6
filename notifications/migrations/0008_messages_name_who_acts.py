"""Stored templates name the desk a dossier was filed at and the agency whose official acted, and the SMS name the
desk: ``defaults.NAMES_WHO_ACTS``."""

from django.db import migrations

from notifications.defaults import NAMES_WHO_ACTS, rewording


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_supplement_either_way")]

    operations = [migrations.RunPython(rewording(NAMES_WHO_ACTS), migrations.RunPython.noop, elidable=False)]
