import uuid

from celery import shared_task
from django.conf import settings

from . import catalogue, services


# A push never outlives NATIONAL_PORTAL_STUCK_AFTER in a live worker; past that the sweep takes the row back.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,
    soft_time_limit=max(settings.NATIONAL_PORTAL_STUCK_AFTER - 10, 1),
    time_limit=max(settings.NATIONAL_PORTAL_STUCK_AFTER - 5, 2),
)
def push_dossier(self, dossier_id: int) -> str:
    """Send one dossier's changes to the national portal. Idempotent: the claim lets one task send."""
    outcome = services.push(dossier_id=dossier_id, claim=self.request.id or f"local-{uuid.uuid4()}")
    if outcome.retry_in is not None:
        # Attempts are bounded by the row (NATIONAL_PORTAL_MAX_ATTEMPTS), not by Celery.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(ignore_result=True)
def sweep() -> dict[str, int]:
    """Periodic (Celery beat, every 20 s): publish pending rows, take back rows stuck in sending."""
    return services.sweep()


@shared_task(ignore_result=True)
def pull_catalogue() -> dict:
    """Periodic (Celery beat, nightly): the national catalogue through the importer; nothing when not configured."""
    if not services.enabled():
        return {}
    report = catalogue.pull()
    return report.summary()
