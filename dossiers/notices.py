"""PDFs of the documents an agency issues for a dossier: forms 01–05, the result notice, the control slip."""

from datetime import datetime

from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal import access, issued
from portal.pdf import render_pdf

from .constants import NoticeKind
from .events import DossierAction
from .models import Dossier, DossierNotice
from .receipts import lookup_qr


def _when(value: str | None) -> datetime | None:
    return timezone.localtime(datetime.fromisoformat(value)) if value else None


def issuing_agency(notice: DossierNotice):
    """The agency that issues a notice, and seals it: the agency of the official whose action issued it (the
    receiving centre's desk for forms 01–03 at intake, the competent agency while processing); without one, the
    receiving centre for what is issued at intake, the competent agency otherwise."""
    dossier = notice.dossier
    acted = access.agency_that_acted(dossier, notice.event.actor if notice.event_id else None)
    if acted is not None:
        return acted
    at_intake = notice.kind == NoticeKind.ACCEPTANCE or (
        notice.kind in (NoticeKind.SUPPLEMENT, NoticeKind.REFUSAL) and dossier.accepted_at is None
    )  # issued by no one (a supplement deadline that passed at intake): still the centre's
    if at_intake and dossier.received_by_id:
        return dossier.received_by
    return dossier.agency


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
                "issuer": issuing_agency(notice),
                "desk": dossier.received_by or dossier.agency,  # where a result collected in person is handed back
            },
        )
    return render_pdf(html)


# The hand-overs the control slip lists (who gave the dossier to whom, and when): intake at the receiving centre,
# routing to the competent agency, each hand-over inside it, the result, its return; supplements and what ends it.
HANDOVERS = (
    DossierAction.SUBMIT,
    DossierAction.ACCEPT,
    DossierAction.ROUTE,
    DossierAction.ASSIGN,
    DossierAction.FORWARD,
    DossierAction.SUBMIT_FOR_APPROVAL,
    DossierAction.REQUEST_SUPPLEMENT,
    DossierAction.SUPPLEMENT,
    DossierAction.RECALL,
    DossierAction.APPROVE,
    DossierAction.RETURN_RESULT,
    DossierAction.REFUSE,
    DossierAction.STOP,
    DossierAction.WITHDRAW,
)


def render_control_slip(dossier: Dossier) -> bytes:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ: every hand-over of the dossier (intake, routing between agencies,
    each step, the return; who, of which agency, when), then every step, its handler, start, end and whether on
    time."""
    with translation.override("vi"):
        handovers = [
            {
                "at": event.created_at,
                "what": DossierAction(event.action).label,
                "agency": event.actor.agency.name if event.actor and event.actor.agency_id else "",
                "who": (event.actor.full_name or event.actor.username) if event.actor else "",
                "note": event.public_note,
            }
            for event in dossier.events.filter(action__in=HANDOVERS).select_related("actor__agency").order_by("pk")
        ]
        html = render_to_string(
            "dossiers/pdf/control_slip.html",
            {
                "dossier": dossier,
                "procedure": dossier.procedure,
                "handovers": handovers,
                "steps": dossier.steps.select_related("handler"),
                "issued_at": timezone.localtime(),
                "qr": lookup_qr(dossier.code),
            },
        )
    return render_pdf(html)


NOTICE = issued.DocumentKind(
    name="dossiers.notice",
    model=DossierNotice,
    field="file",
    render=render_notice,
    filename=lambda notice: f"mau-{notice.kind}-{notice.dossier.code}.pdf",
    select_related=(
        "dossier__procedure",
        "dossier__agency",
        "dossier__received_by",
        "dossier__applicant",
        "event__actor__agency",
    ),
    should_have=Q(),
    issued_at="issued_at",
    sealed_by=lambda notice: (issuing_agency(notice), notice.dossier.code),
    of_dossier="dossier_id",
    download_path=lambda notice, dossier: reverse(
        "dossiers:notice", kwargs={"public_id": dossier.public_id, "pk": notice.pk}
    ),
    title=lambda notice: notice.get_kind_display(),
)


def render_and_store(notice_id: int) -> DossierNotice:
    """The notice with its PDF, rendered and stored now if no task has yet."""
    return issued.store(NOTICE, notice_id)
