"""The outbox of messages to citizens and the templates they are written from.

A ``Message`` row is written in the same transaction as the dossier's status change; a Celery task sends it
after commit and records the outcome on the row, so the row is both the queue and the log.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import LANGUAGES, Channel, Event, MessageStatus


class MessageTemplate(models.Model):
    """The current text for one event, channel and language; every change is kept as a numbered version."""

    event = models.CharField(_("event"), max_length=32, choices=Event)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True, help_text=_("Email only."))
    body = models.TextField(
        _("text"),
        help_text=_(
            "Django template syntax, e.g. {{ code }}, {{ due_date }}. SMS text is sent without diacritics, "
            "with the brand name in front."
        ),
    )
    enabled = models.BooleanField(_("send"), default=True, help_text=_("Untick to send nothing for this event."))
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["event", "channel", "language"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel", "language"], name="message_template_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.get_channel_display()} · {self.language}"


class MessageTemplateVersion(models.Model):
    """A template as it was at one version (append-only): each message records the one it was written from."""

    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="message_template_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.version}"


class Message(models.Model):
    """One email or SMS to one recipient about one event of one dossier."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: the dedupe constraint's index starts with it (fewer indexes to write on each send).
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    event = models.ForeignKey(
        "dossiers.DossierEvent", verbose_name=_("timeline entry"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("event"), max_length=32, choices=Event)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES)
    template = models.ForeignKey(
        MessageTemplateVersion,
        verbose_name=_("template version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=MessageStatus, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    resends = models.PositiveSmallIntegerField(_("resent"), default=0, editable=False)
    # The task that holds the row while it is sending (the claim), and since when.
    claimed_by = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    provider_id = models.CharField(_("provider's message id"), max_length=128, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The same event never produces two messages to the same address on the same channel.
            models.UniqueConstraint(fields=["dossier", "event", "channel", "recipient"], name="message_dedupe"),
        ]
        # A send updates its row twice (claim, outcome), and PostgreSQL writes every index that the new row
        # version belongs to: partial indexes, each for the one question asked of it, keep that to 7 of 10.
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status=MessageStatus.QUEUED), name="message_queued_due"
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status=MessageStatus.SENDING), name="message_sending_since"
            ),
            # The back office's failed messages (dashboard count, list filter).
            models.Index(fields=["created_at"], condition=Q(status=MessageStatus.FAILED), name="message_failed"),
            # Delivery reports find their message by the provider's id, which only sent messages have.
            models.Index(fields=["provider_id"], condition=~Q(provider_id=""), name="message_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient or '—'} ({self.get_kind_display()})"

    @property
    def reference(self) -> str:
        """What the provider dedupes on: the same for every attempt of one send, new for each resend."""
        return f"{self.public_id}" if not self.resends else f"{self.public_id}.{self.resends}"
