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


class DateField(forms.DateField):
    default_validators = [in_calendar]


class DateTimeField(forms.DateTimeField):
    default_validators = [in_calendar]
