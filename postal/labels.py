"""The address label (A6) of a shipment: sender, recipient, tracking number as text and QR code."""

import segno
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal import issued
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


# Printed on demand by the official who posts the result: never rendered ahead, so never swept.
LABEL = issued.DocumentKind(
    name="postal.label",
    model=Shipment,
    field="label",
    render=render_label,
    filename=lambda shipment: f"nhan-{shipment.tracking_number}.pdf",
    select_related=("dossier__agency", "dossier__procedure"),
    sealed_by=lambda shipment: (shipment.dossier.agency, shipment.dossier.code),
)


def label_for(shipment_id: int) -> Shipment:
    """The shipment with its label, rendered and stored now if it has none yet."""
    return issued.store(LABEL, shipment_id)
