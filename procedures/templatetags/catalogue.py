from decimal import Decimal

from django import template
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from portal.accounts.validators import format_vn_phone
from portal.money import vnd
from portal.text import fold

register = template.Library()


register.filter("vnd", vnd)  # portal.money: "8.000 đ" in Vietnamese, "8,000 VND" in English


@register.filter
def phone(value: str | None) -> str:
    """A phone number kept as ``+84912345678``, written ``0912 345 678`` (``portal.accounts.validators``)."""
    return format_vn_phone(value or "")


@register.filter
def number(value: Decimal | None) -> str:
    """1.0 → "1", 0.5 → "0,5" (Vietnamese decimal comma)."""
    if value is None:
        return ""
    text = f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
    return text.replace(".", ",") if (get_language() or "vi").startswith("vi") else text


@register.filter
def plural_count(value: Decimal | None) -> int:
    """An integer for choosing a plural form: 1 → singular; 0.5, 1.5, 2 → plural."""
    if value is None:
        return 0
    return 1 if value == 1 else 2 if value < 2 else int(value)


# The units of the national data's processing times (``THOIGIAN.DONVITINH``), folded, with their English.
_TIME_UNITS = {
    "ngay": lambda n: ngettext("%(n)s day", "%(n)s days", n),
    "ngay lam viec": lambda n: ngettext("%(n)s working day", "%(n)s working days", n),
    "gio": lambda n: ngettext("%(n)s hour", "%(n)s hours", n),
    "gio lam viec": lambda n: ngettext("%(n)s working hour", "%(n)s working hours", n),
    "tuan": lambda n: ngettext("%(n)s week", "%(n)s weeks", n),
    "thang": lambda n: ngettext("%(n)s month", "%(n)s months", n),
}


@register.filter
def duration(option) -> str:
    """A processing option's time in the page's language: "10 ngày làm việc", "10 working days"; a unit the portal
    does not know is shown as the national data writes it."""
    if not option.time_value:  # 0: "Không quy định thời hạn giải quyết", which the option's description says
        return ""
    shown = number(option.time_value)
    unit = _TIME_UNITS.get(fold(option.time_unit or ""))
    if unit is None:
        return f"{shown} {(option.time_unit or '').lower()}".strip()
    return unit(plural_count(option.time_value)) % {"n": shown}


@register.filter
def paper_copies(document) -> str:
    """How many paper originals and copies a required document asks for: "On paper: 1 original, no copies"; empty
    when it asks for neither."""
    originals, copies = document.originals or 0, document.copies or 0
    if not (originals or copies):
        return ""
    return _("On paper: %(originals)s, %(copies)s") % {
        "originals": ngettext("%(n)s original", "%(n)s originals", originals) % {"n": originals}
        if originals
        else _("no originals"),
        "copies": ngettext("%(n)s copy", "%(n)s copies", copies) % {"n": copies} if copies else _("no copies"),
    }
