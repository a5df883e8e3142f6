"""Writing the timeline: the one function that appends a ``DossierEvent`` and tells the listeners.

Every status change and every timeline-only entry comes through ``write_event`` (from ``services`` for the
submission, ``processing`` for everything after), inside the transaction of the change and on a locked dossier.
"""

from .events import DossierAction, DossierChange, publish
from .models import Dossier, DossierEvent


def write_event(
    dossier: Dossier,
    *,
    action: DossierAction | str,
    from_status: int | None,
    by,
    note: str = "",
    public_note: str = "",
    amount: int | None = None,
    tracking_number: str = "",
    reason: str = "",
    extra: dict | None = None,
) -> DossierEvent:
    action = DossierAction(action)  # ValueError for an action the contract does not know
    data = {key: value for key, value in (("amount", amount), ("tracking_number", tracking_number)) if value}
    data.update(extra or {})
    event = DossierEvent.objects.create(
        data=data,
        dossier=dossier,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        actor=by,
        note=note,
        public_note=public_note,
    )
    publish(
        DossierChange(
            dossier=dossier,
            event=event,
            action=action,
            actor=by,
            from_status=from_status,
            to_status=dossier.status,
            amount=amount,
            tracking_number=tracking_number,
            reason=reason or public_note,
            extra=extra or {},
        )
    )
    return event
