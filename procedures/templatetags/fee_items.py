"""How a fee item is charged, in words: ``{{ fee|fee_terms }}`` → "per copy, only if requested"."""

from django import template
from django.utils.translation import gettext as _

from ..fee_terms import unit_of

register = template.Library()


def _per(unit: str) -> str:
    return {
        "copy": _("per copy"),
        "page": _("per page"),
        "sheet": _("per sheet"),
        "person": _("per person"),
    }.get(unit, _("per unit"))


@register.filter
def fee_terms(fee) -> str:
    """The charging terms of a ``FeeItem``: per unit and/or only if requested; empty when charged once."""
    terms = []
    if fee.per_unit:
        terms.append(_per(unit_of(fee.description)))
    if fee.on_request:
        terms.append(_("only if requested"))
    return ", ".join(terms)
