from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    """Until now the agency that received a dossier also processed it."""
    Dossier = apps.get_model("dossiers", "Dossier")
    Dossier.objects.filter(received_by__isnull=True).update(received_by=F("agency"))


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0011_two_tier_routing_linked")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
