"""Validation and normalisation of Vietnamese identifiers: mobile numbers and citizen ID (CCCD) numbers."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CCCD_RE = re.compile(r"^\d{12}$")


def normalize_vn_phone(value: str) -> str:
    """Return a Vietnamese mobile number in E.164 (``+84912345678``) or raise ValidationError."""
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid Vietnamese mobile number, e.g. 0912 345 678."), code="phone") from exc
    if (
        number.country_code != 84
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError(_("Enter a valid Vietnamese mobile number, e.g. 0912 345 678."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_vn_phone(value: str) -> None:
    normalize_vn_phone(value)


def validate_cccd(value: str) -> None:
    """A citizen identity card (CCCD) number has exactly 12 digits."""
    if not CCCD_RE.match(value or ""):
        raise ValidationError(_("The citizen ID number must have exactly 12 digits."), code="cccd")
