"""What every part of the payment services shares: the domain error and the official's check."""

from dossiers.constants import Status
from dossiers.models import Dossier
from portal import access
from portal.accounts.models import User
from portal.errors import DomainError

ENDED = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED})  # money paid now cannot be used


class PaymentError(DomainError):
    """Not possible in the current state; the message says why, for the citizen or the official."""

    code = "payment_not_allowed"


def check_official(dossier: Dossier, by: User, roles: tuple[str, ...] = ()) -> None:
    access.ensure_may_act(by, dossier, roles=roles, error=PaymentError)
