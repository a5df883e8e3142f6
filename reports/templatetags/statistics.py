"""How a share reads on the statistics pages."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def share_of(share: float, whole: int) -> str:
    """``share`` per cent as the page writes it ("42,9%" in Vietnamese), or "—" when there was nothing to count:
    "0,0%" of no dossier at all reads as a failure that did not happen."""
    if not whole:
        return "—"
    return f"{floatformat(share, 1)}%"
