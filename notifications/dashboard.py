"""What notifications adds to the back office's dashboard (``dossiers.dashboard``), registered in
``NotificationsConfig.ready``: the messages to citizens that could not be sent, never silent, one click from the
list where they can be resent."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dossiers.dashboard import DashboardRow

from .constants import MessageStatus
from .selectors import failed_messages


def failed_messages_rows(user) -> list[DashboardRow]:
    url = reverse("admin:notifications_message_changelist") + f"?status__exact={MessageStatus.FAILED}"
    return [
        DashboardRow(
            key="failed_messages",
            label=_("Messages that could not be sent"),
            count=failed_messages(user).count(),
            url=url,
        )
    ]
