"""Reads of dossiers, always through who is asking: a citizen sees their own, an official their agency's."""

import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import access, single_flight
from portal.accounts.models import User
from procedures.calendar import WorkingCalendar
from procedures.models import Agency
from procedures.selectors import CATALOGUE_VERSION_KEY, catalogue_version

from .constants import TERMINAL_STATUSES, Stage, Status
from .events import DossierAction, DossierChange, listen
from .models import Dossier

# --- The deadline ---------------------------------------------------------------------------------------------

# The clock runs in these statuses; a dossier in one of them past its due date is overdue (computed, never stored).
OPEN_STATUSES = (Status.ACCEPTED, Status.PROCESSING, Status.PAYMENT_REQUESTED)
SOON_WORKING_DAYS = 2  # "due soon": within this many working days


def overdue_q(now: datetime) -> Q:
    """The overdue rule as a query condition; ``is_overdue`` is the same rule for one loaded dossier."""
    return Q(status__in=OPEN_STATUSES, due_at__lt=now)


def is_overdue(dossier: Dossier, now: datetime | None = None) -> bool:
    """Past its due date while the clock runs (``OPEN_STATUSES``): every page, API and PDF asks here."""
    return bool(dossier.due_at and dossier.status in OPEN_STATUSES and dossier.due_at < (now or timezone.now()))


def due_soon_bound(now: datetime) -> datetime:
    """The end of "due soon": ``SOON_WORKING_DAYS`` working days from ``now`` (the agency calendar)."""
    return WorkingCalendar.load().add_working_days(now, SOON_WORKING_DAYS)


def due_soon_q(now: datetime, bound: datetime) -> Q:
    """Not yet overdue, due by ``bound`` (``due_soon_bound``), while the clock runs."""
    return Q(status__in=OPEN_STATUSES, due_at__gte=now, due_at__lte=bound)


def clock_status_labels() -> list[str]:
    """The statuses in which the clock runs, by name, for the pages that explain "overdue"."""
    return [str(Status(status).label) for status in OPEN_STATUSES]


# --- The back office's work queues ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    condition: Q
    params: dict  # the back-office changelist's filters that list the same dossiers


OWN_QUEUE = "mine"  # the one work queue that is each official's own
FOLLOWING_QUEUE = "following"  # what a centre received for other agencies
FOLLOWING_LABEL = gettext_lazy("Received here for other agencies")


def queues(user, now: datetime, bound: datetime) -> list[Queue]:
    """The work queues of the dashboard and of the API's ``/queues/`` (``user``: "assigned to me"): each lists the
    dossiers whose next step is the user's agency's (``access.turn_q``: a receiving centre's intake and hand-back,
    the competent agency's processing); the last lists what the centre received for other agencies."""
    turn = access.turn_q(user)
    mine = [
        Queue(q.key, q.label, q.condition if turn is None else q.condition & turn, {**q.params, "turn": "mine"})
        for q in _work_queues(user, now, bound)
    ]
    if not access.is_official(user):
        return mine
    following = access.following_q(user) & ~Q(status__in=TERMINAL_STATUSES)
    return [*mine, Queue(FOLLOWING_QUEUE, FOLLOWING_LABEL, following, {"turn": "following"})]


def queue_labels() -> list[tuple[str, str]]:
    """Every queue's key and label, whoever asks (the API's filter choices)."""
    now = timezone.now()
    return [(queue.key, queue.label) for queue in _work_queues(None, now, now)] + [(FOLLOWING_QUEUE, FOLLOWING_LABEL)]


def _work_queues(user, now: datetime, bound: datetime) -> list[Queue]:
    return [
        Queue("intake", _("Awaiting intake"), Q(status=Status.SUBMITTED), {"status__exact": Status.SUBMITTED}),
        Queue("accepted", _("Newly accepted"), Q(status=Status.ACCEPTED), {"status__exact": Status.ACCEPTED}),
        Queue(
            OWN_QUEUE,
            _("Assigned to me"),
            Q(status=Status.PROCESSING, handler=user),
            {"status__exact": Status.PROCESSING, "handled_by": "me"},
        ),
        Queue(
            "approval",
            _("Awaiting approval"),
            Q(status=Status.PROCESSING, stage=Stage.APPROVAL),
            {"status__exact": Status.PROCESSING, "stage__exact": Stage.APPROVAL},
        ),
        Queue(
            "supplement",
            _("Waiting for a supplement"),
            Q(status=Status.SUPPLEMENT_REQUESTED),
            {"status__exact": Status.SUPPLEMENT_REQUESTED},
        ),
        Queue(
            "payment",
            _("Payment requested"),
            Q(status=Status.PAYMENT_REQUESTED),
            {"status__exact": Status.PAYMENT_REQUESTED},
        ),
        Queue(
            "result",
            _("Result ready to return"),
            Q(status=Status.RESULT_READY),
            {"status__exact": Status.RESULT_READY},
        ),
        Queue("due_soon", _("Due within 2 working days"), due_soon_q(now, bound), {"due": "soon"}),
        Queue("overdue", _("Overdue"), overdue_q(now), {"due": "overdue"}),
    ]


# The statuses some work queue can hold: every queue's condition implies one of them, so counting only these
# reads the agency's live dossiers through the (agency, status) index instead of its whole history.
QUEUED_STATUSES = tuple(s for s in Status if s != Status.DRAFT and s not in TERMINAL_STATUSES)


def queue_counts(queryset: QuerySet[Dossier], user, now: datetime, bound: datetime) -> dict[str, int]:
    """Every queue's count over ``queryset`` (already scoped to the official) in one aggregate query."""
    return (
        queryset.order_by()
        .filter(status__in=QUEUED_STATUSES)
        .aggregate(**{queue.key: Count("pk", filter=queue.condition) for queue in queues(user, now, bound)})
    )


def own_queue_count(queryset: QuerySet[Dossier], user, now: datetime, bound: datetime) -> dict[str, int]:
    """The count of the one queue that is the official's own ("Assigned to me"), read through the handler's index."""
    mine = next(queue for queue in queues(user, now, bound) if queue.key == OWN_QUEUE)
    return {OWN_QUEUE: queryset.order_by().filter(status__in=QUEUED_STATUSES).filter(mine.condition).count()}


# The dashboard's counts are kept for DASHBOARD_CACHE_SECONDS under the agency's generation: any change to a dossier
# of the agency (``dossier_event``, after commit) starts a new generation, so everyone sees it at the next load;
# what changes with time alone (due soon, overdue) shows within the cache period. Every queue but the official's
# own ("Assigned to me", ``OWN_QUEUE``) is the same for all of the agency's officials, so the aggregate over the
# agency's live dossiers runs once per generation, at the first official's load, not once per official (in a busy
# agency every change would otherwise send each official's next load to count them all again); a colleague's load
# then counts only their own queue, through the handler's index. Colleagues loading while the first is counting wait
# for that count (``portal.single_flight``) rather than count the same dossiers again.


COUNTING_SECONDS = 10  # the longest a load waits for a colleague's count of the agency before counting itself


def _generation_key(agency_id: int) -> str:
    return f"dossiers:queues-generation:{agency_id}"


def agency_counts_key(scope: str, agency_id: int) -> str:
    """Where the agency's queue counts (all but each official's own) are kept, under its current generation."""
    generation = cache.get(_generation_key(agency_id), 0)
    return f"dossiers:queue-counts:{scope}:{agency_id}:{generation}"


def cached_queue_counts(
    queryset: QuerySet[Dossier], user, now: datetime, bound: datetime, *, scope: str
) -> dict[str, int]:
    """``queue_counts`` through the cache; ``scope`` names the queryset (the admin's, the API's)."""
    ttl = settings.DASHBOARD_CACHE_SECONDS
    agency_id = access.agency_of(user)
    if ttl <= 0 or agency_id is None:
        return queue_counts(queryset, user, now, bound)
    shared_key = agency_counts_key(scope, agency_id)
    own_key = f"{shared_key}:{OWN_QUEUE}:{user.pk}"
    kept = cache.get_many([shared_key, own_key])
    shared, own = kept.get(shared_key), kept.get(own_key)
    counting = shared is None and single_flight.take(shared_key, COUNTING_SECONDS)
    if shared is None and not counting:
        shared = single_flight.wait_for(shared_key, COUNTING_SECONDS)  # a colleague's load is counting them
    if shared is None:  # the first load since the change (or one that waited in vain): one aggregate for everything
        try:
            counts = queue_counts(queryset, user, now, bound)
            shared = {key: count for key, count in counts.items() if key != OWN_QUEUE}
            own = {OWN_QUEUE: counts[OWN_QUEUE]}
            cache.set_many({shared_key: shared, own_key: own}, ttl)
        finally:
            if counting:  # a load that waited in vain leaves the colleague's lock to the colleague
                single_flight.release(shared_key)
    elif own is None:
        own = own_queue_count(queryset, user, now, bound)
        cache.set(own_key, own, ttl)
    return {**shared, **own}


def queues_version(request) -> str | None:
    """What an official's queue pages are kept under (``portal.page_cache.official_page``): their agency's
    generation, their role and the catalogue's version (procedure names, the procedure filter). None for anyone
    but an official of an agency: a superuser's lists span every agency, a citizen's are their own filings; those
    are rendered each time."""
    if not access.is_official(request.user) or (agency_id := access.agency_of(request.user)) is None:
        return None
    # Both numbers in one round trip to the cache; the catalogue's own rule when its version is not there yet.
    key = _generation_key(agency_id)
    kept = cache.get_many([key, CATALOGUE_VERSION_KEY])
    generation = kept.get(key, 0)
    catalogue = kept.get(CATALOGUE_VERSION_KEY) or catalogue_version()
    return f"{agency_id}.{generation}.{request.user.role}.{catalogue}"


def queues_changed(*agency_ids: int | None) -> None:
    """Start a new generation of the given agencies' counts once the current transaction commits."""
    keys = [_generation_key(agency_id) for agency_id in set(agency_ids) if agency_id]

    def bump() -> None:
        stamp = time.time_ns()
        cache.set_many(dict.fromkeys(keys, stamp), timeout=None)

    if keys:
        transaction.on_commit(bump)


# --- Who sees which dossier -----------------------------------------------------------------------------------


def visible_dossiers(user: User) -> QuerySet[Dossier]:
    """The applicant's own dossiers (drafts included) and, for an official, their agency's submitted ones."""
    return access.visible(Dossier.objects.all(), user)


def dossier_for(user: User, public_id, *, own: bool = False) -> Dossier:
    """The dossier if ``user`` may see it (``own``: only as its applicant); 404 otherwise, never 403."""
    qs = Dossier.objects.filter(applicant=user) if own else visible_dossiers(user)
    try:
        return qs.select_related("procedure", "agency", "received_by", "case", "applicant").get(public_id=public_id)
    except (Dossier.DoesNotExist, ValueError):
        raise Http404 from None


def dossiers_of_applicant(user: User) -> list[Dossier]:
    return list(
        Dossier.objects.filter(applicant=user)
        .select_related("procedure", "agency", "filing")
        .order_by("-submitted_at", "-created_at")
    )


@listen(dispatch_uid="dossiers.queue-counts")
def _on_dossier_change(change: DossierChange) -> None:
    dossier = change.dossier
    came_from = None
    if change.action == DossierAction.ROUTE and change.extra.get("from"):  # the agency it left counts one fewer
        came_from = Agency.objects.filter(code=change.extra["from"]).values_list("pk", flat=True).first()
    queues_changed(dossier.agency_id, dossier.received_by_id, came_from)
