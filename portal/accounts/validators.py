"""Validation and normalisation of Vietnamese identifiers: mobile numbers and citizen ID (CCCD) numbers."""

import re
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
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


def format_vn_phone(value: str) -> str:
    """A number kept in E.164 (``+84912345678``) as people in Vietnam write it: ``0912 345 678``; anything else
    as it is."""
    try:
        number = phonenumbers.parse(value or "", "VN")
    except phonenumbers.NumberParseException:
        return value or ""
    if number.country_code != 84:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def validate_vn_phone(value: str) -> None:
    normalize_vn_phone(value)


# The province (or city) where the birth was registered: the first three digits of a CCCD, from the annex of
# Circular 59/2021/TT-BCA (the 63 provinces before the 2025 mergers: numbers issued stay valid).
CCCD_PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh",
    "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long",
    "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

# The 4th digit gives sex and century of birth: 0/1 the 20th century (male/female), 2/3 the 21st, 4/5 the 22nd,
# 6/7 the 23rd, 8/9 the 24th; the 5th and 6th digits are the last two of the year of birth.
CCCD_CENTURY_START = {0: 1900, 1: 2000, 2: 2100, 3: 2200, 4: 2300}


def cccd_birth_year(value: str) -> int:
    """The year of birth a (well-formed) CCCD number encodes."""
    return CCCD_CENTURY_START[int(value[3]) // 2] + int(value[4:6])


def validate_cccd(value: str, *, birth_date: date | None = None) -> None:
    """A citizen identity card (CCCD) number: 12 digits; the first three a province code of Circular
    59/2021/TT-BCA; the 4th and the next two the century, sex and year of birth, which must match ``birth_date``
    when it is known (and may not be in the future)."""
    value = value or ""
    if not CCCD_RE.match(value):
        raise ValidationError(_("The citizen ID number must have exactly 12 digits."), code="cccd")
    if value[:3] not in CCCD_PROVINCES:
        raise ValidationError(
            _(
                "%(value)s is not a valid citizen ID number: it must start with the code of a province "
                "(001 Hà Nội … 096 Cà Mau). Check the number on the card."
            ),
            code="cccd_province",
            params={"value": value},
        )
    year = cccd_birth_year(value)
    today = timezone.localdate()
    if year > today.year or (birth_date is not None and birth_date.year != year):
        raise ValidationError(
            _(
                "%(value)s is not a valid citizen ID number: its 4th to 6th digits (century and year of birth) do "
                "not match the date of birth. Check the number on the card."
            ),
            code="cccd_birth",
            params={"value": value},
        )
