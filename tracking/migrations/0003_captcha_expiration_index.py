"""An index on the captchas' expiry time.

Every check of a captcha first deletes the expired ones (django-simple-captcha's ``remove_expired``), and every
showing of a form with a captcha adds one row that lives five minutes; without an index each look-up read the whole
table (9,400 rows after a few seconds of load: 1.7 ms; growing with every robot that loads the form).
"""

from django.db import migrations

INDEX = "captcha_captchastore_expiration_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0002_rating_on_time_answers"),
        ("captcha", "0002_alter_captchastore_id"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON captcha_captchastore (expiration)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
