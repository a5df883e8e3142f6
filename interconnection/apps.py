from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterconnectionConfig(AppConfig):
    name = "interconnection"
    verbose_name = _("National portal interconnection")

    def ready(self) -> None:
        from dossiers.dashboard import register_panel

        from . import receivers, sections  # noqa: F401 - subscribes to the dossier events
        from .dashboard import failed_sync_rows

        sections.register()
        register_panel(failed_sync_rows)  # the back office's dashboard: dossiers whose sync failed
