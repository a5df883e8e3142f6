from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0008_remove_fee_total"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="pay_on_delivery",
            field=models.BooleanField(default=False, verbose_name="pay the postman on delivery"),
        ),
    ]
