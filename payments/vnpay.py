"""The VNPay 2.1.0 merchant protocol, as plain functions: no database, no settings.

* Payment URL: every ``vnp_*`` parameter that has a value, sorted by key, each key and value URL-encoded with
  ``+`` for spaces (``quote_plus``), joined with ``&``; ``vnp_SecureHash`` is the hex HMAC-SHA512 of that string
  with the merchant's hash secret. ``vnp_Amount`` is the amount in VND × 100; dates are ``yyyyMMddHHmmss`` in
  GMT+7. We never send an empty parameter, so there is only one way to sign what we send.
* Return URL and IPN: the gateway sends the same kind of signed query string back; the hash covers the ``vnp_*``
  parameters except ``vnp_SecureHash`` and ``vnp_SecureHashType``. VNPay's own sample code disagrees about a
  parameter that arrives empty (``vnp_BankTranNo=``, often): the PHP sample signs it as ``key=``, the Java and
  .NET samples and common client libraries leave it out. A callback is genuine when its hash matches either form
  (``signed_forms``); both are computed and compared in constant time every time. (So an empty parameter can be
  added to a genuine callback without breaking its hash: harmless, as this code reads empty and missing alike.)
* ``querydr`` and ``refund``: JSON posted to the merchant API; the checksum is the HMAC-SHA512 of the listed
  fields' values joined with ``|``, in a fixed order (``QUERY_FIELDS``, ``REFUND_FIELDS``), and the gateway's
  answer is signed the same way (``QUERY_RESPONSE_FIELDS``, ``REFUND_RESPONSE_FIELDS``). Here every field keeps
  its place, an empty or missing one as ``""``, so there is a single form and nothing to choose.
"""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from portal.dates import EARLIEST, LATEST

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
# The refund answer signs the same fields as the query answer, without the promotion code.
REFUND_RESPONSE_FIELDS = tuple(name for name in QUERY_RESPONSE_FIELDS if name != "vnp_PromotionCode")
REFUND_FULL = "02"
REFUND_PARTIAL = "03"


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def format_date(moment: datetime) -> str:
    """``yyyyMMddHHmmss`` in GMT+7, as VNPay wants every date."""
    return moment.astimezone(GMT7).strftime(DATE_FORMAT)


def parse_date(value: str) -> datetime | None:
    """The gateway's time, or None when it is not a time of this world: year 1 would be stored as a date before
    Christ once moved to UTC, and year 9999 would overflow; the payment itself still counts (the amount and the
    signature decide), only the gateway's time is not kept."""
    try:
        moment = datetime.strptime(value, DATE_FORMAT).replace(tzinfo=GMT7)
    except (TypeError, ValueError):
        return None
    return moment if EARLIEST <= moment.date() <= LATEST else None


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


SIGNATURE_PARAMS = ("vnp_SecureHash", "vnp_SecureHashType")


def query_string(params: Mapping[str, object], *, keep_empty: bool = False) -> str:
    """The canonical string: ``vnp_*`` parameters sorted by key, ``quote_plus``-encoded, ``&``-joined.

    None is never part of it. An empty value is left out, as we send and sign, unless ``keep_empty`` (``key=``, the
    other form a gateway may sign; the sandbox also uses it to send empty parameters as VNPay does).
    """
    items = sorted(
        (key, str(value))
        for key, value in params.items()
        if key.startswith("vnp_")
        and key not in SIGNATURE_PARAMS
        and value is not None
        and (keep_empty or str(value) != "")
    )
    return "&".join(f"{quote_plus(key)}={quote_plus(value)}" for key, value in items)


def signed_forms(params: Mapping[str, object]) -> tuple[str, str]:
    """The two strings a gateway may have signed: empty parameters left out, and kept as ``key=``."""
    return query_string(params), query_string(params, keep_empty=True)


def sign_params(params: Mapping[str, object], secret: str) -> str:
    return hmac_sha512(secret, query_string(params))


def payment_url(base_url: str, params: Mapping[str, object], secret: str) -> str:
    """The signed redirect; parameters without a value are not sent."""
    canonical = query_string(params)
    return f"{base_url}?{canonical}&vnp_SecureHash={hmac_sha512(secret, canonical)}"


def _received_hash(data: Mapping[str, object]) -> bytes:
    # Bytes, so that a hash with non-ASCII characters is just wrong (compare_digest refuses such str).
    return str(data.get("vnp_SecureHash") or "").lower().encode("utf-8")


def verify_params(params: Mapping[str, object], secret: str) -> bool:
    """True when ``vnp_SecureHash`` signs the other ``vnp_*`` parameters in either form (see ``signed_forms``).

    Both HMACs are computed and both comparisons made (constant time each) whatever the first one says.
    """
    received = _received_hash(params)
    matches = [
        hmac.compare_digest(received, hmac_sha512(secret, form).encode("ascii")) for form in signed_forms(params)
    ]
    return bool(received) and any(matches)


def pipe_checksum(data: Mapping[str, object], fields: tuple[str, ...], secret: str) -> str:
    return hmac_sha512(secret, "|".join("" if data.get(f) is None else str(data.get(f)) for f in fields))


def verify_pipe(data: Mapping[str, object], fields: tuple[str, ...], secret: str) -> bool:
    received = _received_hash(data)
    return hmac.compare_digest(received, pipe_checksum(data, fields, secret).encode("ascii")) and bool(received)


def is_success(params: Mapping[str, str]) -> bool:
    return params.get("vnp_ResponseCode") == RESPONSE_SUCCESS and params.get("vnp_TransactionStatus") == STATUS_SUCCESS


def ipn_answer(code: str) -> dict[str, str]:
    return {"RspCode": code, "Message": IPN_MESSAGES[code]}
