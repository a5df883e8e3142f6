"""Back office for payments: requests with their lines, the cashier's counter payment, the postman's collection on
delivery, exemptions, refunds, receipts and the cashier's daily report (CSV). Officials see their own agency's
only; every change is a service."""

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import access
from portal.accounts.constants import Role
from portal.admin_pages import dossier_admin_url, form_page
from portal.admin_site import AutocompleteAdminMixin
from portal.money import vnd
from portal.paginator import LargeTableAdminMixin
from postal.models import Shipment

from . import selectors, services
from .constants import RefundStatus, RequestStatus
from .forms import CounterPaymentForm, DailyReportForm, ExemptionForm, RefundForm
from .models import GatewayNotification, PaymentLine, PaymentRequest, ProcedurePaymentRule, Receipt, Refund, Transaction


class AmountShown:
    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_shown(self, obj) -> str:
        """The amount as money is written ("300.000 đ"); lists and read-only pages showed "300000"."""
        return vnd(obj.amount, False)


class AgencyScoped(AmountShown, LargeTableAdminMixin, access.AgencyScopedAdmin):
    """Read-only lists of the official's own agency; changes go through the services behind the custom pages."""

    def _page(self, request, title: str, form, *, submit_label: str, dossier=None, **extra):
        return form_page(self, request, title, form, submit_label=submit_label, dossier=dossier, **extra)


class PaymentLineInline(access.ReadOnlyInline):
    model = PaymentLine
    fields = ["kind", "description", "quantity", "amount_in_dong", "exempt", "exemption_reason", "exempted_by"]

    @admin.display(description=gettext_lazy("amount"))
    def amount_in_dong(self, obj):
        if obj.quantity > 1:
            return f"{vnd(obj.amount)} ({vnd(obj.unit_amount)} × {obj.quantity})"
        return vnd(obj.amount)


class TransactionInline(AmountShown, access.ReadOnlyInline):
    model = Transaction
    fields = ["txn_ref", "gateway", "amount_shown", "status", "settled_at", "counter_method", "recorded_by"]
    show_change_link = True


class CollectionOnDeliveryForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Post office reference"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("The remittance or delivery slip of the post office; the tracking number if empty."),
    )


@admin.register(PaymentRequest)
class PaymentRequestAdmin(AgencyScoped):
    list_display = ["dossier", "purpose", "amount_shown", "status", "created_at", "paid_at"]  # + the counter's
    list_filter = ["status", "purpose"]
    list_select_related = ["dossier__agency", "dossier__received_by"]  # who may take the money, read per row
    search_fields = ["dossier__code", "transactions__txn_ref"]
    readonly_fields = ["dossier", "purpose", "status", "amount_shown", "online", "created_at", "paid_at"]
    fields = readonly_fields
    inlines = [PaymentLineInline, TransactionInline]
    change_list_template = "admin/payments/paymentrequest/change_list.html"

    def get_list_display(self, request):
        """The counter's button, for those who take money at the dossier's desk (``services.why_no_cashier``)."""

        @admin.display(description=gettext_lazy("at the counter"))
        def pay_at_counter(obj):
            if obj.status != RequestStatus.OPEN or services.why_no_cashier(obj.dossier, request.user):
                return ""
            url = reverse("admin:payments_paymentrequest_counter", args=[obj.pk])
            return format_html('<a class="button" href="{}">{}</a>', url, _("Record payment"))

        return [*self.list_display, pay_at_counter]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/quay/", view(self.counter_view), name="payments_paymentrequest_counter"),
            path("<int:pk>/mien/", view(self.exempt_view), name="payments_paymentrequest_exempt"),
            path("thu-ho/<int:shipment_id>/", view(self.collection_view), name="payments_paymentrequest_cod"),
            path("bao-cao-ngay/", view(self.report_view), name="payments_paymentrequest_report"),
            *super().get_urls(),
        ]

    def _request(self, request, pk) -> PaymentRequest:
        return get_object_or_404(self.get_queryset(request).select_related("dossier"), pk=pk)

    def counter_view(self, request, pk):
        payment = self._request(request, pk)
        refused = services.why_no_cashier(payment.dossier, request.user)
        if refused:  # said before the form is filled in, not after
            messages.error(request, refused)
            return redirect(dossier_admin_url(payment.dossier))
        form = CounterPaymentForm(request.POST or None, initial={"method": "cash"})
        if request.method == "POST" and form.is_valid():
            try:
                txn = services.record_counter_payment(
                    request=payment,
                    by=request.user,
                    method=form.cleaned_data["method"],
                    reference=form.cleaned_data["reference"],
                )
            except services.PaymentError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("Payment of %(amount)s recorded; receipt %(number)s issued.")
                    % {"amount": vnd(txn.amount), "number": txn.receipt.number},
                )
            return redirect(dossier_admin_url(payment.dossier))
        summary = [
            (_("Dossier"), payment.dossier.code),
            (_("To pay"), vnd(payment.amount)),
            (_("Status"), payment.get_status_display()),
        ]
        return self._page(
            request,
            _("Record a payment at the counter"),
            form,
            submit_label=_("Record the payment"),
            dossier=payment.dossier,
            summary=summary,
            lines=payment.lines.all(),
        )

    def exempt_view(self, request, pk):
        payment = self._request(request, pk)
        lines = [line for line in payment.lines.all() if not line.exempt]
        form = ExemptionForm(request.POST or None, lines=lines)
        if request.method == "POST" and form.is_valid():
            line = get_object_or_404(PaymentLine, pk=form.cleaned_data["line"], request=payment)
            try:
                services.exempt_line(line=line, by=request.user, reason=form.cleaned_data["reason"])
            except services.PaymentError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The line item is exempted."))
            return redirect(dossier_admin_url(payment.dossier))
        return self._page(
            request,
            _("Exempt a line item"),
            form,
            submit_label=_("Exempt"),
            dossier=payment.dossier,
            lines=payment.lines.all(),
        )

    def collection_view(self, request, shipment_id):
        """The postman collected on delivery (BCCI "thu hộ"): recorded like a counter payment, with its receipt."""
        shipment = get_object_or_404(
            access.scope(Shipment.objects.select_related("dossier"), request.user), pk=shipment_id
        )
        shipment_url = reverse("admin:postal_shipment_change", args=[shipment.pk])
        form = CollectionOnDeliveryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                txn = services.record_collection_on_delivery(
                    shipment=shipment, by=request.user, reference=form.cleaned_data["reference"]
                )
            except services.PaymentError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("The postman's collection of %(amount)s is recorded; receipt %(number)s issued.")
                    % {"amount": vnd(txn.amount), "number": txn.receipt.number},
                )
            return redirect(shipment_url)
        summary = [
            (_("Dossier"), shipment.dossier.code),
            (_("Tracking number"), shipment.tracking_number),
            (_("Shipment status"), shipment.get_status_display()),
            (_("Collected on delivery"), vnd(shipment.cod_amount)),
        ]
        return self._page(
            request,
            _("Record the postman's collection (COD)"),
            form,
            submit_label=_("Record the payment"),
            dossier=shipment.dossier,
            summary=summary,
            cancel_url=shipment_url,
        )

    def report_view(self, request):
        """The cashier's daily report: every payment settled that day for the agency's dossiers, as CSV."""
        form = DailyReportForm(request.GET or None, initial={"day": timezone.localdate()})
        agency_id = access.report_agency(request.user, request.GET.get("agency"))
        if not form.is_bound or not form.is_valid() or agency_id is None:
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Cashier's daily report"),
                "form": form,
            }
            return TemplateResponse(request, "admin/payments/report.html", context)
        day = form.cleaned_data["day"]
        rows = selectors.daily_payments(agency_id=agency_id, day=day)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="thu-phi-{day:%Y-%m-%d}.csv"'
        response.write("\ufeff")  # so that spreadsheet programs read UTF-8
        writer = csv.writer(response)
        writer.writerow(
            [
                _("Time"),
                _("Receipt"),
                _("Dossier"),
                _("Payer"),
                _("Paid through"),
                _("Reference"),
                _("Amount (VND)"),
                _("Recorded by"),
            ]
        )
        total = 0
        for txn in rows:
            total += txn.amount
            writer.writerow(
                [
                    timezone.localtime(txn.settled_at).strftime("%H:%M:%S"),
                    getattr(getattr(txn, "receipt", None), "number", ""),
                    txn.request.dossier.code,
                    txn.request.dossier.applicant.full_name,
                    txn.get_gateway_display() + (f": {txn.get_counter_method_display()}" if txn.counter_method else ""),
                    txn.counter_reference or txn.gateway_transaction_no or txn.txn_ref,
                    txn.amount,
                    txn.recorded_by.full_name if txn.recorded_by else "",
                ]
            )
        for refund in selectors.daily_refunds(agency_id=agency_id, day=day):  # paid back: out of the day's takings
            total -= refund.amount
            txn = refund.transaction
            writer.writerow(
                [
                    timezone.localtime(refund.updated_at).strftime("%H:%M:%S"),
                    getattr(getattr(txn, "receipt", None), "number", ""),
                    txn.request.dossier.code,
                    txn.request.dossier.applicant.full_name,
                    _("Refund"),
                    refund.request_id,
                    -refund.amount,
                    refund.requested_by.full_name if refund.requested_by else "",
                ]
            )
        writer.writerow(["", "", "", "", "", _("Total"), total, ""])
        return response


@admin.register(Transaction)
class TransactionAdmin(AgencyScoped):
    list_display = [
        "txn_ref",
        "dossier_code",
        "gateway",
        "amount_shown",
        "status",
        "created_at",
        "settled_at",
    ]  # fmt: skip  (+ the refund link, for those who may refund: get_list_display)
    list_filter = ["status", "gateway"]
    list_select_related = ["request__dossier__agency", "request__dossier__received_by"]
    search_fields = ["txn_ref", "gateway_transaction_no", "request__dossier__code"]
    readonly_fields = [
        "request",
        "gateway",
        "txn_ref",
        "amount_shown",
        "status",
        "gateway_confirmed",
        "created_at",
        "expires_at",
        "settled_at",
        "last_queried_at",
        "response_code",
        "transaction_status",
        "gateway_transaction_no",
        "bank_code",
        "card_type",
        "paid_at",
        "counter_method",
        "counter_reference",
        "recorded_by",
    ]
    fields = readonly_fields

    @admin.display(description=gettext_lazy("dossier"), ordering="request__dossier__code")
    def dossier_code(self, obj):
        return obj.request.dossier.code

    def get_list_display(self, request):
        @admin.display(description=gettext_lazy("refund"))
        def refund(obj):
            if services.why_not_refund(obj, request.user):
                return ""
            url = reverse("admin:payments_transaction_refund", args=[obj.pk])
            return format_html('<a href="{}">{}</a>', url, _("Refund"))

        return [*self.list_display, refund]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/hoan-tien/", view(self.refund_view), name="payments_transaction_refund"),
            *super().get_urls(),
        ]

    def refund_view(self, request, pk):
        txn = get_object_or_404(self.get_queryset(request).select_related("request__dossier"), pk=pk)
        refused = services.why_not_refund(txn, request.user)
        if refused:  # said before the form is filled in, not after
            messages.error(request, refused)
            return redirect(dossier_admin_url(txn.request.dossier))
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.refund_payment(txn=txn, by=request.user, reason=form.cleaned_data["reason"])
            except services.PaymentError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The refund has been requested."))
            return redirect(dossier_admin_url(txn.request.dossier))
        summary = [
            (_("Payment"), txn.txn_ref),
            (_("Amount"), vnd(txn.amount, False)),
            (_("Paid through"), txn.get_gateway_display()),
        ]
        return self._page(
            request, _("Refund a payment"), form, submit_label=_("Refund"), dossier=txn.request.dossier, summary=summary
        )


@admin.register(Refund)
class RefundAdmin(AgencyScoped):
    list_display = ["transaction", "amount_shown", "status", "reason", "requested_at", "message"]
    list_filter = ["status"]
    list_select_related = ["transaction"]
    readonly_fields = [
        "transaction",
        "amount_shown",
        "status",
        "reason",
        "requested_by",
        "requested_at",
        "response_code",
        "message",
    ]
    fields = readonly_fields
    actions = ["paid_back_at_counter"]

    def has_change_permission(self, request, obj=None):
        return access.in_back_office(request.user)  # for the action below; the fields stay read-only

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        if not access.has_role(request.user, (Role.CASHIER,)):  # cash is paid back by a cashier
            actions.pop("paid_back_at_counter", None)
        return actions

    @admin.action(description=gettext_lazy("Paid back at the counter"))
    def paid_back_at_counter(self, request, queryset):
        done = 0
        for refund in queryset.filter(status=RefundStatus.AT_COUNTER):
            try:
                services.refund_paid_at_counter(refund=refund, by=request.user)
                done += 1
            except services.PaymentError as error:
                messages.error(request, str(error))
        if done:
            messages.success(request, _("%(count)d refunds marked as paid back.") % {"count": done})


@admin.register(Receipt)
class ReceiptAdmin(AgencyScoped):
    list_display = ["number", "transaction", "issued_at", "download"]
    search_fields = ["number", "transaction__request__dossier__code"]
    list_select_related = ["transaction__request__dossier"]
    readonly_fields = ["number", "transaction", "agency", "issued_at"]
    fields = readonly_fields

    @admin.display(description=gettext_lazy("PDF"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("Download"))


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "source", "txn_ref", "answer"]
    list_filter = ["source", "answer"]
    search_fields = ["txn_ref"]
    readonly_fields = ["received_at", "source", "txn_ref", "answer", "params"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProcedurePaymentRule)
class ProcedurePaymentRuleAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    list_display = ["procedure", "collection"]
    autocomplete_fields = ["procedure"]
    search_fields = ["procedure__code", "procedure__name"]
