"""Reads: a dossier's payments for its page, the cashier's daily report."""

from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from .constants import Gateway, RefundStatus, RequestStatus, TransactionStatus
from .models import PaymentLine, PaymentRequest, Receipt, Refund, Transaction


def requests_of(dossier) -> list[PaymentRequest]:
    """Every payment request of the dossier with its lines, transactions, receipts and refunds: four queries."""
    rows = (
        PaymentRequest.objects.filter(dossier=dossier)
        .prefetch_related(
            Prefetch("lines", queryset=PaymentLine.objects.order_by("position", "pk")),
            Prefetch(
                "transactions",
                queryset=Transaction.objects.select_related("receipt").prefetch_related(
                    Prefetch("refunds", queryset=Refund.objects.order_by("pk"))
                ),
            ),
        )
        .order_by("-created_at", "-pk")
    )
    # A request replaced before anyone paid it is noise to the citizen.
    return [r for r in rows if r.status != RequestStatus.CANCELLED or r.transactions.all()]


def open_request(dossier) -> PaymentRequest | None:
    return (
        PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN)
        .prefetch_related(Prefetch("lines", queryset=PaymentLine.objects.order_by("position", "pk")))
        .first()
    )


def receipt_for(dossier, number: str) -> Receipt | None:
    return (
        Receipt.objects.select_related("transaction__request")
        .filter(number=number, transaction__request__dossier=dossier)
        .first()
    )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _taken_by(agency_id: int, prefix: str = "") -> Q:
    """Money the agency took: at its desk (its cash drawer; recorded by someone of no agency, a superuser: the
    dossier's agency's), or online for its dossiers (its account)."""
    counter = Q(**{f"{prefix}gateway": Gateway.COUNTER})
    return (
        (counter & Q(**{f"{prefix}recorded_by__agency_id": agency_id}))
        | (
            counter
            & Q(**{f"{prefix}recorded_by__agency__isnull": True, f"{prefix}request__dossier__agency_id": agency_id})
        )
        | (~counter & Q(**{f"{prefix}request__dossier__agency_id": agency_id}))
    )


def daily_refunds(*, agency_id: int, day: date) -> QuerySet[Refund]:
    """Refunds completed on ``day`` of money the agency took (``_taken_by``): the cashier's report subtracts them,
    so its total is what the drawer and the account gained that day."""
    start, end = day_bounds(day)
    return (
        Refund.objects.filter(
            _taken_by(agency_id, "transaction__"),
            status=RefundStatus.DONE,
            updated_at__gte=start,
            updated_at__lt=end,
        )
        .select_related("transaction__request__dossier__applicant", "transaction__receipt", "requested_by")
        .order_by("updated_at", "pk")
    )


def daily_payments(*, agency_id: int, day: date) -> QuerySet[Transaction]:
    """Successful payments settled on ``day`` (Asia/Ho_Chi_Minh) that the agency took: the cashier's report."""
    start, end = day_bounds(day)
    return (
        Transaction.objects.filter(
            _taken_by(agency_id),
            status=TransactionStatus.SUCCEEDED,
            settled_at__gte=start,
            settled_at__lt=end,
        )
        .select_related("request__dossier__applicant", "receipt", "recorded_by")
        .order_by("settled_at", "pk")
    )


ONLINE = frozenset({Gateway.VNPAY, Gateway.SANDBOX})
