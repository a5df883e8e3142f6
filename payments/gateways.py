"""Gateway adapters: one interface (start, return, notification, query, refund), three implementations.

* ``VNPayGateway`` speaks VNPay 2.1.0 to the URLs it is given: VNPay's own, or the sandbox built into the portal
  (``sandbox_gateway()``), so the sandbox exercises exactly the production code path.
* ``CounterGateway`` is the cashier at the office: nothing to redirect to, the cashier records the payment.
"""

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.errors import ServiceUnavailable

from . import vnpay
from .constants import Gateway

logger = logging.getLogger(__name__)


class GatewayError(ServiceUnavailable):
    """The gateway could not be reached or gave an answer we cannot use (temporary: try again later)."""

    code = "gateway_unavailable"


class InvalidSignature(Exception):
    pass


class NotSupported(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    """What the gateway says about one transaction. ``success`` None: not final yet (or unknown to it)."""

    txn_ref: str
    success: bool | None
    amount: int | None = None
    response_code: str = ""
    transaction_status: str = ""
    transaction_no: str = ""
    bank_code: str = ""
    card_type: str = ""
    paid_at: datetime | None = None
    found: bool = True
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundOutcome:
    accepted: bool
    response_code: str = ""
    message: str = ""
    at_counter: bool = False


def _outcome_from_params(params: dict) -> Outcome:
    status = params.get("vnp_TransactionStatus", "")
    if vnpay.is_success(params):
        success = True
    elif status in ("", vnpay.STATUS_PENDING):
        success = None
    else:
        success = False
    return Outcome(
        txn_ref=params.get("vnp_TxnRef", ""),
        success=success,
        amount=vnpay.from_vnp_amount(params.get("vnp_Amount", "")),
        response_code=params.get("vnp_ResponseCode", ""),
        transaction_status=status,
        transaction_no=str(params.get("vnp_TransactionNo", "")),
        bank_code=params.get("vnp_BankCode", ""),
        card_type=params.get("vnp_CardType", ""),
        paid_at=vnpay.parse_date(params.get("vnp_PayDate", "")),
        raw=dict(params),
    )


class VNPayGateway:
    name = Gateway.VNPAY
    online = True

    def __init__(self, *, tmn_code: str, hash_secret: str, payment_url: str, api_url: str, timeout: float = 10.0):
        self.tmn_code, self.secret = tmn_code, hash_secret
        self.payment_url, self.api_url, self.timeout = payment_url, api_url, timeout

    # --- The customer's redirect -------------------------------------------------------------------------

    def start(
        self,
        *,
        txn_ref: str,
        amount: int,
        order_info: str,
        return_url: str,
        client_ip: str,
        locale: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> str:
        params = {
            "vnp_Version": vnpay.VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": vnpay.to_vnp_amount(amount),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": txn_ref,
            "vnp_OrderInfo": order_info,
            "vnp_OrderType": settings.VNPAY_ORDER_TYPE,
            "vnp_Locale": "vn" if locale.startswith("vi") else "en",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": vnpay.format_date(created_at),
            "vnp_ExpireDate": vnpay.format_date(expires_at),
        }
        return vnpay.payment_url(self.payment_url, params, self.secret)

    def parse_return(self, params: dict) -> Outcome:
        """Verified, but display only: the return URL never changes anything."""
        if not vnpay.verify_params(params, self.secret):
            raise InvalidSignature
        return _outcome_from_params(params)

    def parse_notification(self, params: dict) -> Outcome:
        if not vnpay.verify_params(params, self.secret):
            raise InvalidSignature
        return _outcome_from_params(params)

    # --- Server to server ------------------------------------------------------------------------------

    def _post(self, payload: dict) -> dict:
        request = urllib.request.Request(  # noqa: S310 - the configured gateway URL (http(s) only, checked)
            self.api_url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        if not self.api_url.startswith(("https://", "http://")):
            raise GatewayError("the gateway API URL must be http(s)")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise GatewayError(f"{type(exc).__name__}: {exc}") from exc

    def query(self, *, txn_ref: str, created_at: datetime, order_info: str, client_ip: str = "127.0.0.1") -> Outcome:
        payload = {
            "vnp_RequestId": uuid.uuid4().hex,
            "vnp_Version": vnpay.VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": txn_ref,
            "vnp_OrderInfo": order_info,
            "vnp_TransactionDate": vnpay.format_date(created_at),
            "vnp_CreateDate": vnpay.format_date(timezone.now()),
            "vnp_IpAddr": client_ip,
        }
        payload["vnp_SecureHash"] = vnpay.pipe_checksum(payload, vnpay.QUERY_FIELDS, self.secret)
        answer = self._post(payload)
        if not vnpay.verify_pipe(answer, vnpay.QUERY_RESPONSE_FIELDS, self.secret):
            raise GatewayError("the query answer is not signed with our secret")
        code = answer.get("vnp_ResponseCode", "")
        if code == vnpay.API_NOT_FOUND:
            return Outcome(txn_ref=txn_ref, success=None, found=False, response_code=code, raw=answer)
        if code != vnpay.API_SUCCESS:
            raise GatewayError(f"query refused: {code} {answer.get('vnp_Message', '')}")
        if answer.get("vnp_TxnRef") != txn_ref:
            raise GatewayError("the query answer is about another transaction")
        return _outcome_from_params(answer)

    def refund(
        self,
        *,
        request_id: str,
        txn_ref: str,
        amount: int,
        full: bool,
        transaction_no: str,
        transaction_date: datetime,
        created_by: str,
        order_info: str,
        client_ip: str = "127.0.0.1",
    ) -> RefundOutcome:
        payload = {
            "vnp_RequestId": request_id,
            "vnp_Version": vnpay.VERSION,
            "vnp_Command": "refund",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TransactionType": vnpay.REFUND_FULL if full else vnpay.REFUND_PARTIAL,
            "vnp_TxnRef": txn_ref,
            "vnp_Amount": vnpay.to_vnp_amount(amount),
            "vnp_TransactionNo": transaction_no,
            "vnp_TransactionDate": vnpay.format_date(transaction_date),
            "vnp_CreateBy": created_by,
            "vnp_CreateDate": vnpay.format_date(timezone.now()),
            "vnp_IpAddr": client_ip,
            "vnp_OrderInfo": order_info,
        }
        payload["vnp_SecureHash"] = vnpay.pipe_checksum(payload, vnpay.REFUND_FIELDS, self.secret)
        answer = self._post(payload)
        if not vnpay.verify_pipe(answer, vnpay.REFUND_RESPONSE_FIELDS, self.secret):
            raise GatewayError("the refund answer is not signed with our secret")
        code = answer.get("vnp_ResponseCode", "")
        return RefundOutcome(
            accepted=code == vnpay.API_SUCCESS, response_code=code, message=answer.get("vnp_Message", "")
        )


class CounterGateway:
    """Cash or card at the office: the cashier records the payment; refunds are paid back at the counter."""

    name = Gateway.COUNTER
    online = False

    def start(self, **kwargs) -> str:
        raise NotSupported("pay at the counter")

    def parse_return(self, params):
        raise NotSupported

    def parse_notification(self, params):
        raise NotSupported

    def query(self, **kwargs):
        raise NotSupported

    def refund(self, **kwargs) -> RefundOutcome:
        return RefundOutcome(accepted=True, at_counter=True)


def sandbox_gateway() -> VNPayGateway:
    """The real VNPay adapter, pointed at the sandbox inside the portal."""
    base = settings.PORTAL_URL.rstrip("/")
    gateway = VNPayGateway(
        tmn_code=settings.VNPAY_TMN_CODE,
        hash_secret=settings.VNPAY_HASH_SECRET,
        payment_url=reverse("payments:sandbox_pay"),  # the citizen's browser: same host as the portal
        api_url=base + reverse("payments:sandbox_api"),
        timeout=settings.VNPAY_TIMEOUT,
    )
    gateway.name = Gateway.SANDBOX
    return gateway


def vnpay_gateway() -> VNPayGateway:
    return VNPayGateway(
        tmn_code=settings.VNPAY_TMN_CODE,
        hash_secret=settings.VNPAY_HASH_SECRET,
        payment_url=settings.VNPAY_PAYMENT_URL,
        api_url=settings.VNPAY_API_URL,
        timeout=settings.VNPAY_TIMEOUT,
    )


def online_gateway_name() -> str | None:
    """The online gateway in use: the sandbox when enabled, VNPay when configured, else none (counter only)."""
    if settings.PAYMENT_SANDBOX:
        return Gateway.SANDBOX
    if settings.VNPAY_TMN_CODE and settings.VNPAY_HASH_SECRET and settings.VNPAY_PAYMENT_URL:
        return Gateway.VNPAY
    return None


def gateway_for(name: str):
    if name == Gateway.SANDBOX:
        if not settings.PAYMENT_SANDBOX:
            raise NotSupported("the sandbox gateway is disabled")
        return sandbox_gateway()
    if name == Gateway.VNPAY:
        return vnpay_gateway()
    if name == Gateway.COUNTER:
        return CounterGateway()
    raise NotSupported(name)


def expiry(created_at: datetime) -> datetime:
    return created_at + timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES)
