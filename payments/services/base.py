"""What every part of the payment services shares: the domain error, the official's check and the lock order."""

from django.utils.translation import gettext as _

from dossiers.constants import TERMINAL_STATUSES, Status
from dossiers.models import Dossier
from portal import access
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.errors import DomainError

from ..models import PaymentRequest, Transaction

# Ended without a result: money paid now cannot be used (returned is the one terminal status with a result).
ENDED = TERMINAL_STATUSES - {Status.RETURNED}


class PaymentError(DomainError):
    """Not possible in the current state; the message says why, for the citizen or the official."""

    code = "payment_not_allowed"


def check_official(dossier: Dossier, by: User, roles: tuple[str, ...] = (), action: str = "") -> None:
    access.ensure_may_act(by, dossier, roles=roles, error=PaymentError, action=action)


def check_cashier(dossier: Dossier, by: User) -> None:
    """Money taken or given back at a desk: a cashier of the receiving centre (``access.MONEY_AT_THE_DESK``)."""
    check_official(dossier, by, roles=(Role.CASHIER,), action=access.MONEY_AT_THE_DESK)


def why_no_cashier(dossier: Dossier, by: User) -> str:
    """Why ``by`` cannot take or give back money for the dossier at a desk, or "" (pages offer the buttons)."""
    try:
        check_cashier(dossier, by)
    except PaymentError as error:
        return str(error)
    return ""


def ensure_not_with_the_postman(dossier: Dossier) -> None:
    """The result went out by post with the amount for the postman to collect: the money is taken on delivery and
    recorded from the shipment, never a second time here. Call with the dossier locked (``post_result`` creates the
    shipment under that lock, so the answer cannot change meanwhile)."""
    if with_the_postman(dossier):
        raise PaymentError(
            _(
                "The postman collects this amount when delivering the result; it is recorded from the shipment once "
                "collected and cannot be paid or exempted here."
            )
        )


def with_the_postman(dossier: Dossier) -> bool:
    """Whether the result is out by post with an amount for the postman to collect, not yet recorded. A letter the
    post office returned undelivered collected nothing: the citizen pays at the desk or online again."""
    from postal.constants import ShipmentStatus
    from postal.models import Shipment

    out = Shipment.objects.filter(dossier=dossier, cod_amount__gt=0, cod_collected_at__isnull=True)
    return out.exclude(status=ShipmentStatus.RETURNED).exists()


def lock_dossier(dossier_id: int) -> Dossier:
    """The first lock of every change to a dossier's money (see the order in ``payments.services``)."""
    return Dossier.objects.select_for_update(of=("self",)).select_related("agency", "procedure").get(pk=dossier_id)


def lock_request(request_id: int) -> tuple[Dossier, PaymentRequest]:
    """The request's dossier, then the request, locked in that order; ``request.dossier`` is the locked dossier."""
    dossier_id = PaymentRequest.objects.values_list("dossier_id", flat=True).get(pk=request_id)
    dossier = lock_dossier(dossier_id)
    request = PaymentRequest.objects.select_for_update().get(pk=request_id)
    request.dossier = dossier
    return dossier, request


def lock_transaction(transaction_id: int) -> tuple[Dossier, PaymentRequest, Transaction]:
    """The dossier, its request, then the transaction, locked in that order, related to each other."""
    request_id = Transaction.objects.values_list("request_id", flat=True).get(pk=transaction_id)
    dossier, request = lock_request(request_id)
    txn = Transaction.objects.select_for_update().get(pk=transaction_id)
    txn.request = request
    return dossier, request, txn
