from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from portal import issued

        from . import checks, receivers  # noqa: F401 (checks and listeners register themselves)
        from .receipts import RECEIPT

        issued.register(RECEIPT)
