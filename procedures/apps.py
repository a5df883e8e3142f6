from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Administrative procedures")

    def ready(self) -> None:
        from .selectors import watch_catalogue

        watch_catalogue(self)  # what is kept of the catalogue (filters, public pages) is renewed when it changes
