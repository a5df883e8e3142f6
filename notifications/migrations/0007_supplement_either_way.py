"""The stored supplement requests say the papers may be sent online (with an account or VNeID) or brought to the
desk: ``defaults.SUPPLEMENT_EITHER_WAY``."""

from django.db import migrations

from notifications.defaults import SUPPLEMENT_EITHER_WAY, rewording


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_templates_point_to_the_desk")]

    operations = [migrations.RunPython(rewording(SUPPLEMENT_EITHER_WAY), migrations.RunPython.noop, elidable=False)]
