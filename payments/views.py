"""The citizen pays: the line items, the start of an online payment, the gateway's return and IPN, receipts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from dossiers.selectors import dossier_for
from portal.issued import download
from portal.net import client_ip

from . import selectors, services, vnpay
from .constants import TransactionStatus
from .gateways import online_gateway_name
from .receipts import RECEIPT
from .response_codes import payment_response_reason


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def pay(request, public_id):
    """The line items and the total; "pay online" sends the citizen to the gateway."""
    dossier = dossier_for(request.user, public_id, own=True)
    payment = selectors.open_request(dossier)
    if payment is None:
        messages.info(request, _("There is nothing to pay for this dossier."))
        return redirect(dossier)
    if request.method == "POST":
        try:
            _txn, url = services.start_online_payment(
                request=payment,
                by=request.user,
                return_url=request.build_absolute_uri(reverse("payments:return")),
                client_ip=client_ip(request),
                locale=get_language() or "vi",
            )
        except services.PaymentError as error:
            messages.error(request, str(error))
            return redirect("payments:pay", public_id=dossier.public_id)
        return redirect(url)
    return render(
        request,
        "payments/pay.html",
        {
            "dossier": dossier,
            "payment": payment,
            "lines": payment.lines.all(),
            "online": payment.online and online_gateway_name() is not None,
            "sandbox": online_gateway_name() == "sandbox",
        },
    )


@login_required
@never_cache
@require_safe
def gateway_return(request):
    """Where the gateway sends the citizen back. Display only: the IPN decides, never this page."""
    txn, outcome = services.read_return(request.GET.dict())
    if txn is None or txn.request.dossier.applicant_id != request.user.pk:
        raise Http404
    # Why it did not go through: the code the IPN recorded, else what the (signed) return says.
    if txn.status == TransactionStatus.FAILED and txn.response_code:
        code = txn.response_code
    else:
        code = "" if outcome.success or txn.status == TransactionStatus.SUCCEEDED else outcome.response_code
    if code == vnpay.RESPONSE_SUCCESS:  # "00" with a status not final yet: no reason to give
        code = ""
    return render(
        request,
        "payments/return.html",
        {
            "txn": txn,
            "outcome": outcome,
            "dossier": txn.request.dossier,
            "claimed_success": bool(outcome.success),
            "reason": payment_response_reason(code),
            "response_code": code,
        },
    )


@csrf_exempt  # called by the gateway, authenticated by the HMAC-SHA512 signature
@require_http_methods(["GET", "POST"])
def ipn(request):
    """VNPay's Instant Payment Notification (GET with the signed query string, per VNPay 2.1.0)."""
    params = request.GET.dict() or request.POST.dict()
    return JsonResponse(services.handle_notification(params))


@login_required
@require_safe
def receipt(request, public_id, number: str):
    dossier = dossier_for(request.user, public_id)  # the applicant, or an official of the agency
    found = selectors.receipt_for(dossier, number)
    if found is None:
        raise Http404
    return download(RECEIPT, found)  # rendered now, once, if the task has not run yet
