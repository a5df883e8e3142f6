"""The one root of every domain error: what the state or the caller does not allow, in words for the user.

A service raises a subclass; nobody catches it to translate it by hand. Each subclass has a stable ``code``
(what API clients branch on, never translated) and an HTTP ``status``; ``portal.api_errors`` maps them for the
JSON API and ``portal.middleware.DomainErrorMiddleware`` for pages, each in one place.

    class PaymentError(DomainError):
        code = "payment_not_allowed"

    raise PaymentError(_("This payment is no longer awaited."))
"""

from http import HTTPStatus


class DomainError(Exception):
    """Not possible in the current state; the message says why, in the user's language."""

    code: str = "not_allowed"
    status: int = HTTPStatus.CONFLICT

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class AccessDenied(DomainError):
    """The user may not see or act on this record (another agency's dossier, another citizen's payment)."""

    code = "permission_denied"
    status = HTTPStatus.FORBIDDEN


class ServiceUnavailable(DomainError):
    """A service the portal relies on (the file store, the gateway) did not answer; nothing was changed."""

    code = "service_unavailable"
    status = HTTPStatus.SERVICE_UNAVAILABLE


class FileStoreUnavailable(ServiceUnavailable):
    """The file store (S3-compatible object storage, or the local disk) refused or did not answer a write."""

    code = "file_store_unavailable"


class FileMissing(DomainError):
    """A row names a file the store no longer has (lost, or removed by hand): nothing to download; what the portal
    issues itself is rendered again instead (``portal.issued.download``)."""

    code = "file_missing"
    status = HTTPStatus.NOT_FOUND


def storage_errors() -> tuple[type[BaseException], ...]:
    """What a storage backend raises when the store is down: botocore's errors for S3, ``OSError`` for disks."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - django-storages[s3] is a dependency
        return (OSError,)
    return (BotoCoreError, ClientError, OSError)
