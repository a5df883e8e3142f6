"""Statistics of the one-stop desks: dossiers by channel, by receiving centre and by competent agency (routed
dossiers counted at both), counter dossiers digitised at intake and results issued electronically (Decision
766/QĐ-TTg), counted by hand on a known quarter and read back from the page, the CSV and the API."""

import csv
import io
import re
from datetime import date, datetime
from html import unescape
from itertools import count
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dossiers.constants import Channel, DeliveryMethod, DigitisationExemption, Status, Timeliness
from dossiers.models import Dossier, DossierDocument
from reports.selectors import StatisticsFilters, compute_statistics

from .factories import AgencyFactory, CitizenFactory, ProcedureFactory, official, superuser

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = {"date_from": "2020-01-01", "date_to": "2020-03-31"}
ONLINE, COUNTER, POST = Channel.ONLINE, Channel.COUNTER, Channel.POST
_numbers = count(1)


@pytest.fixture(autouse=True)
def no_cache(settings):
    settings.REPORTS_CACHE_SECONDS = 0


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def dossier(procedure, agency, channel, submitted, *, received_by=None, finished=None, result="", **extra):
    number = next(_numbers)
    return Dossier.objects.create(
        procedure=procedure,
        case=procedure.cases.first(),
        agency=agency,
        received_by=received_by,
        applicant=CitizenFactory(),
        status=Status.RESULT_READY if finished else Status.PROCESSING,
        code=f"{(received_by or agency).code}-{submitted:%y%m%d}-{number:04d}",
        submitted_at=submitted,
        accepted_at=extra.pop("accepted_at", submitted),  # received at intake, as processing dossiers are
        channel=channel,
        finished_at=finished,
        result_file=result,
        **extra,
    )


SCANNED = {"file": "ho-so/ban-quet.pdf", "scanned_at_intake": True}
UPLOADED = {"file": "ho-so/tai-len.pdf"}  # a file, but not scanned by the desk at intake
SHOWN = {"exemption": DigitisationExemption.SHOWN_ONLY}
EXEMPT_MARKED_SCANNED = {"exemption": DigitisationExemption.CONFIDENTIAL, "scanned_at_intake": True}  # no file


def papers(d: Dossier, *documents: dict) -> Dossier:
    """Document rows for the slots of the dossier's case, in order."""
    for slot, fields in zip(d.case.documents.order_by("position"), documents, strict=False):
        DossierDocument.objects.create(dossier=d, required_document=slot, original_name="giay-to.pdf", **fields)
    return d


@pytest.fixture
def desks(catalogue):
    """A provincial centre receiving for two communes, and the communes' own desks, over the first quarter of 2020.

    Centre C receives 6: for A one online and two at the counter, for B one at the counter (4 routed), and two
    counter dossiers of its own. A's desk receives 7 (4 online, one of them with A recorded as receiving centre,
    2 counter, 1 post); B's desk 2 (1 online, 1 post). Counter dossiers digitised at intake: A 1 of 2, C 2 of 5.
    Results ready in the quarter: A 4 (2 electronic), B 1 (electronic)."""
    a = AgencyFactory(name="Ủy ban nhân dân xã Đông Sơn (thử)")
    b = AgencyFactory(name="Ủy ban nhân dân xã Tây Hồ (thử)")
    c = AgencyFactory(name="Trung tâm Phục vụ hành chính công tỉnh (thử)", receives_dossiers=True)
    p = ProcedureFactory()
    e_result = {"delivery_method": DeliveryMethod.ONLINE, "result": "ket-qua/giay-xac-nhan.pdf"}

    # A's own desk (no receiving centre recorded, or A itself).
    dossier(p, a, ONLINE, at(2020, 1, 2, 8), finished=at(2020, 1, 20, 9), timeliness=Timeliness.AHEAD, **e_result)
    dossier(
        p,
        a,
        ONLINE,
        at(2020, 1, 3, 8),
        finished=at(2020, 2, 10, 9),
        delivery_method=DeliveryMethod.OFFICE,  # a file is stored, but the citizen collects a paper at the office
        result="ket-qua/giay-xac-nhan.pdf",
    )
    dossier(p, a, ONLINE, at(2020, 3, 30, 8), finished=at(2020, 4, 2, 9), **e_result)  # ready after the quarter
    dossier(p, a, ONLINE, at(2020, 2, 1, 8), received_by=a)
    papers(dossier(p, a, COUNTER, at(2020, 1, 6, 8)), SCANNED, SHOWN)  # digitised
    papers(dossier(p, a, COUNTER, at(2020, 1, 7, 8)), SCANNED, UPLOADED)  # one paper neither scanned nor exempt
    dossier(p, a, POST, at(2020, 2, 3, 8))
    # Received before the quarter, result ready in it: a result, not a dossier received.
    dossier(p, a, ONLINE, at(2019, 12, 20, 8), finished=at(2020, 1, 5, 9), **e_result)

    # The centre, for A and B (routed), and for itself.
    dossier(
        p, a, ONLINE, at(2020, 1, 8, 8), received_by=c, finished=at(2020, 3, 10, 9), delivery_method="online"
    )  # delivered online, but no result file stored
    papers(dossier(p, a, COUNTER, at(2020, 1, 9, 8), received_by=c), SCANNED, SCANNED)  # digitised
    papers(dossier(p, a, COUNTER, at(2020, 2, 9, 8), received_by=c), SHOWN, SHOWN)  # nothing scanned
    dossier(p, b, COUNTER, at(2020, 3, 9, 8), received_by=c)  # no document recorded
    papers(dossier(p, c, COUNTER, at(2020, 3, 10, 8)), EXEMPT_MARKED_SCANNED)  # marked scanned, but no file
    papers(dossier(p, c, COUNTER, at(2020, 3, 11, 8)), SCANNED)  # digitised
    papers(dossier(p, a, COUNTER, at(2020, 4, 1, 0, 0), received_by=c), SCANNED)  # after the quarter

    # B's own desk.
    dossier(p, b, ONLINE, at(2020, 1, 10, 8), finished=at(2020, 2, 20, 9), **e_result)
    dossier(p, b, POST, at(2020, 2, 11, 8))
    # Drafts never count.
    Dossier.objects.create(procedure=p, agency=a, received_by=c, applicant=CitizenFactory(), channel=COUNTER)
    return {"a": a, "b": b, "c": c, "procedure": p}


def quarter(agency=None) -> StatisticsFilters:
    return StatisticsFilters(start=date(2020, 1, 1), end=date(2020, 3, 31), agency=agency)


def mine(rows, *agencies):
    codes = [agency.code for agency in agencies]
    return sorted((row for row in rows if row.key in codes), key=lambda row: codes.index(row.key))


def test_dossiers_by_receiving_centre_and_channel(desks):
    stats = compute_statistics(quarter())
    a, b, c = desks["a"], desks["b"], desks["c"]

    assert [(r.name, r.online, r.counter, r.post, r.received, r.routed) for r in mine(stats.centres, a, b, c)] == [
        ("Ủy ban nhân dân xã Đông Sơn (thử)", 4, 2, 1, 7, 0),
        ("Ủy ban nhân dân xã Tây Hồ (thử)", 1, 0, 1, 2, 0),
        ("Trung tâm Phục vụ hành chính công tỉnh (thử)", 1, 5, 0, 6, 4),
    ]


def test_dossiers_by_competent_agency_count_routed_ones_there_too(desks):
    stats = compute_statistics(quarter())
    a, b, c = desks["a"], desks["b"], desks["c"]

    rows = mine(stats.processing, a, b, c)
    assert [(r.received, r.routed, r.results, r.electronic_results, r.electronic_share) for r in rows] == [
        (10, 3, 4, 2, 50.0),
        (3, 1, 1, 1, 100.0),
        (2, 0, 0, 0, 0.0),
    ]


def test_the_whole_province_counts_each_dossier_once(desks):
    stats = compute_statistics(quarter())

    assert stats.received == 15
    assert [(row.channel, row.count, row.share) for row in stats.channels] == [
        ("online", 6, 40.0),
        ("counter", 7, 46.7),
        ("post", 2, 13.3),
    ]
    assert (stats.routed, stats.routed_share) == (4, 26.7)
    assert sum(row.received for row in stats.centres) == sum(row.received for row in stats.processing) == 15


def test_counter_dossiers_digitised_at_intake(desks):
    stats = compute_statistics(quarter())
    a, c = desks["a"], desks["c"]

    d = stats.digitisation
    assert (d.counter, d.counter_digitised, d.digitised_share) == (7, 3, 42.9)
    assert [(r.counter, r.counter_digitised, r.digitised_share) for r in mine(stats.centres, a, c)] == [
        (2, 1, 50.0),
        (5, 2, 40.0),
    ]


def test_results_issued_electronically(desks):
    d = compute_statistics(quarter()).digitisation

    assert (d.results, d.electronic_results, d.electronic_share) == (5, 3, 60.0)


def test_an_agency_counts_what_its_desk_received_and_what_it_processes(desks):
    a, c = desks["a"], desks["c"]

    stats = compute_statistics(quarter(a))
    assert stats.received == 7 and stats.routed == 0
    assert [(row.channel, row.count) for row in stats.channels] == [("online", 4), ("counter", 2), ("post", 1)]
    assert [(r.key, r.received) for r in stats.centres] == [(a.code, 7)]
    assert [(r.key, r.received, r.routed, r.results, r.electronic_results) for r in stats.processing] == [
        (a.code, 10, 3, 4, 2)
    ]
    d = stats.digitisation
    assert (d.counter, d.counter_digitised, d.results, d.electronic_results) == (2, 1, 4, 2)
    assert [(r.key, r.ahead) for r in stats.by_agency] == [(a.code, 1)]  # timeliness: its own dossiers

    stats = compute_statistics(quarter(c))
    assert stats.received == 6 and (stats.routed, stats.routed_share) == (4, 66.7)
    assert [(r.key, r.counter, r.counter_digitised, r.routed) for r in stats.centres] == [(c.code, 5, 2, 4)]
    assert [(r.key, r.received, r.routed, r.results) for r in stats.processing] == [(c.code, 2, 0, 0)]
    d = stats.digitisation
    assert (d.digitised_share, d.results, d.electronic_share) == (40.0, 0, 0.0)


def table_rows(html: str, table_id: str) -> dict[str, list[str]]:
    """The rows of a table of the page, by ``data-key``: the text of each cell."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    rows = {}
    for key, body in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, re.S)
        rows[key] = [" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]
    return rows


def table_headings(html: str, table_id: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    head = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in re.findall(r"<th[^>]*>(.*?)</th>", head)
    ]


def text_of(html: str, element_id: str) -> str:
    element = re.search(rf'<p[^>]*id="{element_id}"[^>]*>(.*?)</p>', html, re.S).group(1)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", element)).split())


def test_the_page_shows_the_desks_and_the_digitisation_figures(client, desks):
    a, b, c = desks["a"], desks["b"], desks["c"]
    response = client.get("/thong-ke/", PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Of 15 dossiers received in the period, 4 (26.7%) were received by one centre" in text_of(
        html, "routed-summary"
    )
    centres = table_rows(html, "stats-centres")
    # A dossier filed on the national portal counts as online: no column of its own, each figure under its heading.
    assert table_headings(html, "stats-centres") == [
        "Receiving centre",
        "Online",
        "At the counter",
        "By post",
        "Total",
        "For another agency",
    ]
    assert centres[a.code] == ["Ủy ban nhân dân xã Đông Sơn (thử)", "4", "2", "1", "7", "0"]
    assert centres[c.code] == ["Trung tâm Phục vụ hành chính công tỉnh (thử)", "1", "5", "0", "6", "4"]
    processing = table_rows(html, "stats-processing")
    assert len(table_headings(html, "stats-processing")) == len(processing[a.code])
    # Agency, received at any centre, by another centre, results ready, issued electronically, share.
    assert processing[a.code] == ["Ủy ban nhân dân xã Đông Sơn (thử)", "10", "3", "4", "2", "50.0%"]
    assert processing[b.code][4:] == ["1", "100.0%"]
    assert table_rows(html, "stats-digitised")[c.code][2:] == ["5", "2", "40.0%"]
    assert text_of(html, "digitised-summary") == "42.9% 3 of 7 dossiers received at the counter in the period."
    assert text_of(html, "electronic-summary") == "60.0% 3 of 5 dossiers whose result was ready in the period."
    help_text = text_of(html, "digitised-help")
    assert "at least one of its documents was scanned at intake" in help_text
    assert "either scanned at intake or exempt from digitisation" in help_text
    assert "stored as an electronic file and the citizen receives it online" in text_of(html, "electronic-help")
    assert "style=" not in html


def test_the_page_for_one_centre(client, desks):
    c = desks["c"]
    html = client.get("/thong-ke/", {**PERIOD, "agency": c.code}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert list(table_rows(html, "stats-centres")) == [c.code]
    assert text_of(html, "digitised-summary") == "40.0% 2 of 5 dossiers received at the counter in the period."
    # Nothing to count is no share at all, not 0.0 %.
    assert text_of(html, "electronic-summary") == "— 0 of 0 dossiers whose result was ready in the period."


AGENCY_PAGE = "/thong-ke/co-quan/"


def test_an_official_sees_the_figures_of_their_own_agency_whatever_they_ask(client, desks):
    a, c = desks["a"], desks["c"]
    client.force_login(official(agency=a))

    response = client.get(AGENCY_PAGE, {**PERIOD, "agency": c.pk}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()

    assert response.status_code == 200
    assert list(table_rows(html, "stats-centres")) == list(table_rows(html, "stats-processing")) == [a.code]
    assert text_of(html, "digitised-summary") == "50.0% 1 of 2 dossiers received at the counter in the period."
    assert text_of(html, "electronic-summary") == "50.0% 2 of 4 dossiers whose result was ready in the period."
    assert f"agency={a.code}" in html  # the CSV of the same figures
    assert 'name="agency"' not in html  # nothing to choose


def test_a_superuser_chooses_the_agency(client, desks):
    c = desks["c"]
    client.force_login(superuser())

    choice = client.get(AGENCY_PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="?agency={c.pk}"' in choice and 'id="stats-centres"' not in choice

    html = client.get(AGENCY_PAGE, {**PERIOD, "agency": c.pk}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert list(table_rows(html, "stats-centres")) == [c.code]
    assert text_of(html, "digitised-summary") == "40.0% 2 of 5 dossiers received at the counter in the period."
    assert f'<input type="hidden" name="agency" value="{c.pk}">' in html  # kept when the period changes


def test_the_agency_page_is_for_officials(client, desks):
    response = client.get(AGENCY_PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={quote(AGENCY_PAGE)}"
    client.force_login(CitizenFactory())
    assert client.get(AGENCY_PAGE).status_code == 403


def read_csv(response) -> dict[tuple[str, str, str], str]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return {(row[0], row[1], row[3]): row[4] for row in list(csv.reader(io.StringIO(text[1:])))[1:]}


def test_the_csv_has_the_same_figures(client, desks):
    a, b, c = desks["a"], desks["b"], desks["c"]
    with translation.override("en"):
        figures = read_csv(client.get("/thong-ke/thong-ke.csv", PERIOD))

    assert figures[("channel", "counter", "count")] == "7"
    assert figures[("channel", "counter", "share")] == "46.7"
    assert figures[("received", "", "routed")] == "4"
    assert figures[("received", "", "routed_share")] == "26.7"
    assert [figures[("centre", c.code, m)] for m in ("received", "online", "counter", "post", "routed")] == [
        "6", "1", "5", "0", "4"
    ]  # fmt: skip
    assert figures[("centre", c.code, "counter_digitised")] == "2"
    assert figures[("centre", c.code, "digitised_share")] == "40.0"
    assert [figures[("processing", a.code, m)] for m in ("received", "routed", "results", "electronic_results")] == [
        "10", "3", "4", "2"
    ]  # fmt: skip
    assert figures[("processing", b.code, "electronic_share")] == "100.0"
    measures = ("counter", "counter_digitised", "digitised_share", "results", "electronic_results", "electronic_share")
    assert [figures[("digitisation", "", m)] for m in measures] == ["7", "3", "42.9", "5", "3", "60.0"]


def test_the_api_has_the_same_figures(client, desks):
    a, c = desks["a"], desks["c"]
    body = client.get("/api/v1/statistics/", PERIOD).json()

    assert body["digitisation"] == {
        "counter": 7,
        "counter_digitised": 3,
        "digitised_share": 42.9,
        "results": 5,
        "electronic_results": 3,
        "electronic_share": 60.0,
    }
    assert (body["routed"], body["routed_share"]) == (4, 26.7)
    assert [row for row in body["centres"] if row["key"] == c.code] == [
        {
            "key": c.code,
            "name": "Trung tâm Phục vụ hành chính công tỉnh (thử)",
            "received": 6,
            "online": 1,
            "counter": 5,
            "post": 0,
            "routed": 4,
            "counter_digitised": 2,
            "digitised_share": 40.0,
        }
    ]
    assert [row for row in body["processing"] if row["key"] == a.code] == [
        {
            "key": a.code,
            "name": "Ủy ban nhân dân xã Đông Sơn (thử)",
            "received": 10,
            "routed": 3,
            "results": 4,
            "electronic_results": 2,
            "electronic_share": 50.0,
        }
    ]

    one = client.get("/api/v1/statistics/", {**PERIOD, "agency": a.code}).json()
    assert [row["key"] for row in one["centres"]] == [row["key"] for row in one["processing"]] == [a.code]
    assert one["digitisation"]["counter_digitised"] == 1 and one["received"] == 7


def test_the_number_of_queries_does_not_grow_with_the_agencies(client, desks):
    def queries(fetch) -> int:
        with CaptureQueriesContext(connection) as captured:
            fetch()
        return len(captured)

    figures = lambda: compute_statistics(quarter())  # noqa: E731
    page = lambda: client.get("/thong-ke/", PERIOD)  # noqa: E731
    api = lambda: client.get("/api/v1/statistics/", PERIOD)  # noqa: E731
    before = [queries(figures), queries(page), queries(api)]

    p = desks["procedure"]
    for day in range(1, 21):  # twenty more centres, each receiving for a new agency, documents and results
        centre, agency = AgencyFactory(receives_dossiers=True), AgencyFactory()
        papers(dossier(p, agency, COUNTER, at(2020, 2, day, 8), received_by=centre), SCANNED, SHOWN)
        dossier(p, agency, ONLINE, at(2020, 2, day, 9), finished=at(2020, 3, day, 9), delivery_method="online")

    assert [queries(figures), queries(page), queries(api)] == before
    assert before[0] <= 6
    assert compute_statistics(quarter()).digitisation.counter_digitised == 3 + 20
