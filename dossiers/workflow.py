"""The status machine: which action moves a dossier from which status to which, and who may take it.

This table is the only place transitions are defined; every entry point (back office, API, shell) goes through
the services in ``processing.py``, which check it under a row lock.
"""

from dataclasses import dataclass

from portal import access
from portal.accounts.constants import Role
from portal.errors import DomainError

from .constants import Status
from .events import TIMELINE_ONLY, DossierAction

S, A = Status, DossierAction


@dataclass(frozen=True)
class Action:
    name: DossierAction
    label: str
    sources: frozenset[int]
    target: int | None  # None: back to the status the dossier came from (supplement), or unchanged
    roles: frozenset[str]


def _action(name: DossierAction, sources, target, roles) -> Action:
    return Action(name, name.label, frozenset(sources), target, frozenset(roles))


DESK, SPECIALIST, LEADER, CASHIER = Role.DESK, Role.SPECIALIST, Role.LEADER, Role.CASHIER

ACTIONS: dict[DossierAction, Action] = {
    a.name: a
    for a in [
        _action(A.ACCEPT, {S.SUBMITTED}, S.ACCEPTED, {DESK}),
        _action(A.REFUSE, {S.SUBMITTED, S.SUPPLEMENT_REQUESTED}, S.REFUSED, {DESK}),
        _action(
            A.REQUEST_SUPPLEMENT,
            {S.SUBMITTED, S.PROCESSING},
            S.SUPPLEMENT_REQUESTED,
            {DESK, SPECIALIST},
        ),
        _action(A.SUPPLEMENT, {S.SUPPLEMENT_REQUESTED}, None, set()),  # the citizen
        _action(A.ASSIGN, {S.ACCEPTED}, S.PROCESSING, {DESK, LEADER}),
        _action(A.FORWARD, {S.PROCESSING}, S.PROCESSING, {SPECIALIST, LEADER}),
        _action(A.SUBMIT_FOR_APPROVAL, {S.PROCESSING}, S.PROCESSING, {SPECIALIST}),
        _action(A.REQUEST_PAYMENT, {S.PROCESSING}, S.PAYMENT_REQUESTED, {SPECIALIST, CASHIER}),
        _action(A.PAYMENT_RECEIVED, {S.PAYMENT_REQUESTED}, S.PROCESSING, {CASHIER}),
        _action(A.APPROVE, {S.PROCESSING, S.PAYMENT_REQUESTED}, S.RESULT_READY, {LEADER}),
        _action(A.RECALL, {S.RESULT_READY}, S.PROCESSING, {LEADER}),
        _action(A.RETURN_RESULT, {S.RESULT_READY}, S.RETURNED, {DESK}),
        _action(A.STOP, {S.PROCESSING, S.SUPPLEMENT_REQUESTED}, S.STOPPED, {LEADER}),
        _action(
            A.WITHDRAW,
            {S.SUBMITTED, S.ACCEPTED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED},
            S.WITHDRAWN,
            {DESK},
        ),
        _action(
            A.APOLOGISE,
            {S.ACCEPTED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED},
            None,
            {DESK, LEADER},
        ),
    ]
}

# Timeline entries that change no status (``processing.log_event``): postal delivery (BCCI) of the result, and a
# paper dossier received by post. Other apps write them; the citizen's timeline and the back office show the label.
TIMELINE_EVENTS: dict[str, str] = {action: action.label for action in TIMELINE_ONLY}

# Every (from, to) edge the table allows; the rest are illegal.
EDGES: frozenset[tuple[int, int]] = frozenset(
    {(source, a.target) for a in ACTIONS.values() if a.target is not None for source in a.sources}
    | {(S.DRAFT, S.SUBMITTED)}
    | {(S.SUPPLEMENT_REQUESTED, back) for back in (S.SUBMITTED, S.PROCESSING)}
)


class InvalidTransition(DomainError):
    """The action is not allowed from the dossier's status, or not for this official."""

    code = "invalid_transition"


class DossierChanged(DomainError):
    """Someone else acted on the dossier since the official loaded it."""

    code = "dossier_changed"


def can_act(user, action: Action) -> bool:
    """The user's role may take ``action`` (the agency's side of it is ``portal.access``)."""
    return access.has_role(user, action.roles)


def for_my_agency(dossier, user, action: Action) -> bool:
    """The action is the user's agency's to take (``access.acting_agency_id``: the receiving centre or the
    competent agency); superusers act for both."""
    return user.is_superuser or user.agency_id == access.acting_agency_id(dossier, action.name)


def available_actions(dossier, user) -> list[Action]:
    return [
        a
        for a in ACTIONS.values()
        if a.roles and dossier.status in a.sources and can_act(user, a) and for_my_agency(dossier, user, a)
    ]
