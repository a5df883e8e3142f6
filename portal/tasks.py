from celery import shared_task

from .storage_sweep import sweep_storage


@shared_task(ignore_result=True)
def sweep_orphan_files() -> int:
    """Periodic (Celery beat, nightly): remove stored files that no row refers to, older than a day."""
    return len(sweep_storage().removed)
