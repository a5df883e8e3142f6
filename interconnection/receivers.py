"""Every dossier change the portal shows goes to the outbox, in the transaction of the change."""

from dossiers.events import DossierChange, listen

from . import services


@listen()
def dossier_changed(change: DossierChange) -> None:
    services.record_change(change=change)
