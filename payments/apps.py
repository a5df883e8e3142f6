from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401 (checks register themselves)

        post_save.connect(receivers.on_dossier_event, sender="dossiers.DossierEvent", dispatch_uid="payments.events")
