from celery import shared_task

from . import receipts


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def issue_receipt(self, dossier_id: int) -> None:
    """Render the submission receipt off the request path. Idempotent: a second run keeps the first PDF."""
    try:
        receipts.issue_receipt(dossier_id)
    except OSError as exc:  # storage unreachable for a moment
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def render_notice(self, notice_id: int) -> None:
    """Render an issued notice's PDF off the request path. Idempotent."""
    from . import notices

    try:
        notices.render_and_store(notice_id)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def expire_supplements() -> int:
    """Periodic: refuse or stop dossiers whose supplement deadline has passed."""
    from . import processing

    return processing.expire_supplements()
