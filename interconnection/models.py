"""The outbox of dossier changes for the national portal, each dossier's sync state, the status mapping and the
dossiers received from the national portal.

``SyncChange`` rows are written in the transaction of each dossier change (the outbox: nothing is lost when the
portal or the broker is down). ``DossierSync`` is the dossier's head of line: one in-flight request per dossier,
claimed by the task that sends, with the portal's last answer, the attempts and the failed state the back office
sees and resends.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.constants import Status

from .constants import SyncState


class StatusMapping(models.Model):
    """Our status → the national portal's ``TrangThaiHoSo`` (identity by default). A status with no row is not
    sent: the dossier's sync fails visibly, naming the status."""

    status = models.PositiveSmallIntegerField(_("our status"), choices=Status, unique=True)
    portal_status = models.CharField(_("national portal status"), max_length=8)

    class Meta:
        verbose_name = _("status mapping")
        verbose_name_plural = _("status mappings")
        ordering = ["status"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} → {self.portal_status}"


class DossierSync(models.Model):
    """One dossier's synchronisation with the national portal."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="national_sync"
    )
    state = models.CharField(_("sync state"), max_length=8, choices=SyncState, default=SyncState.PENDING)
    known = models.BooleanField(_("known to the national portal"), default=False)
    wanted = models.PositiveBigIntegerField(default=0, editable=False)  # the last outbox row to reach
    sent_upto = models.PositiveBigIntegerField(default=0, editable=False)  # the last outbox row sent
    progress_upto = models.PositiveBigIntegerField(default=0, editable=False)  # the last timeline row sent
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    resends = models.PositiveSmallIntegerField(_("resent"), default=0, editable=False)
    claimed_by = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_code = models.CharField(_("last answer code"), max_length=16, blank=True)
    last_message = models.TextField(_("last answer"), blank=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    synced_at = models.DateTimeField(_("synchronised"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("national portal sync")
        verbose_name_plural = _("national portal syncs")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state=SyncState.PENDING), name="sync_pending_due"),
            models.Index(fields=["claimed_at"], condition=Q(state=SyncState.SENDING), name="sync_sending_since"),
            models.Index(fields=["state", "updated_at"], name="sync_state_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} · {self.get_state_display()}"


class SyncChange(models.Model):
    """The outbox: one row per dossier change the portal shows, written with the change."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="national_changes")
    event = models.ForeignKey(
        "dossiers.DossierEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="national_changes"
    )
    status = models.PositiveSmallIntegerField(_("status"), choices=Status)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("change to send")
        verbose_name_plural = _("changes to send")
        ordering = ["pk"]
        indexes = [models.Index(fields=["dossier", "sent_at"], name="sync_change_dossier_sent")]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.pk}"


class InboundDossier(models.Model):
    """A dossier filed on the national portal and received here: its code there is the idempotence key."""

    national_code = models.CharField(_("national portal code"), max_length=64, unique=True)
    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="national_inbound"
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossier from the national portal")
        verbose_name_plural = _("dossiers from the national portal")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.national_code
