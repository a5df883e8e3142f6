from collections import defaultdict

from django.db.models import QuerySet

from portal import access

from .constants import MessageStatus
from .models import Message


def messages_for_dossier(dossier) -> QuerySet[Message]:
    """The messages sent (or not) about one dossier, oldest first: its part of the timeline."""
    return Message.objects.filter(dossier=dossier).select_related("template").order_by("created_at", "pk")


def messages_by_event(dossier) -> dict[int, list[Message]]:
    """The same, grouped by timeline entry (``DossierEvent`` id), to show each message under its event."""
    grouped = defaultdict(list)
    for message in messages_for_dossier(dossier):
        grouped[message.event_id].append(message)
    return dict(grouped)


def messages_visible_to(user) -> QuerySet[Message]:
    """Officials see their own agency's messages; superusers see all (``portal.access``)."""
    return access.scope(Message.objects.select_related("dossier", "dossier__agency"), user)


def failed_messages(user) -> QuerySet[Message]:
    return messages_visible_to(user).filter(status=MessageStatus.FAILED)
