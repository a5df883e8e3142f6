import time
import uuid

from celery import shared_task
from django.conf import settings

from . import services

# How long a send task may go on sending the backlog after its own messages (``services.deliver_all``). With any one
# send bounded by its timeout (notifications.E003: at most NOTIFICATIONS_STUCK_AFTER - 10 s), a task still ends
# before its soft limit (NOTIFICATIONS_STUCK_AFTER - 5 s).
CATCH_UP_SECONDS = 2.0


# A send never outlives NOTIFICATIONS_STUCK_AFTER in a live worker (the soft limit ends it as a temporary error,
# retried; the hard limit replaces the process): past that, the sweep may send the message again without a second
# live sender racing it.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,
    soft_time_limit=max(settings.NOTIFICATIONS_STUCK_AFTER - 5, 1),
    time_limit=max(settings.NOTIFICATIONS_STUCK_AFTER - 2, 2),
)
def send_message(self, message_id: int, *more: int) -> str:
    """Send outbox messages: a status change's (its email and its SMS), or a group the sweep found. Idempotent:
    the claim (queued → sending) lets one task send each; a retry or a redelivery after the worker died keeps the
    task id, so it can take its own claims back. Each message is sent whatever became of the others; one that
    failed for a while retries the task, which skips those already sent."""
    # In a worker, not in a request's own process (eager): the messages queued and due behind these go out with
    # them, a few per statement, and their own tasks find them sent.
    until = None if self.request.is_eager else time.monotonic() + CATCH_UP_SECONDS
    claim = self.request.id or f"local-{uuid.uuid4()}"
    outcomes = services.deliver_all([message_id, *more], claim=claim, until=until)
    retry_in = [outcome.retry_in for outcome in outcomes if outcome.retry_in is not None]
    if retry_in:
        # The number of attempts is bounded by the row (NOTIFICATIONS_MAX_ATTEMPTS), not by Celery. Run in-process
        # (no broker), the row stays queued for the outbox sweep (``portal.celery.TransactionAwareTask.retry``).
        raise self.retry(countdown=min(retry_in))
    return ", ".join(outcome.status for outcome in outcomes)


@shared_task(ignore_result=True)
def sweep_outbox() -> dict[str, int]:
    """Periodic (Celery beat, every minute): enqueue messages left queued, time out those stuck sending."""
    return services.sweep_outbox()
