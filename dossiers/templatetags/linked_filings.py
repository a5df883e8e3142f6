"""The citizen's linked filings on "My dossiers" (``dossiers/linked.py``)."""

from django import template

from .. import linked

register = template.Library()


@register.simple_tag
def filings_of(user) -> list:
    return linked.filings_of_applicant(user) if getattr(user, "is_authenticated", False) else []
