"""Paying at the counter: the cashier records cash or card."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import User

from ..constants import AT_THE_COUNTER, CounterMethod, Gateway, TransactionStatus
from ..models import PaymentRequest, Transaction
from .base import PaymentError, check_cashier, ensure_not_with_the_postman, lock_request
from .online import _after_success, new_txn_ref

CARD_SLIP_MISSING = gettext_lazy("Enter the number on the POS slip of the card payment.")


def card_slip_missing(method: str, reference: str) -> bool:
    """A card payment is matched with the bank's statement by its POS slip number: it is recorded with one."""
    return method == CounterMethod.CARD and not (reference or "").strip()


@transaction.atomic
def record_counter_payment(
    *, request: PaymentRequest, by: User, method: str = CounterMethod.CASH, reference: str = ""
) -> Transaction:
    """The cashier took the whole amount in cash or by card: the payment, its receipt, the dossier moves on."""
    dossier, request = lock_request(request.pk)  # the dossier first, then the request
    check_cashier(dossier, by)
    if method not in AT_THE_COUNTER:
        raise PaymentError(_("Choose cash or card."))
    if card_slip_missing(method, reference):
        raise PaymentError(CARD_SLIP_MISSING)
    ensure_not_with_the_postman(dossier)
    return _take_payment(request, by=by, method=method, reference=reference)


def _take_payment(request: PaymentRequest, *, by: User, method: str, reference: str) -> Transaction:
    """The whole amount of an open request taken by hand (at the counter, or by the postman), on the locked dossier
    and request: a succeeded payment, its receipt, the request paid."""
    if not request.is_open:
        raise PaymentError(_("This payment is no longer awaited."))
    if request.transactions.filter(status=TransactionStatus.PENDING).exists():
        raise PaymentError(
            _("The citizen has started paying online; wait for that payment to finish or expire before taking cash.")
        )
    now = timezone.now()
    txn = Transaction.objects.create(
        request=request,
        gateway=Gateway.COUNTER,
        txn_ref=new_txn_ref(),
        amount=request.amount,
        status=TransactionStatus.SUCCEEDED,
        gateway_confirmed=True,
        settled_at=now,
        paid_at=now,
        counter_method=method,
        counter_reference=reference.strip()[:64],
        recorded_by=by,
    )
    _after_success(txn, dossier=request.dossier, request=request, by=by)
    return txn
