"""Back office for postal delivery: the tariff, tracking-number ranges, shipments (post a result, record a status,
print the label, record a paper dossier received by post). Every change is a service in ``postal.services``."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.models import Dossier
from dossiers.workflow import InvalidTransition
from portal import access
from portal.admin_pages import dossier_admin_url, form_page
from portal.issued import download
from portal.money import VndField, vnd
from portal.paginator import LargeTableAdminMixin

from . import services
from .constants import NEXT_STATUSES, ShipmentStatus
from .labels import LABEL
from .models import Shipment, ShipmentUpdate, Tariff, TrackingRange


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["zone", "max_weight", "amount"]
    list_editable = ["amount"]
    list_filter = ["zone"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "amount":  # "30.000" is thirty thousand đồng, not 30 (portal.money)
            return VndField(label=db_field.verbose_name, min_value=0, max_value=10**12)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class TrackingRangeForm(forms.ModelForm):
    class Meta:
        model = TrackingRange
        fields = ["agency", "prefix", "first", "last"]

    def clean(self):
        cleaned = super().clean()
        prefix, first, last = (cleaned.get(name) for name in ("prefix", "first", "last"))
        if self.instance.pk is None and prefix and first is not None and last is not None and first <= last:
            try:
                services.check_tracking_range(prefix=prefix, first=first, last=last)
            except services.TrackingRangeOverlaps as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return cleaned


@admin.register(TrackingRange)
class TrackingRangeAdmin(admin.ModelAdmin):
    form = TrackingRangeForm
    list_display = ["agency", "__str__", "next", "remaining"]
    list_select_related = ["agency"]
    fields = ["agency", "prefix", "first", "last"]

    def get_queryset(self, request):
        return access.scope(super().get_queryset(request), request.user)

    def get_readonly_fields(self, request, obj=None):
        return ["agency", "prefix", "first", "last"] if obj else []  # a range in use never changes

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = services.create_tracking_range(agency=obj.agency, prefix=obj.prefix, first=obj.first, last=obj.last)
        obj.pk = created.pk
        obj.refresh_from_db()

    @admin.display(description=gettext_lazy("numbers left"))
    def remaining(self, obj):
        return obj.remaining


class UpdateInline(access.ReadOnlyInline):
    model = ShipmentUpdate
    fields = ["at", "status", "note", "by"]


class PostResultForm(forms.Form):
    weight = forms.IntegerField(label=gettext_lazy("Weight (grams)"), min_value=1, max_value=30000)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("New status"))
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=500, help_text=gettext_lazy("Shown to the citizen.")
    )

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (s, ShipmentStatus(s).label) for s in ShipmentStatus if s in NEXT_STATUSES[current]
        ]


class ReceiveForm(forms.Form):
    tracking_number = forms.CharField(label=gettext_lazy("Tracking number on the envelope"), max_length=20)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)


@admin.register(Shipment)
class ShipmentAdmin(LargeTableAdminMixin, access.AgencyScopedAdmin):
    list_display = ["tracking_number", "dossier", "direction", "status", "created_at", "updated_at", "label_link"]
    list_filter = ["status", "direction"]
    list_select_related = ["dossier"]
    search_fields = ["tracking_number", "dossier__code"]
    readonly_fields = [
        "tracking_number",
        "dossier",
        "direction",
        "status",
        "recipient",
        "address",
        "phone",
        "weight",
        "fee_shown",
        "cod_shown",
        "cod_collected_at",
        "created_by",
        "created_at",
    ]
    fields = readonly_fields
    inlines = [UpdateInline]
    change_form_template = "admin/postal/shipment/change_form.html"

    @admin.display(description=gettext_lazy("postal fee"))
    def fee_shown(self, obj) -> str:
        return vnd(obj.fee, False)

    @admin.display(description=gettext_lazy("to collect on delivery"))
    def cod_shown(self, obj) -> str:
        return vnd(obj.cod_amount, False)

    @admin.display(description=gettext_lazy("label"))
    def label_link(self, obj):
        if obj.direction != "result":
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:postal_shipment_label", args=[obj.pk]), _("Label (PDF)")
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("gui-ket-qua/<int:dossier_id>/", view(self.post_view), name="postal_shipment_post"),
            path("nhan-ho-so/<int:dossier_id>/", view(self.receive_view), name="postal_shipment_receive"),
            path("<int:pk>/trang-thai/", view(self.status_view), name="postal_shipment_status"),
            path("<int:pk>/nhan/", view(self.label_view), name="postal_shipment_label"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        shipment = self.get_object(request, object_id)
        extra = {**(extra_context or {})}
        if shipment is not None:
            extra["status_url"] = (
                reverse("admin:postal_shipment_status", args=[shipment.pk]) if NEXT_STATUSES[shipment.status] else ""
            )
            extra["label_url"] = reverse("admin:postal_shipment_label", args=[shipment.pk])
            extra["dossier_url"] = dossier_admin_url(shipment.dossier)
            # The postman's collection on delivery is recorded by payments, as a payment with its receipt.
            extra["cod_url"] = (
                reverse("admin:payments_paymentrequest_cod", args=[shipment.pk])
                if shipment.cod_amount and shipment.cod_collected_at is None
                else ""
            )
        return super().change_view(request, object_id, form_url, extra)

    def _dossier(self, request, dossier_id) -> Dossier:
        queryset = access.scope(Dossier.objects.select_related("agency", "applicant"), request.user)
        return get_object_or_404(queryset, pk=dossier_id)

    def _page(self, request, title, form, *, dossier, submit_label, summary=()):
        return form_page(self, request, title, form, submit_label=submit_label, dossier=dossier, summary=summary)

    def post_view(self, request, dossier_id):
        dossier = self._dossier(request, dossier_id)
        form = PostResultForm(request.POST or None, initial={"weight": settings.POSTAL_RESULT_WEIGHT})
        if request.method == "POST" and form.is_valid():
            try:
                shipment = services.post_result(
                    dossier=dossier, by=request.user, weight=form.cleaned_data["weight"], note=form.cleaned_data["note"]
                )
            except (services.PostalError, InvalidTransition) as error:  # InvalidTransition: the result is held
                messages.error(request, str(error))
                return redirect(dossier_admin_url(dossier))
            messages.success(
                request,
                _("Result posted with tracking number %(number)s. Print the label and hand the letter over.")
                % {"number": shipment.tracking_number},
            )
            return redirect(reverse("admin:postal_shipment_change", args=[shipment.pk]))
        summary = [
            (_("Recipient"), dossier.applicant.full_name),
            (_("Address"), dossier.delivery_address),
            (_("Phone"), dossier.delivery_phone),
        ]
        held = services.why_not_posted(dossier)
        if held:
            messages.error(request, held)
            return redirect(dossier_admin_url(dossier))
        collect = services.amount_to_collect(dossier)
        if collect:
            summary.append((_("To collect on delivery"), vnd(collect)))
        return self._page(
            request,
            _("Post the result (BCCI)"),
            form,
            dossier=dossier,
            submit_label=_("Create the shipment"),
            summary=summary,
        )

    def receive_view(self, request, dossier_id):
        dossier = self._dossier(request, dossier_id)
        form = ReceiveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.receive_dossier_by_post(
                    dossier=dossier,
                    by=request.user,
                    tracking_number=form.cleaned_data["tracking_number"],
                    note=form.cleaned_data["note"],
                )
            except services.PostalError as error:
                form.add_error("tracking_number", str(error))
            else:
                messages.success(request, _("The postal receipt of the dossier is recorded."))
                return redirect(dossier_admin_url(dossier))
        return self._page(request, _("Paper dossier received by post"), form, dossier=dossier, submit_label=_("Record"))

    def status_view(self, request, pk):
        shipment = get_object_or_404(self.get_queryset(request).select_related("dossier"), pk=pk)
        form = StatusForm(request.POST or None, current=shipment.status)
        if request.method == "POST" and form.is_valid():
            try:
                services.record_status(
                    shipment=shipment,
                    status=form.cleaned_data["status"],
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except services.PostalError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The postal status is recorded and the citizen is notified."))
            return redirect(reverse("admin:postal_shipment_change", args=[shipment.pk]))
        summary = [(_("Tracking number"), shipment.tracking_number), (_("Status"), shipment.get_status_display())]
        return self._page(
            request,
            _("Record a postal status"),
            form,
            dossier=shipment.dossier,
            submit_label=_("Record"),
            summary=summary,
        )

    def label_view(self, request, pk):
        shipment = get_object_or_404(self.get_queryset(request), pk=pk)
        return download(LABEL, shipment)  # rendered and stored at the first download
