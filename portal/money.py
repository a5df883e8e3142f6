"""Amounts of money as officials type them: whole đồng, thousands grouped the Vietnamese way.

An official writes fifty thousand đồng as ``50.000`` (or ``50 000``, ``50,000``, ``50.000 đ``). Django's and REST
framework's integer fields drop a trailing ``.000`` as a decimal point: ``50.000`` was recorded as 50 đ, and the
citizen was asked for 50 đồng. ``parse_vnd`` reads the grouping, and refuses what is not a whole number of đồng
("50,5", "1.2.3", "5.00") rather than guess.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Digits, optionally grouped by threes with one kind of separator (".", ",", a space or a no-break space), and an
# optional currency word after them.
_AMOUNT = re.compile(
    r"^(\d{1,3}(?:([.,\u00a0 ])\d{3})?(?:\2\d{3})*|\d+)(?:\s*(?:đ|₫|d|vnd|vnđ|đồng|dong)\.?)?$", re.I
)  # a final "." only after the currency word: "50." is a "50.000" cut short, refused

NOT_AN_AMOUNT = _("Enter a whole number of đồng, for example 50.000.")


def vnd(amount: int | None, zero_is_free: bool = True) -> str:
    """Whole Vietnamese đồng: ``8.000 đ`` in Vietnamese, ``8,000 VND`` in English; zero is "free" for a price, and
    ``0 đ`` with ``|vnd:False``, for a sum such as what has been paid so far."""
    if amount is None:
        return ""
    if int(amount) == 0 and zero_is_free:
        return gettext("Free")
    grouped = f"{int(amount):,}"
    if (get_language() or "vi").startswith("vi"):
        return f"{grouped.replace(',', '.')} đ"
    return f"{grouped} VND"


def parse_vnd(value) -> int:
    """``"50.000 đ"`` → 50000. A number is taken as it is when whole; ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    match = _AMOUNT.match(" ".join(str(value).split()).strip())
    if match is None:
        raise ValueError(value)
    return int(re.sub(r"\D", "", match.group(1)))


class VndField(forms.IntegerField):
    """A form's amount in whole đồng, typed as officials write it (``parse_vnd``)."""

    default_error_messages = {"invalid": NOT_AN_AMOUNT}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.input_type = "text"  # a number input refuses "50.000" before the server sees it
        self.widget.attrs.update(inputmode="numeric", autocomplete="off")
        # The bounds are checked in ``validate``, written as money: "at most 1.000.000.000.000 đ", where Django's
        # validators said "less than or equal to 1000000000000".
        self.validators = [v for v in self.validators if not isinstance(v, MinValueValidator | MaxValueValidator)]

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                gettext("Enter at most %(limit)s.") % {"limit": vnd(self.max_value, False)}, code="max_value"
            )
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                gettext("Enter at least %(limit)s.") % {"limit": vnd(self.min_value, False)}, code="min_value"
            )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_vnd(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        for bound in ("min", "max", "step"):  # the text input's bounds are checked here, with a clear message
            attrs.pop(bound, None)
        return attrs


class VndSerializerField(serializers.IntegerField):
    """An API amount in whole đồng: a JSON number, or text as officials write it; "50.000" is fifty thousand."""

    default_error_messages = {"invalid": NOT_AN_AMOUNT}

    def to_internal_value(self, data):
        try:
            return parse_vnd(data)
        except ValueError:
            self.fail("invalid")
