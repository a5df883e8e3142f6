"""What VNPay's ``vnp_ResponseCode`` of a payment means (return URL and IPN; VNPay 2.1.0 "Bảng mã lỗi").

The citizen is shown the reason for a payment that did not go through. The codes of the merchant API (``querydr``,
``refund``) are a different table and are not listed here.
"""

from django.utils.translation import gettext_lazy as _

PAYMENT_RESPONSES = {
    "00": _("The payment went through."),
    "07": _("The money was taken, but the bank is checking the transaction as suspicious (possible fraud)."),
    "09": _("Your card or account is not registered for internet banking at your bank."),
    "10": _("The card or account details were entered wrongly more than three times."),
    "11": _("The time allowed for the payment ran out."),
    "12": _("Your card or account is locked."),
    "13": _("The one-time password (OTP) was entered wrongly."),
    "24": _("You cancelled the payment."),
    "51": _("Your account does not have enough money for this payment."),
    "65": _("Your account has gone over its payment limit for the day."),
    "75": _("The paying bank is under maintenance."),
    "79": _("The payment password was entered wrongly too many times."),
    "99": _("The gateway reported another error."),
}


def payment_response_reason(code: str) -> str:
    """The reason behind ``code`` in the citizen's language; "" when there is no code."""
    if not code:
        return ""
    if code in PAYMENT_RESPONSES:
        return str(PAYMENT_RESPONSES[code])
    return _("The gateway gave no known reason (code %(code)s).") % {"code": code}
