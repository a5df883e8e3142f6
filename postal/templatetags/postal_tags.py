from django import template

from ..models import Shipment, ShipmentUpdate

register = template.Library()


@register.inclusion_tag("postal/_dossier_shipments.html")
def dossier_shipments(dossier, admin=False):
    """Shipments of a dossier with their status history (two queries)."""
    from django.db.models import Prefetch

    shipments = list(
        Shipment.objects.filter(dossier=dossier)
        .prefetch_related(Prefetch("updates", queryset=ShipmentUpdate.objects.order_by("at", "pk")))
        .order_by("created_at", "pk")
    )
    return {"dossier": dossier, "shipments": shipments, "admin": admin}
