"""Sections that other apps add to a dossier's pages: payments, postal shipments, the citizen's rating, and a
column of the back office's timeline (the messages sent to the citizen about each entry).

Dossiers never import those apps (``docs/architecture.md``), not even through a template tag: each app registers
its sections when it is ready (``AppConfig.ready``), and the dossier templates leave named slots for them::

    {% load dossier_sections %}{% dossier_sections "citizen" %}

A section is a template and a function ``context(request, dossier)`` giving its context, or None when it has
nothing to show on this dossier. Within a slot, sections render by ``order``.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Dossier

SLOTS = {
    "citizen_top": "The citizen's dossier page, under the download buttons",
    "citizen": "The citizen's dossier page, after the summary",
    "back_office_tools": "The back office's dossier page, under the action buttons",
    "back_office": "The back office's dossier page, after the documents",
}


@dataclass(frozen=True)
class Section:
    slot: str
    template: str
    context: "Callable[[HttpRequest | None, Dossier], dict | None]"
    order: int = 100


@dataclass(frozen=True)
class TimelineColumn:
    key: str  # the cells' CSS class: ``dossier-<key>``
    label: str
    cells: "Callable[[Dossier], Mapping[int, str]]"  # DossierEvent id -> safe HTML (one query for the dossier)
    order: int = 100


_sections: list[Section] = []
_columns: list[TimelineColumn] = []


def register_section(slot: str, *, template: str, context, order: int = 100) -> Section:
    """Show ``template`` in ``slot`` with ``context(request, dossier)``, skipped when that returns None."""
    if slot not in SLOTS:
        raise ValueError(f"No dossier page has a slot {slot!r}; the slots are {', '.join(sorted(SLOTS))}.")
    section = Section(slot=slot, template=template, context=context, order=order)
    _replace(_sections, section, lambda s: (s.slot, s.template) == (slot, template))
    return section


def register_timeline_column(key: str, *, label: str, cells, order: int = 100) -> TimelineColumn:
    """Add a column to the back office's timeline: ``cells(dossier)`` maps an event id to the cell's HTML."""
    column = TimelineColumn(key=key, label=label, cells=cells, order=order)
    _replace(_columns, column, lambda c: c.key == key)
    return column


def _replace(registry: list, item, same) -> None:
    """Register ``item`` once: a second registration (tests re-running ``ready``) replaces the first."""
    registry[:] = [existing for existing in registry if not same(existing)]
    registry.append(item)
    registry.sort(key=lambda entry: entry.order)


def sections_in(slot: str) -> list[Section]:
    if slot not in SLOTS:
        raise ValueError(f"No dossier page has a slot {slot!r}.")
    return [section for section in _sections if section.slot == slot]


def render_slot(slot: str, request, dossier) -> str:
    """Every section of ``slot`` rendered on ``dossier`` for ``request`` (the page's context processors, its CSRF
    token), as one string: "" when none has anything to show, so a page can say when there is nothing."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    html = []
    for section in sections_in(slot):
        values = section.context(request, dossier)
        if values is not None:
            html.append(render_to_string(section.template, values, request=request))
    return mark_safe("".join(html).strip())  # noqa: S308 (rendered templates, escaped by the engine)


def timeline_columns() -> list[TimelineColumn]:
    return list(_columns)
