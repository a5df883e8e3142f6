from django import template

from .. import selectors
from ..gateways import online_gateway_name

register = template.Library()


@register.inclusion_tag("payments/_dossier_payments.html")
def dossier_payments(dossier, user, admin=False):
    """The payments section of a dossier's page (the citizen's, or the back office's with ``admin``)."""
    requests = selectors.requests_of(dossier)
    return {
        "dossier": dossier,
        "requests": requests,
        "is_owner": dossier.applicant_id == getattr(user, "pk", None),
        "online": online_gateway_name() is not None,
        "admin": admin,
    }
