"""The captcha of the public forms (filing, the look-up page and API): django-simple-captcha's picture and audio,
its answer checked in one statement.

The library checks an answer in three: it first deletes every expired captcha, then reads the one answered, then
deletes it. Here the answered captcha is deleted and its answer returned by one ``DELETE … RETURNING`` (each
captcha still has one try, right or wrong, within ``CAPTCHA_TIMEOUT``), and expired ones are deleted by the
periodic task ``portal.tasks.remove_expired_captchas`` instead of by every visitor's check.
"""

from captcha import fields
from captcha.models import CaptchaStore
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone


def use_captcha(hashkey: str) -> str | None:
    """Spend the captcha: delete it and return its answer, or None when there is none (unknown, used, expired)."""
    connection = connections[router.db_for_write(CaptchaStore)]
    table = connection.ops.quote_name(CaptchaStore._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE hashkey = %s AND expiration > %s RETURNING response",  # noqa: S608
            [hashkey, timezone.now()],
        )
        row = cursor.fetchone()
    return row[0] if row else None


class CaptchaField(fields.CaptchaField):
    """django-simple-captcha's field (widget, messages, test mode) with the one-statement check above."""

    def clean(self, value):
        fields.MultiValueField.clean(self, value)  # required, and each part a clean string
        response, value[1] = (value[1] or "").strip().lower(), ""
        if not self.required and not response:
            return value
        answer = use_captcha(value[0])
        if getattr(settings, "CAPTCHA_TEST_MODE", False) and response == "passed":
            return value
        if answer is None or answer != response:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


def remove_expired_captchas() -> int:
    """Delete the captchas nobody answered in time (``portal.tasks.remove_expired_captchas``); the number deleted."""
    return CaptchaStore.objects.filter(expiration__lte=timezone.now()).delete()[0]
