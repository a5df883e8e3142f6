from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.widgets import LongSelect

from .constants import ServiceLevel, current_level_choices
from .models import Agency, Field
from .selectors import CatalogueFilters

DEFAULT_PAGE_SIZE = 20


class CatalogueFilterForm(forms.Form):
    """The catalogue's search box and filters (GET). Unknown values are ignored, never an error page."""

    q = forms.CharField(
        label=_("Search procedures"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All agencies"),
        widget=LongSelect,
    )
    field = forms.ModelChoiceField(
        label=_("Field"), queryset=Field.objects.none(), required=False, empty_label=_("All fields"), widget=LongSelect
    )
    level = forms.TypedChoiceField(
        label=_("Administrative level"),
        choices=[("", _("All levels")), *current_level_choices()],
        coerce=int,
        required=False,
        empty_value=None,
    )
    service_level = forms.TypedChoiceField(
        label=_("Online service level"),
        choices=[("", _("All service levels")), *ServiceLevel.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    per_page = forms.TypedChoiceField(
        label=_("Per page"),
        choices=[(n, n) for n in settings.CATALOGUE_PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PAGE_SIZE,
    )

    def __init__(self, data=None, *, agencies: list[Agency], fields: list[Field], **kwargs):
        if data is not None and not data.get("per_page"):
            data = data.copy()
            data["per_page"] = str(DEFAULT_PAGE_SIZE)  # show the page size actually used
        super().__init__(data, initial={"per_page": DEFAULT_PAGE_SIZE}, **kwargs)
        # Choices come from lists already loaded, so rendering and validation add no queries.
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True)
        self.fields["agency"].choices = [("", _("All agencies"))] + [(a.code, a.name) for a in agencies]
        self.fields["field"].queryset = Field.objects.all()
        self.fields["field"].choices = [("", _("All fields"))] + [(f.pk, f.name) for f in fields]
        self._agencies = {a.code: a for a in agencies}
        self._fields = {str(f.pk): f for f in fields}

    def clean_agency(self):
        return self._agencies.get(self.data.get("agency", ""))

    def clean_field(self):
        return self._fields.get(self.data.get("field", ""))

    def clean_q(self):
        return self.cleaned_data["q"].strip()

    def _valid_data(self) -> dict:
        """The fields that validated; a bad value in one filter does not drop the others."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def filters(self) -> CatalogueFilters:
        data = self._valid_data()
        return CatalogueFilters(
            q=data.get("q", ""),
            agency=data.get("agency"),
            field=data.get("field"),
            administrative_level=data.get("level"),
            service_level=data.get("service_level"),
        )

    def page_size(self) -> int:
        return self._valid_data().get("per_page") or DEFAULT_PAGE_SIZE
