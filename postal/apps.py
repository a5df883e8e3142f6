from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalConfig(AppConfig):
    name = "postal"
    verbose_name = _("Postal delivery (BCCI)")

    def ready(self) -> None:
        from portal import issued

        from . import labels, sections

        issued.register(labels.LABEL)
        sections.register()  # the shipments on the dossier's pages (dossiers.sections)
