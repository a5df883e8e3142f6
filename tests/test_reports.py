"""Public statistics: the arithmetic on a known fixture, periods in Vietnam's time, the page, the CSV and the API."""

import csv
import io
import re
from datetime import date, datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.constants import Channel, Status, Timeliness
from dossiers.models import Dossier
from procedures.constants import ServiceLevel
from procedures.models import Procedure
from reports.selectors import StatisticsFilters, compute_statistics, percent, statistics
from tracking.models import Rating

from .factories import AgencyFactory, CitizenFactory, FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = {"date_from": "2020-01-01", "date_to": "2020-03-31"}
_numbers = count(1)


@pytest.fixture(autouse=True)
def no_cache(settings):
    settings.REPORTS_CACHE_SECONDS = 0  # each test sees its own data; caching has its own test


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def dossier(procedure, agency, submitted: datetime, channel=Channel.ONLINE, *, finished=None, timeliness="", **extra):
    number = next(_numbers)
    return Dossier.objects.create(
        procedure=procedure,
        agency=agency,
        applicant=CitizenFactory(),
        status=extra.pop("status", Status.RETURNED if finished else Status.PROCESSING),
        code=f"{agency.code}-{submitted:%y%m%d}-{number:04d}",
        submitted_at=submitted,
        accepted_at=extra.pop("accepted_at", submitted),  # received at intake, as processing dossiers are
        channel=channel,
        finished_at=finished,
        timeliness=timeliness,
        **extra,
    )


@pytest.fixture
def known(catalogue):
    """Two agencies with a first quarter of 2020 whose every figure is counted by hand in the tests."""
    a = AgencyFactory(name="Ủy ban nhân dân xã An Hòa")
    b = AgencyFactory(name="Ủy ban nhân dân xã Bình Minh")
    civil, land = FieldFactory(name="Hộ tịch (thử)"), FieldFactory(name="Đất đai (thử)")
    levels = [ServiceLevel.FULL] * 3 + [ServiceLevel.PARTIAL] * 2 + [ServiceLevel.FORMS] * 2
    levels.append(ServiceLevel.INFORMATION)
    procedures = []
    for level in levels:
        procedure = ProcedureFactory(service_level=level, field=civil if len(procedures) % 2 == 0 else land)
        procedure.agencies.add(a)
        procedures.append(procedure)
    p_civil, p_land = procedures[0], procedures[1]
    ProcedureFactory(is_published=False, service_level=ServiceLevel.FULL).agencies.add(a)  # not counted
    ahead, on_time, late = Timeliness.AHEAD, Timeliness.ON_TIME, Timeliness.LATE

    # Agency A: 8 received (January 4, February 3, March 1): 5 online, 2 in person, 1 by post.
    d1 = dossier(p_civil, a, at(2020, 1, 1, 0, 0), finished=at(2020, 1, 10, 9), timeliness=ahead)
    d2 = dossier(p_civil, a, at(2020, 1, 15, 8), finished=at(2020, 2, 1, 9), timeliness=ahead)
    d3 = dossier(p_land, a, at(2020, 1, 20, 8), finished=at(2020, 3, 2, 9), timeliness=on_time)
    dossier(p_land, a, at(2020, 1, 31, 23, 59), Channel.COUNTER, finished=at(2020, 3, 31, 23, 0), timeliness=late)
    dossier(p_civil, a, at(2020, 2, 3, 8))
    dossier(p_civil, a, at(2020, 2, 4, 8))
    dossier(p_land, a, at(2020, 2, 29, 16), Channel.POST)
    dossier(p_land, a, at(2020, 3, 31, 23, 30), Channel.COUNTER, finished=at(2020, 4, 1, 0, 30), timeliness=late)
    # Outside the period (Vietnam's calendar days): counted nowhere.
    dossier(p_civil, a, at(2019, 12, 31, 23, 59), finished=at(2019, 12, 31, 23, 59, 30), timeliness=late)
    dossier(p_civil, a, at(2020, 4, 1, 0, 0))
    # A draft is never counted.
    Dossier.objects.create(procedure=p_civil, agency=a, applicant=CitizenFactory(), status=Status.DRAFT)
    # Agency B: 2 received (January online, March in person), one finished late.
    dossier(p_civil, b, at(2020, 1, 5, 8))
    dossier(p_land, b, at(2020, 3, 5, 8), Channel.COUNTER, finished=at(2020, 3, 20, 8), timeliness=late)

    # Ratings of A's dossiers given in the period, and one given after it.
    Rating.objects.create(dossier=d1, score=5, on_time=5, attitude=4, clarity=5, created_at=at(2020, 1, 11))
    Rating.objects.create(dossier=d2, score=4, on_time=5, attitude=4, clarity=3, created_at=at(2020, 2, 2))
    Rating.objects.create(dossier=d3, score=2, on_time=3, attitude=2, clarity=2, created_at=at(2020, 4, 2))
    return {"a": a, "b": b, "civil": civil, "land": land}


def quarter(agency=None) -> StatisticsFilters:
    return StatisticsFilters(start=date(2020, 1, 1), end=date(2020, 3, 31), agency=agency)


def test_shares_are_rounded_to_one_decimal_half_up():
    assert percent(904, 2067) == 43.7
    assert percent(1, 8) == 12.5
    assert percent(1, 3) == 33.3
    assert percent(2, 3) == 66.7
    assert percent(1, 16) == 6.3  # 6.25 rounds up, not to even
    assert percent(0, 0) == 0.0


def test_procedures_by_service_level_for_an_agency(known):
    stats = compute_statistics(quarter(known["a"]))

    assert stats.procedures == 8
    assert [(row.level, row.count, row.share) for row in stats.levels] == [
        (1, 1, 12.5),
        (2, 2, 25.0),
        (3, 2, 25.0),
        (4, 3, 37.5),
    ]


def test_dossiers_received_per_month_and_channel(known):
    stats = compute_statistics(quarter(known["a"]))

    assert stats.received == 8
    assert [(m.month, m.online, m.counter, m.post, m.total) for m in stats.months] == [
        (date(2020, 1, 1), 3, 1, 0, 4),
        (date(2020, 2, 1), 2, 0, 1, 3),
        (date(2020, 3, 1), 0, 1, 0, 1),
    ]
    assert [(c.channel, c.count, c.share) for c in stats.channels] == [
        ("online", 5, 62.5),
        ("counter", 2, 25.0),
        ("post", 1, 12.5),
    ]
    assert stats.online_share == 62.5


def test_dossiers_refused_at_intake_or_still_awaiting_it_are_not_counted_as_received(known):
    """The agency's "18 received" held one refused at intake and six still awaiting intake."""
    procedure = Procedure.objects.filter(agencies=known["a"]).first()
    for status in (Status.SUBMITTED, Status.REFUSED, Status.WITHDRAWN):
        dossier(procedure, known["a"], at(2020, 2, 10, 9), status=status, accepted_at=None)

    assert compute_statistics(quarter(known["a"])).received == 8  # as before these three


def test_timeliness_per_agency_and_per_field(known):
    stats = compute_statistics(quarter())
    mine = [row for row in stats.by_agency if row.key in (known["a"].code, known["b"].code)]

    # A: finished in the period 2 ahead, 1 on time, 1 late (the one finished on 1 April does not count).
    assert [(r.name, r.ahead, r.on_time, r.late, r.finished) for r in mine] == [
        ("Ủy ban nhân dân xã An Hòa", 2, 1, 1, 4),
        ("Ủy ban nhân dân xã Bình Minh", 0, 0, 1, 1),
    ]
    a = mine[0]
    assert (a.ahead_share, a.on_time_share, a.late_share, a.in_time_share) == (50.0, 25.0, 25.0, 75.0)
    fields = {row.name: (row.ahead, row.on_time, row.late) for row in stats.by_field}
    assert fields["Hộ tịch (thử)"] == (2, 0, 0)
    assert fields["Đất đai (thử)"] == (0, 1, 2)


def test_average_satisfaction_counts_ratings_given_in_the_period(known):
    satisfaction = compute_statistics(quarter(known["a"])).satisfaction

    assert satisfaction.ratings == 2
    assert (satisfaction.score, satisfaction.on_time, satisfaction.attitude, satisfaction.clarity) == (
        4.5,
        5.0,
        4.0,
        4.0,
    )
    assert satisfaction.distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert compute_statistics(quarter(known["b"])).satisfaction.score is None


def test_an_agency_filter_counts_only_that_agency(known):
    stats = compute_statistics(quarter(known["b"]))

    assert stats.received == 2 and stats.online_share == 50.0
    assert [(r.key, r.late) for r in stats.by_agency] == [(known["b"].code, 1)]
    assert stats.procedures == 0 and all(row.share == 0 for row in stats.levels)


def test_statistics_run_a_constant_number_of_queries(known):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            compute_statistics(quarter())
        return len(captured)

    few = queries()
    procedure = known["a"].procedures.first()
    for day in range(1, 29):
        dossier(procedure, AgencyFactory(), at(2020, 2, day, 9), finished=at(2020, 3, 1, 9), timeliness=Timeliness.LATE)

    assert queries() == few <= 6


def test_statistics_are_cached_for_a_short_time(known, settings):
    settings.REPORTS_CACHE_SECONDS = 60
    filters = quarter(known["a"])
    cache.delete(filters.key)
    try:
        first = statistics(filters)
        dossier(known["a"].procedures.first(), known["a"], at(2020, 1, 2, 9))
        with CaptureQueriesContext(connection) as captured:
            second = statistics(filters)
        assert len(captured) == 0 and second.received == first.received == 8
        cache.delete(filters.key)
        assert statistics(filters).received == 9
    finally:
        cache.delete(filters.key)


def test_expired_statistics_are_recomputed_by_one_worker_while_the_others_answer_with_the_previous_ones(
    known, settings
):
    from portal.single_flight import lock_key

    settings.REPORTS_CACHE_SECONDS = 60
    filters = quarter(known["a"])
    cache.delete_many([filters.key, lock_key(filters.key)])
    try:
        first = statistics(filters)
        dossier(known["a"].procedures.first(), known["a"], at(2020, 1, 2, 9))
        fresh_until, figures = cache.get(filters.key)
        cache.set(filters.key, (fresh_until - 61, figures), 240)  # the figures have just expired

        # Another worker is recomputing them (it holds the lock): this one answers at once with the previous figures.
        assert cache.add(lock_key(filters.key), 1, timeout=30)
        with CaptureQueriesContext(connection) as captured:
            meanwhile = statistics(filters)
        assert len(captured) == 0 and meanwhile.received == first.received == 8
        assert meanwhile.computed_at == first.computed_at  # the page says when they were computed

        # Nobody is: this worker takes the lock, recomputes once, stores them fresh and lets the lock go.
        cache.delete(lock_key(filters.key))
        recomputed = statistics(filters)
        assert recomputed.received == 9 and recomputed.computed_at > first.computed_at
        assert cache.get(lock_key(filters.key)) is None
        with CaptureQueriesContext(connection) as captured:
            assert statistics(filters).received == 9
        assert len(captured) == 0
    finally:
        cache.delete_many([filters.key, lock_key(filters.key)])


def test_the_page_shows_the_figures_with_charts(client, known):
    response = client.get("/thong-ke/", {**PERIOD, "agency": known["a"].code}, HTTP_ACCEPT_LANGUAGE="vi")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Ủy ban nhân dân xã An Hòa" in html
    assert "62,5%" in html  # online share, Vietnamese decimal comma
    assert "37,5%" in html  # level 4
    assert html.count('class="chart-online"') >= 2 and 'class="month-chart"' in html
    assert "style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)  # the CSP allows neither inline
    assert 'width="62.5"' in html  # SVG geometry is never localised
    assert "/thong-ke/thong-ke.csv?" in html


def test_the_page_in_english_and_without_filters(client, catalogue):
    response = client.get("/thong-ke/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Procedures by online service level" in response.content.decode()


def test_a_period_ending_before_it_starts_is_explained(client, catalogue):
    response = client.get("/thong-ke/", {"date_from": "2020-03-01", "date_to": "2020-01-01"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "The end of the period must not be before its start." in response.content.decode()


def test_the_statistics_link_is_in_the_navigation(client, catalogue):
    assert 'href="/thong-ke/"' in client.get("/").content.decode()


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_has_the_same_figures(client, known):
    response = client.get("/thong-ke/thong-ke.csv", {**PERIOD, "agency": known["a"].code})
    rows = read_csv(response)
    figures = {(r[0], r[1], r[3]): r[4] for r in rows[1:]}

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert rows[0] == ["section", "key", "label", "measure", "value"]
    assert figures[("received", "", "count")] == "8"
    assert figures[("received", "", "share")] == "62.5"
    assert figures[("received_month", "2020-02", "post")] == "1"
    assert figures[("service_level", "4", "share")] == "37.5"
    assert figures[("timeliness_agency", known["a"].code, "late_share")] == "25.0"
    assert figures[("satisfaction", "", "score")] == "4.5"


def test_the_csv_does_not_let_a_name_run_as_a_formula(client, known):
    known["b"].name = '=HYPERLINK("http://example.com")'
    known["b"].save()

    rows = read_csv(client.get("/thong-ke/thong-ke.csv", {**PERIOD, "agency": known["b"].code}))

    assert rows[1][2] == '\'=HYPERLINK("http://example.com")'


def test_the_api_gives_the_same_figures(client, known):
    body = client.get("/api/v1/statistics/", {**PERIOD, "agency": known["a"].code}).json()

    assert body["received"] == 8 and body["online_share"] == 62.5
    assert body["levels"][3] == {"level": 4, "count": 3, "share": 37.5}
    assert body["months"][1] == {"month": "2020-02-01", "online": 2, "counter": 0, "post": 1, "total": 3}
    assert body["by_agency"][0]["in_time_share"] == 75.0
    assert body["satisfaction"]["score"] == 4.5
    assert body["satisfaction"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}


def test_the_api_refuses_a_bad_period_with_a_stable_code(client, catalogue):
    response = client.get("/api/v1/statistics/", {"date_from": "not a date"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "date_from" in body["fields"]
