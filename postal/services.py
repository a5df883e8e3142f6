"""Postal delivery: the fee from the tariff, tracking numbers from the agency's range, shipments and their statuses.

Every postal status goes on the dossier's timeline (``dossiers.processing.log_event``), which notifies the
citizen; posting the result also returns it (status 9 → 10) with the tracking number as the note.

A result is held while fees are owed (``dossiers.processing.held_reason``). When the citizen chose to pay the
postman on delivery (BCCI collect-on-delivery, "thu hộ"), the shipment carries what is owed (``cod_amount``),
the label prints it, and payments records the postman's collection like a counter payment.

Locks: the dossier's row first, then the shipment's (the order of ``payments.services``).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from dossiers import costs, processing
from dossiers.constants import Channel, DeliveryMethod, Status
from dossiers.models import Dossier
from portal import access
from portal.accounts.models import User
from portal.errors import DomainError
from procedures.models import Agency

from .constants import NEXT_STATUSES, TIMELINE_ACTIONS, Direction, ShipmentStatus, Zone
from .models import Shipment, ShipmentUpdate, Tariff, TrackingRange

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
S10_PATTERN = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")


class PostalError(DomainError):
    """The postal operation is not possible; the message says why, for the official."""

    code = "postal_not_allowed"


class NoTariff(PostalError):
    pass


class TrackingRangeExhausted(PostalError):
    pass


# --- Tariff ------------------------------------------------------------------------------------------------


def zone_for(province_code) -> str:
    """Within the portal's province (``POSTAL_HOME_PROVINCE``) or to another one."""
    try:
        code = int(province_code)
    except (TypeError, ValueError):
        return Zone.NATIONAL
    return Zone.LOCAL if code == int(settings.POSTAL_HOME_PROVINCE) else Zone.NATIONAL


def postal_fee(*, province_code, weight: int | None = None) -> int:
    """The fee of the smallest weight class that takes ``weight`` grams, in the destination's zone."""
    weight = settings.POSTAL_RESULT_WEIGHT if weight is None else weight
    if weight <= 0:
        raise PostalError(_("The weight must be more than 0 grams."))
    zone = zone_for(province_code)
    tariff = Tariff.objects.filter(zone=zone, max_weight__gte=weight).order_by("max_weight").first()
    if tariff is None:
        raise NoTariff(
            _("The postal tariff has no price for %(weight)d g (%(zone)s).")
            % {"weight": weight, "zone": Zone(zone).label.lower()}
        )
    return tariff.amount


def fee_for_dossier(dossier: Dossier) -> int | None:
    """The postal fee of a dossier whose result goes by post; None when it does not, or the tariff has no price."""
    if dossier.delivery_method != DeliveryMethod.POST or not dossier.delivery_place:
        return None
    try:
        return postal_fee(province_code=dossier.delivery_place.get("province_code"))
    except PostalError:
        return None


# --- Tracking numbers (UPU S10: 2 letters, 8 digits, a check digit, VN) ---------------------------------------


def check_digit(serial: int) -> int:
    total = sum(int(d) * w for d, w in zip(f"{serial:08d}", S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def tracking_number(prefix: str, serial: int) -> str:
    return f"{prefix}{serial:08d}{check_digit(serial)}VN"


def is_valid_tracking_number(value: str) -> bool:
    match = S10_PATTERN.match(value or "")
    return bool(match) and check_digit(int(match.group(2))) == int(match.group(3))


@transaction.atomic
def allocate_tracking_number(*, agency: Agency) -> str:
    """The next unused number of the agency's ranges, oldest range first; the row lock makes it race-free."""
    allocation = (
        TrackingRange.objects.select_for_update().filter(agency=agency, next__lte=F("last")).order_by("pk").first()
    )
    if allocation is None:
        raise TrackingRangeExhausted(
            _(
                "%(agency)s has no tracking numbers left. Ask the post office for a new range and enter it under "
                "Postal delivery → Tracking number ranges."
            )
            % {"agency": agency.name}
        )
    serial = allocation.next
    allocation.next = serial + 1
    allocation.save(update_fields=["next"])
    return tracking_number(allocation.prefix, serial)


class TrackingRangeOverlaps(PostalError):
    code = "tracking_range_overlaps"


OVERLAP_CONSTRAINT = "tracking_range_no_overlap"  # on PostgreSQL, postal/migrations/0003


def overlapping_range(*, prefix: str, first: int, last: int) -> TrackingRange | None:
    """The range, of whichever agency, that already holds one of the numbers ``prefix`` + ``first``…``last``."""
    return (
        TrackingRange.objects.select_related("agency")
        .filter(prefix=prefix, first__lte=last, last__gte=first)
        .order_by("first")
        .first()
    )


def _overlap_error(existing: TrackingRange | None) -> TrackingRangeOverlaps:
    if existing is None:  # the other range was entered at the same moment and is not visible here
        return TrackingRangeOverlaps(_("These numbers overlap another range: a tracking number is in one range only."))
    return TrackingRangeOverlaps(
        _(
            "These numbers overlap the range %(range)s of %(agency)s: a tracking number is in one range only. "
            "Check the numbers the post office gave."
        )
        % {"range": existing, "agency": existing.agency.name}
    )


def check_tracking_range(*, prefix: str, first: int, last: int) -> None:
    """Raises ``TrackingRangeOverlaps`` when a number of the range is already in another (forms check it early)."""
    existing = overlapping_range(prefix=prefix, first=first, last=last)
    if existing is not None:
        raise _overlap_error(existing)


@transaction.atomic
def create_tracking_range(*, agency: Agency, prefix: str, first: int, last: int) -> TrackingRange:
    """A range the post office gave the agency; its numbers are given out from ``first`` on.

    Refused (``PostalError``) when malformed, and (``TrackingRangeOverlaps``) when one of its numbers is in another
    range of any agency. Two overlapping ranges entered at the same moment both pass the check; on PostgreSQL the
    exclusion constraint then refuses the second, which gets the same error.
    """
    allocation = TrackingRange(agency=agency, prefix=prefix, first=first, last=last, next=first)
    try:
        allocation.full_clean(validate_unique=False)
    except ValidationError as error:
        raise PostalError(" ".join(error.messages)) from error
    check_tracking_range(prefix=prefix, first=first, last=last)
    try:
        with transaction.atomic():
            allocation.save(force_insert=True)
    except IntegrityError as error:
        if getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) != OVERLAP_CONSTRAINT:
            raise
        raise _overlap_error(overlapping_range(prefix=prefix, first=first, last=last)) from error
    return allocation


# --- Shipments ---------------------------------------------------------------------------------------------


def _check_official(dossier: Dossier, by: User) -> None:
    access.ensure_may_act(by, dossier, error=PostalError)


def amount_to_collect(dossier: Dossier) -> int:
    """What the postman collects on delivery: what is owed, when the citizen chose to pay him then; else 0."""
    return processing.owed_before_return(dossier) if processing.collects_on_delivery(dossier) else 0


def why_not_posted(dossier: Dossier) -> str:
    """Why the result cannot be posted now for lack of payment, or "" (held while owed, unless collected)."""
    return processing.held_reason(dossier, collected_on_delivery=amount_to_collect(dossier))


def may_have_shipments(dossier: Dossier) -> bool:
    """Only a result the citizen asked for by post (``post_result``) and a paper dossier that came by post
    (``receive_dossier_by_post``) have letters: pages need not look for the others'."""
    return dossier.delivery_method == DeliveryMethod.POST or dossier.channel == Channel.POST


@transaction.atomic
def post_result(*, dossier: Dossier, by: User, weight: int | None = None, note: str = "") -> Shipment:
    """The desk posts the result: a tracking number from the agency's range, the shipment, and the dossier is
    returned (9 → 10) with the tracking number, which the citizen is told.

    Refused (``processing.ResultHeld``) while fees are owed, unless the citizen chose to pay the postman on
    delivery: then the shipment carries the amount owed, for the postman to collect."""
    dossier = Dossier.objects.select_for_update(of=("self",)).select_related("agency", "applicant").get(pk=dossier.pk)
    _check_official(dossier, by)
    if dossier.delivery_method != DeliveryMethod.POST:
        raise PostalError(_("The citizen did not ask for the result by post."))
    if dossier.status != Status.RESULT_READY:
        raise PostalError(_("Only a result that is ready can be posted."))
    held = why_not_posted(dossier)
    if held:
        raise processing.ResultHeld(held)  # before a tracking number is taken
    if amount_to_collect(dossier) and costs.paying_online(dossier):  # or the citizen would pay twice
        raise PostalError(
            _(
                "The citizen has started paying online: post the result once that payment is confirmed (nothing is "
                "then collected on delivery) or has expired."
            )
        )
    weight = weight or settings.POSTAL_RESULT_WEIGHT
    place = dossier.delivery_place or {}
    try:
        fee = postal_fee(province_code=place.get("province_code"), weight=weight)
    except NoTariff:
        fee = 0  # the postman collects it; the label says so
    number = allocate_tracking_number(agency=dossier.agency)
    shipment = Shipment.objects.create(
        dossier=dossier,
        direction=Direction.RESULT,
        tracking_number=number,
        recipient=dossier.applicant.full_name or dossier.applicant.username,
        address=dossier.delivery_address,
        phone=dossier.delivery_phone,
        weight=weight,
        fee=fee,
        cod_amount=amount_to_collect(dossier),
        created_by=by,
    )
    ShipmentUpdate.objects.create(shipment=shipment, status=ShipmentStatus.CREATED, note=note, by=by)
    processing.return_result(
        dossier=dossier, by=by, note=number, tracking_number=number, collect_on_delivery=shipment.cod_amount
    )
    return shipment


@transaction.atomic
def record_status(*, shipment: Shipment, status: str, by: User | None, note: str = "") -> Shipment:
    """A postal status update: on the shipment, and on the dossier's timeline (the citizen is notified)."""
    dossier_id = Shipment.objects.values_list("dossier_id", flat=True).get(pk=shipment.pk)
    Dossier.objects.select_for_update(of=("self",)).get(pk=dossier_id)  # the dossier first, then the shipment
    shipment = Shipment.objects.select_for_update(of=("self",)).select_related("dossier").get(pk=shipment.pk)
    if by is not None:
        _check_official(shipment.dossier, by)
    if status not in NEXT_STATUSES.get(shipment.status, ()):
        raise PostalError(
            _("A shipment that is “%(current)s” cannot become “%(new)s”.")
            % {"current": shipment.get_status_display(), "new": ShipmentStatus(status).label}
        )
    shipment.status = status
    shipment.save(update_fields=["status", "updated_at"])
    ShipmentUpdate.objects.create(shipment=shipment, status=status, note=note.strip(), by=by)
    public_note = shipment.tracking_number + (f" — {note.strip()}" if note.strip() else "")
    processing.log_event(dossier=shipment.dossier, action=TIMELINE_ACTIONS[status], by=by, public_note=public_note)
    return shipment


@transaction.atomic
def receive_dossier_by_post(*, dossier: Dossier, by: User, tracking_number: str, note: str = "") -> Shipment:
    """A paper dossier that came by post (channel "post"): its envelope's number, on the timeline."""
    number = (tracking_number or "").strip().upper().replace(" ", "")
    _check_official(dossier, by)
    if dossier.channel != Channel.POST:
        raise PostalError(_("This dossier was not received by post."))
    if not is_valid_tracking_number(number):
        raise PostalError(_("“%(number)s” is not a valid postal tracking number.") % {"number": tracking_number})
    if Shipment.objects.filter(tracking_number=number).exists():
        raise PostalError(_("Tracking number %(number)s is already recorded.") % {"number": number})
    shipment = Shipment.objects.create(
        dossier=dossier,
        direction=Direction.DOSSIER,
        tracking_number=number,
        status=ShipmentStatus.DELIVERED,
        recipient=dossier.agency.name,
        address=dossier.agency.address,
        created_by=by,
    )
    ShipmentUpdate.objects.create(shipment=shipment, status=ShipmentStatus.DELIVERED, note=note, by=by)
    processing.log_event(dossier=dossier, action="post_received", by=by, public_note=number)
    return shipment
