from celery import shared_task

from . import issued
from .errors import FileStoreUnavailable, storage_errors
from .signing.errors import SigningError
from .storage_sweep import sweep_storage


@shared_task(ignore_result=True)
def sweep_orphan_files() -> int:
    """Periodic (Celery beat, nightly): remove stored files that no row refers to, older than a day."""
    return len(sweep_storage().removed)


@shared_task(ignore_result=True)
def delete_expired_tokens() -> int:
    """Periodic (Celery beat, nightly): delete the API tokens that have expired (``portal.api_tokens``)."""
    from .api_tokens import delete_expired_tokens

    return delete_expired_tokens()


@shared_task(ignore_result=True)
def remove_expired_captchas() -> int:
    """Periodic (Celery beat, every 10 minutes): delete the captchas nobody answered in time (``portal.captchas``)."""
    from .captchas import remove_expired_captchas

    return remove_expired_captchas()


@shared_task(bind=True, max_retries=5, acks_late=True, ignore_result=True)
def render_issued(self, kind: str, pk: int) -> None:
    """Render and store an issued document (``portal.issued``) off the request path. Idempotent: a second run
    keeps the first file. A file store that does not answer is tried again after 30 s, 1, 2, 4 and 8 minutes;
    after that the periodic sweep renders it. So is a document whose seal could not be applied (the signing token
    or the timestamp authority did not answer)."""
    try:
        issued.store(kind, pk)
    except (FileStoreUnavailable, SigningError, *storage_errors()) as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(ignore_result=True)
def sweep_issued() -> dict[str, int]:
    """Periodic (Celery beat): render the receipts and notices still missing a minute after issue."""
    return issued.sweep()
