from celery import shared_task


@shared_task
def expire_supplements() -> int:
    """Periodic: refuse or stop dossiers whose supplement deadline has passed."""
    from . import processing

    return processing.expire_supplements()
