from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Purpose(models.TextChoices):
    """Why the citizen pays: the procedure's fees when filing, or what an official asked for (status 6)."""

    SUBMISSION = "submission", _("Fees and charges of the dossier")
    REQUESTED = "requested", _("Payment requested by the agency")


class Collection(models.TextChoices):
    """When a procedure collects its fees (set per procedure; at submission when nothing is set)."""

    AT_SUBMISSION = "submission", _("When the dossier is submitted")
    ON_REQUEST = "request", _("When an official requests payment")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class LineKind(models.TextChoices):
    FEE = "fee", _("Fee (phí)")
    CHARGE = "charge", _("Charge (lệ phí)")
    POSTAL = "postal", _("Postal fee")
    OTHER = "other", _("Financial obligation")


class Gateway(models.TextChoices):
    VNPAY = "vnpay", _("VNPay")
    SANDBOX = "sandbox", _("Sandbox gateway (test)")
    COUNTER = "counter", _("At the counter")


class TransactionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", pgettext_lazy("payment", "Failed")
    EXPIRED = "expired", _("Expired")


FINAL_STATUSES = frozenset({TransactionStatus.SUCCEEDED, TransactionStatus.FAILED})


class CounterMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card (POS)")
    COD = "cod", _("Collected by the postman on delivery (COD)")


AT_THE_COUNTER = (CounterMethod.CASH, CounterMethod.CARD)  # what the cashier takes; COD is recorded from the shipment


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SENT = "sent", _("Sent to the gateway")
    AT_COUNTER = "counter", _("To be paid back at the counter")
    DONE = "done", _("Refunded")
    FAILED = "failed", pgettext_lazy("payment", "Failed")
