"""Outbound sync: the outbox written with each dossier change, the worker that sends, retries, the sweep, resend.

Reliability, in short (the same discipline as ``notifications.services``):

* ``record_change`` runs inside the transaction of the dossier change (a dossier-event listener): it writes the
  ``SyncChange`` row and moves the dossier's ``DossierSync`` to pending. A rolled-back change leaves nothing.
  The task is published after commit; if the broker is down then, the sweep publishes it later.
* ``push`` sends only after claiming the dossier's sync row with a conditional update (pending → sending), so a
  dossier has at most one request in flight and its changes go out in order; a task redelivered after its worker
  died (same task id) takes its own claim back.
* It sends the current state: ``DongBoHoSoMC`` (create, or update once the portal knows the dossier; an "already
  exists" answer turns a create into an update), then the timeline rows not sent yet as ``CapNhatTienDoHoSoMC`` in
  chunks of 10. What it reached is recorded after each step, so a retry never sends a progress row twice.
* Errors are retried with exponential backoff, at most ``NATIONAL_PORTAL_MAX_ATTEMPTS`` attempts; then the row is
  failed with the portal's message, visible in the back office, which resends. A status with no mapping fails at
  once, naming the status. One dossier's failure never holds up another's: each dossier has its own row and task.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.constants import Status
from dossiers.events import DossierChange
from dossiers.models import Dossier

from . import client, payload
from .constants import ALREADY_EXISTS, PROGRESS_CHUNK, SyncState
from .models import DossierSync, SyncChange

logger = logging.getLogger(__name__)

PENDING, SENDING, SYNCED, FAILED = SyncState.PENDING, SyncState.SENDING, SyncState.SYNCED, SyncState.FAILED
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
ROUNDS = 5  # a task sends at most this many rounds for changes arriving while it sends, then hands over


def enabled() -> bool:
    return client.is_configured()


# --- Writing the outbox (in the transaction of the change) ---------------------------------------------------


def record_change(*, change: DossierChange) -> SyncChange | None:
    dossier = change.dossier
    if not enabled() or dossier.status == Status.DRAFT:
        return None
    row = SyncChange.objects.create(dossier=dossier, event=change.event, status=change.to_status)
    now = timezone.now()
    sync, created = DossierSync.objects.get_or_create(dossier=dossier, defaults={"wanted": row.pk})
    if not created:
        # One statement, so that a task claiming the row meanwhile cannot slip between a check and the write: a row
        # being sent stays with its task (which sees ``wanted`` move and sends again); any other becomes pending with
        # fresh attempts (the current state heals whatever failed before).
        sending = Q(state=SENDING)
        DossierSync.objects.filter(pk=sync.pk).update(
            wanted=Greatest(F("wanted"), Value(row.pk)),
            state=Case(When(sending, then=Value(SENDING)), default=Value(PENDING)),
            attempts=Case(When(sending, then=F("attempts")), default=Value(0)),
            next_attempt_at=Case(When(sending, then=F("next_attempt_at")), default=Value(now)),
            failed_at=Case(When(sending, then=F("failed_at")), default=Value(None)),
            updated_at=now,
        )
    transaction.on_commit(lambda: enqueue([dossier.pk]))
    return row


def enqueue(dossier_ids: list[int], countdown: float | None = None) -> int:
    """Publish one push task per dossier. Never raises: rows left pending are picked up by the sweep."""
    from .tasks import push_dossier

    published = 0
    for pk in dossier_ids:
        try:
            push_dossier.apply_async((pk,), countdown=countdown, retry_policy=PUBLISH_RETRY)
        except Exception:
            logger.warning("Could not enqueue national sync of dossier %s; the sweep will.", pk, exc_info=True)
            break
        published += 1
    return published


# --- Sending -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    state: str  # what the row became, or "skipped" when this call did not hold it
    retry_in: float | None = None


def retry_delay(attempts: int) -> float:
    delay = settings.NATIONAL_PORTAL_RETRY_DELAY * 2 ** max(attempts - 1, 0)
    return min(delay, settings.NATIONAL_PORTAL_MAX_RETRY_DELAY)


def _claim(dossier_id: int, claim: str) -> bool:
    now = timezone.now()
    claimable = Q(state=PENDING) | Q(state=SENDING, claimed_by=claim)
    return bool(
        DossierSync.objects.filter(claimable, dossier_id=dossier_id).update(
            state=SENDING, claimed_by=claim, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    )


def _send_round(sync: DossierSync, portal, *, first: bool) -> int:
    """Send the dossier's current state and its unsent timeline rows; returns the outbox row reached. What the
    portal accepted is kept on ``sync`` (``known``, ``progress_upto``) for the caller to record."""
    target = sync.wanted if first else DossierSync.objects.values_list("wanted", flat=True).get(pk=sync.pk)
    dossier = Dossier.objects.select_related("procedure__field", "agency", "applicant", "national_inbound").get(
        pk=sync.dossier_id
    )
    table = payload.mapping()
    events = list(
        dossier.events.filter(pk__gt=sync.progress_upto).select_related("actor__agency").order_by("pk")
    )  # read before the header: the header is never older than the progress sent after it
    item = payload.dossier_item(dossier, table)
    progress = [payload.progress_item(dossier, event, table) for event in events]
    known = sync.known
    if not known and settings.NATIONAL_PORTAL_LOOKUP_FIRST:
        known = portal.knows(item["MaHoSo"])
    try:
        answer = portal.sync_dossier(item, updating=known)
    except client.PortalError as exc:
        if known or ALREADY_EXISTS not in exc.message.lower():
            raise
        answer = portal.sync_dossier(item, updating=True)
    sync.known = True
    sync.last_message = answer.get("message", "")
    for start in range(0, len(progress), PROGRESS_CHUNK):
        answer = portal.sync_progress(progress[start : start + PROGRESS_CHUNK])
        sync.progress_upto = events[start : start + PROGRESS_CHUNK][-1].pk
        sync.last_message = answer.get("message", "")
    SyncChange.objects.filter(dossier_id=sync.dossier_id, pk__lte=target, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    return target


def push(*, dossier_id: int, claim: str) -> Outcome:
    """Send one dossier's pending changes if this caller can claim it (``claim``: the task id). Idempotent."""
    if not claim:
        raise ValueError("a claim (the task id) is required")
    if not _claim(dossier_id, claim):
        return Outcome("skipped")
    sync = DossierSync.objects.get(dossier_id=dossier_id)
    held = DossierSync.objects.filter(pk=sync.pk, state=SENDING, claimed_by=claim)

    def finish(**fields) -> bool:
        updated = held.update(claimed_by="", updated_at=timezone.now(), **fields)
        if not updated:
            logger.warning("National sync of dossier %s was taken over by the sweep while sending.", dossier_id)
        return bool(updated)

    def reached() -> dict:  # what the portal has accepted so far (kept whatever happens next)
        return {"known": sync.known, "progress_upto": sync.progress_upto, "last_message": sync.last_message}

    try:
        portal = client.adapter()
        for round_ in range(ROUNDS):
            target = _send_round(sync, portal, first=round_ == 0)
            now = timezone.now()
            # Done unless a change arrived meanwhile; then send again (still holding the claim).
            if held.filter(wanted__lte=target).update(
                **reached(),
                state=SYNCED,
                sent_upto=target,
                attempts=0,
                claimed_by="",
                synced_at=now,
                last_sent_at=now,
                updated_at=now,
                failed_at=None,
                last_code="0",
            ):
                return Outcome(SYNCED)
            held.update(**reached(), sent_upto=target, attempts=1, last_sent_at=now, updated_at=now)
        finish(state=PENDING, next_attempt_at=timezone.now())
        return Outcome(PENDING, retry_in=0)
    except payload.UnmappedStatus as exc:
        finish(**reached() | {"last_message": str(exc)}, state=FAILED, failed_at=timezone.now(), last_code="")
        return Outcome(FAILED)
    except Exception as exc:
        if not isinstance(exc, client.InterconnectionError):
            logger.exception("Unexpected error in the national sync of dossier %s", dossier_id)
        message = exc.message if isinstance(exc, client.InterconnectionError) else f"{type(exc).__name__}: {exc}"
        code = getattr(exc, "code", "")
        attempts = DossierSync.objects.values_list("attempts", flat=True).get(pk=sync.pk)
        if attempts >= settings.NATIONAL_PORTAL_MAX_ATTEMPTS:
            message = _("%(error)s (gave up after %(count)d attempts)") % {"error": message, "count": attempts}
            finish(**reached() | {"last_message": message}, state=FAILED, failed_at=timezone.now(), last_code=code)
            return Outcome(FAILED)
        delay = retry_delay(attempts)
        finish(
            **reached() | {"last_message": message},
            state=PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_code=code,
        )
        return Outcome(PENDING, retry_in=delay)


def sweep(*, now: datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Periodic: publish rows left pending past their time (no task reached a worker) and take back rows stuck in
    sending (their worker died)."""
    if not enabled():
        return {"requeued": 0, "stuck": 0}
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.NATIONAL_PORTAL_STUCK_AFTER)
    with transaction.atomic():
        stuck = list(
            DossierSync.objects.select_for_update(skip_locked=True)
            .filter(state=SENDING, claimed_at__lt=stuck_before)
            .values_list("dossier_id", flat=True)[:batch]
        )
        DossierSync.objects.filter(dossier_id__in=stuck, state=SENDING).update(
            state=PENDING, claimed_by="", next_attempt_at=now, updated_at=now
        )
        due = list(
            DossierSync.objects.select_for_update(skip_locked=True)
            .filter(state=PENDING, next_attempt_at__lte=now - timedelta(seconds=5))
            .order_by("next_attempt_at")
            .values_list("dossier_id", flat=True)[:batch]
        )
        DossierSync.objects.filter(dossier_id__in=due).update(next_attempt_at=now, updated_at=now)
        ids = stuck + due
        if ids:
            transaction.on_commit(lambda: enqueue(ids))
    return {"requeued": len(due), "stuck": len(stuck)}


def install_default_mapping() -> int:
    """The identity mapping for the statuses that have no row (the data migration does the same on a new
    database): our statuses carry the national numbers."""
    from .models import StatusMapping

    rows = [StatusMapping(status=status, portal_status=str(status)) for status in Status.values if status]
    return len(StatusMapping.objects.bulk_create(rows, ignore_conflicts=True))


# --- The back office -------------------------------------------------------------------------------------------


@transaction.atomic
def resend(*, sync: DossierSync) -> bool:
    """Send a failed dossier again, from its current state (attempts start again)."""
    sync = DossierSync.objects.select_for_update().get(pk=sync.pk)
    if sync.state != FAILED:
        return False
    now = timezone.now()
    sync.state, sync.attempts, sync.resends = PENDING, 0, sync.resends + 1
    sync.claimed_by, sync.failed_at, sync.next_attempt_at = "", None, now
    sync.save()
    transaction.on_commit(lambda: enqueue([sync.dossier_id]))
    return True
