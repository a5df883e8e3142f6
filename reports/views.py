"""The public statistics page, its CSV download and the same page for an agency's officials (thin: the figures come
from ``selectors.statistics``)."""

import csv
from dataclasses import replace

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dossiers.constants import Channel, Timeliness
from portal import access
from portal.page_cache import public_page
from procedures.constants import ServiceLevel
from procedures.models import Agency

from .charts import month_chart, segments
from .forms import StatisticsFilterForm
from .selectors import (
    CACHE_VERSION,
    CHANNELS,
    STALE_FACTOR,
    Statistics,
    StatisticsFilters,
    TimelinessRow,
    agencies_for_filter,
    default_period,
    statistics,
    statistics_page_seconds,
    statistics_page_version,
)


def _form(request, agencies=None) -> StatisticsFilterForm:
    return StatisticsFilterForm(request.GET or None, agencies=agencies)


def _filters(form: StatisticsFilterForm) -> StatisticsFilters | None:
    if not form.is_bound:
        start, end = default_period()
        return StatisticsFilters(start=start, end=end)
    return form.filters() if form.is_valid() else None


def _timeliness_bars(rows: list[TimelinessRow]) -> list[dict]:
    return [
        {
            "row": row,
            "segments": segments(
                [
                    ("chart-ahead", row.ahead, Timeliness.AHEAD.label),
                    ("chart-on-time", row.on_time, Timeliness.ON_TIME.label),
                    ("chart-late", row.late, Timeliness.LATE.label),
                ],
                row.finished,
            ),
        }
        for row in rows
    ]


def chart_context(stats: Statistics) -> dict:
    channel_labels = {c.value: str(c.label) for c in CHANNELS}  # a dossier from the national portal counts online
    most_procedures = max((row.count for row in stats.levels), default=0)
    satisfaction = stats.satisfaction
    criteria = [
        (_("Overall"), satisfaction.score),
        (_("On time"), satisfaction.on_time),
        (_("Staff attitude"), satisfaction.attitude),
        (_("Clarity of guidance"), satisfaction.clarity),
    ]
    return {
        "stats": stats,
        # The per-agency and per-field tables are rendered once per computation of the figures (and language).
        "fragment_key": (
            f"v{CACHE_VERSION}:{stats.agency_code}:{stats.start:%Y%m%d}:{stats.end:%Y%m%d}:"
            f"{stats.computed_at.timestamp()}"
        ),
        "fragment_seconds": settings.REPORTS_CACHE_SECONDS * STALE_FACTOR,
        "level_rows": [
            {
                "row": row,
                "label": ServiceLevel(row.level).label,
                "segments": segments([(f"chart-level-{row.level}", row.count, "")], most_procedures),
            }
            for row in stats.levels
        ],
        "full_online": stats.level(ServiceLevel.FULL),
        "month_chart": lambda: month_chart(stats.months, channel_labels),
        "channel_labels": channel_labels,
        "channel_rows": [
            {
                "row": row,
                "label": channel_labels[row.channel],
                "segments": segments([(f"chart-{row.channel}", row.count, "")], stats.received),
            }
            for row in stats.channels
        ],
        # The long lists are built only when the fragment is rendered (the template calls them), not on a visit
        # that the fragment cache answers.
        "centre_rows": lambda: [
            {"row": row, "segments": segments([("chart-digitised", row.counter_digitised, "")], row.counter)}
            for row in stats.centres
        ],
        "digitised_segments": segments(
            [("chart-digitised", stats.digitisation.counter_digitised, _("Digitised at intake"))],
            stats.digitisation.counter,
        ),
        "electronic_segments": segments(
            [("chart-electronic", stats.digitisation.electronic_results, _("Issued electronically"))],
            stats.digitisation.results,
        ),
        "overall_segments": _timeliness_bars([stats.finished])[0]["segments"],
        "agency_rows": lambda: _timeliness_bars(stats.by_agency),
        "field_rows": lambda: _timeliness_bars(stats.by_field),
        "criteria": [
            {"label": label, "value": value, "segments": segments([("chart-score", value or 0, "")], 5)}
            for label, value in criteria
        ],
        "distribution": [
            {
                "score": score,
                "count": count,
                "segments": segments([("chart-score", count, "")], max(satisfaction.distribution.values(), default=0)),
            }
            for score, count in sorted(satisfaction.distribution.items(), reverse=True)
        ],
    }


STATISTICS_PARAMS = (*StatisticsFilterForm.base_fields, "page")  # what the statistics page reads


@require_safe
@public_page(statistics_page_version, seconds=statistics_page_seconds, params=STATISTICS_PARAMS)
def statistics_page(request):
    form = _form(request, agencies_for_filter())
    filters = _filters(form)
    context = {"form": form, "form_action": reverse("reports:statistics")}
    if filters is not None:
        context |= chart_context(statistics(filters))
        query = request.GET.copy()
        query.pop("page", None)
        context["csv_query"] = query.urlencode()
    return render(request, "reports/statistics.html", context, status=200 if filters else 400)


@require_safe
def agency_statistics_page(request):
    """The same figures for one agency, for its officials: their own agency, whatever they ask for; a superuser
    chooses one (``?agency=<id>``). Which agency a per-agency report covers is ``access.report_agency``'s rule."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not access.is_official_or_superuser(user):
        raise PermissionDenied
    agency_id = access.report_agency(user, request.GET.get("agency"))
    agency = Agency.objects.filter(pk=agency_id).first() if agency_id is not None else None
    form = _form(request)
    del form.fields["agency"]  # the agency is not asked for: it is the official's own
    context = {"form": form, "form_action": reverse("reports:agency"), "agency_page": True}
    if agency is None:  # a superuser who has not chosen one (officials always have their own)
        context["choose_agencies"] = agencies_for_filter()
        return render(request, "reports/statistics.html", context)
    filters = _filters(form)
    if filters is not None:
        context |= chart_context(statistics(replace(filters, agency=agency)))
        query = QueryDict(mutable=True)
        query.update({key: request.GET[key] for key in ("date_from", "date_to") if request.GET.get(key)})
        query["agency"] = agency.code
        context["csv_query"] = query.urlencode()
        if user.is_superuser:
            context["agency_param"] = agency.pk
    return render(request, "reports/statistics.html", context, status=200 if filters else 400)


def _cell(value) -> str:
    """A CSV cell that spreadsheets will not run as a formula (names come from the database)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(stats: Statistics) -> list[list]:
    """Tidy rows: section, key, label, measure, value: one figure a line, easy to filter and pivot."""
    rows = [["section", "key", "label", "measure", "value"]]
    period = f"{stats.start.isoformat()}/{stats.end.isoformat()}"
    rows.append(["period", period, stats.agency_name or _("All agencies"), "agency", stats.agency_code])
    rows.append(["procedures", "", _("Published procedures"), "count", stats.procedures])
    for row in stats.levels:
        label = ServiceLevel(row.level).label
        rows += [
            ["service_level", row.level, label, "count", row.count],
            ["service_level", row.level, label, "share", row.share],
        ]
    for month in stats.months:
        for channel in map(Channel, CHANNELS):
            rows.append(
                [
                    "received_month",
                    month.month.strftime("%Y-%m"),
                    channel.label,
                    channel.value,
                    getattr(month, channel.value),
                ]
            )
        rows.append(["received_month", month.month.strftime("%Y-%m"), _("All channels"), "total", month.total])
    for row in stats.channels:
        label = Channel(row.channel).label
        rows += [
            ["channel", row.channel, label, "count", row.count],
            ["channel", row.channel, label, "share", row.share],
        ]
    rows.append(["received", "", _("Dossiers received"), "count", stats.received])
    rows.append(["received", "", _("Received online"), "share", stats.online_share])
    rows.append(["received", "", _("Received by one centre for another agency"), "routed", stats.routed])
    rows.append(["received", "", _("Received by one centre for another agency"), "routed_share", stats.routed_share])
    for row in stats.centres:
        for measure in ("received", "online", "counter", "post", "routed", "counter_digitised", "digitised_share"):
            rows.append(["centre", row.key, row.name, measure, getattr(row, measure)])
    for row in stats.processing:
        for measure in ("received", "routed", "results", "electronic_results", "electronic_share"):
            rows.append(["processing", row.key, row.name, measure, getattr(row, measure)])
    digitisation = stats.digitisation
    for measure, label in (
        ("counter", _("Dossiers received at the counter")),
        ("counter_digitised", _("Counter dossiers digitised at intake")),
        ("digitised_share", _("Counter dossiers digitised at intake")),
        ("results", _("Results ready")),
        ("electronic_results", _("Results issued electronically")),
        ("electronic_share", _("Results issued electronically")),
    ):
        rows.append(["digitisation", "", label, measure, getattr(digitisation, measure)])
    for section, items in (
        ("timeliness_all", [stats.finished]),
        ("timeliness_agency", stats.by_agency),
        ("timeliness_field", stats.by_field),
    ):
        for row in items:
            name = row.name or (_("All agencies") if section == "timeliness_all" else _("No field"))
            for measure in ("finished", "ahead", "on_time", "late", "ahead_share", "on_time_share", "late_share"):
                rows.append([section, row.key, name, measure, getattr(row, measure)])
    label = _("Synchronised with the national public service portal")
    rows.append(["national_sync", "", label, "synced", stats.synced])
    rows.append(["national_sync", "", label, "share", stats.sync_share])
    for row in stats.sync:
        for measure in ("received", "synced", "share"):
            rows.append(["national_sync_agency", row.key, row.name, measure, getattr(row, measure)])
    satisfaction = stats.satisfaction
    for measure in ("ratings", "score", "on_time", "attitude", "clarity"):
        rows.append(["satisfaction", "", _("Satisfaction"), measure, getattr(satisfaction, measure)])
    for score, count in sorted(satisfaction.distribution.items()):
        rows.append(["satisfaction_score", score, _("Ratings with this overall score"), "count", count])
    return rows


@require_safe
def statistics_csv(request):
    form = _form(request)
    filters = _filters(form)
    if filters is None:
        errors = "; ".join(message for messages in form.errors.values() for message in messages)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    stats = statistics(filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    suffix = f"-{stats.agency_code}" if stats.agency_code else ""
    response["Content-Disposition"] = f'attachment; filename="thong-ke-{stats.start}-{stats.end}{suffix}.csv"'
    response.write("\ufeff")  # a byte-order mark, so spreadsheet programs read Vietnamese letters as UTF-8
    writer = csv.writer(response)
    for row in csv_rows(stats):
        writer.writerow([_cell(value) for value in row])
    return response
