"""Dates typed by a person (a period of statistics, a cashier's day, a birth date, a new due date): one range.

Python's calendar ends on 31/12/9999, and a form accepted any date up to it; the period's end (the midnight after
the last day) or a deadline counted from it then fell off the calendar and the page answered 500. A date a person
means here is between 1900 (the oldest century a citizen ID number encodes) and the end of 2199; anything else is
refused beside its field with a translated message.
"""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


def in_calendar(value: date | datetime) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="out_of_range",
            params={"earliest": date_format(EARLIEST, "d/m/Y"), "latest": date_format(LATEST, "d/m/Y")},
        )


# Dates are typed day first (dd/mm/yyyy), as they are written in Vietnam, in both languages; ISO is what a date
# picker sends.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class DatePicker(forms.DateInput):
    """A browser's date picker: its value is always ISO (yyyy-mm-dd), whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimePicker(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class _ShownAsRead:
    """A date typed in another accepted way (05/12/2026) is shown again as the date it was read as.

    A date picker shows nothing for a value that is not ISO, so a form sent back with an error elsewhere (or an
    address typed by hand) lost the date the person had given. A value that cannot be read stays as typed, beside
    its error.
    """

    def prepare_value(self, value):
        if isinstance(value, str) and value.strip():
            try:
                value = self.to_python(value)
            except ValidationError:
                return value
        return super().prepare_value(value)


class DateField(_ShownAsRead, forms.DateField):
    widget = DatePicker
    input_formats = DATE_INPUT_FORMATS
    default_validators = [in_calendar]


class DateTimeField(_ShownAsRead, forms.DateTimeField):
    widget = DateTimePicker
    input_formats = DATETIME_INPUT_FORMATS
    default_validators = [in_calendar]
