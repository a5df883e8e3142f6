"""Lists over tables that grow without bound: the count is exact while small, PostgreSQL's estimate when large,
and the officials' queue never counts the whole table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.constants import Status
from portal.accounts.constants import Role
from portal.paginator import LargeTablePaginator, estimated_count
from procedures.models import Field

from .test_back_office import CHANGELIST, dossier_in, staff  # noqa: F401 - staff is a fixture

pytestmark = pytest.mark.django_db


class SmallBound(LargeTablePaginator):
    exact_limit = 10


def fields(n: int):
    Field.objects.bulk_create([Field(name=f"Lĩnh vực thử {i:03d}") for i in range(n)])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Field._meta.db_table}")
    return Field.objects.filter(name__startswith="Lĩnh vực thử").order_by("name")


def test_small_results_are_counted_exactly():
    queryset = fields(7)
    paginator = SmallBound(queryset, 3)
    assert paginator.count == 7
    assert paginator.num_pages == 3
    assert [f.name for f in paginator.page(3)] == ["Lĩnh vực thử 006"]


def test_beyond_the_bound_the_count_is_the_planners_estimate_and_pages_still_work():
    queryset = fields(60)
    assert connection.vendor == "postgresql"
    estimate = estimated_count(queryset)
    assert estimate is not None and estimate > 10
    paginator = SmallBound(queryset, 25)
    with CaptureQueriesContext(connection) as queries:
        count = paginator.count
    assert count == max(estimate, 11)
    assert any(q["sql"].startswith("EXPLAIN") for q in queries.captured_queries)
    assert not any("COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"] for q in queries.captured_queries)
    assert [f.name for f in paginator.page(1)][:2] == ["Lĩnh vực thử 000", "Lĩnh vực thử 001"]
    assert paginator.num_pages == 1  # only the rows under the bound are offered as pages: no deep OFFSETs


def test_an_estimate_is_kept_for_a_while_per_query_and_exact_counts_never_are(settings):
    settings.PAGINATOR_ESTIMATE_SECONDS = 60
    large, small = fields(60), Field.objects.filter(name="Lĩnh vực thử 003")
    first = SmallBound(large, 25).count
    with CaptureQueriesContext(connection) as queries:
        again = SmallBound(large, 25).count
        assert SmallBound(small, 25).count == 1
    assert again == first > 10
    assert len(queries) == 1  # the small list was counted; the large one came from the cache
    Field.objects.filter(name="Lĩnh vực thử 003").delete()
    assert SmallBound(small, 25).count == 0


class ShallowJoin(LargeTablePaginator):
    deferred_join_after = 6


def test_deep_pages_fetch_their_keys_first_and_show_the_same_rows_in_the_same_order():
    queryset = fields(20).order_by("-name")
    plain, deferred = LargeTablePaginator(queryset, 4), ShallowJoin(queryset, 4)

    for number in range(1, 6):
        with CaptureQueriesContext(connection) as queries:
            rows = [f.name for f in deferred.page(number)]
        assert rows == [f.name for f in plain.page(number)]
        keys_first = [q["sql"] for q in queries.captured_queries if "OFFSET" in q["sql"]]
        if number > 2:  # 8 rows skipped or more: the offset query selects keys alone
            selected = [sql.split(" FROM ")[0] for sql in keys_first]
            assert selected == [f'SELECT "{Field._meta.db_table}"."id" AS "pk"'], selected
    assert [f.name for f in deferred.page(5)] == [f"Lĩnh vực thử {i:03d}" for i in (3, 2, 1, 0)]


def test_the_queue_counts_only_its_own_page_of_rows(client, staff):  # noqa: F811
    for _ in range(3):
        dossier_in(Status.SUBMITTED)
    client.force_login(staff[Role.DESK])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "dossiers_dossier" in q["sql"]]
    assert len(counts) == 1, counts  # the filtered result, not also the whole table
    assert "LIMIT 10001" in counts[0]
    assert "3 hồ sơ" in response.content.decode() or "3 dossiers" in response.content.decode()
