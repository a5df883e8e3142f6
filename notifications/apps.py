from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401 (checks register themselves)

        # post_save, not dossiers' dossier_changed signal: that one is sent after commit, and the outbox rows must
        # be written in the same transaction as the status change.
        post_save.connect(receivers.write_outbox, sender="dossiers.DossierEvent", dispatch_uid="notifications.outbox")
