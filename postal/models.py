"""Postal public service (BCCI, Decision 45/2016): the tariff, the agencies' tracking-number ranges, shipments."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.money import vnd

from .constants import Direction, ShipmentStatus, Zone

PREFIX_VALIDATOR = RegexValidator(r"^[A-Z]{2}$", _("Two capital letters, as printed by the post office (e.g. EB)."))


def label_path(instance: "Shipment", filename: str) -> str:
    return f"dossiers/{instance.dossier.public_id}/issued/{uuid.uuid4().hex}.pdf"


class Tariff(models.Model):
    """The postal fee for one zone and weight class (up to ``max_weight`` grams); edited by administrators."""

    zone = models.CharField(_("zone"), max_length=12, choices=Zone)
    max_weight = models.PositiveIntegerField(_("up to (grams)"))
    amount = models.PositiveBigIntegerField(_("fee (VND)"))

    class Meta:
        verbose_name = _("postal tariff")
        verbose_name_plural = _("postal tariff")
        ordering = ["zone", "max_weight"]
        constraints = [models.UniqueConstraint(fields=["zone", "max_weight"], name="postal_tariff_unique")]

    def __str__(self) -> str:
        return f"{self.get_zone_display()} ≤ {self.max_weight} g: {vnd(self.amount, False)}"


class TrackingRange(models.Model):
    """Tracking numbers the post office allocated to an agency: ``prefix`` + serials ``first``…``last`` (S10).

    A tracking number is unique nationwide, so no two ranges share one, whichever agencies hold them:
    ``postal.services.create_tracking_range`` refuses an overlap, and on PostgreSQL the exclusion constraint
    ``tracking_range_no_overlap`` (migration 0003, over ``int8range(first, last, '[]')`` per prefix) refuses it
    too, also between two ranges entered at the same moment.
    """

    agency = models.ForeignKey(
        "procedures.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="tracking_ranges"
    )
    prefix = models.CharField(_("service prefix"), max_length=2, validators=[PREFIX_VALIDATOR])
    first = models.PositiveIntegerField(_("first serial"))
    last = models.PositiveIntegerField(_("last serial"))
    next = models.PositiveIntegerField(_("next serial"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("tracking number range")
        verbose_name_plural = _("tracking number ranges")
        ordering = ["agency", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first__lte=F("last")),
                name="tracking_range_ordered",
                violation_error_message=_("The first serial cannot be greater than the last."),
            ),
            models.CheckConstraint(
                condition=Q(next__gte=F("first"), next__lte=F("last") + 1), name="tracking_range_next_inside"
            ),
            models.CheckConstraint(
                condition=Q(last__lte=99_999_999),
                name="tracking_range_eight_digits",
                violation_error_message=_("Serials have eight digits: the last one can be at most 99999999."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.first:08d}–{self.prefix}{self.last:08d}"

    @property
    def remaining(self) -> int:
        return self.last + 1 - self.next


class Shipment(models.Model):
    """A letter of the postal public service: a result posted to the citizen, or a paper dossier received."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="shipments"
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction, default=Direction.RESULT)
    tracking_number = models.CharField(_("tracking number"), max_length=13, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=ShipmentStatus, default=ShipmentStatus.CREATED)
    recipient = models.CharField(_("recipient"), max_length=200)
    address = models.TextField(_("address"))
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    weight = models.PositiveIntegerField(_("weight (grams)"), default=0)
    fee = models.PositiveBigIntegerField(_("postal fee (VND)"), default=0)
    # Collect-on-delivery (BCCI "thu hộ"): what the postman collects from the citizen, printed on the label, and
    # when the agency recorded that he did (payments records it as a payment with its receipt).
    cod_amount = models.PositiveBigIntegerField(_("to collect on delivery (VND)"), default=0)
    cod_collected_at = models.DateTimeField(_("collected on delivery"), null=True, blank=True)
    label = models.FileField(_("address label"), upload_to=label_path, max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.tracking_number


class ShipmentUpdate(models.Model):
    """One status of a shipment as recorded (append-only)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=12, choices=ShipmentStatus)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("shipment status")
        verbose_name_plural = _("shipment statuses")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        if self.at is None:
            return str(self.get_status_display())
        return f"{self.get_status_display()}, {timezone.localtime(self.at):%H:%M %d/%m/%Y}"
