"""Refunds: asked for automatically (paid twice, the dossier ended) or by an official, sent through the gateway,
or paid back at the counter."""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.records import recorded

from ..constants import Gateway, RefundStatus, TransactionStatus
from ..gateways import GatewayError, gateway_for
from ..models import Refund, Transaction
from .base import PaymentError, check_cashier, check_official, lock_transaction

logger = logging.getLogger(__name__)


def refundable(txn: Transaction) -> int:
    """What of a payment is neither paid back nor being paid back (a failed refund gives nothing back)."""
    asked = Refund.objects.filter(transaction=txn).exclude(status=RefundStatus.FAILED).aggregate(total=Sum("amount"))
    return max(txn.amount - (asked["total"] or 0), 0)


def _request_refund(txn: Transaction, *, reason: str, by: User | None, amount: int | None = None) -> Refund | None:
    """Pay back ``amount`` of a successful payment (by default all that is not paid back yet, ``refundable``), never
    more than it; sent after commit. A payment can be paid back in parts: the difference of a line exempted while it
    was under way, then the rest when the dossier ends. The caller holds the payment's row lock."""
    amount = refundable(txn) if amount is None else min(amount, refundable(txn))
    if amount <= 0:
        return None
    refund = Refund.objects.create(
        transaction=txn,
        amount=amount,
        reason=reason,
        request_id=uuid.uuid4().hex,
        requested_by=by if by and by.is_authenticated else None,
    )
    from .. import tasks

    transaction.on_commit(lambda: tasks.send_refund.delay(refund.pk))
    return refund


def check_refunder(txn: Transaction, by: User) -> None:
    """Who refunds a payment by hand: for cash or card taken at a desk, a cashier of that desk's agency (the receiving
    centre); for a payment online, into the competent agency's account, its cashier, who asks the gateway."""
    if txn.gateway == Gateway.COUNTER:
        check_cashier(txn.request.dossier, by)
    else:
        check_official(txn.request.dossier, by, roles=(Role.CASHIER,))


def why_not_refund(txn: Transaction, by: User) -> str:
    """Why ``by`` cannot refund the payment by hand, or "" (pages offer the link to those who can)."""
    if txn.status != TransactionStatus.SUCCEEDED:
        return _("Only a successful payment can be refunded.")
    try:
        check_refunder(txn, by)
    except PaymentError as error:
        return str(error)
    return ""


@transaction.atomic
def refund_payment(*, txn: Transaction, by: User, reason: str) -> Refund:
    """An official refunds a payment by hand (e.g. charged by mistake)."""
    _dossier, _request, txn = lock_transaction(txn.pk)
    check_refunder(txn, by)
    if txn.status != TransactionStatus.SUCCEEDED:
        raise PaymentError(_("Only a successful payment can be refunded."))
    if not reason.strip():
        raise PaymentError(_("Give the reason for the refund."))
    refund = _request_refund(txn, reason=reason.strip(), by=by)
    if refund is None:
        raise PaymentError(_("This payment has already been refunded or is being refunded."))
    return refund


def send_refund(*, refund_id: int) -> str:
    """Send one requested refund through the payment's gateway. Idempotent: only a requested refund is sent."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("transaction__request__dossier").get(pk=refund_id)
        if refund.status != RefundStatus.REQUESTED:
            return refund.status
        txn = refund.transaction
        gateway = gateway_for(txn.gateway)
        by = refund.requested_by.username if refund.requested_by_id else "system"
        try:
            outcome = gateway.refund(
                request_id=refund.request_id,
                txn_ref=txn.txn_ref,
                amount=refund.amount,
                full=refund.amount == txn.amount,
                transaction_no=txn.gateway_transaction_no,
                transaction_date=txn.created_at,
                created_by=by,
                order_info=f"Hoan tien ho so {txn.request.dossier.code}",
                client_ip=settings.VNPAY_SERVER_IP,
            )
        except GatewayError as exc:
            refund.message = str(exc)[:1000]
            refund.save(update_fields=["message", "updated_at"])
            raise
        if outcome.at_counter:
            refund.status = RefundStatus.AT_COUNTER
        elif outcome.accepted:
            refund.status = RefundStatus.DONE
        else:
            refund.status = RefundStatus.FAILED
        refund.response_code, refund.message = outcome.response_code, outcome.message[:1000]
        refund.save(update_fields=["status", "response_code", "message", "updated_at"])
        return refund.status


@transaction.atomic
def refund_paid_at_counter(*, refund: Refund, by: User) -> Refund:
    refund = Refund.objects.select_for_update().select_related("transaction__request__dossier").get(pk=refund.pk)
    check_cashier(refund.transaction.request.dossier, by)
    if refund.status != RefundStatus.AT_COUNTER:
        raise PaymentError(_("This refund is not waiting at the counter."))
    refund.status = RefundStatus.DONE
    refund.message = recorded(gettext_noop("Paid back at the counter by %(name)s"), name=by.full_name or by.username)
    refund.save(update_fields=["status", "message", "updated_at"])
    return refund


def resend_requested_refunds(*, older_than_minutes: int = 10) -> int:
    """Refunds still requested (the gateway was unreachable, or the broker down at commit) are sent again."""
    before = timezone.now() - timedelta(minutes=older_than_minutes)
    sent = 0
    for pk in Refund.objects.filter(status=RefundStatus.REQUESTED, requested_at__lt=before).values_list(
        "pk", flat=True
    ):
        try:
            send_refund(refund_id=pk)
            sent += 1
        except GatewayError as exc:
            logger.warning("Refund %s: %s", pk, exc)
    return sent
