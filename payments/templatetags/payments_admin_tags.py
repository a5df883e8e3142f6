from django import template
from django.urls import reverse

from dossiers.constants import Channel, DeliveryMethod, Status
from postal.models import Shipment

from ..constants import RequestStatus
from ..models import PaymentRequest
from ..services import why_no_cashier

register = template.Library()


@register.inclusion_tag("admin/payments/_dossier_tools.html")
def dossier_money_and_post(dossier, user):
    """The back-office dossier page's buttons for payments (for those who take money at the desk) and postal
    delivery."""
    links = []
    awaited = PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN)
    for payment in awaited if not why_no_cashier(dossier, user) else ():
        links.append(
            ("record-counter-payment", reverse("admin:payments_paymentrequest_counter", args=[payment.pk]), "counter")
        )
        links.append(("exempt-line", reverse("admin:payments_paymentrequest_exempt", args=[payment.pk]), "exempt"))
    if dossier.delivery_method == DeliveryMethod.POST and dossier.status == Status.RESULT_READY:
        links.append(("post-result", reverse("admin:postal_shipment_post", args=[dossier.pk]), "post"))
    if dossier.channel == Channel.POST and not Shipment.objects.filter(dossier=dossier, direction="dossier").exists():
        links.append(("receive-by-post", reverse("admin:postal_shipment_receive", args=[dossier.pk]), "receive"))
    return {"links": links, "dossier": dossier}
