"""Every change to a dossier a citizen makes while filing it; one function each, in a transaction."""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import issued
from portal.accounts.models import User
from portal.accounts.validators import normalize_vn_phone
from portal.errors import DomainError, FileStoreUnavailable, storage_errors
from procedures import routing
from procedures.eforms import EForm
from procedures.models import Agency, Procedure, ProcedureCase, RequiredDocument

from .codes import next_dossier_code
from .constants import Channel, DeliveryMethod, DocumentKind, Status
from .events import DossierAction
from .models import Dossier, DossierDocument, ReplacedDocument
from .receipts import RECEIPT
from .timeline import write_event
from .uploads import check_upload, combine_scans, sha256_of

logger = logging.getLogger(__name__)


class DossierError(DomainError):
    """The dossier's state does not allow this; the message tells the citizen why, in their language."""

    code = "not_allowed"


def delivery_methods(procedure: Procedure) -> list[str]:
    """Level 3: the result is collected at the office. Level 4: also online or by post (BCCI)."""
    if procedure.pays_online:
        return [DeliveryMethod.OFFICE, DeliveryMethod.ONLINE, DeliveryMethod.POST]
    return [DeliveryMethod.OFFICE]


def _locked_draft(dossier: Dossier, *, supplementing: bool = False, at_counter: bool = False) -> Dossier:
    """The dossier, locked, if the citizen may change it: a draft, or (documents only) while supplementing. A draft
    the desk is registering is changed only by the desk (``at_counter``: ``dossiers.counter`` checked who acts)."""
    dossier = Dossier.objects.select_for_update(of=("self",)).select_related("procedure").get(pk=dossier.pk)
    allowed = {Status.DRAFT, Status.SUPPLEMENT_REQUESTED} if supplementing else {Status.DRAFT}
    if dossier.status not in allowed:
        raise DossierError(_("This dossier has been submitted and can no longer be changed."))
    if dossier.status == Status.DRAFT and dossier.channel == Channel.COUNTER and not at_counter:
        raise DossierError(_("This dossier is being registered at the counter; the desk completes it."))
    return dossier


@transaction.atomic
def start_draft(
    *,
    procedure: Procedure,
    applicant: User,
    agency: Agency,
    case: ProcedureCase | None,
    received_by: Agency | None = None,
    channel: str = Channel.ONLINE,
) -> Dossier:
    """A draft for ``agency`` (the competent agency), filed at ``received_by`` (a one-stop centre that may receive
    the procedure, ``procedures.routing``; by default the competent agency itself). ``channel``: online here, or
    filed on the national portal and received through interconnection."""
    if not (procedure.is_published and procedure.accepts_online_submission):
        raise DossierError(_("This procedure cannot be filed online."))
    if applicant.is_official:
        raise DossierError(_("Officials cannot file dossiers with their back-office account."))
    if procedure.agencies.exists() and not procedure.agencies.filter(pk=agency.pk).exists():
        raise DossierError(_("This agency does not handle this procedure."))
    received_by = received_by or agency
    if received_by.pk != agency.pk:
        routing.ensure_may_receive(received_by, procedure)
    cases = list(procedure.cases.all())
    if case is None and len(cases) == 1:
        case = cases[0]
    if case is None or case.procedure_id != procedure.pk:
        raise DossierError(_("Choose the case that applies to you."))
    if channel not in (Channel.ONLINE, Channel.NATIONAL_PORTAL):
        raise DossierError(_("This dossier cannot be filed this way."))
    return Dossier.objects.create(
        procedure=procedure, applicant=applicant, agency=agency, received_by=received_by, case=case, channel=channel
    )


@transaction.atomic
def save_declaration(*, dossier: Dossier, data: dict, at_counter: bool = False) -> Dossier:
    dossier = _locked_draft(dossier, at_counter=at_counter)
    dossier.form_data = data
    dossier.save(update_fields=["form_data", "updated_at"])
    return dossier


@transaction.atomic
def attach_document(*, dossier: Dossier, required_document: RequiredDocument, upload: UploadedFile) -> DossierDocument:
    """Store one scan for one document slot (replacing an earlier one); raises ValidationError naming the file."""
    dossier = _locked_draft(dossier, supplementing=True)
    if required_document.case_id != dossier.case_id:
        raise DossierError(_("This document is not part of the chosen case."))
    existing = held_document(dossier, required_document)
    content_type = check_upload(upload, already_stored=size_of_the_rest(dossier, required_document))
    document = DossierDocument(
        dossier=dossier,
        required_document=required_document,
        original_name=(upload.name or "")[:255],
        content_type=content_type,
        size=upload.size,
        sha256=sha256_of(upload),
    )
    try:
        document.file.save("upload", upload, save=False)  # streamed in chunks; the name is generated
    except storage_errors() as error:
        logger.error("Could not store an upload for dossier %s: %s", dossier.pk, error)
        raise FileStoreUnavailable(
            _(
                "The file %(name)s was not saved: the file store is not answering. Everything else in your dossier "
                "is kept; upload the file again in a few minutes."
            )
            % {"name": document.original_name}
        ) from None
    return put_document(document, replacing=existing)


def desk_scan(
    *, dossier: Dossier, required_document: RequiredDocument, uploads, place: str = "counter"
) -> DossierDocument:
    """A paper digitised by the desk (Circular 03/2025/TT-VPCP): its pages (``uploads``, several files) combined into
    one PDF, stored as a scan made at intake, not yet in its slot (``put_document``). The caller holds the dossier's
    lock and checked who acts. Raises ValidationError naming a file that is not a document, or when the scan would
    take the dossier over its limit; FileStoreUnavailable when the store does not answer."""
    stored = size_of_the_rest(dossier, required_document)
    content, pages = combine_scans(uploads, already_stored=stored)
    if stored + len(content) > settings.DOSSIER_MAX_TOTAL_SIZE:
        raise ValidationError(
            _("The scan would take the dossier over its limit of %(max)s in all; scan at a lower resolution.")
            % {"max": filesizeformat(settings.DOSSIER_MAX_TOTAL_SIZE)},
            code="dossier_too_large",
        )
    document = DossierDocument(
        dossier=dossier,
        required_document=required_document,
        original_name=", ".join(upload.name or "" for upload in uploads)[:255],
        content_type=DocumentKind.PDF,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        pages=pages,
        scanned_at_intake=True,
    )
    try:
        document.file.save("scan.pdf", ContentFile(content), save=False)
    except storage_errors() as error:
        logger.error("Could not store a desk scan for dossier %s (%s): %s", dossier.pk, place, error)
        raise FileStoreUnavailable(
            _(
                "The scan of “%(name)s” was not saved: the file store is not answering. Everything else is kept; "
                "scan it again in a few minutes."
            )
            % {"name": required_document.name}
        ) from None
    return document


@transaction.atomic
def scan_supplement_at_desk(
    *, dossier: Dossier, required_document: RequiredDocument, uploads: list[UploadedFile]
) -> DossierDocument:
    """A paper a citizen brought to the desk for a supplement, digitised there (``desk_scan``: its pages in one PDF)
    into its slot; the caller checked who acts (``processing.why_not_supplement_at_desk``)."""
    dossier = _locked_draft(dossier, supplementing=True)
    if required_document.case_id != dossier.case_id:
        raise DossierError(_("This document is not part of the chosen case."))
    document = desk_scan(dossier=dossier, required_document=required_document, uploads=uploads, place="supplement")
    return put_document(document, replacing=held_document(dossier, required_document))


def put_document(document: DossierDocument, *, replacing: DossierDocument | None) -> DossierDocument:
    """Save a document (its file already stored, or an exemption) into its slot, in place of ``replacing``, the
    slot's earlier document (``drop_document``). The caller holds the dossier's lock."""
    if replacing is not None:
        drop_document(replacing)
    saved_file = document.file
    try:
        document.save()
    except Exception:
        if saved_file:
            saved_file.storage.delete(saved_file.name)  # no row points at it: do not leave it behind
        raise
    return document


@transaction.atomic
def discard_draft(*, dossier: Dossier, by: User) -> None:
    """The citizen deletes a draft they no longer want: nothing was sent (no code, no event, no payment). Its files
    are deleted once this commits. A part of linked procedures goes only with its filing (``linked.discard_filing``)."""
    dossier = _locked_draft(dossier)
    if by.pk != dossier.applicant_id:
        raise DossierError(_("Only the applicant can delete this draft."))
    if dossier.filing_id:
        raise DossierError(_("This dossier is part of linked procedures: delete them together from the filing’s page."))
    delete_draft(dossier)


def delete_draft(dossier: Dossier) -> None:
    """Delete a locked draft and its documents; files go once the transaction commits (the citizen's, the counter's
    and a linked filing's drafts alike)."""
    for document in dossier.documents.all():
        drop_document(document)
    dossier.delete()


def drop_document(document: DossierDocument) -> None:
    """Delete a slot's document; its file is deleted once the transaction commits, unless the agency had it: a paper
    filed before the dossier went back to the citizen for a supplement is kept as a ``ReplacedDocument``, file and all.
    The caller holds the lock."""
    old_file = document.file
    if old_file and _filed_before_the_supplement_request(document):
        ReplacedDocument.objects.create(
            dossier_id=document.dossier_id,
            required_document_id=document.required_document_id,
            file=old_file.name,
            original_name=document.original_name,
            content_type=document.content_type,
            size=document.size,
            sha256=document.sha256,
            uploaded_at=document.uploaded_at,
        )
        document.delete()
        return
    document.delete()
    if old_file:  # a paper not digitised at the counter has no file
        transaction.on_commit(lambda: old_file.storage.delete(old_file.name))


def _filed_before_the_supplement_request(document: DossierDocument) -> bool:
    """Whether the agency had this paper: the dossier is out for a supplement (since ``paused_at``) and the paper came
    before (one uploaded since, and replaced again before the supplement is sent, was never the agency's)."""
    dossier = document.dossier
    return (
        dossier.status == Status.SUPPLEMENT_REQUESTED
        and dossier.paused_at is not None
        and document.uploaded_at < dossier.paused_at
    )


@transaction.atomic
def remove_document(*, document: DossierDocument) -> None:
    _locked_draft(document.dossier, supplementing=True)
    drop_document(document)


@transaction.atomic
def choose_delivery(
    *,
    dossier: Dossier,
    method: str,
    place: dict | None = None,
    phone: str = "",
    pay_on_delivery: bool = False,
    at_counter: bool = False,
) -> Dossier:
    """How the result comes back; by post with a structured address (``procedures.eforms.AddressField``'s value:
    province and ward from the official list, street) and a phone for the postman, and, if the citizen chooses,
    paying what is owed to the postman on delivery (BCCI collect-on-delivery; never for the other methods). The desk
    asks the citizen at the counter the same (``at_counter``: ``counter.choose_delivery``)."""
    dossier = _locked_draft(dossier, at_counter=at_counter)
    if method not in delivery_methods(dossier.procedure):
        raise DossierError(_("This way of receiving the result is not offered for this procedure."))
    if method == DeliveryMethod.POST:
        if not place or not place.get("province_code") or not str(place.get("street", "")).strip():
            raise ValidationError({"address": _("Enter the address the result should be posted to.")})
        phone = normalize_vn_phone(phone)
    else:
        place, phone, pay_on_delivery = {}, "", False
    dossier.delivery_method, dossier.delivery_place, dossier.delivery_phone = method, place, phone
    dossier.delivery_address = place.get("text", "") if place else ""
    dossier.pay_on_delivery = bool(pay_on_delivery)
    dossier.save(
        update_fields=[
            "delivery_method",
            "delivery_address",
            "delivery_place",
            "delivery_phone",
            "pay_on_delivery",
            "updated_at",
        ]
    )
    return dossier


def missing_parts(dossier: Dossier) -> list[str]:
    """What still stops the dossier from being submitted, in words for the citizen."""
    problems = []
    form = EForm(data=_as_form_data(dossier), spec=dossier.procedure.eform)
    if dossier.procedure.eform and not (dossier.form_data and form.is_valid()):
        problems.append(_("The declaration is not complete."))
    for required in missing_scans(dossier):
        problems.append(_("Missing document: %(name)s") % {"name": required.name})
    return problems


def missing_scans(dossier: Dossier) -> list[RequiredDocument]:
    """The required documents of the dossier's case that still have no scan (nor, at the counter, an exemption)."""
    have = {d.required_document_id for d in dossier.documents.all()}
    slots = dossier.case.documents.all() if dossier.case else []
    return [slot for slot in slots if slot.needs_upload(dossier.procedure) and slot.pk not in have]


def size_of_the_rest(dossier: Dossier, required_document: RequiredDocument) -> int:
    """Bytes the dossier holds in its other slots: what a new file for this slot adds to, against
    ``DOSSIER_MAX_TOTAL_SIZE`` (an upload, a counter scan, a reused or a copied paper alike)."""
    others = dossier.documents.exclude(required_document=required_document)
    return others.aggregate(total=Sum("size"))["total"] or 0


def fits(dossier: Dossier, required_document: RequiredDocument, size: int) -> bool:
    """A file of ``size`` bytes in this slot keeps the dossier within its limit."""
    return size_of_the_rest(dossier, required_document) + size <= settings.DOSSIER_MAX_TOTAL_SIZE


def held_document(dossier: Dossier, required_document: RequiredDocument) -> DossierDocument | None:
    """What the slot holds: a scan, or at the counter an exemption."""
    return dossier.documents.filter(required_document=required_document).first()


def _as_form_data(dossier: Dossier) -> dict:
    """The stored answers, in the shape the e-form's widgets post them back."""
    data = {}
    for item in dossier.procedure.eform:
        name = item.get("name")
        value = dossier.form_data.get(name) if name else None
        if isinstance(value, dict):
            data[f"{name}_province"] = value.get("province_code")
            data[f"{name}_ward"] = value.get("ward")
            data[f"{name}_street"] = value.get("street")
        elif value is not None and name:
            data[name] = value
    return data


@transaction.atomic
def submit_dossier(*, dossier: Dossier, by: User) -> tuple[Dossier, bool]:
    """Draft → submitted, with its dossier code. Submitting twice (a double click) gives the same dossier back.

    Returns the dossier and whether this call submitted it.
    """
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency", "received_by", "case")
        .get(pk=dossier.pk)
    )
    if dossier.applicant_id != by.pk:
        raise DossierError(_("Only the applicant can submit this dossier."))
    if dossier.status != Status.DRAFT:
        return dossier, False
    if dossier.filing_id:
        raise DossierError(_("This dossier is part of linked procedures: submit them together from the filing’s page."))
    if dossier.channel == Channel.COUNTER:
        raise DossierError(_("This dossier is being registered at the counter; the desk completes it."))
    return file_submission(dossier, by=by), True


def file_submission(
    dossier: Dossier, *, by: User, complete: bool = True, public_note: str = "", extra: dict | None = None
) -> Dossier:
    """The one submission step, on the locked draft, for the citizen's submit, the counter's registration
    (``dossiers.counter``) and each part of linked procedures (``dossiers.linked``): its code from the receiving
    centre's counter, the submitted status, the SUBMIT event (fees, notifications; ``extra`` on it) and the receipt,
    and the papers kept in the citizen's store. ``complete``: refuse it while ``missing_parts`` lists something (a
    dossier registered at the counter only to ask for a supplement or to refuse it need not be; a linked part is
    checked with its filing)."""
    if complete:
        problems = missing_parts(dossier)
        if problems:
            raise DossierError(" ".join(problems))
    now = timezone.now()
    dossier.code = next_dossier_code(agency=dossier.receiving_centre, day=timezone.localdate(now))
    dossier.status = Status.SUBMITTED
    dossier.submitted_at = now
    dossier.save(update_fields=["code", "status", "submitted_at", "updated_at"])  # billed by payments (events)
    write_event(
        dossier, action=DossierAction.SUBMIT, from_status=Status.DRAFT, by=by, public_note=public_note, extra=extra
    )
    issued.issue(RECEIPT, dossier.pk)  # rendered after commit; or by the sweep if the broker is down
    from . import store  # the citizen's store keeps copies of the papers, after commit

    store.after_submission(dossier)
    return dossier
