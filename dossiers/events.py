"""The dossier event contract: what other apps hear when something happens to a dossier.

Every change to a submitted dossier writes one timeline row (``DossierEvent``, append-only, the audit log) and,
in the same transaction, sends ``dossier_event`` with a typed ``DossierChange``. Listeners (payments,
notifications, postal delivery, statistics, later national-portal sync) subscribe to the actions they care about
with ``@listen(DossierAction.ACCEPT, ...)``; an action that does not exist fails at import, not silently.

Listeners run inside the transaction of the change: what they write (a payment request, outbox rows) is
committed with it or not at all. Side effects outside the database (sending, rendering) are tasks they enqueue,
which run after commit (``portal.tasks.TransactionAwareTask``).

    @listen(DossierAction.REQUEST_PAYMENT)
    def on_payment_requested(change: DossierChange) -> None:
        create_request(dossier=change.dossier, amount=change.amount, ...)

Dossiers never import their listeners; listeners import this module.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from portal.accounts.models import User

    from .models import Dossier, DossierEvent


class DossierAction(models.TextChoices):
    """Everything that can happen to a submitted dossier: ``DossierEvent.action``, ``workflow.ACTIONS`` and every
    listener use these values."""

    SUBMIT = "submit", _("Submitted online")
    ACCEPT = "accept", _("Accept")
    REFUSE = "refuse", _("Refuse")
    REQUEST_SUPPLEMENT = "request_supplement", _("Request a supplement")
    SUPPLEMENT = "supplement", _("Supplement received")
    ASSIGN = "assign", _("Assign for processing")
    FORWARD = "forward", _("Forward to the next step")
    SUBMIT_FOR_APPROVAL = "submit_for_approval", _("Submit for approval")
    REQUEST_PAYMENT = "request_payment", _("Request payment")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    APPROVE = "approve", _("Approve and attach the result")
    RECALL = "recall", _("Recall for correction")
    RETURN_RESULT = "return_result", _("Return the result")
    STOP = "stop", _("Stop processing")
    WITHDRAW = "withdraw", _("Record the citizen's withdrawal")
    APOLOGISE = "apologise", _("Apologise and set a new date")
    # Timeline entries without a status change (``processing.log_event``).
    POST_HANDED_OVER = "post_handed_over", _("Handed over to the post office")
    POST_IN_TRANSIT = "post_in_transit", _("In transit by post")
    POST_DELIVERED = "post_delivered", _("Delivered by post")
    POST_RETURNED = "post_returned", _("Returned by the post office (not delivered)")
    POST_RECEIVED = "post_received", _("Paper dossier received by post")
    ROUTE = "route", _("Sent to the competent agency")
    PREREQUISITE_DONE = "prerequisite_done", _("The part it needs is done")


TIMELINE_ONLY = frozenset(
    {
        DossierAction.POST_HANDED_OVER,
        DossierAction.POST_IN_TRANSIT,
        DossierAction.POST_DELIVERED,
        DossierAction.POST_RETURNED,
        DossierAction.POST_RECEIVED,
        DossierAction.ROUTE,
        DossierAction.PREREQUISITE_DONE,
    }
)


@dataclass(frozen=True)
class DossierChange:
    """What happened, as listeners read it. ``dossier`` is the locked, already saved row."""

    dossier: "Dossier"
    event: "DossierEvent"
    action: DossierAction
    actor: "User | None"
    from_status: int | None
    to_status: int
    # Data that belongs to particular actions (nothing rides in notes or on the dossier for others to find):
    amount: int | None = None  # request_payment: the amount asked for, in đồng
    tracking_number: str = ""  # return_result by post: the shipment's tracking number
    reason: str = ""  # refuse, stop, withdraw, request_supplement, apologise: what the citizen is told
    extra: dict = field(default_factory=dict)


# Sent inside the transaction of the change, once per timeline row; kwarg ``change``: a DossierChange.
dossier_event = Signal()

Listener = Callable[[DossierChange], None]


def listen(*actions: DossierAction | str, dispatch_uid: str | None = None) -> Callable[[Listener], Listener]:
    """Subscribe ``fn(change)`` to the given actions (all actions when none are given)."""
    wanted = frozenset(DossierAction(action) for action in actions)  # ValueError for a misspelt action

    def decorator(fn: Listener) -> Listener:
        def receiver(sender, change: DossierChange, **kwargs) -> None:
            if not wanted or change.action in wanted:
                fn(change)

        receiver.actions = wanted  # for tests and introspection
        uid = dispatch_uid or f"{fn.__module__}.{fn.__qualname__}"
        dossier_event.connect(receiver, weak=False, dispatch_uid=uid)
        fn.receiver = receiver
        return fn

    return decorator


def publish(change: DossierChange) -> None:
    """Tell every listener, in the caller's transaction. A listener's error undoes the change."""
    from .models import Dossier

    dossier_event.send(sender=Dossier, change=change)
