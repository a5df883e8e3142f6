"""Pagination that never counts a million rows: exact up to a bound, PostgreSQL's own estimate beyond it.

An agency's queue or the message log can hold hundreds of thousands of rows; ``COUNT(*)`` over them on every page
load costs more than the page itself. Up to ``exact_limit`` rows the count is exact (it reads at most that many
index entries); beyond, the planner's row estimate for the same query is used ("about 480,000 dossiers"), and
only the pages over the first ``exact_limit`` rows are offered. Other databases (SQLite for local use) count
exactly.
"""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

EXACT_LIMIT = 10_000


def estimated_count(queryset) -> int | None:
    """The planner's estimate of the rows ``queryset`` returns, or None when the database cannot say."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter no row can match (an id past the column's range): nothing to ask the planner
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class LargeTablePaginator(Paginator):
    exact_limit = EXACT_LIMIT
    deferred_join_after = 1_000  # rows skipped by OFFSET

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return super().count
        key = self._estimate_key(queryset)
        if key is not None and (known := cache.get(key)) is not None:
            return known
        capped = queryset.order_by()[: self.exact_limit + 1].count()
        if capped <= self.exact_limit:
            return capped
        estimate = estimated_count(queryset)
        if estimate is None:
            return queryset.count()
        if key is not None:
            cache.set(key, max(estimate, capped), settings.PAGINATOR_ESTIMATE_SECONDS)
        return max(estimate, capped)

    @staticmethod
    def _estimate_key(queryset) -> str | None:
        """An estimate is kept for a short while per query (an agency's queue with its filters): the capped count
        and the ``EXPLAIN`` behind it cost as much as the page, and "about 480,000" does not change in a minute.
        Exact counts (under the bound) are never cached."""
        if not settings.PAGINATOR_ESTIMATE_SECONDS or connections[queryset.db].vendor != "postgresql":
            return None
        try:
            sql, params = queryset.order_by().query.sql_with_params()
        except EmptyResultSet:  # no row can match; the capped count says 0 without a query
            return None
        digest = hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
        return f"paginator:estimate:{digest}"

    def page(self, number):
        """Deep pages look up the page's keys first (narrow rows, no joins), then fetch those rows whole: the
        rows skipped by ``OFFSET`` are never joined to procedures and applicants nor read in full."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = self.object_list
        if bottom < self.deferred_join_after or not hasattr(queryset, "query") or not queryset.ordered:
            return super().page(number)
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        position = {key: index for index, key in enumerate(keys)}
        rows = sorted(queryset.filter(pk__in=keys), key=lambda row: position[row.pk])
        return self._get_page(rows, number, self)

    @property
    def is_estimate(self) -> bool:
        return self.count > self.exact_limit

    @cached_property
    def num_pages(self) -> int:
        """Past the bound only the first ``exact_limit`` rows are reachable: ``OFFSET 500000`` reads and throws
        away half a million rows, and nobody pages that far; filters and search narrow the list instead."""
        pages = super().num_pages
        if self.is_estimate:
            pages = min(pages, -(-self.exact_limit // self.per_page))
        return pages


class LargeTableAdminMixin:
    """For the admin of a table that grows without bound: no full-table count, estimated counts past the bound."""

    paginator = LargeTablePaginator
    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        # A working list (the queue, payments, messages, shipments) takes the page's width: beside the menu of every
        # model and the filters, its columns wrapped word by word and the last ones were cut off at 1024–1280 px.
        return super().changelist_view(request, {"is_nav_sidebar_enabled": False, **(extra_context or {})})
