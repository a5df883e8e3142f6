"""Reconciliation: ask the gateway about online payments that never got a final answer."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..constants import Gateway, TransactionStatus
from ..gateways import GatewayError, gateway_for
from ..models import Transaction
from .base import lock_transaction
from .online import _log, _settle, order_info

logger = logging.getLogger(__name__)


def reconcile(*, now: datetime | None = None, batch: int = 200) -> dict[str, int]:
    """Periodic: ask the gateway about online transactions without a final answer; settle late successes; expire
    the abandoned ones. Expired transactions are still asked about for ``PAYMENT_RECONCILE_HOURS``."""
    now = now or timezone.now()
    older = now - timedelta(minutes=settings.PAYMENT_QUERY_AFTER_MINUTES)
    window = now - timedelta(hours=settings.PAYMENT_RECONCILE_HOURS)
    candidates = list(
        Transaction.objects.filter(
            Q(status=TransactionStatus.PENDING) | Q(status=TransactionStatus.EXPIRED, created_at__gte=window),
            gateway_confirmed=False,
            created_at__lt=older,
        )
        .exclude(gateway=Gateway.COUNTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    counts = {"settled": 0, "expired": 0, "pending": 0, "errors": 0}
    for pk in candidates:
        try:
            counts[reconcile_one(transaction_id=pk, now=now)] += 1
        except GatewayError as exc:
            logger.warning("Reconciliation of transaction %s: %s", pk, exc)
            counts["errors"] += 1
    return counts


def reconcile_one(*, transaction_id: int, now: datetime | None = None) -> str:
    now = now or timezone.now()
    txn = Transaction.objects.select_related("request__dossier").get(pk=transaction_id)
    gateway = gateway_for(txn.gateway)
    outcome = gateway.query(
        txn_ref=txn.txn_ref,
        created_at=txn.created_at,
        order_info=order_info(txn.request),
        client_ip=settings.VNPAY_SERVER_IP,
    )  # outside the lock: a slow gateway must not hold the row
    with transaction.atomic():
        dossier, request, txn = lock_transaction(transaction_id)  # dossier, request, transaction: the one order
        txn.last_queried_at = now
        txn.save(update_fields=["last_queried_at"])
        _log("query", outcome.raw or {"vnp_TxnRef": txn.txn_ref})
        if txn.gateway_confirmed or txn.status == TransactionStatus.SUCCEEDED:
            return "settled"  # the IPN came meanwhile
        if outcome.success is not None and outcome.found:
            if outcome.amount != txn.amount:
                logger.error("Gateway reports %s đ for %s (%s đ expected)", outcome.amount, txn.txn_ref, txn.amount)
                return "pending"
            _settle(txn, outcome, dossier=dossier, request=request)
            return "settled"
        if txn.status == TransactionStatus.PENDING and txn.expires_at and now > txn.expires_at:
            txn.status, txn.settled_at = TransactionStatus.EXPIRED, now
            txn.save(update_fields=["status", "settled_at"])
            return "expired"
    return "pending"
