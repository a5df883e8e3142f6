"""SMS backends: console and file for local use, and an HTTP gateway for production.

The gateway protocol (JSON over HTTPS)::

    POST SMS_GATEWAY_URL
    X-API-Key: <SMS_GATEWAY_API_KEY>
    Idempotency-Key: <the message's reference>
    {"to": "+84912345678", "from": "<SMS_BRAND>", "text": "...", "reference": "<the message's reference>"}

    200/201/202 {"message_id": "..."}

5xx, 408, 429, timeouts and connection errors are temporary (tried again later); any other 4xx is permanent.
The reference is the same for every attempt of one send, so a gateway that dedupes on it delivers once even
when our acknowledgement was lost and the message is sent again. Delivery reports come back to the callback in
``notifications.views``.
"""

import json
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

import urllib3
from django.conf import settings

from . import PermanentError, TemporaryError

logger = logging.getLogger(__name__)


def _payload(message) -> dict:
    return {"to": message.recipient, "from": settings.SMS_BRAND, "text": message.body, "reference": message.reference}


class ConsoleBackend:
    def send(self, message) -> str:
        logger.info("SMS to %s: %s", message.recipient, message.body)
        return f"console-{uuid.uuid4().hex}"


class FileBackend:
    """Appends one JSON line per SMS to ``SMS_FILE_PATH`` (``var/sms/messages.jsonl`` by default)."""

    def send(self, message) -> str:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        provider_id = f"file-{uuid.uuid4().hex}"
        line = {**_payload(message), "message_id": provider_id, "at": datetime.now(UTC).isoformat()}
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return provider_id


TEMPORARY_STATUSES = {408, 425, 429}


# One pool per process: the connection to the gateway is kept alive between messages (a worker sends many).
_pool = urllib3.PoolManager(retries=False, maxsize=4)


class HttpGatewayBackend:
    def send(self, message) -> str:
        url = settings.SMS_GATEWAY_URL
        if not url.startswith(("https://", "http://")):
            raise PermanentError("SMS_GATEWAY_URL is not an http(s) address")
        try:
            response = _pool.request(
                "POST",
                url,
                body=json.dumps(_payload(message)).encode(),
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "X-API-Key": settings.SMS_GATEWAY_API_KEY,
                    "Idempotency-Key": message.reference,
                },
                timeout=urllib3.Timeout(total=settings.SMS_GATEWAY_TIMEOUT),
                redirect=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # refused, reset, timed out
            raise TemporaryError(f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}") from exc
        body = response.data
        if response.status >= 300:
            error = f"HTTP {response.status}: {body[:300].decode(errors='replace')}"
            if response.status >= 500 or response.status in TEMPORARY_STATUSES:
                raise TemporaryError(error)
            raise PermanentError(error)
        try:
            provider_id = str(json.loads(body)["message_id"])
        except (ValueError, KeyError, TypeError) as exc:
            # Accepted, but the answer is not what we expect: sending again could duplicate the SMS.
            raise PermanentError(f"unexpected answer from the gateway: {body[:300]!r}") from exc
        return provider_id
