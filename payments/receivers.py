from . import services


def on_dossier_event(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save of dossiers.DossierEvent, inside the transaction of the change: requests and refunds are written
    with the status change or not at all."""
    if created and not raw:
        services.on_dossier_event(instance)
