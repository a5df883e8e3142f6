from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterconnectionConfig(AppConfig):
    name = "interconnection"
    verbose_name = _("National portal interconnection")

    def ready(self) -> None:
        from . import receivers, sections  # noqa: F401 - subscribes to the dossier events

        sections.register()
