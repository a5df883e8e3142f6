"""What notifications adds to the back office's dossier page (``dossiers.sections``), registered in
``NotificationsConfig.ready``: under each timeline entry, the messages sent to the citizen about it and whether
they were delivered."""

from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from dossiers import sections

from .selectors import messages_by_event


def message_cells(dossier) -> dict[int, str]:
    """Per timeline entry: each message as a link to it, "SMS → 0912…: Failed" (one query)."""
    return {
        event_id: format_html_join(
            mark_safe("<br>"),
            '<a href="{}" class="message-{}">{} → {}: {}</a>',
            (
                (
                    reverse("admin:notifications_message_change", args=[message.pk]),
                    message.status,
                    message.get_channel_display(),
                    message.recipient or "—",
                    message.get_status_display(),
                )
                for message in messages
            ),
        )
        for event_id, messages in messages_by_event(dossier).items()
        if event_id is not None
    }


def register() -> None:
    sections.register_timeline_column("messages", label=_("Sent to the citizen"), cells=message_cells)
