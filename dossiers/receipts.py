"""The submission receipt (giấy biên nhận hồ sơ nộp trực tuyến): a PDF with the dossier code as a QR code."""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal.pdf import render_pdf
from procedures.eforms import display_answers

from .models import Dossier


def lookup_url(code: str) -> str:
    """The public look-up page with the code filled in: what the QR code on every issued PDF opens."""
    return f"{settings.PORTAL_URL.rstrip('/')}{reverse('tracking:lookup')}?{urlencode({'code': code})}"


def lookup_qr(code: str) -> str:
    """The QR code of ``lookup_url(code)``, as an SVG data URI for the PDF templates."""
    return segno.make(lookup_url(code), error="m").svg_data_uri(scale=4, border=1)


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
                "qr": lookup_qr(dossier.code),
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
