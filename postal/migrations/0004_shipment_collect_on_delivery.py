from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("postal", "0003_tracking_ranges_never_overlap"),
    ]

    operations = [
        migrations.AddField(
            model_name="shipment",
            name="cod_amount",
            field=models.PositiveBigIntegerField(default=0, verbose_name="to collect on delivery (VND)"),
        ),
        migrations.AddField(
            model_name="shipment",
            name="cod_collected_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="collected on delivery"),
        ),
    ]
