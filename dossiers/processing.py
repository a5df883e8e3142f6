"""Every action officials (and the citizen, for a supplement) take on a submitted dossier.

Each is one function: lock the row, check the transition table, the official's agency and role and, when
given, that nobody changed the dossier since the official loaded it; then change, write the history row and
issue the notice; side effects (notifications, PDF rendering) run after commit.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from portal import access, issued
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.money import vnd
from portal.records import recorded
from procedures import routing
from procedures.calendar import WorkingCalendar
from procedures.models import Agency

from . import costs
from .constants import DeliveryMethod, NoticeKind, Stage, Status, SupplementExpiry, Timeliness
from .events import DossierAction
from .models import Dossier, DossierEvent, DossierNotice, DossierStep
from .notices import NOTICE
from .timeline import write_event
from .workflow import ACTIONS, TIMELINE_EVENTS, DossierChanged, InvalidTransition

DEFAULT_STEPS = [  # when a procedure defines no steps of its own: (name, role, share of the processing time)
    ("Thẩm định, xử lý hồ sơ", Role.SPECIALIST, Decimal("0.75")),
    ("Phê duyệt, ký kết quả", Role.LEADER, Decimal("0.25")),
]


def _calendar() -> WorkingCalendar:
    return WorkingCalendar.load()


def _lock(dossier: Dossier, action: str, by: User | None, expected_version: int | None) -> Dossier:
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency", "applicant", "handler")
        .get(pk=dossier.pk)
    )
    check(locked, action, by, expected_version)
    return locked


def check(dossier: Dossier, action: str, by: User | None, expected_version: int | None = None) -> None:
    """Whether ``by`` may take ``action`` on the dossier as it is: their agency and role, nobody acted since they
    loaded it (``expected_version``), and the transition table. Raises; the services call it on the locked row,
    the back office to say why an action is not offered."""
    act = ACTIONS[action]
    if by is not None and act.roles:
        access.ensure_may_act(
            by, dossier, roles=act.roles, error=InvalidTransition, action_label=act.label, action=action
        )
    if expected_version is not None and dossier.version != expected_version:
        raise DossierChanged(
            _("Someone else has acted on dossier %(code)s since you opened it. Reload it and check its status.")
            % {"code": dossier.code}
        )
    if dossier.status not in act.sources:
        raise InvalidTransition(
            _("“%(action)s” is not possible while dossier %(code)s is “%(status)s”.")
            % {"action": act.label, "code": dossier.code, "status": dossier.get_status_display()}
        )
    if action == DossierAction.ACCEPT and dossier.needs_id and not dossier.needs.is_done:
        raise InvalidTransition(waiting_reason(dossier))


def _record(
    dossier: Dossier,
    *,
    action: str,
    from_status: int,
    by: User | None,
    note: str = "",
    public_note: str = "",
    notice: str | None = None,
    notice_data: dict | None = None,
    fields: list[str] = (),
    **payload,
) -> DossierEvent:
    """Save the locked dossier, append its timeline row, issue the notice and tell the listeners (``events``)."""
    dossier.version += 1
    dossier.save(update_fields=["status", "version", "updated_at", *fields])
    event = write_event(
        dossier, action=action, from_status=from_status, by=by, note=note, public_note=public_note, **payload
    )
    if notice:
        notice_row = DossierNotice.objects.create(dossier=dossier, kind=notice, event=event, data=notice_data or {})
        issued.issue(NOTICE, notice_row.pk)  # rendered after commit; or by the sweep if the broker is down
    return event


def _officials(dossier: Dossier, user: User | None, role: str) -> User:
    if not access.is_colleague(user, dossier):
        raise InvalidTransition(_("Choose an official of this agency."))
    if not access.is_colleague(user, dossier, role=role):
        raise InvalidTransition(_("%(name)s is not a %(role)s.") % {"name": user, "role": Role(role).label.lower()})
    return user


def _finish_current_step(dossier: Dossier, now: datetime) -> None:
    DossierStep.objects.filter(dossier=dossier, finished_at__isnull=True).update(finished_at=now)


def _start_step(dossier: Dossier, *, name: str, role: str, handler: User | None, hours, now: datetime) -> None:
    due = _calendar().add_working_hours(now, hours) if hours else None
    DossierStep.objects.create(dossier=dossier, name=name, role=role, handler=handler, started_at=now, due_at=due)


def _steps_of(dossier: Dossier) -> list[tuple[str, str, Decimal]]:
    steps = [(s.name, s.role, s.hours) for s in dossier.procedure.processing_steps.all()]
    if steps:
        return steps
    total = (dossier.procedure.processing_days or Decimal(1)) * _calendar().hours_per_day
    return [(name, role, (total * share).quantize(Decimal("0.1"))) for name, role, share in DEFAULT_STEPS]


@transaction.atomic
def accept(*, dossier: Dossier, by: User, expected_version: int | None = None, now: datetime | None = None) -> Dossier:
    """1 → 2: the desk accepts; the due date is set in working time and the receipt (form 01) issued."""
    now = now or timezone.now()
    dossier = _lock(dossier, "accept", by, expected_version)
    days = dossier.procedure.processing_days
    dossier.status, dossier.accepted_at = Status.ACCEPTED, now
    dossier.due_at = _calendar().add_working_days(now, days) if days else None  # 0: no time limit is set
    _record(
        dossier,
        action="accept",
        from_status=Status.SUBMITTED,
        by=by,
        notice=NoticeKind.ACCEPTANCE,
        notice_data={"official": by.full_name, "due_at": dossier.due_at.isoformat() if dossier.due_at else None},
        fields=["accepted_at", "due_at"],
    )
    if dossier.received_by_id and dossier.received_by_id != dossier.agency_id:
        _routed(dossier, by=by)
    return dossier


def _routed(dossier: Dossier, *, by: User | None, note: str = "", came_from: Agency | None = None) -> DossierEvent:
    """The timeline says where the dossier went (and the look-up where it is), and from where: ``came_from``, the
    agency it was with (by default the receiving centre that accepted it)."""
    came_from = came_from or dossier.received_by
    return write_event(
        dossier,
        action=DossierAction.ROUTE,
        from_status=dossier.status,
        by=by,
        note=note,
        public_note=recorded(gettext_noop("Sent to %(agency)s for processing."), agency=dossier.agency.name),
        extra={"to": dossier.agency.code, "from": came_from.code if came_from is not None else ""},
    )


ROUTABLE = (Status.SUBMITTED, Status.ACCEPTED)  # before processing starts


def why_not_route(dossier: Dossier, by: User) -> str:
    """Why ``by`` cannot send the dossier to another agency now, or "" if they can."""
    if dossier.status not in ROUTABLE:
        return _("Dossier %(code)s can no longer be sent elsewhere: it is “%(status)s”.") % {
            "code": dossier.code,
            "status": dossier.get_status_display(),
        }
    if not (access.in_agency(by, dossier) and access.has_role(by, {Role.DESK, Role.LEADER})):
        return _("Only the desk or a leader of the receiving centre or the competent agency can send it elsewhere.")
    if not routing.competent_agencies(dossier.procedure).exclude(pk=dossier.agency_id).exists():
        return _("No other agency handles this procedure.")  # the page offered an empty list
    return ""


@transaction.atomic
def route(*, dossier: Dossier, to: Agency, by: User, reason: str = "", expected_version: int | None = None) -> Dossier:
    """Send the dossier to another competent agency (one that handles its procedure): the receiving centre before
    processing starts, or the competent agency that finds it is not theirs."""
    from procedures.routing import ensure_handles

    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency", "received_by")
        .get(pk=dossier.pk)
    )
    refused = why_not_route(dossier, by)
    if refused:
        raise InvalidTransition(refused)
    if expected_version is not None and dossier.version != expected_version:
        raise DossierChanged(
            _("Someone else has acted on dossier %(code)s since you opened it. Reload it and check its status.")
            % {"code": dossier.code}
        )
    ensure_handles(to, dossier.procedure)
    if to.pk == dossier.agency_id:
        raise InvalidTransition(_("The dossier is already with %(agency)s.") % {"agency": to.name})
    came_from, dossier.agency = dossier.agency, to
    dossier.version += 1
    dossier.save(update_fields=["agency", "version", "updated_at"])
    _routed(dossier, by=by, note=reason, came_from=came_from)
    return dossier


@transaction.atomic
def refuse(*, dossier: Dossier, by: User | None, reason: str, expected_version: int | None = None) -> Dossier:
    """1 or 5 → 3: not accepted, with the reason (form 03)."""
    if not reason.strip():
        raise InvalidTransition(_("Give the reason for refusing the dossier."))
    dossier = _lock(dossier, "refuse", by, expected_version)
    previous = dossier.status
    dossier.status, dossier.paused_at, dossier.paused_from = Status.REFUSED, None, None
    _record(
        dossier,
        action="refuse",
        from_status=previous,
        by=by,
        public_note=reason,
        notice=NoticeKind.REFUSAL,
        notice_data={"reason": reason, "official": by.full_name if by else ""},
        fields=["paused_at", "paused_from"],
    )
    return dossier


@transaction.atomic
def request_supplement(
    *,
    dossier: Dossier,
    by: User,
    missing: str,
    days: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Dossier:
    """1 or 4 → 5: what is missing, by when (form 02). The processing clock stops until the citizen supplements."""
    if not missing.strip():
        raise InvalidTransition(_("List what the citizen must add or correct."))
    now = now or timezone.now()
    dossier = _lock(dossier, "request_supplement", by, expected_version)
    previous = dossier.status
    days = days if days is not None else settings.SUPPLEMENT_DAYS
    dossier.status, dossier.paused_at, dossier.paused_from = Status.SUPPLEMENT_REQUESTED, now, previous
    dossier.supplement_deadline = _calendar().add_working_days(now, days)
    dossier.supplement_request = missing.strip()
    _record(
        dossier,
        action="request_supplement",
        from_status=previous,
        by=by,
        public_note=missing.strip(),
        notice=NoticeKind.SUPPLEMENT,
        notice_data={"missing": missing.strip(), "deadline": dossier.supplement_deadline.isoformat()},
        fields=["paused_at", "paused_from", "supplement_deadline", "supplement_request"],
    )
    return dossier


SUPPLEMENT_AT_DESK_LABEL = gettext_lazy("Record papers brought to the desk")


def why_not_supplement_at_desk(dossier: Dossier, by: User) -> str:
    """Why ``by`` cannot record papers the citizen brought to the desk for a supplement, or "" if they can: the
    desk of the centre that received the dossier (``access.acting_agency_id``), while the supplement is awaited (a
    citizen recorded at a counter has no account to send it online)."""
    if dossier.status != Status.SUPPLEMENT_REQUESTED:
        return _("Dossier %(code)s is not waiting for a supplement.") % {"code": dossier.code}
    try:
        access.ensure_may_act(
            by,
            dossier,
            roles={Role.DESK},
            error=InvalidTransition,
            action_label=SUPPLEMENT_AT_DESK_LABEL,
            action=DossierAction.SUPPLEMENT,
        )
    except InvalidTransition as error:
        return error.message
    return ""


@transaction.atomic
def supplement(
    *,
    dossier: Dossier,
    by: User,
    note: str = "",
    now: datetime | None = None,
    at_desk: bool = False,
    expected_version: int | None = None,
) -> Dossier:
    """5 → where it was: the citizen has added what was asked (online, or at the desk: ``at_desk``, recorded by the
    receiving centre's desk); the due date moves by the time it waited."""
    now = now or timezone.now()
    dossier = _lock(dossier, "supplement", None, expected_version)
    if at_desk:
        refused = why_not_supplement_at_desk(dossier, by)
        if refused:
            raise InvalidTransition(refused)
    elif dossier.applicant_id != by.pk:
        raise InvalidTransition(_("Only the applicant can supplement this dossier."))
    previous = dossier.status
    calendar = _calendar()
    # The papers uploaded since the request (each replaced the slot's earlier file), named for the officials.
    supplied = dossier.documents.select_related("required_document").order_by("pk")
    if dossier.paused_at:
        supplied = supplied.filter(uploaded_at__gte=dossier.paused_at)
    papers = "; ".join(
        f"{document.required_document.name if document.required_document else ''} ({document.original_name})".strip()
        for document in supplied
        if document.file
    )
    if dossier.due_at and dossier.paused_at:
        waited = calendar.working_hours_between(dossier.paused_at, now)
        dossier.due_at = calendar.add_working_hours(dossier.due_at, waited)
    dossier.status = dossier.paused_from or Status.SUBMITTED
    dossier.paused_at = dossier.paused_from = dossier.supplement_deadline = None
    supplied = recorded(gettext_noop("Papers supplied: %(papers)s"), papers=papers[:1800]) if papers else ""
    if at_desk:  # the desk's words stay among officials; the citizen reads where the papers were brought
        centre = dossier.received_by or dossier.agency
        public_note = recorded(gettext_noop("Papers brought to the desk of %(centre)s."), centre=centre.name)
        internal = " ".join(part for part in (supplied, note.strip()) if part)
    else:
        public_note, internal = note, supplied
    _record(
        dossier,
        action="supplement",
        from_status=previous,
        by=by,
        public_note=public_note,
        note=internal,
        fields=["due_at", "paused_at", "paused_from", "supplement_deadline"],
    )
    return dossier


@transaction.atomic
def assign(
    *, dossier: Dossier, by: User, handler: User, expected_version: int | None = None, now: datetime | None = None
) -> Dossier:
    """2 → 4: handed to a specialist for the first processing step."""
    now = now or timezone.now()
    dossier = _lock(dossier, "assign", by, expected_version)
    handler = _officials(dossier, handler, Role.SPECIALIST)
    name, role, hours = _steps_of(dossier)[0]
    dossier.status, dossier.stage, dossier.handler = Status.PROCESSING, Stage.PROCESSING, handler
    _finish_current_step(dossier, now)
    _start_step(dossier, name=name, role=role, handler=handler, hours=hours, now=now)
    _record(
        dossier,
        action="assign",
        from_status=Status.ACCEPTED,
        by=by,
        note=recorded(gettext_noop("Assigned to %(name)s"), name=handler),
        fields=["stage", "handler"],
    )
    return dossier


@transaction.atomic
def forward(
    *,
    dossier: Dossier,
    by: User,
    handler: User,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Dossier:
    """4 → 4: the current step is done; the next one starts with another official."""
    now = now or timezone.now()
    dossier = _lock(dossier, "forward", by, expected_version)
    handler = _officials(dossier, handler, "")
    done = dossier.steps.count()
    steps = _steps_of(dossier)
    name, role, hours = steps[min(done, len(steps) - 1)] if done else steps[0]
    dossier.handler = handler
    dossier.stage = Stage.APPROVAL if role == Role.LEADER else Stage.PROCESSING
    _finish_current_step(dossier, now)
    _start_step(dossier, name=name, role=role, handler=handler, hours=hours, now=now)
    _record(dossier, action="forward", from_status=Status.PROCESSING, by=by, note=note, fields=["stage", "handler"])
    return dossier


@transaction.atomic
def submit_for_approval(
    *,
    dossier: Dossier,
    by: User,
    leader: User,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Dossier:
    """4 → 4: the specialist's work is done; a leader approves and signs."""
    now = now or timezone.now()
    dossier = _lock(dossier, "submit_for_approval", by, expected_version)
    leader = _officials(dossier, leader, Role.LEADER)
    steps = _steps_of(dossier)
    name, _role, hours = next(((n, r, h) for n, r, h in steps if r == Role.LEADER), steps[-1])
    dossier.stage, dossier.handler = Stage.APPROVAL, leader
    _finish_current_step(dossier, now)
    _start_step(dossier, name=name, role=Role.LEADER, handler=leader, hours=hours, now=now)
    _record(
        dossier,
        action="submit_for_approval",
        from_status=Status.PROCESSING,
        by=by,
        note=note,
        fields=["stage", "handler"],
    )
    return dossier


@transaction.atomic
def request_payment(
    *, dossier: Dossier, by: User, amount: int, note: str = "", expected_version: int | None = None
) -> Dossier:
    """4 → 6: the citizen must pay (fees or a financial obligation) before processing continues."""
    if amount <= 0:
        raise InvalidTransition(_("Enter the amount to pay, in đồng."))
    dossier = _lock(dossier, "request_payment", by, expected_version)
    dossier.status = Status.PAYMENT_REQUESTED
    _record(
        dossier,
        action=DossierAction.REQUEST_PAYMENT,
        from_status=Status.PROCESSING,
        by=by,
        public_note=note,
        amount=amount,  # payments bills it (DossierChange.amount); the timeline row keeps it in ``data``
    )
    return dossier


@transaction.atomic
def payment_received(
    *,
    dossier: Dossier,
    by: User | None,
    note: str = "",
    expected_version: int | None = None,
    recorded: bool = False,
) -> Dossier:
    """6 → 4: paid (marked by hand by the agency's cashier; or ``recorded``: the payments service recorded the money,
    at a counter by ``by`` under its own rules of who takes money, or confirmed by the gateway with ``by=None``).
    A payment the receiving centre's cashier took for another agency left the dossier waiting: the hand-marking
    rule (the competent agency's cashier) refused the move."""
    dossier = _lock(dossier, "payment_received", None if recorded else by, expected_version)
    reason = unpaid_reason(dossier) if by is not None and not recorded else ""
    if reason:  # marked by hand: the cashier's books and the dossier agree, it moves on when the payment is recorded
        raise InvalidTransition(reason)
    dossier.status = Status.PROCESSING
    _record(dossier, action="payment_received", from_status=Status.PAYMENT_REQUESTED, by=by, note=note)
    return dossier


@transaction.atomic
def log_event(*, dossier: Dossier, action: str, by: User | None, public_note: str = "", note: str = "") -> DossierEvent:
    """A timeline entry without a status change (``workflow.TIMELINE_EVENTS``, e.g. a postal status update)."""
    if action not in TIMELINE_EVENTS:
        raise InvalidTransition(f"unknown timeline event {action!r}")
    dossier = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
    if dossier.is_draft:
        raise InvalidTransition(_("A draft has no timeline yet."))
    return write_event(dossier, action=action, from_status=dossier.status, by=by, note=note, public_note=public_note)


def _timeliness(finished: datetime, due: datetime | None) -> str:
    if due is None or finished <= due:
        calendar = _calendar()
        if due is not None and calendar.working_hours_between(finished, due) >= calendar.hours_per_day:
            return Timeliness.AHEAD
        return Timeliness.ON_TIME
    return Timeliness.LATE


class ResultNotSigned(InvalidTransition):
    """The result could not be signed (wrong PIN, token or HSM not available): the dossier was not approved."""

    code = "result_not_signed"


def _signed_result(dossier: Dossier, content: bytes, *, by: User, pin: str, scanned: bool, now: datetime) -> bytes:
    """The result as it is stored: signed by the leader (a visible signature) and sealed by the agency; a scan of
    the paper result only sealed. Unchanged when signing is off."""
    from portal.signing import sign
    from portal.signing.errors import SigningError
    from portal.signing.links import verification_url

    if not sign.enabled():
        return content
    agency = dossier.agency
    try:
        if not scanned:
            with translation.override("vi"):
                title = str(Role(by.role).label) if by.role else ""
            content = sign.sign_personal(
                content,
                username=by.get_username(),
                full_name=by.full_name or by.get_username(),
                title=title,
                agency_code=agency.code,
                agency_name=agency.name,
                pin=pin,
                dossier_code=dossier.code,
                verify_url=verification_url(dossier),
                when=now,
            )
        return sign.seal(content, agency_code=agency.code, agency_name=agency.name, dossier_code=dossier.code)
    except SigningError as error:
        raise ResultNotSigned(
            _("The result could not be signed, so dossier %(code)s was not approved: %(reason)s")
            % {"code": dossier.code, "reason": error.message}
        ) from None


@transaction.atomic
def approve(
    *,
    dossier: Dossier,
    by: User,
    result: UploadedFile | None = None,
    note: str = "",
    result_reference: str = "",
    result_scanned: bool = False,
    pin: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Dossier:
    """4 → 9: the leader approves and signs in one step; the result is attached and ready to return (with the number
    of the document issued, if any: a linked part waiting for this one receives it).

    With signing on, the result is signed with the leader's key (``pin`` opens it) and sealed by the agency; a scan
    of the signed paper (``result_scanned``) is sealed only. Signing happens before the lock is taken; if it fails
    (``ResultNotSigned``), nothing changes: the dossier is never "result ready" without its signed result."""
    now = now or timezone.now()
    content, signed = None, False
    if result is not None:
        current = Dossier.objects.select_related("agency").get(pk=dossier.pk)
        check(current, "approve", by, expected_version)  # nothing is signed that could not be approved
        result.seek(0)
        content = _signed_result(current, result.read(), by=by, pin=pin, scanned=result_scanned, now=now)
        signed = _signing_enabled()
    dossier = _lock(dossier, "approve", by, expected_version)
    if content is None and dossier.delivery_method == DeliveryMethod.ONLINE:
        # The citizen chose to receive it online: approving without it would tell them a result is ready that
        # they cannot have. (Checked after the leader's right to approve, so they read why first.)
        raise InvalidTransition(_("The citizen receives this result online: attach it (PDF) to approve."))
    previous = dossier.status
    if content is not None:
        dossier.result_file.save(f"ket-qua-{dossier.code}.pdf", ContentFile(content), save=False)
        dossier.result_signed_at = now if signed else None
    dossier.status, dossier.stage, dossier.finished_at = Status.RESULT_READY, Stage.NONE, now
    dossier.timeliness = _timeliness(now, dossier.due_at)
    if result_reference.strip():
        dossier.result_reference = result_reference.strip()[:64]
    _finish_current_step(dossier, now)
    _record(
        dossier,
        action="approve",
        from_status=previous,
        by=by,
        note=note,
        notice=NoticeKind.RESULT,
        notice_data={"official": by.full_name},
        fields=["stage", "finished_at", "timeliness", "result_file", "result_signed_at", "result_reference"],
    )
    return dossier


def _signing_enabled() -> bool:
    from portal.signing.sign import enabled

    return enabled()


@transaction.atomic
def recall(*, dossier: Dossier, by: User, reason: str, expected_version: int | None = None) -> Dossier:
    """9 → 4: a result with a mistake goes back to processing."""
    if not reason.strip():
        raise InvalidTransition(_("Say what must be corrected."))
    dossier = _lock(dossier, "recall", by, expected_version)
    recalled = dossier.result_file.name if dossier.result_file else ""
    dossier.status, dossier.stage, dossier.finished_at, dossier.timeliness = (
        Status.PROCESSING,
        Stage.PROCESSING,
        None,
        "",
    )
    # The recalled result is no longer the dossier's: nobody downloads it as the result. The timeline names its
    # file; like a result replaced by a new approval, the file goes with the storage sweep.
    dossier.result_file, dossier.result_signed_at = None, None
    _record(
        dossier,
        action="recall",
        from_status=Status.RESULT_READY,
        by=by,
        note=reason,
        fields=["stage", "finished_at", "timeliness", "result_file", "result_signed_at"],
        extra={"recalled_result": recalled} if recalled else None,
    )
    return dossier


class ResultHeld(InvalidTransition):
    """The result is held until the fees are paid (or exempted, or collected by the postman on delivery)."""

    code = "result_held_until_paid"


def owed_before_return(dossier: Dossier) -> int:
    """What the citizen still owes of what was billed (a quote is not a debt: nothing billed, nothing owed)."""
    cost = costs.cost_of(dossier)
    return cost.owed if cost.billed else 0


def collects_on_delivery(dossier: Dossier) -> bool:
    """The citizen chose to pay the postman when the result is delivered (BCCI collect-on-delivery, thu hộ)."""
    return dossier.delivery_method == DeliveryMethod.POST and dossier.pay_on_delivery


def held_reason(dossier: Dossier, *, collected_on_delivery: int = 0) -> str:
    """Why the result cannot be returned now, or "" if it can: it is held while fees are owed, unless the postman
    collects the whole amount on delivery (``collected_on_delivery``, only when the citizen chose it)."""
    owed = owed_before_return(dossier)
    if owed <= 0 or (collects_on_delivery(dossier) and collected_on_delivery >= owed):
        return ""
    values = {"action": ACTIONS[DossierAction.RETURN_RESULT].label, "amount": vnd(owed)}
    if collects_on_delivery(dossier):
        return _("%(action)s: not possible while %(amount)s is owed (pay, exempt, or collect on delivery).") % values
    return _("%(action)s: not possible while %(amount)s is owed (pay or exempt).") % values


def unpaid_reason(dossier: Dossier) -> str:
    """Why "payment received" cannot be marked by hand, or "": the payment asked for is still awaited. It is
    recorded at the counter (which issues the receipt), paid online or exempted, and the dossier then moves on."""
    owed = costs.awaited_by_agency(dossier)
    if owed <= 0:
        return ""
    return _(
        "%(action)s: %(amount)s is still awaited. Record the payment at the counter (it issues the receipt) or "
        "exempt it; the dossier then moves on by itself."
    ) % {"action": ACTIONS[DossierAction.PAYMENT_RECEIVED].label, "amount": vnd(owed)}


def why_not(dossier: Dossier, action: str) -> str:
    """Why an action the status and the official's role allow is still not possible now, or "" (the back office
    lists the reason instead of the button)."""
    if action == DossierAction.RETURN_RESULT and dossier.status == Status.RESULT_READY:
        return held_reason(dossier)
    if action == DossierAction.PAYMENT_RECEIVED and dossier.status == Status.PAYMENT_REQUESTED:
        return unpaid_reason(dossier)
    if action == DossierAction.APOLOGISE:
        return apology_reason(dossier)
    if action == DossierAction.ACCEPT and dossier.is_waiting:
        return waiting_reason(dossier)
    return ""


def waiting_reason(dossier: Dossier) -> str:
    """A linked part cannot be accepted before the part whose result it needs is done."""
    needed = dossier.needs
    if needed.is_terminal and not needed.is_done:
        return _(
            "Dossier %(code)s cannot start: %(needed)s (“%(procedure)s”), whose result it needs, is “%(status)s”. "
            "Refuse it, or record the citizen's withdrawal."
        ) % {
            "code": dossier.code,
            "needed": needed.code,
            "procedure": needed.procedure.name,
            "status": needed.get_status_display(),
        }
    return _("Dossier %(code)s starts when %(needed)s (“%(procedure)s”) is done.") % {
        "code": dossier.code,
        "needed": dossier.needs.code,
        "procedure": dossier.needs.procedure.name,
    }


@transaction.atomic
def return_result(
    *,
    dossier: Dossier,
    by: User,
    note: str = "",
    tracking_number: str = "",
    collect_on_delivery: int = 0,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Dossier:
    """9 → 10: handed over at the office, sent online or posted (with the shipment's ``tracking_number``).

    Held while fees are owed (``ResultHeld``), unless the result is posted with the postman collecting
    ``collect_on_delivery`` đồng, the whole amount owed, as the citizen chose."""
    dossier = _lock(dossier, "return_result", by, expected_version)
    reason = held_reason(dossier, collected_on_delivery=collect_on_delivery if tracking_number else 0)
    if reason:
        raise ResultHeld(reason)
    dossier.status, dossier.returned_at = Status.RETURNED, now or timezone.now()
    _record(
        dossier,
        action="return_result",
        from_status=Status.RESULT_READY,
        by=by,
        public_note=note,
        fields=["returned_at"],
        tracking_number=tracking_number,
    )
    from . import store  # the result, a paper of a known kind, goes to the citizen's store after commit

    store.after_return(dossier)
    return dossier


@transaction.atomic
def stop(*, dossier: Dossier, by: User | None, reason: str, expected_version: int | None = None) -> Dossier:
    """4 or 5 → 8: processing stops, with the reason (form 05)."""
    if not reason.strip():
        raise InvalidTransition(_("Give the reason for stopping."))
    dossier = _lock(dossier, "stop", by, expected_version)
    previous = dossier.status
    dossier.status, dossier.stage, dossier.paused_at, dossier.paused_from = Status.STOPPED, Stage.NONE, None, None
    _record(
        dossier,
        action="stop",
        from_status=previous,
        by=by,
        public_note=reason,
        notice=NoticeKind.STOP,
        notice_data={"reason": reason, "official": by.full_name if by else ""},
        fields=["stage", "paused_at", "paused_from"],
    )
    return dossier


@transaction.atomic
def withdraw(*, dossier: Dossier, by: User, reason: str = "", expected_version: int | None = None) -> Dossier:
    """{1, 2, 4, 5, 6} → 7: the citizen asked to withdraw the dossier."""
    dossier = _lock(dossier, "withdraw", by, expected_version)
    previous = dossier.status
    dossier.status, dossier.stage = Status.WITHDRAWN, Stage.NONE
    _record(dossier, action="withdraw", from_status=previous, by=by, public_note=reason, fields=["stage"])
    return dossier


@transaction.atomic
def apologise(
    *,
    dossier: Dossier,
    by: User,
    new_due_at: datetime,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Dossier:
    """Form 04: once per dossier, before the deadline passes, a written apology with a later date."""
    now = now or timezone.now()
    if not reason.strip():
        raise InvalidTransition(_("Give the reason for the delay."))
    dossier = _lock(dossier, "apologise", by, expected_version)
    reason_not = apology_reason(dossier, now=now)
    if reason_not:
        raise InvalidTransition(reason_not)
    if new_due_at <= dossier.due_at:
        raise InvalidTransition(_("The new date must be later than the current due date."))
    if not _calendar().is_working_time(new_due_at):
        raise InvalidTransition(_("The new date must fall within working hours on a working day."))
    old_due = dossier.due_at
    dossier.due_at, dossier.apology_issued_at = new_due_at, now
    _record(
        dossier,
        action="apologise",
        from_status=dossier.status,
        by=by,
        public_note=reason,
        notice=NoticeKind.APOLOGY,
        notice_data={"reason": reason, "old_due_at": old_due.isoformat(), "new_due_at": new_due_at.isoformat()},
        fields=["due_at", "apology_issued_at"],
    )
    return dossier


def apology_reason(dossier: Dossier, *, now: datetime | None = None) -> str:
    """Why no apology (form 04) can be issued for the dossier now, or "": once, before the due date passes."""
    if dossier.apology_issued_at is not None:
        return _("An apology has already been issued for this dossier; it can be issued only once.")
    if dossier.due_at is None or (now or timezone.now()) >= dossier.due_at:
        return _("An apology must be issued before the due date passes.")
    return ""


def expire_supplements(*, now: datetime | None = None) -> int:
    """Dossiers whose supplement deadline has passed are refused or stopped, as ``SUPPLEMENT_EXPIRY`` says."""
    now = now or timezone.now()
    count = 0
    for dossier in Dossier.objects.filter(status=Status.SUPPLEMENT_REQUESTED, supplement_deadline__lt=now):
        reason = recorded(
            gettext_noop("The requested supplement was not received by %(deadline)s."),
            deadline=timezone.localtime(dossier.supplement_deadline).strftime("%H:%M %d/%m/%Y"),
        )
        try:
            if settings.SUPPLEMENT_EXPIRY == SupplementExpiry.STOP and dossier.paused_from == Status.PROCESSING:
                stop(dossier=dossier, by=None, reason=reason)
            else:
                refuse(dossier=dossier, by=None, reason=reason)
        except InvalidTransition:
            continue  # supplemented or changed meanwhile
        count += 1
    return count
