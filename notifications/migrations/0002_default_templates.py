from django.db import migrations

from notifications.defaults import install


def seed(apps, schema_editor):
    install(apps.get_model("notifications", "MessageTemplate"), apps.get_model("notifications", "MessageTemplateVersion"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
