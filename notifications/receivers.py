"""The citizen hears of what happens to their dossier (``dossiers.events``): the outbox rows are written inside
the transaction of the change, so a rolled-back change leaves none."""

from dossiers.events import DossierChange, listen

from . import services
from .constants import ACTION_EVENTS


@listen(*ACTION_EVENTS)
def write_outbox(change: DossierChange) -> None:
    services.create_messages_for_event(event=change.event)
