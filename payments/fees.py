"""What a dossier costs: the one place that computes it (fees, charges, the postal fee, quantities, exemptions).

* ``quote(dossier)``: before submission. The fee items of the procedure's option for the way the dossier comes in
  (online, or in person for a paper dossier registered at the counter; else the online option, else the first) times
  the quantity the citizen asked for in the declaration, and the postal fee for the address the result goes to.
* ``cost_of(dossier)``: after submission, what was billed (the payment requests' lines with their exemptions,
  what is paid and what is owed); the quote while nothing has been billed.

How a fee item is charged (``procedures.FeeItem``):

* with a quantity field (``quantity_field``, a number in the e-form): a per-unit item costs its amount times that
  number; another item is charged once, or not at all when it is only on request and the number is 0 or empty;
* without one: a per-unit item is charged once; an on-request item is not charged online (the desk asks for it);
* an item of 0 đ is never charged;
* an item for one case (``case``) is charged only to dossiers of that case, and not listed for the others;
* a reduced rate (``reduced_rate``) is not charged: the full rate is, and the agency applies the reduced one once it
  has seen the citizen's proof (``exempt_line`` and a payment request, or a refund of the difference).

Dossiers and tracking read these through ``dossiers.costs``, which this module is registered with.
"""

from django.conf import settings
from django.db.models import Prefetch, Q, Sum
from django.utils.translation import gettext as _

from dossiers.constants import Channel as DossierChannel
from dossiers.costs import Cost, CostLine, TariffRow
from dossiers.models import Dossier
from procedures.constants import Channel
from procedures.models import FeeItem, Procedure

from .constants import LineKind, Purpose, RefundStatus, RequestStatus, TransactionStatus
from .models import PaymentLine, PaymentRequest, Refund, Transaction

# The processing option whose fees a dossier pays, by how it reached the agency: the national data gives a lower
# rate for a dossier filed online than for one brought to the desk (Đăng ký thường trú: 10.000 đ online, 20.000 đ
# in person), and a paper dossier registered at the counter was billed the online rate.
OPTION_BY_DOSSIER_CHANNEL = {
    DossierChannel.ONLINE: Channel.ONLINE,
    DossierChannel.NATIONAL_PORTAL: Channel.ONLINE,
    DossierChannel.COUNTER: Channel.IN_PERSON,
    DossierChannel.POST: Channel.POST,
}


def fee_items(procedure: Procedure, channel: int = Channel.ONLINE) -> list[FeeItem]:
    """The fee items of the procedure's option for ``channel`` (a ``procedures.Channel``), else of the online one,
    else of its first option."""
    options = list(procedure.options.prefetch_related("fees"))
    chosen = (
        [o for o in options if o.channel == channel] or [o for o in options if o.channel == Channel.ONLINE] or options
    )
    return list(chosen[0].fees.all()) if chosen else []


def online_fee_items(procedure: Procedure) -> list[FeeItem]:
    """What a dossier filed online is charged: the fee items of the procedure's online option (else its first)."""
    return fee_items(procedure, Channel.ONLINE)


def fee_items_for(dossier: Dossier) -> list[FeeItem]:
    """The fee items of the option for the way the dossier reached the agency (``OPTION_BY_DOSSIER_CHANNEL``)."""
    return fee_items(dossier.procedure, OPTION_BY_DOSSIER_CHANNEL.get(dossier.channel, Channel.ONLINE))


# No declaration asks for more of anything than this; a larger number typed into a field without a maximum is read
# as this many (a bill that fits the database, never an overflow).
MAX_QUANTITY = 1000


def asked_quantity(form_data: dict | None, name: str) -> int:
    """The number the citizen gave in the declaration field ``name``; 0 when empty, missing or not a number."""
    value = (form_data or {}).get(name)
    if isinstance(value, bool) or value in (None, ""):
        return 0
    try:
        number = int(str(value).strip())
    except ValueError:
        return 0
    return min(max(number, 0), MAX_QUANTITY)


def quantity_for(item: FeeItem, form_data: dict | None) -> int:
    """How many times the item is charged for a dossier with this declaration (see the module's rules)."""
    if item.quantity_field:
        asked = asked_quantity(form_data, item.quantity_field)
        if item.per_unit:
            return asked
        return 0 if item.on_request and asked == 0 else 1
    return 0 if item.on_request else 1


def _description(item: FeeItem) -> str:
    return item.description or (_("Fee") if item.kind == LineKind.FEE else _("Charge"))


def _not_charged_note(item: FeeItem) -> str:
    if item.reduced_rate:
        return _("A reduced rate for the people named: if it is yours, show your proof at the agency before paying.")
    if item.quantity_field:
        return _("Not charged: none asked for in the declaration.")
    return _("Not charged online: ask for it at the agency's desk, where it is paid.")


def postal_description() -> str:
    return _("Postal fee: result delivered by post (BCCI)")


def quote(dossier: Dossier) -> Cost:
    """What the dossier costs if submitted now: its declaration's quantities and its delivery as saved."""
    lines, not_charged = [], []
    for item in fee_items_for(dossier):
        if item.amount <= 0 or (item.case_id is not None and item.case_id != dossier.case_id):
            continue
        quantity = 0 if item.reduced_rate else quantity_for(item, dossier.form_data)
        line = CostLine(
            kind=item.kind,
            description=_description(item),
            unit_amount=item.amount,
            quantity=quantity,
            per_unit=item.per_unit,
            note="" if quantity else _not_charged_note(item),
        )
        (lines if quantity > 0 else not_charged).append(line)
    from postal.services import fee_for_dossier

    postal = fee_for_dossier(dossier)
    if postal:
        lines.append(CostLine(kind=LineKind.POSTAL, description=postal_description(), unit_amount=postal))
    return Cost(lines=tuple(lines), not_charged=tuple(not_charged))


def _billed_line(line: PaymentLine) -> CostLine:
    quantity = max(line.quantity, 1)
    return CostLine(
        kind=line.kind,
        description=line.description,
        unit_amount=line.amount // quantity,
        quantity=quantity,
        per_unit=quantity > 1,
        exempt=line.exempt,
        exemption_reason=line.exemption_reason,
    )


def cost_of(dossier: Dossier) -> Cost:
    """What the dossier costs: the lines of its payment requests still awaited or paid, with what is paid; the
    quote while it has none. A dossier whose every request was cancelled (refused before paying) owes nothing."""
    if dossier.is_draft:
        return quote(dossier)
    requests = list(
        PaymentRequest.objects.filter(dossier=dossier)
        .prefetch_related(Prefetch("lines", queryset=PaymentLine.objects.order_by("position", "pk")))
        .order_by("created_at", "pk")
    )
    if not requests:
        return quote(dossier)
    billed = [r for r in requests if r.status != RequestStatus.CANCELLED]
    paid = [r for r in billed if r.status == RequestStatus.PAID]
    back = pending = 0
    if paid:  # what of the bill goes back: a payment made twice, or more than asked, and its refund net to nothing
        received = Transaction.objects.filter(request__in=paid, status=TransactionStatus.SUCCEEDED)
        refunds = Refund.objects.filter(transaction__request__in=paid).exclude(status=RefundStatus.FAILED)
        totals = refunds.aggregate(all=Sum("amount"), done=Sum("amount", filter=Q(status=RefundStatus.DONE)))
        kept = (received.aggregate(total=Sum("amount"))["total"] or 0) - (totals["all"] or 0)
        back = max(sum(request.amount for request in paid) - kept, 0)
        pending = min((totals["all"] or 0) - (totals["done"] or 0), back)  # the rest of it is paid back already
    return Cost(
        lines=tuple(_billed_line(line) for request in billed for line in request.lines.all()),
        paid=sum(request.amount for request in paid),
        billed=True,
        refunded=back - pending,
        refunding=pending,
    )


def postal_tariff() -> list[TariffRow]:
    """The result letter's postal fee within the portal's province and to another one (standard weight)."""
    from postal.constants import Zone
    from postal.services import PostalError, postal_fee

    rows = []
    for zone, province in ((Zone.LOCAL, settings.POSTAL_HOME_PROVINCE), (Zone.NATIONAL, None)):
        try:
            amount = postal_fee(province_code=province)  # no province: another province's zone
        except PostalError:
            continue
        rows.append(TariffRow(zone=zone, label=str(Zone(zone).label), amount=amount))
    return rows


def awaited_by_agency(dossier: Dossier) -> int:
    """What the payment requests the agency made while processing ("request payment", status 6) still await."""
    awaited = PaymentRequest.objects.filter(dossier=dossier, purpose=Purpose.REQUESTED, status=RequestStatus.OPEN)
    return sum(awaited.values_list("amount", flat=True))


def paying_online(dossier: Dossier) -> bool:
    """Whether an online payment of the dossier's awaited request is under way (the gateway has not answered)."""
    return Transaction.objects.filter(
        request__dossier=dossier, request__status=RequestStatus.OPEN, status=TransactionStatus.PENDING
    ).exists()
