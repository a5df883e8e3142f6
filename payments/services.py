"""Every change to payments: requests, online and counter payments, the gateway's notifications, reconciliation,
receipts and refunds. One function each, in a transaction, on locked rows.

Money is never lost, doubled or faked:

* Only the gateway's signed server-to-server notification (IPN) or its signed answer to a query settles an online
  payment; the return URL the citizen's browser brings back is shown, never believed.
* A transaction is settled under a row lock: a replayed or concurrent notification finds it settled and changes
  nothing ("already confirmed").
* The amount the gateway reports must be the amount of the transaction, or nothing changes.
* A success that arrives after we gave up on the transaction (expired, or a failure we inferred without the
  gateway) is still recorded. If the request was paid meanwhile, or the dossier can no longer use the money
  (refused, withdrawn), the payment is refunded, never dropped.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import processing
from dossiers.constants import Status
from dossiers.events import DossierChange
from dossiers.models import Dossier, DossierEvent
from dossiers.workflow import InvalidTransition
from portal import access
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.errors import DomainError
from procedures.constants import Channel

from . import vnpay
from .constants import (
    Collection,
    CounterMethod,
    Gateway,
    LineKind,
    Purpose,
    RefundStatus,
    RequestStatus,
    TransactionStatus,
)
from .gateways import GatewayError, InvalidSignature, NotSupported, Outcome, expiry, gateway_for, online_gateway_name
from .models import (
    GatewayNotification,
    PaymentLine,
    PaymentRequest,
    ProcedurePaymentRule,
    Receipt,
    ReceiptCounter,
    Refund,
    Transaction,
)

logger = logging.getLogger(__name__)

ENDED = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED})  # money paid now cannot be used


class PaymentError(DomainError):
    """Not possible in the current state; the message says why, for the citizen or the official."""

    code = "payment_not_allowed"


# --- Line items ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineSpec:
    kind: str
    description: str
    amount: int


def fee_lines(dossier: Dossier) -> list[LineSpec]:
    """The procedure's fees and charges for filing online (the online option's fee table, else the first one),
    and the postal fee when the result goes by post. Free items are not charged."""
    options = list(dossier.procedure.options.prefetch_related("fees"))
    chosen = [o for o in options if o.channel == Channel.ONLINE] or options[:1]
    lines = []
    for fee in chosen[0].fees.all() if chosen else []:
        if fee.amount > 0:
            description = fee.description or (_("Fee") if fee.kind == LineKind.FEE else _("Charge"))
            lines.append(LineSpec(kind=fee.kind, description=description, amount=fee.amount))
    from postal.services import fee_for_dossier

    postal = fee_for_dossier(dossier)
    if postal:
        lines.append(
            LineSpec(kind=LineKind.POSTAL, description=_("Postal fee: result delivered by post (BCCI)"), amount=postal)
        )
    return lines


def collection_for(procedure) -> str:
    rule = ProcedurePaymentRule.objects.filter(procedure=procedure).first()
    return rule.collection if rule else Collection.AT_SUBMISSION


def _create_request(*, dossier: Dossier, event: DossierEvent | None, purpose: str, lines: list[LineSpec]):
    # A new request supersedes an open one (e.g. the agency asks for a different amount).
    PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN).update(status=RequestStatus.CANCELLED)
    request = PaymentRequest.objects.create(
        dossier=dossier,
        event=event,
        purpose=purpose,
        amount=sum(line.amount for line in lines),
        online=dossier.procedure.pays_online,
    )
    PaymentLine.objects.bulk_create(
        PaymentLine(request=request, position=n, kind=line.kind, description=line.description, amount=line.amount)
        for n, line in enumerate(lines)
    )
    return request


def bill_submission(change: DossierChange) -> None:
    """A submitted dossier: the fees are asked for now when the procedure collects them at submission."""
    dossier = change.dossier
    if collection_for(dossier.procedure) != Collection.AT_SUBMISSION:
        return
    lines = fee_lines(dossier)
    if sum(line.amount for line in lines) > 0:
        _create_request(dossier=dossier, event=change.event, purpose=Purpose.SUBMISSION, lines=lines)


def bill_requested(change: DossierChange) -> None:
    """The agency asked for a payment (4 → 6): one line for the amount it named."""
    dossier = change.dossier
    description = change.event.public_note.strip() or _("Fees and charges requested by %(agency)s") % {
        "agency": dossier.agency.name
    }
    _create_request(
        dossier=dossier,
        event=change.event,
        purpose=Purpose.REQUESTED,
        lines=[LineSpec(kind=LineKind.OTHER, description=description[:500], amount=change.amount or 0)],
    )


def cancel_and_refund(change: DossierChange) -> None:
    """The dossier was refused or withdrawn: nothing more is asked for, and what was paid goes back."""
    reason = _("Dossier %(code)s: %(action)s") % {
        "code": change.dossier.code,
        "action": change.event.get_to_status_display(),
    }
    PaymentRequest.objects.filter(dossier=change.dossier, status=RequestStatus.OPEN).update(
        status=RequestStatus.CANCELLED
    )
    for txn in Transaction.objects.filter(request__dossier=change.dossier, status=TransactionStatus.SUCCEEDED):
        _request_refund(txn, reason=reason, by=change.actor)


@transaction.atomic
def exempt_line(*, line: PaymentLine, by: User, reason: str) -> PaymentRequest:
    """An official exempts one line item, with the reason (e.g. a policy beneficiary); the total is recomputed."""
    if not reason.strip():
        raise PaymentError(_("Give the reason for the exemption."))
    request = PaymentRequest.objects.select_for_update().select_related("dossier").get(pk=line.request_id)
    _check_official(request.dossier, by)
    if not request.is_open:
        raise PaymentError(_("Only a payment that is still awaited can be changed."))
    if request.transactions.filter(status=TransactionStatus.PENDING).exists():
        raise PaymentError(_("The citizen is paying right now; try again when the payment has finished."))
    line = PaymentLine.objects.get(pk=line.pk)
    line.exempt, line.exemption_reason, line.exempted_by = True, reason.strip(), by
    line.save(update_fields=["exempt", "exemption_reason", "exempted_by"])
    request.amount = sum(item.due for item in request.lines.all())
    request.save(update_fields=["amount"])
    if request.amount == 0:
        _mark_paid(request, by=by, note=_("Exempted: %(reason)s") % {"reason": reason.strip()})
    return request


def _check_official(dossier: Dossier, by: User, roles: tuple[str, ...] = ()) -> None:
    access.ensure_may_act(by, dossier, roles=roles, error=PaymentError)


# --- Paying online ---------------------------------------------------------------------------------------------


def new_txn_ref() -> str:
    """Unique, at most 32 characters, letters and digits only (what every gateway accepts)."""
    return timezone.localtime().strftime("%y%m%d") + uuid.uuid4().hex[:20].upper()


def order_info(request: PaymentRequest) -> str:
    """Plain ASCII, as gateways display it: ``Thanh toan ho so <code>``."""
    return f"Thanh toan ho so {request.dossier.code}"


@transaction.atomic
def start_online_payment(
    *, request: PaymentRequest, by: User, return_url: str, client_ip: str, locale: str = "vi"
) -> tuple[Transaction, str]:
    """A new transaction for the whole amount, and the gateway URL to send the citizen's browser to."""
    name = online_gateway_name()
    request = PaymentRequest.objects.select_for_update().select_related("dossier").get(pk=request.pk)
    if request.dossier.applicant_id != by.pk:
        raise PaymentError(_("Only the applicant can pay for this dossier online."))
    if not request.is_open:
        raise PaymentError(_("This payment is no longer awaited."))
    if not request.online or name is None:
        raise PaymentError(_("This payment can only be made at the counter of the agency."))
    if request.amount <= 0:
        raise PaymentError(_("There is nothing to pay."))
    now = timezone.now()
    txn = Transaction.objects.create(
        request=request,
        gateway=name,
        txn_ref=new_txn_ref(),
        amount=request.amount,
        expires_at=expiry(now),
        client_ip=client_ip or None,
    )
    url = gateway_for(name).start(
        txn_ref=txn.txn_ref,
        amount=txn.amount,
        order_info=order_info(request),
        return_url=return_url,
        client_ip=client_ip,
        locale=locale,
        created_at=txn.created_at,
        expires_at=txn.expires_at,
    )
    return txn, url


def _log(source: str, params: dict, answer: str = "") -> None:
    GatewayNotification.objects.create(
        source=source, txn_ref=str(params.get("vnp_TxnRef", ""))[:64], params=dict(params), answer=answer
    )


def handle_notification(params: dict) -> dict[str, str]:
    """The gateway's IPN: verify, find, check the amount, confirm once. Returns VNPay's JSON answer."""
    try:
        with transaction.atomic():
            answer = _apply_notification(params)
    except Exception:
        logger.exception("IPN for %s could not be processed", params.get("vnp_TxnRef"))
        answer = vnpay.IPN_UNKNOWN_ERROR
    _log("ipn", params, answer)
    return vnpay.ipn_answer(answer)


def _apply_notification(params: dict) -> str:
    name = online_gateway_name() or Gateway.VNPAY
    try:
        outcome = gateway_for(name).parse_notification(params)
    except InvalidSignature:
        return vnpay.IPN_INVALID_SIGNATURE
    if params.get("vnp_TmnCode") != settings.VNPAY_TMN_CODE:
        return vnpay.IPN_ORDER_NOT_FOUND
    txn = Transaction.objects.select_for_update().filter(txn_ref=outcome.txn_ref).exclude(gateway=Gateway.COUNTER)
    txn = txn.first()
    if txn is None:
        return vnpay.IPN_ORDER_NOT_FOUND
    if outcome.amount != txn.amount:
        return vnpay.IPN_INVALID_AMOUNT
    if txn.gateway_confirmed or txn.status == TransactionStatus.SUCCEEDED:
        return vnpay.IPN_ALREADY_CONFIRMED
    if outcome.success is None:
        return vnpay.IPN_UNKNOWN_ERROR  # not final: the gateway tries again later
    _settle(txn, outcome)
    return vnpay.IPN_CONFIRMED


def _settle(txn: Transaction, outcome: Outcome) -> None:
    """Record the gateway's final answer on a locked transaction."""
    now = timezone.now()
    txn.gateway_confirmed = True
    txn.response_code, txn.transaction_status = outcome.response_code, outcome.transaction_status
    txn.gateway_transaction_no, txn.bank_code, txn.card_type = (
        outcome.transaction_no,
        outcome.bank_code,
        outcome.card_type,
    )
    txn.paid_at, txn.settled_at = outcome.paid_at, now
    txn.status = TransactionStatus.SUCCEEDED if outcome.success else TransactionStatus.FAILED
    txn.save()
    if outcome.success:
        _after_success(txn)


def _after_success(txn: Transaction, *, by: User | None = None) -> None:
    """Money received: a receipt; the request paid; the dossier moves on; or a refund when it cannot be used."""
    issue_receipt(txn)
    # Lock order everywhere: transaction, dossier, request (the dossier's own actions lock the dossier first).
    dossier = Dossier.objects.select_for_update(of=("self",)).get(pk=txn.request.dossier_id)
    request = PaymentRequest.objects.select_for_update().get(pk=txn.request_id)
    request.dossier = dossier
    if request.is_open and dossier.status not in ENDED:
        note = _("Paid: %(ref)s") % {"ref": txn.txn_ref}
        _mark_paid(request, by=by, note=note)
        return
    # Paid twice, paid for a superseded request, or the dossier ended meanwhile: give the money back.
    if request.status == RequestStatus.PAID:
        reason = _("Paid twice: the request was already paid.")
    elif dossier.status in ENDED:
        reason = _("The dossier is “%(status)s”.") % {"status": dossier.get_status_display()}
    else:
        reason = _("The payment request had been replaced by another one.")
    _request_refund(txn, reason=reason, by=by)


def _mark_paid(request: PaymentRequest, *, by: User | None, note: str) -> None:
    request.status, request.paid_at = RequestStatus.PAID, timezone.now()
    request.save(update_fields=["status", "paid_at"])
    dossier = request.dossier
    if request.purpose == Purpose.REQUESTED and dossier.status == Status.PAYMENT_REQUESTED:
        try:
            with transaction.atomic():
                processing.payment_received(dossier=dossier, by=by if by and by.is_official else None, note=note)
        except InvalidTransition:
            logger.warning("Dossier %s was paid but could not move on from payment requested", dossier.code)


def read_return(params: dict) -> tuple[Transaction | None, Outcome | None]:
    """The citizen's browser came back from the gateway: what it claims, for display only. Changes nothing."""
    name = online_gateway_name() or Gateway.VNPAY
    try:
        outcome = gateway_for(name).parse_return(params)
    except (InvalidSignature, NotSupported):
        _log("return", params, "97")
        return None, None
    _log("return", params)
    txn = Transaction.objects.select_related("request__dossier").filter(txn_ref=outcome.txn_ref).first()
    return txn, outcome


# --- At the counter ----------------------------------------------------------------------------------------


@transaction.atomic
def record_counter_payment(
    *, request: PaymentRequest, by: User, method: str = CounterMethod.CASH, reference: str = ""
) -> Transaction:
    """The cashier took the whole amount in cash or by card: the payment, its receipt, the dossier moves on."""
    request = PaymentRequest.objects.select_for_update().select_related("dossier").get(pk=request.pk)
    _check_official(request.dossier, by, roles=(Role.CASHIER,))
    if not request.is_open:
        raise PaymentError(_("This payment is no longer awaited."))
    if request.transactions.filter(status=TransactionStatus.PENDING).exists():
        raise PaymentError(
            _("The citizen has started paying online; wait for that payment to finish or expire before taking cash.")
        )
    if method not in CounterMethod.values:
        raise PaymentError(_("Choose cash or card."))
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
    _after_success(txn, by=by)
    return txn


# --- Reconciliation -----------------------------------------------------------------------------------------


def reconcile(*, now: datetime | None = None, batch: int = 200) -> dict[str, int]:
    """Periodic: ask the gateway about online transactions without a final answer; settle late successes; expire
    the abandoned ones. Expired transactions are still asked about for ``PAYMENT_RECONCILE_HOURS``."""
    now = now or timezone.now()
    older = now - timedelta(minutes=settings.PAYMENT_QUERY_AFTER_MINUTES)
    window = now - timedelta(hours=settings.PAYMENT_RECONCILE_HOURS)
    candidates = list(
        Transaction.objects.filter(
            Q(status=TransactionStatus.PENDING) | Q(status=TransactionStatus.EXPIRED, created_at__gte=window),
            gateway_confirmed=False,
            created_at__lt=older,
        )
        .exclude(gateway=Gateway.COUNTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    counts = {"settled": 0, "expired": 0, "pending": 0, "errors": 0}
    for pk in candidates:
        try:
            counts[reconcile_one(transaction_id=pk, now=now)] += 1
        except GatewayError as exc:
            logger.warning("Reconciliation of transaction %s: %s", pk, exc)
            counts["errors"] += 1
    return counts


def reconcile_one(*, transaction_id: int, now: datetime | None = None) -> str:
    now = now or timezone.now()
    txn = Transaction.objects.select_related("request__dossier").get(pk=transaction_id)
    gateway = gateway_for(txn.gateway)
    outcome = gateway.query(
        txn_ref=txn.txn_ref,
        created_at=txn.created_at,
        order_info=order_info(txn.request),
        client_ip=settings.VNPAY_SERVER_IP,
    )  # outside the lock: a slow gateway must not hold the row
    with transaction.atomic():
        txn = Transaction.objects.select_for_update().get(pk=transaction_id)
        txn.last_queried_at = now
        txn.save(update_fields=["last_queried_at"])
        _log("query", outcome.raw or {"vnp_TxnRef": txn.txn_ref})
        if txn.gateway_confirmed or txn.status == TransactionStatus.SUCCEEDED:
            return "settled"  # the IPN came meanwhile
        if outcome.success is not None and outcome.found:
            if outcome.amount != txn.amount:
                logger.error("Gateway reports %s đ for %s (%s đ expected)", outcome.amount, txn.txn_ref, txn.amount)
                return "pending"
            _settle(txn, outcome)
            return "settled"
        if txn.status == TransactionStatus.PENDING and txn.expires_at and now > txn.expires_at:
            txn.status, txn.settled_at = TransactionStatus.EXPIRED, now
            txn.save(update_fields=["status", "settled_at"])
            return "expired"
    return "pending"


# --- Receipts -------------------------------------------------------------------------------------------------


def next_receipt_number(*, agency, year: int) -> str:
    table = connection.ops.quote_name(ReceiptCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (agency_id, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [agency.pk, year],
        )
        (number,) = cursor.fetchone()
    return f"BL{year % 100:02d}-{agency.code}-{number:06d}"


def issue_receipt(txn: Transaction) -> Receipt:
    """One receipt per successful payment, numbered per agency and year; the PDF is rendered after commit."""
    existing = Receipt.objects.filter(transaction=txn).first()
    if existing:
        return existing
    agency = txn.request.dossier.agency
    receipt = Receipt.objects.create(
        transaction=txn, agency=agency, number=next_receipt_number(agency=agency, year=timezone.localdate().year)
    )
    from . import tasks

    transaction.on_commit(lambda: tasks.render_receipt.delay(receipt.pk))
    return receipt


# --- Refunds --------------------------------------------------------------------------------------------------


def _request_refund(txn: Transaction, *, reason: str, by: User | None) -> Refund | None:
    if Refund.objects.filter(transaction=txn).exclude(status=RefundStatus.FAILED).exists():
        return None
    refund = Refund.objects.create(
        transaction=txn,
        amount=txn.amount,
        reason=reason,
        request_id=uuid.uuid4().hex,
        requested_by=by if by and by.is_authenticated else None,
    )
    from . import tasks

    transaction.on_commit(lambda: tasks.send_refund.delay(refund.pk))
    return refund


@transaction.atomic
def refund_payment(*, txn: Transaction, by: User, reason: str) -> Refund:
    """An official refunds a payment by hand (e.g. charged by mistake)."""
    txn = Transaction.objects.select_for_update().select_related("request__dossier").get(pk=txn.pk)
    _check_official(txn.request.dossier, by, roles=(Role.CASHIER,))
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
    _check_official(refund.transaction.request.dossier, by, roles=(Role.CASHIER,))
    if refund.status != RefundStatus.AT_COUNTER:
        raise PaymentError(_("This refund is not waiting at the counter."))
    refund.status = RefundStatus.DONE
    refund.message = _("Paid back at the counter by %(name)s") % {"name": by.full_name or by.username}
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
