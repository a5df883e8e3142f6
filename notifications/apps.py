from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from dossiers.dashboard import register_panel

        from . import checks, receivers, sections  # noqa: F401 (checks and listeners register themselves)
        from .dashboard import failed_messages_rows

        register_panel(failed_messages_rows)  # the back office's dashboard: messages that could not be sent
        sections.register()  # the dossier page's timeline: what was sent about each entry
