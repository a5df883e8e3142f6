"""Collect-on-delivery (BCCI "thu hộ"): the postman took what was owed when he delivered the result; the agency
records it like a counter payment, with its receipt."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.money import vnd
from postal.constants import ShipmentStatus
from postal.models import Shipment

from ..constants import CounterMethod, RequestStatus
from ..models import PaymentRequest, Transaction
from .base import PaymentError, check_official, lock_dossier
from .counter import _take_payment

# ``Transaction.counter_method`` of a payment the postman collected on delivery (a counter payment otherwise).
COLLECTED_ON_DELIVERY = CounterMethod.COD


@transaction.atomic
def record_collection_on_delivery(*, shipment: Shipment, by: User, reference: str = "") -> Transaction:
    """The postman delivered the result and collected the amount the shipment carried: a payment of the dossier's
    open request (method ``cod``, the post office's reference or else the tracking number), its receipt, the
    request paid; the shipment keeps when it was recorded. Locks: the dossier, the shipment, the request."""
    dossier_id = Shipment.objects.values_list("dossier_id", flat=True).get(pk=shipment.pk)
    dossier = lock_dossier(dossier_id)
    # The agency that posted the result: the post office pays what it collected back to the sender.
    check_official(dossier, by, roles=(Role.CASHIER,))
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if not shipment.cod_amount:
        raise PaymentError(_("The postman collects nothing on delivery of this shipment."))
    if shipment.cod_collected_at is not None:
        raise PaymentError(_("The postman's collection for this shipment is already recorded."))
    if shipment.status != ShipmentStatus.DELIVERED:
        raise PaymentError(
            _("The shipment is “%(status)s”: the postman collects when he delivers. Record the delivery first.")
            % {"status": shipment.get_status_display()}
        )
    request = PaymentRequest.objects.select_for_update().filter(dossier=dossier, status=RequestStatus.OPEN).first()
    if request is None:
        raise PaymentError(_("Nothing is owed for this dossier any more; the postman's collection is to be paid back."))
    if request.amount != shipment.cod_amount:
        raise PaymentError(
            _("The postman collected %(collected)s but %(owed)s is owed; check the amount with the post office.")
            % {"collected": vnd(shipment.cod_amount), "owed": vnd(request.amount)}
        )
    request.dossier = dossier
    txn = _take_payment(
        request,
        by=by,
        method=COLLECTED_ON_DELIVERY,
        reference=reference.strip() or shipment.tracking_number,
    )
    shipment.cod_collected_at = timezone.now()
    shipment.save(update_fields=["cod_collected_at", "updated_at"])
    return txn
