from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Receiving and processing dossiers")  # not "Hồ sơ" twice in the breadcrumbs

    def ready(self) -> None:
        from portal import issued

        from . import (  # linked: listens to approvals (data flow)
            linked,
            notices,
            receipts,
            selectors,  # noqa: F401  (listens to every change: the dashboard's cached counts)
        )

        issued.register(receipts.RECEIPT, notices.NOTICE)
        linked.register_sections()
