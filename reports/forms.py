from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.dates import DateField
from portal.widgets import LongSelect
from procedures.models import Agency

from .selectors import StatisticsFilters, default_period

MAX_PERIOD = timedelta(days=366 * 10)


class StatisticsFilterForm(forms.Form):
    """Period and agency of the statistics (GET). The API reads the same parameters through this form."""

    date_from = DateField(label=_("From"), required=False)
    date_to = DateField(label=_("To"), required=False)
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), required=False, to_field_name="code", widget=LongSelect
    )

    def __init__(self, data=None, *, agencies: list[Agency] | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True)
        if agencies is not None:  # choices from a list already loaded: rendering adds no query
            self.fields["agency"].choices = [("", _("All agencies"))] + [(a.code, a.name) for a in agencies]
        start, end = default_period()
        self.fields["date_from"].widget.attrs["placeholder"] = start.isoformat()
        self.fields["date_to"].widget.attrs["placeholder"] = end.isoformat()

    def clean(self):
        data = super().clean()
        default_start, default_end = default_period()
        start, end = data.get("date_from") or default_start, data.get("date_to") or default_end
        if "date_from" in data and "date_to" in data:
            if start > end:
                self.add_error("date_to", _("The end of the period must not be before its start."))
            elif end - start > MAX_PERIOD:
                self.add_error("date_from", _("Choose a period of at most ten years."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> StatisticsFilters:
        """The filters asked for; call after ``is_valid()`` returned True."""
        data = self.cleaned_data
        return StatisticsFilters(start=data["start"], end=data["end"], agency=data.get("agency"))
