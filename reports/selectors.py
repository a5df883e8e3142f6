"""Public statistics: a handful of aggregate queries over dossiers, procedures and ratings, cached briefly.

Every figure comes from ``GROUP BY`` queries in the database (no per-row work in Python), so the cost is the same
for a thousand dossiers or a million; the number of queries is constant. Periods are calendar days in
Asia/Ho_Chi_Minh: dossiers *received* in the period (accepted at intake, counted by when they were filed,
``submitted_at``) count for the monthly, channel, receiving-centre and digitisation figures, dossiers *finished*
in the period for the timeliness rates and the electronic results (by ``finished_at``), ratings given in the
period for satisfaction.

A dossier received by one centre for another agency (intake regardless of boundary, Decree 118/2025) counts as
*received* by its receiving centre (``received_by``, or the competent agency itself when null) and as *processed*
by its competent agency (``agency``): an agency filter selects the intake figures by the first and the processing
figures (timeliness, results, ratings) by the second.

The two digitisation figures of the service quality index (Decision 766/QĐ-TTg) have one definition each, here:
``digitised_at_intake`` and ``electronic_result``.
"""

import time as clock
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dossiers.constants import Channel, DeliveryMethod, Status, Timeliness
from dossiers.models import Dossier, DossierDocument
from portal import single_flight
from portal.collation import vietnamese
from procedures.constants import ServiceLevel
from procedures.models import Agency, Procedure
from procedures.selectors import catalogue_version

CACHE_VERSION = 5  # bumped whenever ``Statistics`` or the statistics page's cached fragment changes shape


@dataclass(frozen=True)
class StatisticsFilters:
    start: date  # first day, inclusive
    end: date  # last day, inclusive
    agency: Agency | None = None

    @property
    def key(self) -> str:
        return f"reports:statistics:v{CACHE_VERSION}:{self.start:%Y%m%d}:{self.end:%Y%m%d}:{self.agency_code}"

    @property
    def agency_code(self) -> str:
        return self.agency.code if self.agency else ""

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes: from the first day's midnight to the midnight after the last day."""
        zone = timezone.get_default_timezone()
        start = datetime.combine(self.start, time.min, tzinfo=zone)
        end = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
        return start, end


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve calendar months, this one included."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today


def percent(part: int, whole: int) -> float:
    """``part`` as a share of ``whole`` in per cent, one decimal, halves rounded up; 0 when ``whole`` is 0."""
    if not whole:
        return 0.0
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _average(value) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- What the service quality index counts (Decision 766/QĐ-TTg): one definition each ---------------------------


def scanned_document() -> Q:
    """A document row turned into an electronic copy by the desk at intake: marked scanned, with its file stored."""
    return Q(scanned_at_intake=True) & ~Q(file="")


def exempt_document() -> Q:
    """A paper not digitised for one of the four reasons of Circular 03/2025/TT-VPCP, art. 5."""
    return ~Q(exemption="")


def digitised_at_intake() -> Q:
    """A dossier (meant: one received at the counter) whose papers were digitised at intake: it has at least one
    scanned document row, and every one of its document rows is either scanned or exempt. A dossier with no
    document row, with only exempt papers, or with one document neither scanned nor exempt (a file not scanned at
    intake) is not. Documents are the rows recorded for the dossier; a required paper never recorded is not seen."""
    documents = DossierDocument.objects.filter(dossier=OuterRef("pk"))
    return Q(Exists(documents.filter(scanned_document()))) & ~Q(
        Exists(documents.exclude(scanned_document() | exempt_document()))
    )


def electronic_result() -> Q:
    """A dossier whose result was issued electronically: the result is stored as a file (``result_file``) and the
    citizen chose to receive it online (``delivery_method`` online). Counted among dossiers whose result was ready
    in the period (``finished_at``); a result printed and collected at the office or sent by post is not."""
    return Q(delivery_method=DeliveryMethod.ONLINE) & ~Q(result_file="")


def received_at(agency: Agency) -> Q:
    """Dossiers whose receiving centre is ``agency``: received by it, or its own when no centre is recorded."""
    return Q(received_by=agency) | Q(received_by__isnull=True, agency=agency)


# The channels the figures count. A dossier filed on the national public service portal (interconnection) was filed
# online: it counts as received online.
CHANNELS = [Channel.ONLINE, Channel.COUNTER, Channel.POST]
COUNTED_AS = {Channel.NATIONAL_PORTAL: Channel.ONLINE}


def synced_to_national_portal() -> Q:
    """A dossier the national portal holds (Decision 766/QĐ-TTg scores the share of dossiers synchronised): it
    accepted at least one ``DongBoHoSoMC`` for it (``interconnection``)."""
    return Q(national_sync__known=True)


@dataclass
class SyncRow:
    """Dossiers one competent agency processes, received in the period, and how many the national portal holds."""

    key: str  # agency code
    name: str
    received: int = 0
    synced: int = 0

    @property
    def share(self) -> float:
        return percent(self.synced, self.received)


@dataclass
class LevelRow:
    level: int
    count: int
    share: float


@dataclass
class MonthRow:
    month: date
    online: int = 0
    counter: int = 0
    post: int = 0

    @property
    def total(self) -> int:
        return self.online + self.counter + self.post


@dataclass
class ChannelRow:
    channel: str
    count: int
    share: float


@dataclass
class TimelinessRow:
    key: str  # agency code, or field id as text ("" for procedures without a field)
    name: str
    ahead: int
    on_time: int
    late: int

    @property
    def finished(self) -> int:
        return self.ahead + self.on_time + self.late

    @property
    def ahead_share(self) -> float:
        return percent(self.ahead, self.finished)

    @property
    def on_time_share(self) -> float:
        return percent(self.on_time, self.finished)

    @property
    def late_share(self) -> float:
        return percent(self.late, self.finished)

    @property
    def in_time_share(self) -> float:
        """Ahead of time or on time: the figure agencies are ranked by."""
        return percent(self.ahead + self.on_time, self.finished)


@dataclass
class CentreRow:
    """Dossiers received at one centre's desk in the period, whichever agency processes them."""

    key: str  # agency code
    name: str
    online: int = 0
    counter: int = 0
    post: int = 0
    routed: int = 0  # received here for another (competent) agency
    counter_digitised: int = 0  # counter dossiers digitised at intake

    @property
    def received(self) -> int:
        return self.online + self.counter + self.post

    @property
    def digitised_share(self) -> float:
        return percent(self.counter_digitised, self.counter)


@dataclass
class ProcessingRow:
    """Dossiers one competent agency processes: received in the period (at any centre), results ready in it."""

    key: str  # agency code
    name: str
    received: int = 0
    routed: int = 0  # received for it by another centre
    results: int = 0  # results ready in the period
    electronic_results: int = 0

    @property
    def electronic_share(self) -> float:
        return percent(self.electronic_results, self.results)


@dataclass
class Digitisation:
    """The two digitisation figures of the service quality index (Decision 766/QĐ-TTg)."""

    counter: int = 0  # dossiers received at the counter in the period
    counter_digitised: int = 0  # of which digitised at intake (``digitised_at_intake``)
    results: int = 0  # dossiers whose result was ready in the period
    electronic_results: int = 0  # of which issued electronically (``electronic_result``)

    @property
    def digitised_share(self) -> float:
        return percent(self.counter_digitised, self.counter)

    @property
    def electronic_share(self) -> float:
        return percent(self.electronic_results, self.results)


@dataclass
class Satisfaction:
    ratings: int = 0
    score: float | None = None
    on_time: float | None = None
    attitude: float | None = None
    clarity: float | None = None
    distribution: dict[int, int] = field(default_factory=dict)  # score → number of ratings


@dataclass
class Statistics:
    start: date
    end: date
    agency_code: str
    agency_name: str
    procedures: int
    levels: list[LevelRow]
    received: int
    months: list[MonthRow]
    channels: list[ChannelRow]
    online_share: float
    routed: int  # received by one centre for another agency
    centres: list[CentreRow]
    processing: list[ProcessingRow]
    digitisation: Digitisation
    finished: TimelinessRow
    by_agency: list[TimelinessRow]
    by_field: list[TimelinessRow]
    satisfaction: Satisfaction
    computed_at: datetime
    synced: int = 0  # received in the period and held by the national portal
    sync: list[SyncRow] = field(default_factory=list)  # by competent agency

    def level(self, level: int) -> LevelRow:
        return next(row for row in self.levels if row.level == level)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def routed_share(self) -> float:
        return percent(self.routed, self.received)

    @property
    def sync_share(self) -> float:
        return percent(self.synced, sum(row.received for row in self.sync))


def _months(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def _timeliness_counts() -> dict:
    return {
        "ahead": Count("pk", filter=Q(timeliness=Timeliness.AHEAD)),
        "on_time": Count("pk", filter=Q(timeliness=Timeliness.ON_TIME)),
        "late": Count("pk", filter=Q(timeliness=Timeliness.LATE)),
    }


def compute_statistics(filters: StatisticsFilters) -> Statistics:
    """Every figure of the statistics page, in six aggregate queries."""
    start, end = filters.bounds()
    agency = filters.agency
    dossiers = Dossier.objects.exclude(status=Status.DRAFT)
    # Received: accepted at intake (``accepted_at``), by when it was filed. A dossier still awaiting intake is
    # counted once accepted; one refused at intake or withdrawn before it was never received.
    received_in_period = dossiers.filter(submitted_at__gte=start, submitted_at__lt=end, accepted_at__isnull=False)
    # Intake figures follow the receiving centre, processing figures the competent agency.
    received_here = received_in_period if agency is None else received_in_period.filter(received_at(agency))
    if agency is not None:
        dossiers = dossiers.filter(agency=agency)

    # 1. Published procedures by online service level (those the agency handles, when one is chosen).
    procedures = Procedure.objects.published()
    if agency is not None:
        procedures = procedures.filter(agencies=agency)
    by_level = dict(procedures.order_by().values_list("service_level").annotate(n=Count("pk", distinct=True)))
    total_procedures = sum(by_level.values())
    levels = [
        LevelRow(level=level, count=by_level.get(level, 0), share=percent(by_level.get(level, 0), total_procedures))
        for level in ServiceLevel.values
    ]

    # 2. Dossiers received, per month and channel (one GROUP BY gives the months, the channels and the total).
    received_rows = (
        received_here.annotate(month=TruncMonth("submitted_at", tzinfo=timezone.get_default_timezone()))
        .order_by()
        .values_list("month", "channel")
        .annotate(n=Count("pk"))
    )
    months = {month: MonthRow(month=month) for month in _months(filters.start, filters.end)}
    by_channel = dict.fromkeys(CHANNELS, 0)
    for month, channel, n in received_rows:
        channel = COUNTED_AS.get(channel, channel)
        day = timezone.localtime(month).date() if isinstance(month, datetime) else month
        row = months.setdefault(day, MonthRow(month=day))
        setattr(row, channel, getattr(row, channel) + n)
        by_channel[channel] += n
    received = sum(by_channel.values())
    channels = [ChannelRow(channel=c, count=n, share=percent(n, received)) for c, n in by_channel.items()]

    # 3. Received in the period, per receiving centre, competent agency and channel, with the counter dossiers
    #    digitised at intake and those the national portal holds (one GROUP BY: the pairs of agencies give the
    #    tables, the routed dossiers and the sync rate per competent agency).
    pairs = received_in_period if agency is None else received_in_period.filter(received_at(agency) | Q(agency=agency))
    pair_rows = (
        pairs.order_by()
        .values_list("received_by__code", "received_by__name", "agency__code", "agency__name", "channel")
        .annotate(
            n=Count("pk"),
            digitised=Count("pk", filter=Q(channel=Channel.COUNTER) & digitised_at_intake()),
            synced=Count("pk", filter=synced_to_national_portal()),
        )
    )
    centres: dict[str, CentreRow] = {}
    processing: dict[str, ProcessingRow] = {}
    syncs: dict[str, SyncRow] = {}
    for centre_code, centre_name, agency_code, agency_name, channel, n, digitised, synced in pair_rows:
        channel = COUNTED_AS.get(channel, channel)
        routed = bool(centre_code) and centre_code != agency_code
        centre_code, centre_name = (centre_code, centre_name) if centre_code else (agency_code, agency_name)
        if agency is None or centre_code == agency.code:
            centre = centres.setdefault(centre_code, CentreRow(key=centre_code, name=centre_name))
            setattr(centre, channel, getattr(centre, channel) + n)
            centre.routed += n if routed else 0
            centre.counter_digitised += digitised
        if agency is None or agency_code == agency.code:
            row = processing.setdefault(agency_code, ProcessingRow(key=agency_code, name=agency_name))
            row.received += n
            row.routed += n if routed else 0
            sync = syncs.setdefault(agency_code, SyncRow(key=agency_code, name=agency_name))
            sync.received += n
            sync.synced += synced

    # 4. Dossiers whose result was ready in the period, per competent agency: how many, how many issued
    #    electronically, and ahead of time / on time / late (one GROUP BY).
    finished_in_period = dossiers.filter(finished_at__gte=start, finished_at__lt=end).order_by()
    by_agency = []
    for code, name, results, electronic, ahead, on_time, late in (
        finished_in_period.values("agency__code", "agency__name")
        .annotate(results=Count("pk"), electronic=Count("pk", filter=electronic_result()), **_timeliness_counts())
        .values_list("agency__code", "agency__name", "results", "electronic", "ahead", "on_time", "late")
    ):
        row = processing.setdefault(code, ProcessingRow(key=code, name=name))
        row.results, row.electronic_results = results, electronic
        if ahead or on_time or late:
            by_agency.append(TimelinessRow(key=code, name=name, ahead=ahead, on_time=on_time, late=late))
    centre_rows = sorted(centres.values(), key=lambda row: (-row.received, row.name))
    sync_rows = sorted(syncs.values(), key=lambda row: (-row.received, row.name))
    processing_rows = sorted(processing.values(), key=lambda row: (-row.received, -row.results, row.name))
    digitisation = Digitisation(
        counter=sum(row.counter for row in centre_rows),
        counter_digitised=sum(row.counter_digitised for row in centre_rows),
        results=sum(row.results for row in processing_rows),
        electronic_results=sum(row.electronic_results for row in processing_rows),
    )

    # 5. The same dossiers with a timeliness, per field.
    finished = finished_in_period.exclude(timeliness="")
    by_field = [
        TimelinessRow(key=str(pk or ""), name=name or "", ahead=ahead, on_time=on_time, late=late)
        for pk, name, ahead, on_time, late in finished.values("procedure__field", "procedure__field__name")
        .annotate(**_timeliness_counts())
        .values_list("procedure__field", "procedure__field__name", "ahead", "on_time", "late")
    ]
    for rows in (by_agency, by_field):
        rows.sort(key=lambda row: (-row.finished, row.name))
    overall = TimelinessRow(
        key="",
        name="",
        ahead=sum(r.ahead for r in by_agency),
        on_time=sum(r.on_time for r in by_agency),
        late=sum(r.late for r in by_agency),
    )

    # 6. Satisfaction: ratings given in the period.
    from tracking.models import Rating

    ratings = Rating.objects.filter(created_at__gte=start, created_at__lt=end)
    if agency is not None:
        ratings = ratings.filter(dossier__agency=agency)
    figures = ratings.aggregate(
        n=Count("pk"),
        **{f"avg_{name}": Avg(name) for name in ("score", "on_time", "attitude", "clarity")},
        **{f"s{i}": Count("pk", filter=Q(score=i)) for i in range(1, 6)},
    )
    satisfaction = Satisfaction(
        ratings=figures["n"],
        score=_average(figures["avg_score"]),
        on_time=_average(figures["avg_on_time"]),
        attitude=_average(figures["avg_attitude"]),
        clarity=_average(figures["avg_clarity"]),
        distribution={i: figures[f"s{i}"] for i in range(1, 6)},
    )

    return Statistics(
        start=filters.start,
        end=filters.end,
        agency_code=filters.agency_code,
        agency_name=filters.agency.name if filters.agency else "",
        procedures=total_procedures,
        levels=levels,
        received=received,
        months=sorted(months.values(), key=lambda row: row.month),
        channels=channels,
        online_share=percent(by_channel[Channel.ONLINE], received),
        routed=sum(row.routed for row in centre_rows),
        centres=centre_rows,
        processing=processing_rows,
        digitisation=digitisation,
        finished=overall,
        by_agency=by_agency,
        by_field=by_field,
        satisfaction=satisfaction,
        computed_at=timezone.now(),
        synced=sum(row.synced for row in sync_rows),
        sync=sync_rows,
    )


# The cached figures are kept STALE_FACTOR times their freshness so that, once they expire, one worker recomputes
# them (it holds a lock in the cache) while the others keep answering with the previous figures, which say when
# they were computed. Only a cold cache makes a request wait, for the one computing, at most LOCK_SECONDS.
STALE_FACTOR = 4
LOCK_SECONDS = 30


def statistics(filters: StatisticsFilters) -> Statistics:
    """The figures, from the cache when they were computed less than ``REPORTS_CACHE_SECONDS`` ago; after that, the
    previous figures until the one worker recomputing them is done (never several at once)."""
    ttl = settings.REPORTS_CACHE_SECONDS
    if ttl <= 0:
        return compute_statistics(filters)
    entry = cache.get(filters.key)  # (fresh until, as a Unix time; the figures)
    if entry is not None and entry[0] > clock.time():
        return entry[1]
    if single_flight.take(filters.key, LOCK_SECONDS):
        try:
            figures = compute_statistics(filters)
            cache.set(filters.key, (clock.time() + ttl, figures), ttl * STALE_FACTOR)
        finally:
            single_flight.release(filters.key)
        return figures
    if entry is None:
        entry = single_flight.wait_for(filters.key, LOCK_SECONDS)
    return entry[1] if entry is not None else compute_statistics(filters)


STATISTICS_PAGE_SECONDS = 60  # a kept statistics page adds at most this to the figures' own age


def statistics_page_version() -> str:
    """What a kept statistics page (public page or API answer) depends on besides its figures' age: the shape of
    the figures and the catalogue (the agencies in the filter and the rows)."""
    return f"{CACHE_VERSION}.{catalogue_version()}"


def statistics_page_seconds() -> int:
    """Statistics are kept whole only while their figures are cached at all (``REPORTS_CACHE_SECONDS``)."""
    return min(settings.REPORTS_CACHE_SECONDS, STATISTICS_PAGE_SECONDS)


def agencies_for_filter() -> list[Agency]:
    """Agencies that receive dossiers, for the filter (one query)."""
    return list(
        Agency.objects.filter(is_active=True).only("code", "name", "level").order_by("level", vietnamese("name"))
    )
