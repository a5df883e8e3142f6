from django.db import migrations

# Illustrative prices (VND) for the result letter of the public postal service; administrators set the real ones
# from the provincial post office's price list under Postal delivery → Postal tariff.
DEFAULT_TARIFF = {
    "local": [(100, 22000), (250, 25000), (500, 30000), (1000, 38000), (2000, 50000)],
    "national": [(100, 30000), (250, 35000), (500, 42000), (1000, 55000), (2000, 75000)],
}


def seed(apps, schema_editor):
    Tariff = apps.get_model("postal", "Tariff")
    for zone, rows in DEFAULT_TARIFF.items():
        for max_weight, amount in rows:
            Tariff.objects.get_or_create(zone=zone, max_weight=max_weight, defaults={"amount": amount})


class Migration(migrations.Migration):
    dependencies = [("postal", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
