"""A simulated VNPay inside the portal, for ``make run`` and the tests (``PAYMENT_SANDBOX``; refused in production).

It plays the gateway's side of VNPay 2.1.0 exactly: it checks the merchant's signed redirect, shows a bank page
where the tester chooses what happens (success, cancel, insufficient funds, timeout; optionally losing the IPN),
calls the merchant's IPN URL server to server with a signed query string, sends the browser to the return URL
with the same signed parameters, and answers signed ``querydr`` and ``refund`` calls from its own book.
"""

import json
import logging
import secrets
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from portal.params import number

from . import vnpay
from .models import SandboxPayment

logger = logging.getLogger(__name__)

OUTCOMES = {
    "success": (vnpay.RESPONSE_SUCCESS, vnpay.STATUS_SUCCESS, gettext_lazy("Pay successfully")),
    "cancel": (vnpay.RESPONSE_CANCELLED, vnpay.STATUS_FAILED, gettext_lazy("Cancel the payment")),
    "insufficient": (vnpay.RESPONSE_INSUFFICIENT_FUNDS, vnpay.STATUS_FAILED, gettext_lazy("Insufficient funds")),
    "timeout": (vnpay.RESPONSE_TIMEOUT, vnpay.STATUS_FAILED, gettext_lazy("Let the payment time out")),
}
PAY_FIELDS = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
    "vnp_ExpireDate",
    "vnp_BankCode",
)


def _enabled() -> None:
    if not settings.PAYMENT_SANDBOX:
        raise Http404


def _merchant_secret(tmn_code: str) -> str | None:
    """The sandbox has one merchant: the portal's own terminal."""
    return settings.VNPAY_HASH_SECRET if tmn_code == settings.VNPAY_TMN_CODE else None


def _check_request(params: dict) -> str:
    """What is wrong with a payment redirect, or "" (VNPay shows its error page in these cases)."""
    secret = _merchant_secret(params.get("vnp_TmnCode", ""))
    if secret is None:
        return _("Unknown merchant terminal.")
    if not vnpay.verify_params(params, secret):
        return _("Invalid signature.")
    if params.get("vnp_Version") != vnpay.VERSION or params.get("vnp_Command") != "pay":
        return _("Unsupported version or command.")
    if vnpay.from_vnp_amount(params.get("vnp_Amount", "")) in (None, 0) or params.get("vnp_CurrCode") != "VND":
        return _("Invalid amount.")
    if not params.get("vnp_TxnRef") or not params.get("vnp_ReturnUrl", "").startswith(("http://", "https://")):
        return _("Missing transaction reference or return URL.")
    return ""


def _callback_params(payment: SandboxPayment) -> dict[str, str]:
    params = {
        "vnp_Amount": payment.amount,
        "vnp_BankCode": payment.bank_code,
        "vnp_BankTranNo": f"VNP{payment.transaction_no}" if payment.transaction_status == "00" else "",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": payment.order_info,
        "vnp_PayDate": payment.pay_date,
        "vnp_ResponseCode": payment.response_code,
        "vnp_TmnCode": payment.tmn_code,
        "vnp_TransactionNo": payment.transaction_no if payment.transaction_status == "00" else "0",
        "vnp_TransactionStatus": payment.transaction_status,
        "vnp_TxnRef": payment.txn_ref,
    }
    # Signed like VNPay's Java and .NET samples, an empty vnp_BankTranNo left out of the hash, but sent as
    # ``vnp_BankTranNo=`` (signed_query): the case the merchant side must accept.
    params["vnp_SecureHash"] = vnpay.sign_params(params, _merchant_secret(payment.tmn_code))
    return params


def signed_query(params: dict) -> str:
    """The callback's query string: every parameter, empty ones included, then the hash."""
    return vnpay.query_string(params, keep_empty=True) + "&vnp_SecureHash=" + params["vnp_SecureHash"]


def notify(payment: SandboxPayment, ipn_url: str) -> str:
    """The server-to-server IPN call, as VNPay makes it: GET with the signed query string; returns the answer."""
    url = f"{ipn_url}?{signed_query(_callback_params(payment))}"
    try:
        with urllib.request.urlopen(url, timeout=settings.VNPAY_TIMEOUT) as response:  # noqa: S310 - our own URL
            answer = response.read().decode("utf-8")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        answer = f"error: {exc}"
    SandboxPayment.objects.filter(pk=payment.pk).update(ipn_answer=answer[:2000])
    return answer


def _ipn_url(request) -> str:
    return settings.PAYMENT_SANDBOX_IPN_URL or request.build_absolute_uri(reverse("payments:ipn"))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def pay(request):
    """The bank page. GET: the merchant's signed redirect; POST: the tester's choice."""
    _enabled()
    source = request.POST if request.method == "POST" else request.GET
    params = {key: source[key] for key in (*PAY_FIELDS, "vnp_SecureHash") if key in source}
    problem = _check_request(params)
    if problem:
        return render(request, "payments/sandbox/error.html", {"problem": problem}, status=400)
    with transaction.atomic():
        payment, _created = SandboxPayment.objects.select_for_update().get_or_create(
            tmn_code=params["vnp_TmnCode"],
            txn_ref=params["vnp_TxnRef"],
            defaults={
                "amount": params["vnp_Amount"],
                "order_info": params.get("vnp_OrderInfo", ""),
                "create_date": params.get("vnp_CreateDate", ""),
                "expire_date": params.get("vnp_ExpireDate", ""),
                "return_url": params["vnp_ReturnUrl"],
                "transaction_no": str(secrets.randbelow(90_000_000) + 10_000_000),
            },
        )
        if payment.amount != params["vnp_Amount"]:
            return render(request, "payments/sandbox/error.html", {"problem": _("Invalid amount.")}, status=400)
        done = bool(payment.response_code)
        if request.method == "POST" and not done:
            choice = request.POST.get("outcome")
            if choice not in OUTCOMES:
                return HttpResponseBadRequest("outcome")
            payment.response_code, payment.transaction_status, _label = OUTCOMES[choice]
            payment.pay_date = vnpay.format_date(timezone.now())
            payment.save(update_fields=["response_code", "transaction_status", "pay_date"])
    if request.method == "POST" and not done:
        if not request.POST.get("lose_ipn"):
            notify(payment, _ipn_url(request))  # after commit: the portal's IPN reads the bank's book
        return redirect(f"{payment.return_url}?{signed_query(_callback_params(payment))}")
    amount = vnpay.from_vnp_amount(payment.amount)
    expires = vnpay.parse_date(payment.expire_date)
    return render(
        request,
        "payments/sandbox/pay.html",
        {
            "params": params,
            "payment": payment,
            "amount": amount,
            "expires": expires,
            "expired": bool(expires and timezone.now() > expires),
            "done": done,
            "outcomes": [(key, label) for key, (_c, _s, label) in OUTCOMES.items()],
            "return_link": f"{payment.return_url}?{signed_query(_callback_params(payment))}" if done else "",
        },
    )


def _api_answer(data: dict, fields: tuple[str, ...], secret: str) -> JsonResponse:
    data["vnp_SecureHash"] = vnpay.pipe_checksum(data, fields, secret)
    return JsonResponse(data)


@csrf_exempt  # server to server, authenticated by the checksum
@require_POST
def api(request):
    """``querydr`` and ``refund``, JSON in and out, pipe-joined HMAC-SHA512 checksums both ways."""
    _enabled()
    try:
        data = json.loads(request.body)
        command, tmn_code = data["vnp_Command"], data["vnp_TmnCode"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid format"})
    secret = _merchant_secret(tmn_code)
    response_id = secrets.token_hex(16)
    fields = vnpay.QUERY_FIELDS if command == "querydr" else vnpay.REFUND_FIELDS
    base = {"vnp_ResponseId": response_id, "vnp_Command": command, "vnp_TmnCode": tmn_code}
    answer_fields = vnpay.QUERY_RESPONSE_FIELDS if command == "querydr" else vnpay.REFUND_RESPONSE_FIELDS
    if secret is None:
        return JsonResponse({**base, "vnp_ResponseCode": "02", "vnp_Message": "Invalid TmnCode"})
    if command not in ("querydr", "refund"):
        return _api_answer({**base, "vnp_ResponseCode": "03", "vnp_Message": "Invalid command"}, answer_fields, secret)
    if not vnpay.verify_pipe(data, fields, secret):
        return _api_answer(
            {**base, "vnp_ResponseCode": vnpay.API_INVALID_SIGNATURE, "vnp_Message": "Invalid checksum"},
            answer_fields,
            secret,
        )
    with transaction.atomic():
        payment = (
            SandboxPayment.objects.select_for_update().filter(tmn_code=tmn_code, txn_ref=data.get("vnp_TxnRef")).first()
        )
        if payment is None:
            return _api_answer(
                {**base, "vnp_ResponseCode": vnpay.API_NOT_FOUND, "vnp_Message": "Transaction not found"},
                answer_fields,
                secret,
            )
        request_id = str(data.get("vnp_RequestId", ""))
        if request_id in payment.request_ids:
            return _api_answer(
                {**base, "vnp_ResponseCode": vnpay.API_DUPLICATE_REQUEST, "vnp_Message": "Duplicate request"},
                answer_fields,
                secret,
            )
        payment.request_ids = [*payment.request_ids, request_id][-50:]
        details = {
            "vnp_TxnRef": payment.txn_ref,
            "vnp_Amount": payment.amount,
            "vnp_BankCode": payment.bank_code,
            "vnp_PayDate": payment.pay_date,
            "vnp_TransactionNo": payment.transaction_no,
            "vnp_OrderInfo": payment.order_info,
        }
        if command == "querydr":
            payment.save(update_fields=["request_ids"])
            return _api_answer(
                {
                    **base,
                    "vnp_ResponseCode": vnpay.API_SUCCESS,
                    "vnp_Message": "QueryDR Success",
                    **details,
                    "vnp_TransactionType": "01",
                    "vnp_TransactionStatus": payment.transaction_status,
                    "vnp_PromotionCode": "",
                    "vnp_PromotionAmount": "",
                },
                answer_fields,
                secret,
            )
        amount = number(data.get("vnp_Amount")) or 0  # "abc", "1e5" or a list is no amount: refused, "03"
        if payment.transaction_status != vnpay.STATUS_SUCCESS or amount <= 0:
            code, message = "02" if amount > 0 else "03", "Transaction cannot be refunded"
        elif amount > int(payment.amount) - payment.refunded:
            code, message = "03", "Refund amount exceeds the payment"
        else:
            code, message = vnpay.API_SUCCESS, "Refund Success"
            payment.refunded += amount
        payment.save(update_fields=["request_ids", "refunded"])
        return _api_answer(
            {
                **base,
                "vnp_ResponseCode": code,
                "vnp_Message": message,
                **details,
                "vnp_Amount": str(amount),
                "vnp_TransactionType": data.get("vnp_TransactionType", ""),
                "vnp_TransactionStatus": "05" if code == vnpay.API_SUCCESS else payment.transaction_status,
            },
            answer_fields,
            secret,
        )
