"""The officials' queue (the dossiers' change list) written row by row in one pass.

The admin's ``result_list`` works out, for each of the 100 rows × 8 columns, which field or method a column is,
how to display it and whether to link it: about two thirds of the queue page's time. The queue's columns are
known, so ``dossier_result_list`` writes the same cells directly (the same markup, classes, link with the
preserved filters, empty-value sign and date format; ``tests/test_back_office.py`` compares the two outputs cell
by cell). Any other column list falls back to the admin's own rows.
"""

from django import template
from django.contrib.admin.templatetags.admin_list import ResultList, result_headers, result_hidden_fields, results
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

from dossiers.admin import QUEUE_COLUMNS
from dossiers.models import Dossier

register = template.Library()

_PK = "2147483647999"  # a stand-in primary key, split out of the reversed change URL


def _text(value, empty: str) -> str:
    if value is None:
        return empty
    value = str(value).strip()
    return escape(value) if value else empty


def queue_rows(cl) -> list[ResultList]:
    admin = cl.model_admin
    empty = escape(admin.get_empty_value_display())
    opts = cl.opts
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[_PK], current_app=admin.admin_site.name)
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": opts}, url)
    before, after = (escape(part) for part in url.split(_PK))
    statuses = {value: str(label) for value, label in Dossier._meta.get_field("status").flatchoices}
    stages = {value: str(label) for value, label in Dossier._meta.get_field("stage").flatchoices}
    rows = []
    for dossier in cl.result_list:
        due = dossier.due_at
        overdue = admin.overdue_marker(dossier)
        cells = (
            f'<th class="field-code"><a href="{before}{dossier.pk}{after}">{_text(dossier.code, empty)}</a></th>'
            f'<td class="field-procedure_name">{_text(admin.procedure_name(dossier), empty)}</td>'
            f'<td class="field-applicant_name">{_text(admin.applicant_name(dossier), empty)}</td>'
            f'<td class="field-status">{escape(statuses.get(dossier.status, empty))}</td>'
            f'<td class="field-stage">{escape(stages.get(dossier.stage, empty))}</td>'
            f'<td class="field-handler nowrap">{empty if dossier.handler is None else escape(dossier.handler)}</td>'
            f'<td class="field-due_at nowrap">'
            f"{escape(formats.localize(timezone.template_localtime(due))) if due else empty}</td>"
            f'<td class="field-overdue_marker">{conditional_escape(overdue) if overdue else empty}</td>'
        )
        rows.append(ResultList(None, [mark_safe(cells)]))  # noqa: S308 (every value above is escaped)
    return rows


def _list_context(cl) -> dict:
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": queue_rows(cl) if tuple(cl.list_display) == QUEUE_COLUMNS else list(results(cl)),
    }


@register.tag(name="dossier_result_list")
def dossier_result_list_tag(parser, token):
    return InclusionAdminNode(
        "dossier_result_list",
        parser,
        token,
        func=_list_context,
        template_name="change_list_results.html",
        takes_context=False,
    )
