"""Where messages go out: email through Django's mailers, SMS through a pluggable backend.

A backend's ``send(message)`` returns the provider's message id, or raises ``TemporaryError`` (worth trying
again later: timeouts, connection errors, 5xx) or ``PermanentError`` (trying again will not help: 4xx, an
address refused).
"""

import logging
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    pass


class TemporaryError(DeliveryError):
    """The provider could not take the message now; a later attempt may succeed."""


class PermanentError(DeliveryError):
    """The provider refused the message; trying again will not help."""


logger = logging.getLogger(__name__)

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


def backend_for(channel: str, *, batch: bool = False):
    """The backend for a channel; with ``batch``, email keeps one mail connection open across its sends until the
    backend's ``close()``."""
    from .email import EmailBackend

    if channel != "email":
        return sms_backend()
    if not batch:
        return EmailBackend()
    from django.core.mail import mailers

    return EmailBackend(mailers.default)


class Senders:
    """The backends a batch of messages goes out through: one per channel, kept for the batch. Email keeps one mail
    connection open across the batch's emails (``EmailBackend`` with a mailer); after a failed send the channel
    starts again from a new backend, and ``close()`` ends them all."""

    def __init__(self):
        self._backends = {}

    def for_channel(self, channel: str):
        if channel not in self._backends:
            self._backends[channel] = backend_for(channel, batch=True)
        return self._backends[channel]

    def forget(self, channel: str) -> None:
        backend = self._backends.pop(channel, None)
        if backend is not None and hasattr(backend, "close"):
            try:
                backend.close()
            except Exception:  # the messages are sent and recorded; a connection that ends badly changes nothing
                logger.warning("Could not close the %s connection cleanly.", channel, exc_info=True)

    def close(self) -> None:
        for channel in list(self._backends):
            self.forget(channel)
