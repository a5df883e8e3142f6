from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.access import AGENCY_CONTACT_FIELDS, may_change_agency
from portal.admin_site import AutocompleteAdminMixin
from portal.money import VndField
from portal.params import number

from . import services
from .constants import CURRENT_LEVELS, current_level_choices
from .models import (
    Agency,
    CalendarDay,
    DistrictRule,
    FeeItem,
    Field,
    FormTemplate,
    LegalDocument,
    Procedure,
    ProcedureCase,
    ProcedureGroup,
    ProcedureGroupMember,
    ProcedureStep,
    ProcessingOption,
    ProcessingStep,
    RequiredDocument,
)
from .selectors import LEVEL_FLAGS


class AgencyLevelFilter(admin.SimpleListFilter):
    """Province or commune: the two tiers of local government since 1 July 2025 (the district level is not offered)."""

    title = _("administrative level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return current_level_choices()

    def queryset(self, request, queryset):
        value = self.value()
        if value in {str(level.value) for level in CURRENT_LEVELS}:
            return queryset.filter(level=int(value))
        return queryset


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = [
            "code",
            "name",
            "level",
            "parent",
            "receives_dossiers",
            "ward_code",
            "address",
            "phone",
            "email",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # New agencies are of the province or a commune; an agency of before the reform keeps its level on display.
        choices = current_level_choices()
        if self.instance.pk and self.instance.level not in CURRENT_LEVELS:
            choices.append((self.instance.level, self.instance.get_level_display()))
        if "level" in self.fields:  # not there for an official who may only view agencies
            self.fields["level"].choices = choices


@admin.register(Agency)
class AgencyAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    form = AgencyForm
    list_display = ["code", "name", "level", "parent", "receives_dossiers", "is_active"]
    list_filter = [AgencyLevelFilter, "receives_dossiers", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_change_agency(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return [name for name in AgencyForm.Meta.fields if name not in AGENCY_CONTACT_FIELDS]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]

    def save_model(self, request, obj, form, change):
        if change and "name" in form.changed_data:
            services.rename_field(field=obj, name=obj.name)
        else:
            super().save_model(request, obj, form, change)


@admin.register(LegalDocument)
class LegalDocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "issued_on", "issuer"]
    search_fields = ["number", "title"]
    date_hierarchy = "issued_on"


class ProcessingStepInline(admin.TabularInline):
    """The agency's internal steps; without any, processing uses a specialist step and a leader's approval."""

    model = ProcessingStep
    extra = 0
    fields = ["position", "name", "role", "hours"]


class ProcessingOptionInline(admin.TabularInline):
    model = ProcessingOption
    extra = 0
    fields = ["channel", "position", "time_value", "time_unit", "description"]
    show_change_link = True


class ProcedureCaseInline(admin.TabularInline):
    model = ProcedureCase
    extra = 0
    fields = ["position", "name"]
    show_change_link = True


class FormTemplateInline(admin.TabularInline):
    model = FormTemplate
    extra = 0
    fields = ["name", "file", "is_stand_in"]


class ProcedureLevelFilter(admin.SimpleListFilter):
    """The levels a procedure is handled at now: province or commune."""

    title = _("administrative level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return current_level_choices()

    def queryset(self, request, queryset):
        flag = LEVEL_FLAGS.get(number(self.value()))
        return queryset.filter(**{flag: True}) if flag else queryset


@admin.register(Procedure)
class ProcedureAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "field", "service_level", "processing_days", "is_published"]
    list_filter = ["service_level", "is_published", ProcedureLevelFilter, "district_legacy", "field"]
    search_fields = ["code", "name", "search_text"]
    list_select_related = ["field"]
    autocomplete_fields = ["field", "agencies", "legal_basis"]
    inlines = [ProcessingOptionInline, ProcedureCaseInline, FormTemplateInline, ProcessingStepInline]
    readonly_fields = ["district_legacy", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "name", "field", "service_level", "is_published", "popularity"]}),
        (
            _("Where it is handled"),
            {
                "fields": [
                    ("at_province", "at_commune"),
                    "district_legacy",
                    "any_centre",
                    "implementing_bodies",
                    "agencies",
                ]
            },
        ),
        (_("Content"), {"fields": ["processing_days", "requirements", "result", "result_kind", "legal_basis"]}),
        (_("Provenance"), {"classes": ["collapse"], "fields": ["source", "unverified", "created_at", "updated_at"]}),
    ]


@admin.register(DistrictRule)
class DistrictRuleAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    """Where procedures still published at district level go. Saving or deleting a rule re-assigns them at once."""

    list_display = ["__str__", "field", "level"]
    list_select_related = ["field"]
    autocomplete_fields = ["field"]
    actions = ["apply_rules"]
    fieldsets = [
        (
            None,
            {
                "description": _(
                    "The district level is gone since 1 July 2025 (Decree 118/2025/NĐ-CP). A procedure whose national "
                    "record still says “Cấp huyện” is imported all the same, flagged, and handled at the level its "
                    "rule gives: the rule of its field, else the rule without a field, else the commune. Saving or "
                    "deleting a rule re-assigns the flagged procedures; then check the agencies that handle them."
                ),
                "fields": ["field", "level"],
            },
        ),
    ]

    def _apply(self, request) -> None:
        changed = services.apply_district_rules()
        self.message_user(
            request,
            ngettext(
                "%(count)d procedure published at district level was re-assigned.",
                "%(count)d procedures published at district level were re-assigned.",
                len(changed),
            )
            % {"count": len(changed)},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._apply(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._apply(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._apply(request)

    @admin.action(description=_("Apply the district rules to every procedure published at district level"))
    def apply_rules(self, request, queryset):
        self._apply(request)


class FeeItemForm(forms.ModelForm):
    amount = VndField(label=_("amount (VND)"), min_value=0, max_value=10**12)

    class Meta:
        model = FeeItem
        fields = [
            "position",
            "kind",
            "code",
            "amount",
            "description",
            "per_unit",
            "on_request",
            "reduced_rate",
            "case",
            "quantity_field",
        ]

    def clean_quantity_field(self):
        """The quantity comes from a number field of the procedure's declaration (e-form)."""
        name = self.cleaned_data["quantity_field"].strip()
        option = getattr(self.instance, "option", None)
        if not name or option is None:
            return name
        numbers = [item["name"] for item in option.procedure.eform or [] if item.get("type") == "number"]
        if name not in numbers:
            raise forms.ValidationError(
                _("The declaration of this procedure has no number field “%(name)s”. Number fields: %(fields)s.")
                % {"name": name, "fields": ", ".join(numbers) or "—"}
            )
        return name


class FeeItemInline(admin.TabularInline):
    """Fee items with how they are charged: per unit, only on request, the declaration field giving the quantity."""

    model = FeeItem
    form = FeeItemForm
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "case":  # the cases of the option's procedure, for new rows too
            option_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = ProcedureCase.objects.filter(procedure__options__pk=number(option_id) or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ProcessingOption)
class ProcessingOptionAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    list_display = ["procedure", "channel", "time_value", "time_unit"]
    list_select_related = ["procedure"]
    search_fields = ["procedure__code", "procedure__name"]
    autocomplete_fields = ["procedure"]
    inlines = [FeeItemInline]


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ["position", "name", "originals", "copies", "form_template", "kind", "replaced_by_data"]


class ProcedureStepInline(admin.TabularInline):
    model = ProcedureStep
    extra = 0


@admin.register(ProcedureCase)
class ProcedureCaseAdmin(AutocompleteAdminMixin, admin.ModelAdmin):
    list_display = ["procedure", "__str__", "position"]
    list_select_related = ["procedure"]
    search_fields = ["procedure__code", "procedure__name", "name"]
    autocomplete_fields = ["procedure"]
    inlines = [RequiredDocumentInline, ProcedureStepInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


class ProcedureGroupMemberInline(AutocompleteAdminMixin, admin.TabularInline):
    model = ProcedureGroupMember
    fk_name = "group"
    extra = 0
    fields = ["position", "procedure", "agency", "needs", "inputs"]
    autocomplete_fields = ["procedure", "agency"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "needs":  # a part of the same group only
            group_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = ProcedureGroupMember.objects.filter(group_id=group_id).select_related("procedure")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ProcedureGroup)
class ProcedureGroupAdmin(admin.ModelAdmin):
    """Linked procedures (Decree 63/2024/NĐ-CP): filed once, one part per procedure (``procedures/groups.py``)."""

    list_display = ["name", "code", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["name", "code"]
    inlines = [ProcedureGroupMemberInline]
