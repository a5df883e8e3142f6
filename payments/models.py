"""Payments: what a dossier must pay (requests with line items), each attempt to pay (transactions, online or at
the counter), receipts (biên lai), refunds, and the raw gateway notifications kept for audit."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.money import vnd

from .constants import (
    Collection,
    CounterMethod,
    Gateway,
    LineKind,
    Purpose,
    RefundStatus,
    RequestStatus,
    TransactionStatus,
)


def receipt_path(instance: "Receipt", filename: str) -> str:
    return f"dossiers/{instance.transaction.request.dossier.public_id}/issued/bien-lai-{instance.pk or 'new'}.pdf"


class ProcedurePaymentRule(models.Model):
    """When a procedure collects its fees; procedures without a rule collect them at submission."""

    procedure = models.OneToOneField(
        "procedures.Procedure", verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="payment_rule"
    )
    collection = models.CharField(
        _("fees are collected"), max_length=12, choices=Collection, default=Collection.AT_SUBMISSION
    )

    class Meta:
        verbose_name = _("fee collection rule")
        verbose_name_plural = _("fee collection rules")

    def __str__(self) -> str:
        return f"{self.procedure.code}: {self.get_collection_display()}"


class PaymentRequest(models.Model):
    """What one dossier must pay, once: the procedure's fees at submission, or an amount an official asked for."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="payment_requests"
    )
    # The timeline row that called for it (submission or "request payment"): one request per row, so creating it
    # again (a retried receiver, a reload of the payment page) finds the same one.
    event = models.OneToOneField(
        "dossiers.DossierEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="payment_request"
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose)
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus, default=RequestStatus.OPEN)
    amount = models.PositiveBigIntegerField(_("amount to pay (VND)"), default=0)
    online = models.BooleanField(_("can be paid online"), default=False)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment request")
        verbose_name_plural = _("payment requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(status=RequestStatus.OPEN), name="payment_request_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} — {vnd(self.amount, False)} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN


class PaymentLine(models.Model):
    """One line item: a fee (phí), a charge (lệ phí), the postal fee, or an obligation; exemptions keep a reason."""

    request = models.ForeignKey(PaymentRequest, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=LineKind)
    description = models.TextField(_("description"))
    # ``amount`` is the line's whole amount: the unit amount times ``quantity`` (copies asked for, for example).
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    exempt = models.BooleanField(_("exempted"), default=False)
    exemption_reason = models.TextField(_("reason for the exemption"), blank=True)
    exempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exempted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("line item")
        verbose_name_plural = _("line items")
        ordering = ["request", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(exempt=False) | ~Q(exemption_reason=""), name="payment_line_exemption_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {vnd(self.amount, False)}"

    @property
    def unit_amount(self) -> int:
        return self.amount // max(self.quantity, 1)

    @property
    def due(self) -> int:
        return 0 if self.exempt else self.amount


class Transaction(models.Model):
    """One attempt to pay a request: online through a gateway, or recorded by a cashier at the counter."""

    request = models.ForeignKey(
        PaymentRequest, verbose_name=_("payment request"), on_delete=models.PROTECT, related_name="transactions"
    )
    gateway = models.CharField(_("paid through"), max_length=8, choices=Gateway)
    txn_ref = models.CharField(_("transaction reference"), max_length=32, unique=True)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    status = models.CharField(
        _("status"), max_length=10, choices=TransactionStatus, default=TransactionStatus.PENDING, db_index=True
    )
    # True once the gateway itself gave a final answer (IPN or query); a local expiry is not one.
    gateway_confirmed = models.BooleanField(_("confirmed by the gateway"), default=False)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    last_queried_at = models.DateTimeField(_("last asked the gateway"), null=True, blank=True)
    # What the gateway said
    response_code = models.CharField(_("response code"), max_length=4, blank=True)
    transaction_status = models.CharField(_("transaction status (gateway)"), max_length=4, blank=True)
    gateway_transaction_no = models.CharField(_("gateway transaction number"), max_length=32, blank=True)
    bank_code = models.CharField(_("bank"), max_length=20, blank=True)
    card_type = models.CharField(_("card type"), max_length=20, blank=True)
    paid_at = models.DateTimeField(_("paid at (gateway time)"), null=True, blank=True)
    client_ip = models.GenericIPAddressField(_("payer's IP address"), null=True, blank=True)
    # At the counter
    counter_method = models.CharField(_("method"), max_length=8, choices=CounterMethod, blank=True)
    counter_reference = models.CharField(_("POS slip or reference"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_txn_status_created")]

    def __str__(self) -> str:
        return self.txn_ref

    @property
    def succeeded(self) -> bool:
        return self.status == TransactionStatus.SUCCEEDED


class ReceiptCounter(models.Model):
    """The last receipt number given out per agency per year."""

    agency = models.ForeignKey("procedures.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="receipt_counter_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year}: {self.last}"


class Receipt(models.Model):
    """The receipt (biên lai) of one successful payment; the PDF is rendered once."""

    transaction = models.OneToOneField(
        Transaction, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="receipt"
    )
    agency = models.ForeignKey(
        "procedures.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to=receipt_path, max_length=255, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at", "-pk"]
        # The issued-documents sweep: receipts whose PDF is not stored yet.
        indexes = [models.Index(fields=["issued_at"], name="receipt_file_missing", condition=Q(file=""))]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse(
            "payments:receipt",
            kwargs={"public_id": self.transaction.request.dossier.public_id, "number": self.number},
        )


class Refund(models.Model):
    """Money paid back: when a paid dossier is refused or withdrawn, or a payment arrived twice."""

    transaction = models.ForeignKey(
        Transaction, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=RefundStatus, default=RefundStatus.REQUESTED)
    request_id = models.CharField(_("refund request number"), max_length=32, unique=True)
    response_code = models.CharField(_("response code"), max_length=4, blank=True)
    message = models.TextField(_("gateway's message"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-requested_at", "-pk"]
        # A payment may be paid back in parts (``services.refunds.refundable``: never more than it, in all).
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"{self.transaction.txn_ref}: {vnd(self.amount, False)}"


class GatewayNotification(models.Model):
    """Every signed message the gateway sent (IPN, return, query answer), as received: the audit trail."""

    source = models.CharField(_("kind"), max_length=8)  # ipn, return, query, refund
    txn_ref = models.CharField(_("transaction reference"), max_length=64, blank=True, db_index=True)
    params = models.JSONField(_("parameters"), default=dict)
    answer = models.CharField(_("our answer"), max_length=4, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("gateway message")
        verbose_name_plural = _("gateway messages")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source} {self.txn_ref}: {self.answer}"


class SandboxPayment(models.Model):
    """The sandbox gateway's own book of payments (the "bank" side), only used when the sandbox is enabled."""

    tmn_code = models.CharField(max_length=16)
    txn_ref = models.CharField(max_length=64)
    amount = models.CharField(max_length=20)  # as VNPay keeps it: VND × 100
    order_info = models.TextField()
    create_date = models.CharField(max_length=14)
    expire_date = models.CharField(max_length=14, blank=True)
    return_url = models.URLField(max_length=500)
    transaction_no = models.CharField(max_length=16, unique=True)
    response_code = models.CharField(max_length=4, blank=True)
    transaction_status = models.CharField(max_length=4, default="01")
    bank_code = models.CharField(max_length=20, default="NCB")
    pay_date = models.CharField(max_length=14, blank=True)
    ipn_answer = models.TextField(blank=True)
    refunded = models.PositiveBigIntegerField(default=0)  # VND × 100, as the amount
    request_ids = models.JSONField(default=list)  # API requests seen (a repeated vnp_RequestId is refused)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tmn_code", "txn_ref"], name="sandbox_payment_unique")]

    def __str__(self) -> str:
        return f"{self.tmn_code} {self.txn_ref}"
