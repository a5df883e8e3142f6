from . import services


def write_outbox(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save of dossiers.DossierEvent: runs inside the transaction of the status change."""
    if created and not raw:
        services.create_messages_for_event(event=instance)
