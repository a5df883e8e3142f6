"""E-forms (tờ khai điện tử): a declarative field list stored with each procedure, rendered as a Django form.

A spec is a list of items. A heading: ``{"type": "heading", "label": "Người được khai sinh"}``. A field:
``{"name": "child_name", "type": "text", "label": "Họ, chữ đệm, tên", "required": true, "help": "..."}``
with ``type`` one of text, textarea, number, year (from ``min``, 1900 unless given, to the current year), date,
choice (with ``choices``), id_number, phone, email, address. Labels are the official form's Vietnamese wording;
``label_en``, ``help_en`` and ``choices_en`` (one per choice, in order) may give English ones. A choice's answer is
kept as its Vietnamese wording, whatever language it was chosen in, and shown in the reader's.

A field may be bound to an identity claim (``"claim": "full_name"``; one of ``IDENTITY_CLAIMS``); fields named
like the applicant's own (``applicant_name``, ``requester_id``, ...) are bound by ``CONVENTIONAL_CLAIMS``. Bound
fields are prefilled from an ``IdentityPrefill``: read-only (a disabled field keeps its verified value whatever is
posted) when it is verified by the identity provider, editable otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.accounts.validators import normalize_vn_phone, validate_cccd
from portal.dates import DateField
from portal.text import fold

TEXT_MAX_LENGTH = 2000  # the longest answer a declaration takes (a textarea's)
FIELD_TYPES = {"text", "textarea", "number", "year", "date", "choice", "id_number", "phone", "email", "address"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
IDENTITY_CLAIMS = ("full_name", "id_number", "birth_date", "sex", "phone", "address")
CONVENTIONAL_CLAIMS = {
    "applicant_name": "full_name",
    "applicant_id": "id_number",
    "applicant_birth_date": "birth_date",
    "applicant_sex": "sex",
    "applicant_phone": "phone",
    "requester_name": "full_name",
    "requester_id": "id_number",
    "requester_birth_date": "birth_date",
    "requester_sex": "sex",
    "requester_phone": "phone",
}
# The identity's sex as the official forms' choices spell it.
SEX_CHOICES = {"male": ("Nam", "Male"), "female": ("Nữ", "Female")}


@dataclass(frozen=True)
class IdentityPrefill:
    """What is known of the person a form is filled for: ``values`` by claim (``IDENTITY_CLAIMS``), and whether
    they come verified from the identity provider."""

    values: dict[str, Any] = field(default_factory=dict)
    verified: bool = False
    source: str = ""  # the provider's name, shown beside verified fields


def claim_of(item: dict) -> str | None:
    """The identity claim a field is bound to, if any."""
    return item.get("claim") or CONVENTIONAL_CLAIMS.get(item.get("name", ""))


def validate_spec(spec: Any) -> None:
    """Raise ValidationError naming the first problem in an e-form spec."""
    if not isinstance(spec, list):
        raise ValidationError(_("An e-form is a list of fields."))
    names = set()
    for position, item in enumerate(spec, start=1):
        if not isinstance(item, dict) or not item.get("label"):
            raise ValidationError(_("Item %(n)s of the e-form needs a label."), params={"n": position})
        kind = item.get("type")
        if kind == "heading":
            continue
        if kind not in FIELD_TYPES:
            raise ValidationError(_("Item %(n)s has an unknown type %(type)r."), params={"n": position, "type": kind})
        name = item.get("name", "")
        if not NAME_RE.match(name) or name in names:
            raise ValidationError(_("Item %(n)s needs a unique name in lower case."), params={"n": position})
        names.add(name)
        if "claim" in item and item["claim"] not in IDENTITY_CLAIMS:
            raise ValidationError(
                _("Item %(n)s is bound to an unknown identity claim %(claim)r."),
                params={"n": position, "claim": item["claim"]},
            )
        if kind == "choice" and not (
            isinstance(item.get("choices"), list)
            and item["choices"]
            and all(isinstance(c, str) for c in item["choices"])
        ):
            raise ValidationError(_("Item %(n)s is a choice without choices."), params={"n": position})
        english = item.get("choices_en")
        if english is not None and not (
            isinstance(english, list)
            and len(english) == len(item.get("choices") or [])
            and all(isinstance(c, str) and c for c in english)
        ):
            raise ValidationError(
                _("Item %(n)s: choices_en must give one English wording for each choice, in order."),
                params={"n": position},
            )
        _validate_bounds(item, position)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_bounds(item: dict, position: int) -> None:
    """A number's ``min`` and ``max`` and a text's ``max_length`` are whole numbers the form can compare with: a
    spec saved with ``"max": "20"`` made the citizen's declaration page answer 500."""
    low, high, length = item.get("min"), item.get("max"), item.get("max_length")
    if any(value is not None and not _whole(value) for value in (low, high)) or (
        low is not None and high is not None and low > high
    ):
        raise ValidationError(
            _("Item %(n)s: min and max must be whole numbers, min not above max."), params={"n": position}
        )
    if length is not None and not (_whole(length) and 1 <= length <= TEXT_MAX_LENGTH):
        raise ValidationError(
            _("Item %(n)s: max_length must be a whole number from 1 to %(most)s."),
            params={"n": position, "most": TEXT_MAX_LENGTH},
        )


# --- Addresses: province and ward/commune from the official list (two-tier government since 7/2025) --------


@cache
def provinces() -> list[tuple[int, str]]:
    from vietnam_provinces import Province

    return sorted(((int(p.code), p.name) for p in Province.iter_all()), key=lambda item: fold(item[1]))


@cache
def wards_by_province() -> dict[int, dict[str, tuple[int, str]]]:
    """For each province: folded ward name (with and without its type word) → (code, official name)."""
    from vietnam_provinces import Ward

    table: dict[int, dict[str, tuple[int, str]]] = {}
    for ward in Ward.iter_all():
        entries = table.setdefault(int(ward.province_code), {})
        full = fold(ward.name)
        entries[full] = (int(ward.code), ward.name)
        short = re.sub(r"^(phuong|xa|dac khu|thi tran)\s+", "", full)
        entries.setdefault(short, (int(ward.code), ward.name))
    return table


class AddressWidget(forms.MultiWidget):
    template_name = "eforms/address_widget.html"

    def __init__(self, attrs=None):
        widgets = {
            "province": forms.Select(choices=[("", "—"), *provinces()], attrs={"autocomplete": "address-level1"}),
            "ward": forms.TextInput(attrs={"autocomplete": "address-level3"}),
            "street": forms.TextInput(attrs={"autocomplete": "address-line1"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, dict):
            return [value.get("province_code"), value.get("ward"), value.get("street")]
        return [None, None, None]


class AddressField(forms.MultiValueField):
    """Province (list), ward or commune (checked against that province's official list), street and number."""

    widget = AddressWidget
    default_error_messages = {
        "incomplete": _("Enter the province, the ward or commune, and the street address."),
        "unknown_ward": _("There is no ward or commune named “%(ward)s” in %(province)s."),
    }

    def __init__(self, **kwargs):
        fields = (
            forms.TypedChoiceField(choices=provinces(), coerce=int),
            forms.CharField(max_length=100),
            forms.CharField(max_length=200),
        )
        super().__init__(fields=fields, require_all_fields=True, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        province_code, ward_name, street = data_list
        if province_code in self.empty_values or not ward_name or not street:
            # A field that is not required takes its parts as typed: some of them blank is no address.
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        province_name = dict(provinces())[province_code]
        found = wards_by_province().get(province_code, {}).get(fold(ward_name))
        if found is None:
            raise ValidationError(
                self.error_messages["unknown_ward"],
                code="unknown_ward",
                params={"ward": ward_name, "province": province_name},
            )
        ward_code, ward_official = found
        return {
            "province_code": province_code,
            "province": province_name,
            "ward_code": ward_code,
            "ward": ward_official,
            "street": street.strip(),
            "text": f"{street.strip()}, {ward_official}, {province_name}",
        }


class IdNumberField(forms.CharField):
    default_validators = [validate_cccd]

    def __init__(self, **kwargs):
        super().__init__(max_length=12, **kwargs)  # too short: validate_cccd says why, in one message
        self.widget.attrs.update(inputmode="numeric", pattern=r"\d{12}", autocomplete="off")


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=20, **kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.update(autocomplete="tel", inputmode="tel")

    def clean(self, value):
        value = super().clean(value)
        return normalize_vn_phone(value) if value else value


class PastYearField(forms.IntegerField):
    """A year of birth and the like: from ``min_value`` to this year in Vietnam, checked on the day it is posted."""

    def __init__(self, *, min_value: int = 1900, **kwargs):
        super().__init__(min_value=min_value, max_value=timezone.localdate().year, **kwargs)
        self.widget.attrs.update(inputmode="numeric", autocomplete="off")

    def validate(self, value):
        super().validate(value)
        if value is not None and value > timezone.localdate().year:
            raise ValidationError(_("The year cannot be in the future."), code="future")


class PastDateField(DateField):
    def validate(self, value):
        super().validate(value)
        if value and value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."), code="future")


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


def _label(item: dict) -> str:
    if _english() and item.get("label_en"):
        return item["label_en"]
    return item["label"]


def _help(item: dict) -> str:
    if _english() and item.get("help_en"):
        return item["help_en"]
    return item.get("help", "")


def _choice_labels(item: dict) -> dict[str, str]:
    """Each choice (kept as its Vietnamese wording) → its wording in the page's language."""
    choices = item.get("choices") or []
    english = item.get("choices_en")
    if _english() and isinstance(english, list) and len(english) == len(choices):
        return dict(zip(choices, english, strict=True))
    return {choice: choice for choice in choices}


def _build_field(item: dict) -> forms.Field:
    common = {"label": _label(item), "required": bool(item.get("required", True)), "help_text": _help(item)}
    kind = item["type"]
    if kind == "text":
        return forms.CharField(max_length=item.get("max_length", 200), **common)
    if kind == "textarea":
        return forms.CharField(max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == "number":
        return forms.IntegerField(min_value=item.get("min", 0), max_value=item.get("max"), **common)
    if kind == "year":
        return PastYearField(min_value=item.get("min", 1900), **common)
    if kind == "date":
        return PastDateField(**common)
    if kind == "choice":
        return forms.ChoiceField(choices=[("", "—"), *_choice_labels(item).items()], **common)
    if kind == "id_number":
        return IdNumberField(**common)
    if kind == "phone":
        return PhoneField(**common)
    if kind == "email":
        email = forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"})
        return forms.EmailField(widget=email, **common)
    return AddressField(**common)


class EForm(forms.Form):
    """A procedure's declaration. ``sections`` groups the fields under the form's headings for display."""

    def __init__(self, *args, spec: list[dict], identity: IdentityPrefill | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.sections: list[tuple[str, list[str]]] = []
        self.verified_fields: set[str] = set()
        for item in spec:
            if item["type"] == "heading":
                self.sections.append((_label(item), []))
                continue
            if not self.sections:
                self.sections.append(("", []))
            field = self.fields[item["name"]] = _build_field(item)
            if self.sections[-1][0]:  # "Mẹ — Dân tộc" in the error summary: the child, father and mother each have one
                field.summary_label = f"{self.sections[-1][0]} — {field.label}"
            self.sections[-1][1].append(item["name"])
            if identity is not None:
                self._prefill(item, identity)

    def _prefill(self, item: dict, identity: IdentityPrefill) -> None:
        claim = claim_of(item)
        value = _claim_value(item, identity.values.get(claim)) if claim else None
        if value in (None, ""):
            return
        name = item["name"]
        if identity.verified:
            # Disabled: Django ignores what is posted for it and keeps this value, so it is enforced server-side.
            formfield = self.fields[name]
            formfield.disabled = True
            formfield.help_text = _("Verified by %(source)s: it cannot be changed here.") % {
                "source": identity.source or _("the identity provider")
            }
            self.initial[name] = value
            self.verified_fields.add(name)
        elif self.initial.get(name) in (None, ""):
            self.initial[name] = value

    def grouped(self):
        return [(heading, [self[name] for name in names]) for heading, names in self.sections]

    def to_json(self) -> dict:
        return {
            key: value.isoformat() if isinstance(value, date) else value for key, value in self.cleaned_data.items()
        }

    @staticmethod
    def initial_from_json(data: dict) -> dict:
        return dict(data)


def _claim_value(item: dict, value: Any) -> Any:
    """The claim's value as the field takes it, or None when it does not fit the field."""
    if value in (None, ""):
        return None
    kind = item["type"]
    if kind == "choice":
        wanted = SEX_CHOICES.get(str(value), (str(value),))
        return next((choice for choice in item["choices"] if choice in wanted), None)
    if kind == "address":
        return value if isinstance(value, dict) else None  # a free-text address does not fill a structured one
    if kind == "date":
        return value if isinstance(value, date) else None
    if kind in ("number", "year", "email"):
        return None
    return str(value)


def display_answers(spec: list[dict], data: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """The answers as (heading, [(label, shown value)]) for the review page, the receipt and the back office."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for item in spec:
        if item["type"] == "heading":
            sections.append((_label(item), []))
            continue
        if not sections:
            sections.append(("", []))
        sections[-1][1].append((_label(item), display_value(item, data.get(item["name"]))))
    return sections


def display_value(item: dict, value: Any) -> str:
    """One answer as people read it: a date as 01/11/2026 (stored 2026-11-01), a choice in the reader's language,
    an address as its text."""
    if isinstance(value, dict):
        return value.get("text", "")
    if value in (None, ""):
        return ""
    if item.get("type") == "date":
        try:
            return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if item.get("type") == "choice":
        return _choice_labels(item).get(str(value), str(value))
    return str(value)
