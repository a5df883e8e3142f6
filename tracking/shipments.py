"""Postal delivery tracking on the look-up page (public postal service, BCCI).

``shipments_for(dossier)`` gives what the page shows about letters sent for a dossier: tracking number, status,
last update and direction, never the recipient's name, address or phone. By default it reads the shipments of the
``postal`` app when that app is installed; the ``TRACKING_SHIPMENTS_PROVIDER`` setting (a dotted path to a function
``(dossier) -> list[Shipment]``) replaces it, e.g. to ask a postal operator's tracking service instead.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Shipment:
    tracking_number: str
    status: str  # translated, for display
    updated_at: datetime | None = None
    direction: str = ""  # translated, e.g. "Result sent to the citizen"


def postal_shipments(dossier) -> list[Shipment]:
    """The shipments the ``postal`` app recorded for the dossier (none when the app is not installed)."""
    if not apps.is_installed("postal"):
        return []
    from postal.services import may_have_shipments

    if not may_have_shipments(dossier):
        return []
    model = apps.get_model("postal", "Shipment")
    rows = model.objects.filter(dossier=dossier).order_by("created_at", "pk")
    return [
        Shipment(
            tracking_number=row.tracking_number,
            status=str(row.get_status_display()),
            updated_at=row.updated_at,
            direction=str(row.get_direction_display()),
        )
        for row in rows
    ]


@cache
def _provider(path: str):
    return import_string(path) if path else postal_shipments


def shipments_for(dossier) -> list[Shipment]:
    return list(_provider(getattr(settings, "TRACKING_SHIPMENTS_PROVIDER", ""))(dossier))
