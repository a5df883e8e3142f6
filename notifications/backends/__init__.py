"""Where messages go out: email through Django's mailers, SMS through a pluggable backend.

A backend's ``send(message)`` returns the provider's message id, or raises ``TemporaryError`` (worth trying
again later: timeouts, connection errors, 5xx) or ``PermanentError`` (trying again will not help: 4xx, an
address refused).
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    pass


class TemporaryError(DeliveryError):
    """The provider could not take the message now; a later attempt may succeed."""


class PermanentError(DeliveryError):
    """The provider refused the message; trying again will not help."""


SMS_BACKENDS = {
    "console": "notifications.backends.sms.ConsoleBackend",
    "file": "notifications.backends.sms.FileBackend",
    "http": "notifications.backends.sms.HttpGatewayBackend",
}


@cache
def _sms_backend_class(name: str):
    return import_string(SMS_BACKENDS.get(name, name))


def sms_backend():
    return _sms_backend_class(settings.SMS_BACKEND)()


def backend_for(channel: str):
    from .email import EmailBackend

    return EmailBackend() if channel == "email" else sms_backend()
