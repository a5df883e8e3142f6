from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from dossiers import costs
        from portal import issued

        from . import checks, fees, receivers  # noqa: F401 (checks and listeners register themselves)
        from .receipts import RECEIPT

        costs.register(fees)  # what a dossier costs, for dossiers, tracking and their pages
        issued.register(RECEIPT)
