"""The VNPay 2.1.0 merchant protocol, as plain functions: no database, no settings.

* Payment URL: every ``vnp_*`` parameter sorted by key, each key and value URL-encoded with ``+`` for spaces
  (``quote_plus``), joined with ``&``; ``vnp_SecureHash`` is the hex HMAC-SHA512 of that string with the
  merchant's hash secret. ``vnp_Amount`` is the amount in VND × 100; dates are ``yyyyMMddHHmmss`` in GMT+7.
* Return URL and IPN: the gateway sends the same kind of signed query string back; the hash covers every
  ``vnp_*`` parameter except ``vnp_SecureHash`` and ``vnp_SecureHashType``. Success only when both
  ``vnp_ResponseCode`` and ``vnp_TransactionStatus`` are ``00``. The IPN answer is
  ``{"RspCode": ..., "Message": ...}``.
* ``querydr`` and ``refund``: JSON posted to the merchant API; the checksum is the HMAC-SHA512 of the listed
  fields' values joined with ``|``, in a fixed order (``QUERY_FIELDS``, ``REFUND_FIELDS``), and the gateway's
  answer is signed the same way (``QUERY_RESPONSE_FIELDS``, ``REFUND_RESPONSE_FIELDS``).
"""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

VERSION = "2.1.0"
GMT7 = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y%m%d%H%M%S"

# IPN answers (RspCode)
IPN_CONFIRMED = "00"
IPN_ORDER_NOT_FOUND = "01"
IPN_ALREADY_CONFIRMED = "02"
IPN_INVALID_AMOUNT = "04"
IPN_INVALID_SIGNATURE = "97"
IPN_UNKNOWN_ERROR = "99"
IPN_MESSAGES = {
    IPN_CONFIRMED: "Confirm Success",
    IPN_ORDER_NOT_FOUND: "Order not found",
    IPN_ALREADY_CONFIRMED: "Order already confirmed",
    IPN_INVALID_AMOUNT: "invalid amount",
    IPN_INVALID_SIGNATURE: "Invalid signature",
    IPN_UNKNOWN_ERROR: "Unknow error",
}

# vnp_ResponseCode of a payment (what the customer did at the bank)
RESPONSE_SUCCESS = "00"
RESPONSE_TIMEOUT = "11"  # the payment window expired
RESPONSE_CANCELLED = "24"  # the customer cancelled
RESPONSE_INSUFFICIENT_FUNDS = "51"
# vnp_TransactionStatus
STATUS_SUCCESS = "00"
STATUS_PENDING = "01"  # not completed yet
STATUS_FAILED = "02"
# vnp_ResponseCode of the querydr / refund API
API_SUCCESS = "00"
API_NOT_FOUND = "91"
API_DUPLICATE_REQUEST = "94"
API_INVALID_SIGNATURE = "97"

QUERY_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERY_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)
REFUND_FULL = "02"
REFUND_PARTIAL = "03"


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def format_date(moment: datetime) -> str:
    """``yyyyMMddHHmmss`` in GMT+7, as VNPay wants every date."""
    return moment.astimezone(GMT7).strftime(DATE_FORMAT)


def parse_date(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=GMT7)
    except (TypeError, ValueError):
        return None


def to_vnp_amount(vnd: int) -> str:
    return str(int(vnd) * 100)


def from_vnp_amount(value: str) -> int | None:
    """The VND amount of a ``vnp_Amount``; None when it is not a whole number of đồng."""
    try:
        cents = int(value)
    except (TypeError, ValueError):
        return None
    if cents < 0 or cents % 100:
        return None
    return cents // 100


def query_string(params: Mapping[str, object]) -> str:
    """The canonical string: ``vnp_*`` parameters sorted by key, ``quote_plus``-encoded, ``&``-joined.

    Parameters the gateway sent are signed as sent, empty ones included; leave out (None) what you do not send.
    """
    items = sorted(
        (key, str(value))
        for key, value in params.items()
        if key.startswith("vnp_") and key not in ("vnp_SecureHash", "vnp_SecureHashType") and value is not None
    )
    return "&".join(f"{quote_plus(key)}={quote_plus(value)}" for key, value in items)


def sign_params(params: Mapping[str, object], secret: str) -> str:
    return hmac_sha512(secret, query_string(params))


def payment_url(base_url: str, params: Mapping[str, object], secret: str) -> str:
    canonical = query_string(params)
    return f"{base_url}?{canonical}&vnp_SecureHash={hmac_sha512(secret, canonical)}"


def verify_params(params: Mapping[str, str], secret: str) -> bool:
    """True when ``vnp_SecureHash`` signs the other ``vnp_*`` parameters (constant-time comparison)."""
    received = str(params.get("vnp_SecureHash", "")).lower()
    if not received:
        return False
    return hmac.compare_digest(received, sign_params(params, secret))


def pipe_checksum(data: Mapping[str, object], fields: tuple[str, ...], secret: str) -> str:
    return hmac_sha512(secret, "|".join("" if data.get(f) is None else str(data.get(f)) for f in fields))


def verify_pipe(data: Mapping[str, object], fields: tuple[str, ...], secret: str) -> bool:
    received = str(data.get("vnp_SecureHash", "")).lower()
    return bool(received) and hmac.compare_digest(received, pipe_checksum(data, fields, secret))


def is_success(params: Mapping[str, str]) -> bool:
    return params.get("vnp_ResponseCode") == RESPONSE_SUCCESS and params.get("vnp_TransactionStatus") == STATUS_SUCCESS


def ipn_answer(code: str) -> dict[str, str]:
    return {"RspCode": code, "Message": IPN_MESSAGES[code]}
