from django.conf import settings
from django.core.checks import Error, register


@register()
def check_payment_settings(app_configs, **kwargs):
    errors = []
    if settings.PAYMENT_SANDBOX and str(getattr(settings, "SETTINGS_MODULE", "")).endswith(".production"):
        errors.append(
            Error(
                "The sandbox payment gateway cannot run in production: it confirms payments nobody made.",
                hint="Unset PAYMENT_SANDBOX and configure VNPAY_TMN_CODE, VNPAY_HASH_SECRET and VNPAY_PAYMENT_URL.",
                id="payments.E001",
            )
        )
    if not settings.PAYMENT_SANDBOX and settings.VNPAY_TMN_CODE and not settings.VNPAY_HASH_SECRET:
        errors.append(Error("VNPAY_TMN_CODE is set but VNPAY_HASH_SECRET is empty.", id="payments.E002"))
    return errors
