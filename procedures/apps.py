from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Administrative procedures")

    def ready(self) -> None:
        from . import selectors  # noqa: F401  (clears the cached catalogue filters when the catalogue changes)
