"""The address label (A6) of a shipment: sender, recipient, tracking number as text and QR code."""

import segno
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.pdf import render_pdf

from .models import Shipment


def render_label(shipment: Shipment) -> bytes:
    with translation.override("vi"):  # printed for the post office: always in Vietnamese
        html = render_to_string(
            "postal/pdf/label.html",
            {
                "shipment": shipment,
                "dossier": shipment.dossier,
                "agency": shipment.dossier.agency,
                "qr": segno.make(shipment.tracking_number, error="m").svg_data_uri(scale=4, border=1),
                "created_at": timezone.localtime(shipment.created_at),
            },
        )
    return render_pdf(html)


def label_for(shipment_id: int) -> Shipment:
    """Render and store the label once; later calls return the stored one."""
    shipment = Shipment.objects.select_related("dossier__agency", "dossier__procedure").get(pk=shipment_id)
    if shipment.label:
        return shipment
    pdf = render_label(shipment)
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().get(pk=shipment_id)
        if not locked.label:
            locked.label.save(f"nhan-{locked.tracking_number}.pdf", ContentFile(pdf), save=False)
            locked.save(update_fields=["label", "updated_at"])
    return locked
