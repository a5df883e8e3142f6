from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        from portal import issued

        from . import linked, notices, receipts  # linked: listens to approvals (data flow)

        issued.register(receipts.RECEIPT, notices.NOTICE)
        linked.register_sections()
