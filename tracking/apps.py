from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = _("Look-up and satisfaction")

    def ready(self) -> None:
        from . import sections

        sections.register()  # the rating on the dossier's pages (dossiers.sections)
