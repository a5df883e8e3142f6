from celery import shared_task

from . import services
from .gateways import GatewayError


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True, ignore_result=True)
def render_receipt(self, receipt_id: int) -> None:
    """Render a receipt's PDF off the request path. Idempotent: a second run keeps the first PDF."""
    from . import receipts

    try:
        receipts.render_and_store(receipt_id)
    except OSError as exc:  # storage unreachable for a moment
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=8, default_retry_delay=60, acks_late=True, ignore_result=True)
def send_refund(self, refund_id: int) -> str:
    """Send a refund through its gateway; a gateway that cannot be reached is tried again with backoff."""
    try:
        return services.send_refund(refund_id=refund_id)
    except GatewayError as exc:
        if self.request.is_eager:
            return "requested"  # stays requested: the periodic reconciliation sends it again
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(ignore_result=True)
def reconcile_payments() -> dict[str, int]:
    """Periodic: query pending online payments, settle late successes, expire abandoned ones, resend refunds."""
    counts = services.reconcile()
    counts["refunds"] = services.resend_requested_refunds()
    return counts
