from django.conf import settings
from django.core.checks import Error, register

from .backends import SMS_BACKENDS


@register()
def check_sms_settings(app_configs, **kwargs):
    errors = []
    backend = SMS_BACKENDS.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
    if backend == SMS_BACKENDS["http"] and not (settings.SMS_GATEWAY_URL and settings.SMS_GATEWAY_API_KEY):
        errors.append(
            Error(
                "SMS_BACKEND=http needs SMS_GATEWAY_URL and SMS_GATEWAY_API_KEY.",
                id="notifications.E001",
            )
        )
    if settings.SMS_MAX_PARTS < 1:
        errors.append(Error("SMS_MAX_PARTS must be at least 1.", id="notifications.E002"))
    email_timeout = (settings.MAILERS["default"].get("OPTIONS") or {}).get("timeout") or 0
    slowest = max(settings.SMS_GATEWAY_TIMEOUT, email_timeout)
    if slowest + 10 > settings.NOTIFICATIONS_STUCK_AFTER:
        errors.append(
            Error(
                f"NOTIFICATIONS_STUCK_AFTER ({settings.NOTIFICATIONS_STUCK_AFTER} s) must exceed the slowest send "
                f"({slowest:g} s: SMS_GATEWAY_TIMEOUT, EMAIL_TIMEOUT) by at least 10 s, or a message still being "
                "sent would be sent again.",
                id="notifications.E003",
            )
        )
    return errors
