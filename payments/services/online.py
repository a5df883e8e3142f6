"""Paying online: a transaction and the gateway URL, the gateway's signed notification (IPN), the citizen's
return, and what a confirmed payment does.

* Only the gateway's signed server-to-server notification (IPN) or its signed answer to a query settles an online
  payment; the return URL the citizen's browser brings back is shown, never believed.
* A transaction is settled under row locks, taken in the order of ``payments.services`` (dossier, request,
  transaction): a replayed or concurrent notification finds it settled and changes nothing ("already
  confirmed"); a counter payment, an exemption, a refusal or a withdrawal at the same moment waits its turn.
* The amount the gateway reports must be the amount of the transaction, or nothing changes.
* A success that arrives after we gave up on the transaction (expired, or a failure we inferred without the
  gateway) is still recorded. If the request was paid meanwhile, or the dossier can no longer use the money
  (refused, withdrawn), the payment is refunded, never dropped.
"""

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dossiers.constants import Status
from dossiers.models import Dossier
from portal.accounts.models import User
from portal.records import recorded

from .. import vnpay
from ..constants import Gateway, RequestStatus, TransactionStatus
from ..gateways import InvalidSignature, NotSupported, Outcome, expiry, gateway_for, online_gateway_name
from ..models import GatewayNotification, PaymentRequest, Transaction
from .base import ENDED, PaymentError, ensure_not_with_the_postman, lock_request, lock_transaction, with_the_postman
from .billing import _mark_paid
from .receipts import issue_receipt
from .refunds import _request_refund

logger = logging.getLogger(__name__)


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
    dossier, request = lock_request(request.pk)
    if request.dossier.applicant_id != by.pk:
        raise PaymentError(_("Only the applicant can pay for this dossier online."))
    ensure_not_with_the_postman(dossier)
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
    """Keep the message as received; a NUL character (which PostgreSQL cannot store in text) is kept as ``\\x00``."""
    params = {_storable(key): _storable(value) for key, value in params.items()}
    GatewayNotification.objects.create(
        source=source, txn_ref=str(params.get("vnp_TxnRef", ""))[:64], params=params, answer=answer
    )


def _storable(value):
    return value.replace("\x00", "\\x00") if isinstance(value, str) else value


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
    found = (
        Transaction.objects.filter(txn_ref=outcome.txn_ref).exclude(gateway=Gateway.COUNTER).values_list("pk").first()
    )
    if found is None:
        return vnpay.IPN_ORDER_NOT_FOUND
    dossier, request, txn = lock_transaction(found[0])
    if outcome.amount != txn.amount:
        return vnpay.IPN_INVALID_AMOUNT
    if txn.gateway_confirmed or txn.status == TransactionStatus.SUCCEEDED:
        return vnpay.IPN_ALREADY_CONFIRMED
    if outcome.success is None:
        return vnpay.IPN_UNKNOWN_ERROR  # not final: the gateway tries again later
    _settle(txn, outcome, dossier=dossier, request=request)
    return vnpay.IPN_CONFIRMED


def _settle(txn: Transaction, outcome: Outcome, *, dossier: Dossier, request: PaymentRequest) -> None:
    """Record the gateway's final answer on a transaction locked after its dossier and request."""
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
        _after_success(txn, dossier=dossier, request=request)


def _after_success(txn: Transaction, *, dossier: Dossier, request: PaymentRequest, by: User | None = None) -> None:
    """Money received: a receipt; the request paid; the dossier moves on; or a refund when it cannot be used.

    The caller holds the locks, in order: the dossier, the request, the transaction."""
    request.dossier, txn.request = dossier, request
    issue_receipt(txn)
    # An online payment confirmed once the result is out for the postman to collect (the bank answered late).
    collected_on_delivery = txn.gateway != Gateway.COUNTER and with_the_postman(dossier)
    if request.is_open and dossier.status not in ENDED and txn.amount >= request.amount and not collected_on_delivery:
        note = recorded(gettext_noop("Paid: %(ref)s"), ref=txn.txn_ref)
        _mark_paid(request, by=by, note=note)
        if txn.amount > request.amount:  # a line was exempted after this payment started
            _request_refund(
                txn,
                amount=txn.amount - request.amount,
                reason=recorded(
                    gettext_noop("A line item was exempted after the payment started: the difference is paid back.")
                ),
                by=by,
            )
        return
    # Paid twice, paid for a superseded request, or the dossier ended meanwhile: give the money back.
    if request.status == RequestStatus.PAID:
        reason = recorded(gettext_noop("Paid twice: the request was already paid."))
    elif collected_on_delivery:
        reason = recorded(
            gettext_noop(
                "The postman collects this amount when delivering the result: the online payment is paid back."
            )
        )
    elif dossier.status in ENDED:
        reason = recorded(gettext_noop("The dossier is “%(status)s”."), status=Status(dossier.status).label)
    elif request.is_open:
        reason = recorded(gettext_noop("Less than the amount asked for was paid."))
    else:
        reason = recorded(gettext_noop("The payment request had been replaced by another one."))
    _request_refund(txn, reason=reason, by=by)


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
