"""Intake of paper dossiers at the one-stop desk, with digitisation at intake (Circular 03/2025/TT-VPCP, art. 5).

The desk officer of a receiving centre registers, for a citizen standing at the counter, the same dossier the
citizen could have filed online: a draft received by the centre (``Channel.COUNTER``), the procedure's e-form, one
PDF per required document made from the pages scanned (or the reason it is not digitised), then accepts it, asks
for a supplement or refuses it. The last step files it through the citizen's own submission
(``services.file_submission``: code from the centre's counter, SUBMIT event, receipt) and the officials' actions
(``processing.accept`` / ``request_supplement`` / ``refuse``): same code, notices, messages and look-up as online.

One function per change, each in a transaction, each checking that ``by`` is a desk officer (or the agency
administrator) of the centre that holds the draft.
"""

import logging
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal import access
from portal.accounts.constants import Role, UserKind
from portal.accounts.models import User
from portal.collation import vietnamese
from portal.errors import AccessDenied, DomainError
from portal.records import record_language, recorded
from procedures import routing
from procedures.models import Agency, Procedure, ProcedureCase, ProcedureGroup, RequiredDocument

from . import linked, processing, services, store
from .constants import Channel, DigitisationExemption, Status
from .models import Dossier, DossierDocument, LinkedFiling

logger = logging.getLogger(__name__)


class CounterError(DomainError):
    """The registration cannot go on as asked; the message tells the desk officer why."""

    code = "counter"


# --- Who registers ------------------------------------------------------------------------------------------------


def may_register(user) -> bool:
    """A desk officer (or the agency administrator) of an agency, in the back office."""
    return bool(access.in_back_office(user) and access.is_official(user) and access.has_role(user, {Role.DESK}))


def ensure_desk(user) -> Agency:
    """The centre ``user`` registers paper dossiers for (their own agency), or AccessDenied."""
    if not may_register(user):
        raise AccessDenied(_("Only the one-stop desk of a receiving centre registers paper dossiers."))
    return user.agency


def drafts(user) -> QuerySet[Dossier]:
    """The paper dossiers being registered at the user's centre (none for anyone who may not register)."""
    if not may_register(user):
        return Dossier.objects.none()
    return Dossier.objects.filter(status=Status.DRAFT, channel=Channel.COUNTER, received_by_id=user.agency_id)


def receivable_procedures(centre: Agency) -> QuerySet[Procedure]:
    """The published procedures ``centre`` may receive (``routing.may_receive``), of any online level."""
    procedures = Procedure.objects.published().order_by(vietnamese("name"))
    if not centre.is_active:
        return procedures.none()
    if centre.receives_dossiers:
        return procedures.filter(Q(agencies=centre) | Q(any_centre=True)).distinct()
    return procedures.filter(agencies=centre)


def _locked(dossier: Dossier, by: User) -> Dossier:
    """The counter draft, locked, if ``by`` may go on registering it. A part of linked procedures is locked after
    its filing and with every other part, in the filing's order (``linked._locked_draft``): a paper scanned for it is
    copied into the others."""
    centre = ensure_desk(by)
    if dossier.filing_id:
        _locked_filing(dossier.filing, by)
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency", "received_by", "case", "applicant")
        .get(pk=dossier.pk)
    )
    if dossier.channel != Channel.COUNTER or dossier.received_by_id != centre.pk:
        raise AccessDenied(_("This dossier is being registered at another counter."))
    if dossier.status != Status.DRAFT:
        raise CounterError(
            _("Dossier %(code)s has already been registered: it is “%(status)s”.")
            % {"code": dossier.code, "status": dossier.get_status_display()}
        )
    return dossier


def _locked_filing(filing: LinkedFiling, by: User) -> LinkedFiling:
    """The counter draft of linked procedures, with its parts, locked, if ``by`` may go on registering it."""
    centre = ensure_desk(by)
    if filing.received_by_id != centre.pk or not filing.parts.filter(channel=Channel.COUNTER).exists():
        raise AccessDenied(_("This dossier is being registered at another counter."))
    if filing.submitted_at is not None:
        raise CounterError(
            _("These linked procedures have already been registered as %(code)s.") % {"code": filing.code}
        )
    return linked._locked_draft(filing, at_counter=True)


def _alone(dossier: Dossier) -> Dossier:
    """A decision is taken on the linked procedures together, never on one of them."""
    if dossier.filing_id:
        raise CounterError(_("This dossier is one of linked procedures: register them together, on their own page."))
    return dossier


def filing_drafts(user) -> QuerySet[LinkedFiling]:
    """The linked procedures being registered at the user's centre."""
    if not may_register(user):
        return LinkedFiling.objects.none()
    return LinkedFiling.objects.filter(
        submitted_at__isnull=True, received_by_id=user.agency_id, parts__channel=Channel.COUNTER
    ).distinct()


# --- Registering ------------------------------------------------------------------------------------------------


@transaction.atomic
def start(*, by: User, applicant: User, procedure: Procedure, case: ProcedureCase | None, agency: Agency) -> Dossier:
    """A paper dossier received by ``by``'s centre for ``agency`` (the competent agency), as a counter draft."""
    centre = ensure_desk(by)
    if not procedure.is_published:
        raise CounterError(_("This procedure is not published."))
    if applicant.kind != UserKind.CITIZEN:
        raise CounterError(_("Dossiers are registered for citizens, not for officials' accounts."))
    routing.ensure_may_receive(centre, procedure)
    routing.ensure_handles(agency, procedure)
    cases = list(procedure.cases.all())
    if case is None and len(cases) == 1:
        case = cases[0]
    if case is None or case.procedure_id != procedure.pk:
        raise CounterError(_("Choose the case that applies to the citizen."))
    return Dossier.objects.create(
        procedure=procedure, applicant=applicant, agency=agency, received_by=centre, case=case, channel=Channel.COUNTER
    )


@transaction.atomic
def start_filing(
    *, by: User, applicant: User, group: ProcedureGroup, cases: dict[int, ProcedureCase] | None = None
) -> LinkedFiling:
    """Linked procedures (Decree 63/2024) brought on paper: one counter draft per procedure, filled in together as
    online (``linked.start_filing``), for the centre that may receive every one of them."""
    centre = ensure_desk(by)
    if applicant.kind != UserKind.CITIZEN:
        raise CounterError(_("Dossiers are registered for citizens, not for officials' accounts."))
    if not linked.may_receive_group(centre, group):
        raise CounterError(_("%(agency)s cannot receive these linked procedures.") % {"agency": centre.name})
    return linked.start_filing(
        group=group, applicant=applicant, received_by=centre, cases=cases, channel=Channel.COUNTER
    )


@transaction.atomic
def save_filing_declaration(*, filing: LinkedFiling, by: User, data: dict) -> LinkedFiling:
    """The group's one declaration, as the citizen declared it on paper, on the filing and every part."""
    _locked_filing(filing, by)
    return linked.save_declaration(filing=filing, data=data, at_counter=True)


@transaction.atomic
def choose_delivery(*, dossier: Dossier, by: User, **choice) -> Dossier:
    """How the citizen at the counter wants the result back, where the procedure offers more than the centre's desk
    (``services.choose_delivery``: online, or by post with the address, phone and collect-on-delivery)."""
    _locked(dossier, by)
    return services.choose_delivery(dossier=dossier, **choice, at_counter=True)


@transaction.atomic
def choose_filing_delivery(*, filing: LinkedFiling, by: User, choices: dict[int, dict]) -> None:
    """The same for each procedure of linked procedures, with one postal address (``linked.choose_delivery``)."""
    _locked_filing(filing, by)
    linked.choose_delivery(filing=filing, choices=choices, at_counter=True)


@transaction.atomic
def save_declaration(*, dossier: Dossier, by: User, data: dict) -> Dossier:
    """The procedure's e-form as the citizen declared it on paper (``procedures.eforms.EForm.to_json``)."""
    dossier = _locked(dossier, by)
    dossier.form_data = data
    dossier.save(update_fields=["form_data", "updated_at"])
    return dossier


def _slot(dossier: Dossier, required_document: RequiredDocument) -> None:
    if required_document.case_id != dossier.case_id:
        raise CounterError(_("This document is not part of the chosen case."))


@transaction.atomic
def scan_document(
    *, dossier: Dossier, by: User, required_document: RequiredDocument, uploads: Sequence[UploadedFile]
) -> DossierDocument:
    """Digitise one paper document: its pages (several files) combined into one PDF, stored as the slot's scan made
    at intake (replacing what the slot held). Raises ValidationError naming a file that is not a document."""
    dossier = _locked(dossier, by)
    _slot(dossier, required_document)
    document = services.desk_scan(dossier=dossier, required_document=required_document, uploads=uploads)
    return _put(dossier, document)


def _put(dossier: Dossier, document: DossierDocument) -> DossierDocument:
    """Put the document into its slot, and share it with the other linked procedures (``_share``)."""
    replaced = _copies_in_other_parts(dossier, document.required_document)
    document = services.put_document(document, replacing=services.held_document(dossier, document.required_document))
    return _share(dossier, document, replaced)


def _copies_in_other_parts(dossier: Dossier, required_document: RequiredDocument) -> dict[int, DossierDocument]:
    """In linked procedures, the copies of the paper a slot holds, before it is replaced."""
    return linked.copies_of(services.held_document(dossier, required_document)) if dossier.filing_id else {}


def _share(dossier: Dossier, document: DossierDocument, replaced: dict[int, DossierDocument]) -> DossierDocument:
    """In linked procedures, the paper just put into one part goes into the other parts that ask for its kind, in
    place of the copies of the paper it replaced (``linked.share``, as online)."""
    if dossier.filing_id:
        linked.share(dossier.filing, document, replaced=replaced, at_counter=True)
    return document


def _sha256(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


@transaction.atomic
def exempt_document(*, dossier: Dossier, by: User, required_document: RequiredDocument, reason: str) -> DossierDocument:
    """Record that a paper document is not digitised, for one of the reasons of Circular 03/2025/TT-VPCP art. 5
    (``DigitisationExemption``); it counts as present."""
    if reason not in DigitisationExemption.values:
        raise CounterError(_("Choose why the document is not digitised."))
    dossier = _locked(dossier, by)
    _slot(dossier, required_document)
    exemption = DossierDocument(
        dossier=dossier,
        required_document=required_document,
        original_name="",
        exemption=reason,
        scanned_at_intake=False,
    )
    return _put(dossier, exemption)


@transaction.atomic
def reuse_stored(
    *, dossier: Dossier, by: User, required_document: RequiredDocument, stored, consented: bool
) -> DossierDocument:
    """A paper the citizen gave or received before, taken from their document store (``store.copy_stored``) instead
    of scanning it again: it is already electronic. The store is the citizen's: the desk uses a paper from it only
    when the citizen at the counter agrees (``consented``, ticked by the desk officer), as the citizen would choose
    it online."""
    if not consented:
        raise ValidationError(
            _("Ask the citizen first, and tick that they agree to the use of their stored paper."), code="consent"
        )
    dossier = _locked(dossier, by)
    _slot(dossier, required_document)
    replaced = _copies_in_other_parts(dossier, required_document)
    document = store.copy_stored(dossier=dossier, required_document=required_document, stored=stored)
    _share(dossier, document, replaced)
    # Kept in the log even if the draft is discarded: who took which of a citizen's papers, for which dossier.
    logger.info(
        "Desk officer %s took stored paper %s of citizen %s into counter draft %s, with the citizen's consent",
        by.pk,
        stored.pk,
        dossier.applicant_id,
        dossier.pk,
    )
    return document


@transaction.atomic
def clear_document(*, dossier: Dossier, by: User, required_document: RequiredDocument) -> None:
    """Undo a scan or an exemption (a wrong document scanned)."""
    dossier = _locked(dossier, by)
    _slot(dossier, required_document)
    held = services.held_document(dossier, required_document)
    if held is not None:
        for copy in linked.copies_of(held).values():  # a paper given once for linked procedures goes from each
            services.drop_document(copy)
        services.drop_document(held)


def what_is_missing(dossier: Dossier) -> list[str]:
    """What stops the dossier from being accepted (the online rule: ``services.missing_parts``); a document not
    digitised for a legal reason counts as present."""
    return services.missing_parts(dossier)


@transaction.atomic
def discard(*, dossier: Dossier, by: User) -> None:
    """Drop a counter draft (the citizen left); its scans are deleted once this commits."""
    services.delete_draft(_alone(_locked(dossier, by)))


# --- Deciding: file it and take the intake action -----------------------------------------------------------------


def _file(dossier: Dossier, by: User, *, complete: bool) -> Dossier:
    note = recorded(gettext_noop("Received at the counter of %(agency)s."), agency=dossier.received_by.name)
    return services.file_submission(dossier, by=by, complete=complete, public_note=note)


@transaction.atomic
def accept(*, dossier: Dossier, by: User) -> Dossier:
    """File the complete paper dossier and accept it: code, receipt, due date and notice as for an online one."""
    dossier = _alone(_locked(dossier, by))
    problems = what_is_missing(dossier)
    if problems:
        raise CounterError(" ".join(problems))
    dossier = _file(dossier, by, complete=True)
    return processing.accept(dossier=dossier, by=by, expected_version=dossier.version)


@transaction.atomic
def request_supplement(*, dossier: Dossier, by: User, missing: str, days: int | None = None) -> Dossier:
    """File the (incomplete) paper dossier and ask for what is missing (form 02); the citizen supplements it as
    any online dossier."""
    dossier = _alone(_locked(dossier, by))
    dossier = _file(dossier, by, complete=False)
    return processing.request_supplement(
        dossier=dossier, by=by, missing=missing, days=days, expected_version=dossier.version
    )


@transaction.atomic
def refuse(*, dossier: Dossier, by: User, reason: str) -> Dossier:
    """File the paper dossier and refuse it with the reason (form 03): it keeps its code and record."""
    dossier = _alone(_locked(dossier, by))
    dossier = _file(dossier, by, complete=False)
    return processing.refuse(dossier=dossier, by=by, reason=reason, expected_version=dossier.version)


# --- Linked procedures, decided together ------------------------------------------------------------------------


@transaction.atomic
def accept_filing(*, filing: LinkedFiling, by: User) -> LinkedFiling:
    """File the complete linked procedures (``linked.file_filing``: one code for the filing, one per part, a receipt
    each) and accept every part that can start now; a part that needs another's result waits for it, as online,
    and is accepted by its agency once that result is in."""
    filing = _locked_filing(filing, by)
    note = recorded(gettext_noop("Received at the counter of %(agency)s."), agency=filing.received_by.name)
    try:
        filing = linked.file_filing(filing, by=by, public_note=note)
    except linked.LinkedFilingError as error:
        raise CounterError(error.message) from None
    for part in linked.parts_of(filing):
        if part.needs_id is None:
            processing.accept(dossier=part, by=by, expected_version=part.version)
    return filing


@transaction.atomic
def request_filing_supplement(
    *, filing: LinkedFiling, by: User, note: str = "", days: int | None = None
) -> LinkedFiling:
    """File linked procedures whose declaration is complete but some papers are missing, as for one paper dossier:
    each procedure that lacks a paper is asked for its own (form 02, with the desk's ``note``), each complete one that
    can start now is accepted, and one that needs another's result waits for it. The citizen supplements each online,
    as any dossier."""
    filing = _locked_filing(filing, by)
    with record_language():  # what each agency asks the citizen for, in the portal's language
        lacking = {part.pk: linked.missing_documents(part) for part in linked.parts_of(filing)}
    if not any(lacking.values()):
        raise CounterError(_("Nothing is missing: register the linked procedures."))
    received = recorded(gettext_noop("Received at the counter of %(agency)s."), agency=filing.received_by.name)
    try:
        filing = linked.file_filing(filing, by=by, public_note=received, complete_documents=False)
    except linked.LinkedFilingError as error:
        raise CounterError(error.message) from None
    for part in linked.parts_of(filing):
        if lacking[part.pk]:
            missing = "\n".join([*lacking[part.pk], note.strip()]).strip()
            processing.request_supplement(
                dossier=part, by=by, missing=missing, days=days, expected_version=part.version
            )
        elif part.needs_id is None:
            processing.accept(dossier=part, by=by, expected_version=part.version)
    return filing


@transaction.atomic
def refuse_filing(*, filing: LinkedFiling, by: User, reason: str) -> LinkedFiling:
    """File linked procedures and refuse every one with the reason (form 03), as for one paper dossier: each keeps its
    code and record, and the citizen is told."""
    if not reason.strip():
        raise ValidationError(_("Give the reason for refusing the dossier."))
    filing = _locked_filing(filing, by)
    received = recorded(gettext_noop("Received at the counter of %(agency)s."), agency=filing.received_by.name)
    filing = linked.file_filing(filing, by=by, public_note=received, complete=False)
    for part in linked.parts_of(filing):
        processing.refuse(dossier=part, by=by, reason=reason, expected_version=part.version)
    return filing


@transaction.atomic
def discard_filing(*, filing: LinkedFiling, by: User) -> None:
    """Drop linked procedures being registered (the citizen left), every part with its scans."""
    linked.delete_draft(_locked_filing(filing, by))
