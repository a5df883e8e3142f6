"""Payment requests: what a dossier is billed at submission or when the agency asks, exemptions, and a request
marked paid (which moves a dossier waiting for the payment on)."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dossiers import processing
from dossiers.constants import Status
from dossiers.costs import CostLine
from dossiers.events import DossierChange
from dossiers.models import Dossier, DossierEvent
from dossiers.workflow import InvalidTransition
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.records import record_language, recorded

from .. import fees
from ..constants import Collection, LineKind, Purpose, RequestStatus, TransactionStatus
from ..models import PaymentLine, PaymentRequest, ProcedurePaymentRule, Transaction
from .base import PaymentError, check_cashier, check_official, ensure_not_with_the_postman, lock_request
from .refunds import _request_refund

logger = logging.getLogger(__name__)


def collection_for(procedure) -> str:
    rule = ProcedurePaymentRule.objects.filter(procedure=procedure).first()
    return rule.collection if rule else Collection.AT_SUBMISSION


def _create_request(*, dossier: Dossier, event: DossierEvent | None, purpose: str, lines: list[CostLine]):
    """The dossier's one open request replaces the open one. What the agency asked for before (``other`` lines of a
    request of the same purpose) is replaced by the new amount; every other unpaid line (fees still owed from the
    submission, the postal fee), exemptions included, is carried into the new request: nothing owed disappears."""
    carried = [
        line
        for previous in PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN)
        for line in previous.lines.all()
        if previous.purpose != purpose or line.kind != LineKind.OTHER
    ]
    PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN).update(status=RequestStatus.CANCELLED)
    rows = [
        PaymentLine(
            kind=line.kind,
            description=line.description,
            quantity=line.quantity,
            amount=line.amount,
            exempt=line.exempt,
            exemption_reason=line.exemption_reason,
            exempted_by=line.exempted_by,
        )
        for line in carried
    ] + [
        PaymentLine(kind=line.kind, description=line.description, quantity=line.quantity, amount=line.amount)
        for line in lines
    ]
    request = PaymentRequest.objects.create(
        dossier=dossier,
        event=event,
        purpose=purpose,
        amount=sum(row.amount for row in rows if not row.exempt),
        online=dossier.procedure.pays_online,
    )
    for position, row in enumerate(rows):
        row.request, row.position = request, position
    PaymentLine.objects.bulk_create(rows)
    return request


def bill_submission(change: DossierChange) -> None:
    """A submitted dossier: when the procedure collects its fees at submission, exactly the quote is billed."""
    dossier = change.dossier
    if collection_for(dossier.procedure) != Collection.AT_SUBMISSION:
        return
    with record_language():  # the lines' descriptions are stored with the request
        cost = fees.quote(dossier)
    if cost.total > 0:
        _create_request(dossier=dossier, event=change.event, purpose=Purpose.SUBMISSION, lines=list(cost.lines))


def bill_requested(change: DossierChange) -> None:
    """The agency asked for a payment (4 → 6): one line for the amount it named."""
    dossier = change.dossier
    description = change.event.public_note.strip() or recorded(
        gettext_noop("Fees and charges requested by %(agency)s"), agency=dossier.agency.name
    )
    _create_request(
        dossier=dossier,
        event=change.event,
        purpose=Purpose.REQUESTED,
        lines=[CostLine(kind=LineKind.OTHER, description=description[:500], unit_amount=change.amount or 0)],
    )


def cancel_and_refund(change: DossierChange) -> None:
    """The dossier was refused, withdrawn or stopped: nothing more is asked for, and what was paid goes back."""
    reason = recorded(
        gettext_noop("Dossier %(code)s: %(action)s"),
        code=change.dossier.code,
        action=Status(change.event.to_status).label,
    )
    # The dossier is locked by the action; then its requests, then their transactions (the order of every path).
    requests = list(PaymentRequest.objects.select_for_update().filter(dossier=change.dossier).order_by("pk"))
    PaymentRequest.objects.filter(pk__in=[r.pk for r in requests], status=RequestStatus.OPEN).update(
        status=RequestStatus.CANCELLED
    )
    paid = Transaction.objects.select_for_update().filter(request__in=requests, status=TransactionStatus.SUCCEEDED)
    for txn in paid.order_by("pk"):
        _request_refund(txn, reason=reason, by=change.actor)


@transaction.atomic
def exempt_line(*, line: PaymentLine, by: User, reason: str) -> PaymentRequest:
    """An official exempts one line item, with the reason (e.g. a policy beneficiary); the total is recomputed."""
    if not reason.strip():
        raise PaymentError(_("Give the reason for the exemption."))
    dossier, request = lock_request(line.request_id)  # the dossier first, then the request
    try:  # the cashier who sees the citizen's proof at the desk, or the competent agency's, whose fees they are
        check_cashier(request.dossier, by)
    except PaymentError:
        check_official(request.dossier, by, roles=(Role.CASHIER,))
    ensure_not_with_the_postman(dossier)
    if not request.is_open:
        raise PaymentError(_("Only a payment that is still awaited can be changed."))
    if request.transactions.filter(status=TransactionStatus.PENDING).exists():
        raise PaymentError(_("The citizen is paying right now; try again when the payment has finished."))
    line = PaymentLine.objects.get(pk=line.pk)
    line.exempt, line.exemption_reason, line.exempted_by = True, reason.strip(), by
    line.save(update_fields=["exempt", "exemption_reason", "exempted_by"])
    request.amount = sum(item.due for item in request.lines.all())
    request.save(update_fields=["amount"])
    if request.amount == 0:
        _mark_paid(request, by=by, note=recorded(gettext_noop("Exempted: %(reason)s"), reason=reason.strip()))
    return request


def _mark_paid(request: PaymentRequest, *, by: User | None, note: str) -> None:
    request.status, request.paid_at = RequestStatus.PAID, timezone.now()
    request.save(update_fields=["status", "paid_at"])
    dossier = request.dossier
    if request.purpose == Purpose.REQUESTED and dossier.status == Status.PAYMENT_REQUESTED:
        try:
            with transaction.atomic():
                processing.payment_received(
                    dossier=dossier, by=by if by and by.is_official else None, note=note, recorded=True
                )
        except InvalidTransition:
            logger.warning("Dossier %s was paid but could not move on from payment requested", dossier.code)
