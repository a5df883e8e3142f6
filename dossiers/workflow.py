"""The status machine: which action moves a dossier from which status to which, and who may take it.

This table is the only place transitions are defined; every entry point (back office, API, shell) goes through
the services in ``processing.py``, which check it under a row lock.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portal.accounts.constants import Role

from .constants import Status

S = Status


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[int]
    target: int | None  # None: back to the status the dossier came from (supplement), or unchanged
    roles: frozenset[str]


def _action(name, label, sources, target, roles):
    return Action(name, label, frozenset(sources), target, frozenset(roles))


DESK, SPECIALIST, LEADER, CASHIER = Role.DESK, Role.SPECIALIST, Role.LEADER, Role.CASHIER

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _action("accept", _("Accept"), {S.SUBMITTED}, S.ACCEPTED, {DESK}),
        _action("refuse", _("Refuse"), {S.SUBMITTED, S.SUPPLEMENT_REQUESTED}, S.REFUSED, {DESK}),
        _action(
            "request_supplement",
            _("Request a supplement"),
            {S.SUBMITTED, S.PROCESSING},
            S.SUPPLEMENT_REQUESTED,
            {DESK, SPECIALIST},
        ),
        _action("supplement", _("Supplement received"), {S.SUPPLEMENT_REQUESTED}, None, set()),  # the citizen
        _action("assign", _("Assign for processing"), {S.ACCEPTED}, S.PROCESSING, {DESK, LEADER}),
        _action("forward", _("Forward to the next step"), {S.PROCESSING}, S.PROCESSING, {SPECIALIST, LEADER}),
        _action("submit_for_approval", _("Submit for approval"), {S.PROCESSING}, S.PROCESSING, {SPECIALIST}),
        _action("request_payment", _("Request payment"), {S.PROCESSING}, S.PAYMENT_REQUESTED, {SPECIALIST, CASHIER}),
        _action("payment_received", _("Payment received"), {S.PAYMENT_REQUESTED}, S.PROCESSING, {CASHIER}),
        _action(
            "approve", _("Approve and attach the result"), {S.PROCESSING, S.PAYMENT_REQUESTED}, S.RESULT_READY, {LEADER}
        ),
        _action("recall", _("Recall for correction"), {S.RESULT_READY}, S.PROCESSING, {LEADER}),
        _action("return_result", _("Return the result"), {S.RESULT_READY}, S.RETURNED, {DESK}),
        _action("stop", _("Stop processing"), {S.PROCESSING, S.SUPPLEMENT_REQUESTED}, S.STOPPED, {LEADER}),
        _action(
            "withdraw",
            _("Record the citizen's withdrawal"),
            {S.SUBMITTED, S.ACCEPTED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED},
            S.WITHDRAWN,
            {DESK},
        ),
        _action(
            "apologise",
            _("Apologise and set a new date"),
            {S.ACCEPTED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED},
            None,
            {DESK, LEADER},
        ),
    ]
}

# Timeline entries that change no status (``processing.log_event``): postal delivery (BCCI) of the result, and a
# paper dossier received by post. Other apps write them; the citizen's timeline and the back office show the label.
TIMELINE_EVENTS: dict[str, str] = {
    "post_handed_over": _("Handed over to the post office"),
    "post_in_transit": _("In transit by post"),
    "post_delivered": _("Delivered by post"),
    "post_returned": _("Returned by the post office (not delivered)"),
    "post_received": _("Paper dossier received by post"),
}

# Every (from, to) edge the table allows; the rest are illegal.
EDGES: frozenset[tuple[int, int]] = frozenset(
    {(source, a.target) for a in ACTIONS.values() if a.target is not None for source in a.sources}
    | {(S.DRAFT, S.SUBMITTED)}
    | {(S.SUPPLEMENT_REQUESTED, back) for back in (S.SUBMITTED, S.PROCESSING)}
)


class InvalidTransition(Exception):
    """The action is not allowed from the dossier's status, or not for this official."""


class DossierChanged(Exception):
    """Someone else acted on the dossier since the official loaded it."""


def can_act(user, action: Action) -> bool:
    if user.is_superuser or user.role == Role.AGENCY_ADMIN:
        return True
    return user.role in action.roles


def available_actions(dossier, user) -> list[Action]:
    return [a for a in ACTIONS.values() if a.roles and dossier.status in a.sources and can_act(user, a)]
