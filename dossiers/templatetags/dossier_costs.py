"""What a dossier costs, for templates: ``{% load dossier_costs %}{% cost_of dossier as cost %}``."""

from django import template

from .. import costs

register = template.Library()


@register.simple_tag
def cost_of(dossier) -> costs.Cost:
    """What was billed once submitted, else the quote (``dossiers.costs``)."""
    return costs.cost_of(dossier)
