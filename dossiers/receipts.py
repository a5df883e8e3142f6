"""The submission receipt (giấy biên nhận hồ sơ nộp trực tuyến): a PDF with the dossier code as a QR code."""

import segno
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.pdf import render_pdf
from procedures.eforms import display_answers

from .models import Dossier


def render_receipt(dossier: Dossier) -> bytes:
    documents = list(dossier.documents.select_related("required_document"))
    with translation.override("vi"):  # an official document: always in Vietnamese
        html = render_to_string(
            "dossiers/pdf/receipt.html",
            {
                "dossier": dossier,
                "procedure": dossier.procedure,
                "documents": documents,
                "answers": display_answers(dossier.procedure.eform, dossier.form_data),
                "qr": segno.make(dossier.code, error="m").svg_data_uri(scale=4, border=1),
                "submitted_at": timezone.localtime(dossier.submitted_at),
                "issued_at": timezone.localtime(),
            },
        )
    return render_pdf(html)


def issue_receipt(dossier_id: int) -> Dossier:
    """Render and store the receipt once; calling it again (a retried task, a reload) keeps the first one."""
    dossier = Dossier.objects.select_related("procedure", "agency", "applicant", "case").get(pk=dossier_id)
    if dossier.receipt or dossier.is_draft:
        return dossier
    pdf = render_receipt(dossier)  # slow part outside the lock
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier_id)
        if locked.receipt:
            return locked
        locked.receipt.save(f"bien-nhan-{locked.code}.pdf", ContentFile(pdf), save=False)
        locked.save(update_fields=["receipt", "updated_at"])
    return locked
