"""The slots of a dossier's pages where other apps' sections render (``dossiers.sections``)::

{% load dossier_sections %}{% dossier_sections "citizen" %}
"""

from django import template
from django.utils.safestring import SafeString, mark_safe

from .. import sections

register = template.Library()


@register.simple_tag(takes_context=True)
def dossier_sections(context, slot: str, dossier=None) -> SafeString:
    """Every section registered for ``slot``, in order, on ``dossier`` (default: the page's ``dossier``); each
    renders like an inclusion tag (its own context, the page's CSRF token)."""
    dossier = dossier if dossier is not None else context["dossier"]
    request = context.get("request")
    html = []
    for section in sections.sections_in(slot):
        values = section.context(request, dossier)
        if values is None:
            continue
        own = context.new(values)
        if context.get("csrf_token") is not None:
            own["csrf_token"] = context["csrf_token"]
        html.append(context.template.engine.get_template(section.template).render(own))
    return mark_safe("".join(html))  # noqa: S308 (rendered templates, escaped by the engine)
