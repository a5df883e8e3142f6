from celery import shared_task

from . import services
from .gateways import GatewayError


@shared_task(bind=True, max_retries=8, default_retry_delay=60, acks_late=True, ignore_result=True)
def send_refund(self, refund_id: int) -> str:
    """Send a refund through its gateway; a gateway that cannot be reached is tried again with backoff."""
    try:
        return services.send_refund(refund_id=refund_id)
    except GatewayError as exc:
        # Run in-process (no broker), the refund stays requested and the periodic reconciliation sends it again.
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(ignore_result=True)
def reconcile_payments() -> dict[str, int]:
    """Periodic: query pending online payments, settle late successes, expire abandoned ones, resend refunds."""
    counts = services.reconcile()
    counts["refunds"] = services.resend_requested_refunds()
    return counts
