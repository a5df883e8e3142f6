from django.db import models
from django.utils.translation import gettext_lazy as _


class Zone(models.TextChoices):
    """Postal tariff zones, from the agency's province to the destination."""

    LOCAL = "local", _("Within the province")
    NATIONAL = "national", _("To another province")


class Direction(models.TextChoices):
    RESULT = "result", _("Result sent to the citizen")
    DOSSIER = "dossier", _("Paper dossier received from the citizen")


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    HANDED_OVER = "handed_over", _("Handed over to the post office")
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned to the agency")


# Each status may only be followed by those listed (never backwards); delivered and returned are final.
NEXT_STATUSES: dict[str, frozenset[str]] = {
    ShipmentStatus.CREATED: frozenset({ShipmentStatus.HANDED_OVER, ShipmentStatus.RETURNED}),
    ShipmentStatus.HANDED_OVER: frozenset(
        {ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED}
    ),
    ShipmentStatus.IN_TRANSIT: frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED}),
    ShipmentStatus.DELIVERED: frozenset(),
    ShipmentStatus.RETURNED: frozenset(),
}

# The dossier timeline entry (dossiers.workflow.TIMELINE_EVENTS) written for each postal status.
TIMELINE_ACTIONS = {
    ShipmentStatus.HANDED_OVER: "post_handed_over",
    ShipmentStatus.IN_TRANSIT: "post_in_transit",
    ShipmentStatus.DELIVERED: "post_delivered",
    ShipmentStatus.RETURNED: "post_returned",
}
