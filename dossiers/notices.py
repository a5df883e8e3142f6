"""PDFs of the documents an agency issues for a dossier: forms 01–05, the result notice, the control slip."""

from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.pdf import render_pdf

from .constants import NoticeKind
from .models import Dossier, DossierNotice
from .receipts import lookup_qr


def _when(value: str | None) -> datetime | None:
    return timezone.localtime(datetime.fromisoformat(value)) if value else None


def render_notice(notice: DossierNotice) -> bytes:
    dossier = notice.dossier
    data = dict(notice.data)
    for key in ("due_at", "deadline", "old_due_at", "new_due_at"):
        data[key] = _when(data.get(key))
    with translation.override("vi"):  # official documents are in Vietnamese
        html = render_to_string(
            "dossiers/pdf/notice.html",
            {
                "notice": notice,
                "kind": NoticeKind(notice.kind),
                "dossier": dossier,
                "procedure": dossier.procedure,
                "data": data,
                "documents": dossier.documents.select_related("required_document"),
                "issued_at": timezone.localtime(notice.issued_at),
                "qr": lookup_qr(dossier.code),
            },
        )
    return render_pdf(html)


def render_control_slip(dossier: Dossier) -> bytes:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ: every step, its handler, start, end and whether on time."""
    with translation.override("vi"):
        html = render_to_string(
            "dossiers/pdf/control_slip.html",
            {
                "dossier": dossier,
                "procedure": dossier.procedure,
                "steps": dossier.steps.select_related("handler"),
                "issued_at": timezone.localtime(),
                "qr": lookup_qr(dossier.code),
            },
        )
    return render_pdf(html)


def render_and_store(notice_id: int) -> DossierNotice:
    notice = DossierNotice.objects.select_related("dossier__procedure", "dossier__agency", "dossier__applicant").get(
        pk=notice_id
    )
    if notice.file:
        return notice
    pdf = render_notice(notice)
    with transaction.atomic():
        locked = DossierNotice.objects.select_for_update().get(pk=notice_id)
        if not locked.file:
            locked.file.save(f"mau-{notice.kind}-{notice.dossier.code}.pdf", ContentFile(pdf), save=False)
            locked.save(update_fields=["file"])
    return locked
