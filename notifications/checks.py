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
    return errors
