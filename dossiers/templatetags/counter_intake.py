"""``{% counter_intake_url as url %}``: the counter-intake page, for those who may register paper dossiers."""

from django import template
from django.urls import reverse

from dossiers.counter import may_register

register = template.Library()


@register.simple_tag(takes_context=True)
def counter_intake_url(context) -> str:
    request = context.get("request")
    if request is None or not may_register(request.user):
        return ""
    return reverse("admin:dossiers_dossier_counter")
