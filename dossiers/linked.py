"""Linked procedures filed once (liên thông, Decree 63/2024/NĐ-CP): one filing, one dossier per procedure.

A ``procedures.ProcedureGroup`` (defined as data, ``procedures/groups.py``) lists its procedures. The citizen starts
a ``LinkedFiling`` at a receiving centre that may receive every one of them; one draft dossier (a *part*) is made
per procedure, for its competent agency. The citizen fills in the group's one declaration, uploads each part's
documents (a paper that several parts require is given once and copied to each, see below) and chooses how each
result comes back; on submission the filing and every part get a code from the centre's counter, and each part goes
to its agency's back office like any dossier. A part that needs another part's result (``Dossier.needs``) waits: it
cannot be accepted (``processing.check``) until that part is approved; the approval passes on the result number and
the declaration fields the group maps (``ProcedureGroupMember.inputs``) and says so on the waiting part's timeline.
The filing is done when every part is.
"""

import logging

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.accounts.models import User
from portal.collation import vietnamese
from portal.errors import DomainError, FileMissing, storage_errors
from portal.records import recorded
from procedures import routing
from procedures.eforms import EForm, display_answers, display_value
from procedures.groups import FORM_PREFIX, RESULT_REFERENCE
from procedures.kinds import kind_of_document
from procedures.models import Agency, ProcedureCase, ProcedureGroup, ProcedureGroupMember, RequiredDocument

from . import services, store
from .codes import next_dossier_code
from .constants import Channel, Status
from .events import DossierAction, DossierChange, listen
from .models import Dossier, DossierDocument, LinkedFiling, StoredDocument
from .timeline import write_event

logger = logging.getLogger(__name__)


class LinkedFilingError(DomainError):
    code = "linked_filing_not_allowed"


# --- Where a group may be filed --------------------------------------------------------------------------------


def _members(group: ProcedureGroup) -> list[ProcedureGroupMember]:
    return list(group.members.select_related("procedure", "agency", "needs").order_by("position", "pk"))


def competent_agency(member: ProcedureGroupMember, received_by: Agency) -> Agency | None:
    """The agency that processes the member's part of a filing received at ``received_by``: the member's own agency
    when the group names one, else the centre itself if it handles the procedure, else the procedure's only agency."""
    if member.agency_id:
        return member.agency
    return routing.competent_for(member.procedure, received_by)


def _may_take(agency: Agency, member: ProcedureGroupMember) -> bool:
    competent = competent_agency(member, agency)
    if competent is None or not competent.is_active:
        return False
    return competent.pk == agency.pk or routing.may_receive(agency, member.procedure)


def may_receive_group(agency: Agency, group: ProcedureGroup) -> bool:
    return agency.is_active and all(_may_take(agency, member) for member in _members(group))


def receiving_centres(group: ProcedureGroup) -> list[Agency]:
    """The agencies where the citizen may file the whole group: each may receive every procedure of it (or is its
    competent agency), and each part has an agency to process it."""
    members = _members(group)
    candidates = Agency.objects.filter(is_active=True).order_by("level", vietnamese("name"))
    return [agency for agency in candidates if all(_may_take(agency, member) for member in members)]


# --- The citizen's filing --------------------------------------------------------------------------------------


def _filings():
    return LinkedFiling.objects.select_related("group", "received_by")


_PARTS = Dossier.objects.select_related("procedure", "agency")


def _locked_draft(filing: LinkedFiling, *, at_counter: bool = False) -> LinkedFiling:
    """The draft filing and its parts, locked in one order (the filing, then its parts by id), so that a change to
    several parts never waits on a change that locked them the other way round. One the desk is registering is
    changed only by the desk (``at_counter``: ``dossiers.counter`` checked who acts)."""
    filing = _filings().select_for_update(of=("self",)).get(pk=filing.pk)
    if filing.submitted_at is not None:
        raise LinkedFilingError(_("This filing has been submitted and can no longer be changed."))
    channels = set(
        Dossier.objects.filter(filing=filing)
        .order_by("pk")
        .select_for_update(of=("self",))
        .values_list("channel", flat=True)
    )
    if Channel.COUNTER in channels and not at_counter:
        raise LinkedFilingError(_("This dossier is being registered at the counter; the desk completes it."))
    return filing


@transaction.atomic
def start_filing(
    *,
    group: ProcedureGroup,
    applicant: User,
    received_by: Agency,
    cases: dict[int, ProcedureCase] | None = None,
    channel: str = Channel.ONLINE,
) -> LinkedFiling:
    """A draft filing at ``received_by`` with one draft dossier per procedure of the group. ``cases``: the case
    chosen for each member (by member id) whose procedure has several. ``channel``: online, or at the counter
    (``counter.start_filing``: the desk registers the citizen's papers)."""
    if not group.is_published:
        raise LinkedFilingError(_("These linked procedures cannot be filed online."))
    if applicant.is_official:
        raise LinkedFilingError(_("Officials cannot file dossiers with their back-office account."))
    members = _members(group)
    cases = cases or {}
    filing = LinkedFiling.objects.create(group=group, applicant=applicant, received_by=received_by)
    parts: dict[int, Dossier] = {}
    for member in members:
        procedure = member.procedure
        if not procedure.is_published:
            raise LinkedFilingError(_("“%(procedure)s” cannot be filed online.") % {"procedure": procedure.name})
        agency = competent_agency(member, received_by)
        if agency is None or not _may_take(received_by, member):
            raise routing.RoutingError(
                _("%(agency)s cannot receive dossiers for “%(procedure)s”.")
                % {"agency": received_by.name, "procedure": procedure.name}
            )
        case = cases.get(member.pk)
        available = list(procedure.cases.all())
        if case is None and len(available) == 1:
            case = available[0]
        if case is None or case.procedure_id != procedure.pk:
            raise LinkedFilingError(
                _("Choose the case that applies to you for “%(procedure)s”.") % {"procedure": procedure.name}
            )
        parts[member.pk] = Dossier.objects.create(
            procedure=procedure,
            case=case,
            applicant=applicant,
            agency=agency,
            received_by=received_by,
            filing=filing,
            needs=parts[member.needs_id] if member.needs_id else None,
            channel=channel,
        )
    return filing


@transaction.atomic
def save_declaration(*, filing: LinkedFiling, data: dict, at_counter: bool = False) -> LinkedFiling:
    """The group's one declaration, kept on the filing and on every part (each agency reads it on its part)."""
    filing = _locked_draft(filing, at_counter=at_counter)
    filing.form_data = data
    filing.save(update_fields=["form_data"])
    for part in filing.parts.all():
        services.save_declaration(dossier=part, data=data, at_counter=at_counter)
    return filing


def _own_part(filing: LinkedFiling, part: Dossier) -> Dossier:
    if part.filing_id != filing.pk:
        raise LinkedFilingError(_("This dossier is not part of this filing."))
    return part


# --- One paper given once for every part that asks for it ----------------------------------------------------------
#
# Several procedures of a group often ask for the same kind of paper (``procedures.kinds``: proof of residence for the
# birth registration and the permanent residence, the death notice for the death registration and the funeral
# allowance). A scan given for one part is copied (``DossierDocument.copied_from``) into each other part that requires
# that kind, into its first empty required slot of the kind, one slot per part. Replacing or removing the paper where
# it was given replaces or removes its copies; a copy the citizen replaces becomes that part's own paper and the
# original stays as it was. A slot given a file of its own in the same request keeps it. Each part keeps its own copy
# of the file, as every dossier does.


def _paper_slots(part: Dossier, kind: str) -> list[RequiredDocument]:
    """The part's required slots that ask for a scan of a paper of ``kind``, in their order (an optional slot, "only
    if it applies to you", is left to the citizen: no agency gets a paper it did not ask for)."""
    slots = part.case.documents.all() if part.case_id else []
    return [slot for slot in slots if slot.needs_upload(part.procedure) and kind_of_document(slot) == kind]


def copies_of(document: DossierDocument | None) -> dict[int, DossierDocument]:
    """The copies of a part's paper in the other parts, by part."""
    if document is None:
        return {}
    return {copy.dossier_id: copy for copy in document.copies.all()}


def share(
    filing: LinkedFiling,
    given: DossierDocument,
    *,
    replaced: dict[int, DossierDocument],
    keep=(),
    at_counter: bool = False,
) -> None:
    """Copy ``given`` (just put into its part) into each other part that requires its kind: in place of the copy
    of the paper it replaced (``replaced``: those copies by part), or into an empty slot. ``keep``: slots given a
    file of their own in the same request."""
    kind = kind_of_document(given.required_document)
    if not kind or not given.file or given.copied_from_id:
        return
    for part in parts_of(filing):
        if part.pk == given.dossier_id:
            continue
        held = {document.required_document_id: document for document in part.documents.all()}
        slots = [slot for slot in _paper_slots(part, kind) if slot.pk not in keep]
        earlier = replaced.get(part.pk)
        if earlier is not None and earlier.required_document_id in {slot.pk for slot in slots}:
            target = next(slot for slot in slots if slot.pk == earlier.required_document_id)
        else:
            target = next((slot for slot in slots if slot.pk not in held), None)
        if target is None:
            continue
        replacing = held.get(target.pk)
        stale = replacing is not None and earlier is not None and replacing.pk == earlier.pk  # a copy of the old
        if not services.fits(part, target, given.size):
            # The part would pass its limit: the copy of the old paper goes, and its page says what is missing.
            if stale:
                services.drop_document(replacing)
            continue
        copy = DossierDocument(
            dossier=part,
            required_document=target,
            original_name=given.original_name,
            content_type=given.content_type,
            size=given.size,
            sha256=given.sha256,
            pages=given.pages,
            scanned_at_intake=given.scanned_at_intake,  # a scan the desk made, for each procedure that asks for it
            reused_from=given.reused_from,
            reused_from_dossier=given.reused_from_dossier,
            copied_from=given,
        )
        services._locked_draft(part, at_counter=at_counter)
        try:
            store.copy_file(given.file, copy.file, "upload")
        except (FileMissing, *storage_errors()) as error:  # the paper stays where it was given; no old copy stays
            logger.error("Could not copy document %s into dossier %s: %s", given.pk, part.pk, error)
            if stale:
                services.drop_document(replacing)
            continue
        services.put_document(copy, replacing=replacing)


@transaction.atomic
def attach_document(
    *,
    filing: LinkedFiling,
    part: Dossier,
    required_document: RequiredDocument,
    upload: UploadedFile,
    keep=(),
) -> DossierDocument:
    """One scan for one document slot of one part (``services.attach_document``: the same checks), and the same
    paper for the other parts that ask for its kind, except the slots in ``keep``."""
    filing = _locked_draft(filing)
    part = _own_part(filing, part)
    replaced = copies_of(services.held_document(part, required_document))
    document = services.attach_document(dossier=part, required_document=required_document, upload=upload)
    share(filing, document, replaced=replaced, keep=keep)
    return document


@transaction.atomic
def reuse_document(
    *, filing: LinkedFiling, required_document: RequiredDocument, stored: StoredDocument, by: User
) -> DossierDocument:
    """A paper from the citizen's store into the part whose case has this slot (``store.reuse``), and into the
    other parts that ask for its kind."""
    filing = _locked_draft(filing)
    part = next((part for part in parts_of(filing) if part.case_id == required_document.case_id), None)
    if part is None:
        raise LinkedFilingError(_("This document is not part of the chosen case."))
    replaced = copies_of(services.held_document(part, required_document))
    document = store.reuse(dossier=part, required_document=required_document, stored=stored, by=by)
    share(filing, document, replaced=replaced)
    return document


@transaction.atomic
def remove_document(*, filing: LinkedFiling, document: DossierDocument) -> int:
    """Remove a part's paper, and its copies in the other parts. Returns how many copies went with it."""
    filing = _locked_draft(filing)
    _own_part(filing, document.dossier)
    copies = list(copies_of(document).values())
    for copy in copies:
        services.remove_document(document=copy)
    services.remove_document(document=document)
    return len(copies)


def used_by_other_parts(parts: list[Dossier]) -> dict[int, list[Dossier]]:
    """For each document of the filing: the other parts holding the same paper (same file, same kind)."""
    documents = DossierDocument.objects.filter(dossier__in=parts).exclude(sha256="").select_related("required_document")
    by_paper: dict[tuple[str, str], list[DossierDocument]] = {}
    for document in documents:
        kind = kind_of_document(document.required_document)
        if kind:
            by_paper.setdefault((kind, document.sha256), []).append(document)
    shared = {}
    for same in by_paper.values():
        for document in same:
            others = {d.dossier_id for d in same if d.dossier_id != document.dossier_id}
            shared[document.pk] = [part for part in parts if part.pk in others]
    return {pk: found for pk, found in shared.items() if found}


@transaction.atomic
def discard_filing(*, filing: LinkedFiling, by: User) -> None:
    """The citizen deletes a draft filing they no longer want, with every part (``services.delete_draft``): nothing
    was sent."""
    filing = _locked_draft(filing)
    if filing.applicant_id != by.pk:
        raise LinkedFilingError(_("Only the applicant can delete this draft."))
    delete_draft(filing)


def delete_draft(filing: LinkedFiling) -> None:
    """Delete the locked draft filing and every part with its files (the citizen's discard, the desk's)."""
    parts = Dossier.objects.filter(filing=filing)
    parts.update(needs=None)  # a part that waits for another would keep that one
    for part in parts:
        services.delete_draft(part)
    filing.delete()


@transaction.atomic
def choose_delivery(*, filing: LinkedFiling, choices: dict[int, dict], at_counter: bool = False) -> None:
    """How each result comes back (``services.choose_delivery`` for each part, by part id): a part whose procedure
    offers only the office keeps it; the others may be received online or by post."""
    filing = _locked_draft(filing, at_counter=at_counter)
    for part in parts_of(filing):
        if part.pk in choices:
            services.choose_delivery(dossier=part, **choices[part.pk], at_counter=at_counter)


def declaration_form(filing: LinkedFiling, data=None) -> EForm:
    from portal.accounts.identity import prefill_for  # bound fields: verified (read-only) or prefilled

    identity = prefill_for(filing.applicant)
    if data is not None:
        return EForm(data, spec=filing.group.eform, identity=identity)
    return EForm(initial=filing.form_data, spec=filing.group.eform, identity=identity)


def missing_documents(part: Dossier) -> list[str]:
    return [
        _("Missing document for “%(procedure)s”: %(name)s") % {"procedure": part.procedure.name, "name": slot.name}
        for slot in services.missing_scans(part)
    ]


def missing_parts(filing: LinkedFiling, *, documents: bool = True) -> list[str]:
    """What still stops the filing from being submitted: the group's declaration, each part's documents (unless
    ``documents`` is False: the desk registers papers missing with a supplement request), and the declaration of
    every part that starts at once as its own procedure asks for it (a waiting part's declaration is completed by
    the part it needs)."""
    problems = []
    if filing.group.eform and not (filing.form_data and _stored_form(filing).is_valid()):
        problems.append(_("The declaration is not complete."))
    incomplete = _("The declaration is not complete.")
    for part in parts_of(filing):
        if part.needs_id is None and part.procedure.eform and incomplete in services.missing_parts(part):
            problems.append(
                _("The declaration does not give everything “%(procedure)s” asks for.")
                % {"procedure": part.procedure.name}
            )
        if documents:
            problems.extend(missing_documents(part))
    return list(dict.fromkeys(problems))


def _stored_form(filing: LinkedFiling) -> EForm:
    data = {}
    for item in filing.group.eform:
        name = item.get("name")
        value = filing.form_data.get(name) if name else None
        if isinstance(value, dict):
            data.update({f"{name}_province": value.get("province_code"), f"{name}_ward": value.get("ward")})
            data[f"{name}_street"] = value.get("street")
        elif value is not None and name:
            data[name] = value
    return EForm(data, spec=filing.group.eform)


@transaction.atomic
def submit_filing(*, filing: LinkedFiling, by: User) -> tuple[LinkedFiling, bool]:
    """Draft → submitted: the filing and every part get their codes from the receiving centre's counter, each part
    its SUBMIT event and receipt. Submitting twice (a double click, two tabs) gives the same filing back.

    Returns the filing and whether this call submitted it.
    """
    filing = _filings().select_for_update(of=("self",)).get(pk=filing.pk)
    if filing.applicant_id != by.pk:
        raise LinkedFilingError(_("Only the applicant can submit this filing."))
    if filing.submitted_at is not None:
        return filing, False
    _locked_draft(filing)  # every part too; refused for one the desk is registering
    return file_filing(filing, by=by), True


def file_filing(
    filing: LinkedFiling, *, by: User, public_note: str = "", complete: bool = True, complete_documents: bool = True
) -> LinkedFiling:
    """The one submission step of a locked draft filing, for the citizen's submit and the desk's registration
    (``counter.accept_filing``, ``request_filing_supplement``, ``refuse_filing``): its code from the receiving
    centre's counter, and each part filed (``services.file_submission``). ``complete_documents``: refuse it while a
    part lacks a paper (the desk may register it to ask for them); ``complete``: refuse it while anything is missing
    (the desk may register it only to refuse it)."""
    problems = missing_parts(filing, documents=complete_documents) if complete else []
    if problems:
        raise LinkedFilingError(" ".join(problems))
    now = timezone.now()
    day = timezone.localdate(now)
    filing.code = next_dossier_code(agency=filing.received_by, day=day)
    filing.submitted_at = now
    filing.save(update_fields=["code", "submitted_at"])
    for part in parts_of(filing):
        part = _PARTS.select_related("received_by", "case").select_for_update(of=("self",)).get(pk=part.pk)
        if part.status != Status.DRAFT:
            raise LinkedFilingError(_("A part of this filing has already been submitted."))
        services.file_submission(part, by=by, complete=False, public_note=public_note, extra={"filing": filing.code})
    return filing


# --- The data flow between parts -------------------------------------------------------------------------------


def _member_of(part: Dossier) -> ProcedureGroupMember | None:
    return ProcedureGroupMember.objects.filter(group_id=part.filing.group_id, procedure_id=part.procedure_id).first()


def inputs_from(done: Dossier, inputs: dict) -> dict:
    """The values ``inputs`` maps from the finished part: its result number or its declaration's fields."""
    values = {}
    for target, source in inputs.items():
        if source == RESULT_REFERENCE:
            value = done.result_reference
        elif source.startswith(FORM_PREFIX):
            value = done.form_data.get(source[len(FORM_PREFIX) :])
        else:
            continue
        if value not in (None, ""):
            values[target] = value
    return values


def _label_of(name: str, source: str, labels: dict) -> str:
    if labels.get(name):
        return labels[name]
    return recorded(gettext_noop("Result number")) if source == RESULT_REFERENCE else name


def pass_on_result(*, done: Dossier, by: User | None) -> list[Dossier]:
    """``done``'s result is ready: every part waiting for it receives the mapped values and a timeline entry.
    Runs in the transaction of the approval (a listener of ``APPROVE``); returns the parts it updated."""
    updated = []
    waiting = Dossier.objects.select_for_update(of=("self",)).filter(needs=done, filing=done.filing_id)
    for part in waiting.select_related("filing", "procedure").order_by("pk"):
        member = _member_of(part)
        values = inputs_from(done, member.inputs if member else {})
        part.form_data = {**part.form_data, **values}
        part.save(update_fields=["form_data", "updated_at"])
        items = {item.get("name"): item for item in part.filing.group.eform + part.procedure.eform}
        labels = {name: item.get("label") for name, item in items.items()}
        received = [(name, source) for name, source in (member.inputs.items() if member else []) if name in values]
        done_note = recorded(
            gettext_noop("%(procedure)s is done (dossier %(code)s)."), procedure=done.procedure.name, code=done.code
        )
        # The citizen's timeline (and the public look-up) names what arrived; the values are for the officials.
        public_note = done_note
        if received:
            fields = ", ".join(_label_of(name, source, labels) for name, source in received)
            public_note += " " + recorded(gettext_noop("Passed on to this dossier: %(fields)s."), fields=fields)
        note = "; ".join(
            f"{_label_of(name, source, labels)}: {display_value(items.get(name, {}), values[name])}"
            for name, source in received
        )  # a date as 01/11/2026, not 2026-11-01
        write_event(
            part,
            action=DossierAction.PREREQUISITE_DONE,
            from_status=part.status,
            by=by,
            note=note,
            public_note=public_note,
            extra={"needed": done.code, "values": sorted(values)},
        )
        updated.append(part)
    return updated


@listen(DossierAction.APPROVE)
def _result_ready(change: DossierChange) -> None:
    if change.dossier.filing_id:
        pass_on_result(done=change.dossier, by=change.actor)


# --- Reads -----------------------------------------------------------------------------------------------------


def parts_of(filing: LinkedFiling) -> list[Dossier]:
    """The filing's dossiers in the group's order."""
    order = {m.procedure_id: (m.position, m.pk) for m in filing.group.members.all()}
    parts = filing.parts.select_related("procedure", "agency", "received_by", "case", "needs")
    return sorted(parts, key=lambda part: (order.get(part.procedure_id, (999, 0)), part.pk))


def is_done(filing: LinkedFiling) -> bool:
    """Every part's result is ready or handed over."""
    parts = list(filing.parts.all())
    return bool(parts) and all(part.is_done for part in parts)


def filing_for(user: User, public_id) -> LinkedFiling:
    """The citizen's own filing; 404 for anyone else (never 403)."""
    try:
        return LinkedFiling.objects.select_related("group", "received_by").get(
            public_id=public_id, applicant_id=getattr(user, "pk", None)
        )
    except (LinkedFiling.DoesNotExist, ValueError):
        raise Http404 from None


def filings_of_applicant(user: User) -> list[LinkedFiling]:
    return list(
        LinkedFiling.objects.filter(applicant=user)
        .select_related("group", "received_by")
        .prefetch_related(Prefetch("parts", queryset=_PARTS.order_by("pk")))
        .order_by("-submitted_at", "-created_at")
    )


def find_filing(code: str) -> LinkedFiling | None:
    """The submitted filing with this code (the public look-up), or None."""
    return LinkedFiling.objects.select_related("group", "applicant").filter(code=code, code__isnull=False).first()


def answers(filing: LinkedFiling) -> list:
    return display_answers(filing.group.eform, filing.form_data)


# --- What a part's pages say about its filing (``sections``: registered in ``apps.DossiersConfig.ready``) ---------


def part_section(request, dossier: Dossier) -> dict | None:
    """On a part's page: the filing it belongs to and, while it waits, the part whose result it needs (its code and
    procedure only: an agency sees no other part of the filing)."""
    if not dossier.filing_id:
        return None
    user = getattr(request, "user", None)
    return {
        "filing": dossier.filing,
        "part": dossier,
        "needed": dossier.needs if dossier.needs_id else None,
        "for_citizen": bool(user and dossier.applicant_id == user.pk),
    }


def register_sections() -> None:
    from .sections import register_section

    for slot in ("citizen_top", "back_office_tools"):
        register_section(slot, template="dossiers/linked/_part_section.html", context=part_section, order=10)
