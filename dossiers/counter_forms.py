"""The forms of counter intake (``dossiers.counter_views``)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.accounts.validators import validate_cccd
from portal.collation import vietnamese
from procedures.eforms import PastDateField, PhoneField
from procedures.models import Agency, Procedure, ProcedureCase

from .constants import DigitisationExemption


def clean_id_number(value: str) -> str:
    value = "".join((value or "").split())
    validate_cccd(value)
    return value


class CitizenLookupForm(forms.Form):
    id_number = forms.CharField(
        label=_("Citizen ID number (CCCD)"),
        max_length=20,
        help_text=_("The 12 digits on the citizen's identity card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}),
    )

    def clean_id_number(self) -> str:
        return clean_id_number(self.cleaned_data["id_number"])


class CitizenRecordForm(forms.Form):
    """A citizen who has no record yet: what the desk reads off the identity card and asks."""

    id_number = forms.CharField(label=_("Citizen ID number (CCCD)"), max_length=20)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    birth_date = PastDateField(
        label=_("Date of birth"), required=False, help_text=_("As on the card; checked against the CCCD number.")
    )
    phone = PhoneField(label=_("Mobile number"), required=False)
    email = forms.EmailField(label=_("Email address"), required=False)

    def clean_id_number(self) -> str:
        return "".join(self.cleaned_data["id_number"].split())

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean(self):
        data = super().clean()
        if "id_number" in data:
            try:
                validate_cccd(data["id_number"], birth_date=data.get("birth_date"))
            except ValidationError as error:
                self.add_error("id_number", error)
        return data


class ProcedureForm(forms.Form):
    """The procedure (by its national code, listed from what the centre receives), then its case and the
    competent agency once the procedure is known."""

    id_number = forms.CharField(widget=forms.HiddenInput)
    procedure = forms.CharField(label=_("Procedure"), max_length=32)
    case = forms.ModelChoiceField(label=_("Case"), queryset=ProcedureCase.objects.none(), required=False)
    agency = forms.ModelChoiceField(label=_("Competent agency"), queryset=Agency.objects.none(), required=False)

    def __init__(self, *args, procedures, chosen: Procedure | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].widget = forms.Select(
            choices=[("", "—")] + [(p.code, f"{p.code} — {p.name}") for p in procedures]
        )
        if chosen is not None:
            from procedures import routing

            self.fields["case"].queryset = chosen.cases.order_by("position")
            self.fields["case"].label_from_instance = lambda case: case.name or _("General case")
            self.fields["agency"].queryset = routing.competent_agencies(chosen).order_by(vietnamese("name"))


class _SupplementDays:
    """The days to supplement shown filled in with the portal's default, which an empty field gets anyway."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.SUPPLEMENT_DAYS


class SupplementForm(_SupplementDays, forms.Form):
    missing = forms.CharField(
        label=_("What the citizen must add or correct"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    days = forms.IntegerField(label=_("Working days to supplement"), min_value=1, max_value=60, required=False)


class FilingSupplementForm(_SupplementDays, forms.Form):
    """Linked procedures registered with papers missing: each procedure is asked for its own; the desk may add a
    note for all of them."""

    note = forms.CharField(
        label=_("Note to the citizen (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    days = forms.IntegerField(label=_("Working days to supplement"), min_value=1, max_value=60, required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for refusing"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ExemptionForm(forms.Form):
    reason = forms.ChoiceField(label=_("Not digitised because"), choices=[("", "—"), *DigitisationExemption.choices])
