"""The submission receipt (giấy biên nhận hồ sơ nộp trực tuyến): a PDF with the dossier code as a QR code."""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal import issued
from portal.pdf import render_pdf
from procedures.eforms import display_answers

from .constants import Status
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


RECEIPT = issued.DocumentKind(
    name="dossiers.receipt",
    model=Dossier,
    field="receipt",
    render=render_receipt,
    filename=lambda dossier: f"bien-nhan-{dossier.code}.pdf",
    select_related=("procedure", "agency", "received_by", "applicant", "case"),
    should_have=~Q(status=Status.DRAFT),
    issued_at="submitted_at",
    sealed_by=lambda dossier: (dossier.receiving_centre, dossier.code),
    of_dossier="pk",
    download_path=lambda _row, dossier: reverse("dossiers:receipt", kwargs={"public_id": dossier.public_id}),
    title=lambda dossier: _("Receipt of the dossier"),
)
