from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.validators import format_vn_phone, normalize_vn_phone
from portal.captchas import CaptchaField
from portal.collation import vietnamese
from procedures import routing
from procedures.eforms import AddressField

from .constants import DeliveryMethod


class StartForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Agency that handles your dossier"), queryset=None, empty_label=None, widget=forms.RadioSelect
    )
    received_by = forms.ModelChoiceField(
        label=_("One-stop centre that receives your dossier"),
        queryset=None,
        required=False,
        empty_label=_("The agency above"),
        help_text=_(
            "Any one-stop centre of the province can receive this procedure: it sends your dossier to the agency "
            "above, and you may collect the result there."
        ),
    )
    case = forms.ModelChoiceField(label=_("Your case"), queryset=None, empty_label=None, widget=forms.RadioSelect)

    def __init__(self, *args, procedure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = routing.competent_agencies(procedure).order_by(vietnamese("name"))
        centres = routing.receiving_centres(procedure).exclude(procedures=procedure)
        if centres.exists():
            self.fields["received_by"].queryset = centres
        else:
            del self.fields["received_by"]
        self.fields["case"].queryset = procedure.cases.all()
        self.fields["case"].label_from_instance = lambda case: case.name or _("General case")
        if self.fields["agency"].queryset.count() == 1:
            self.fields["agency"].initial = self.fields["agency"].queryset.first()
        if self.fields["case"].queryset.count() == 1:
            self.fields["case"].initial = self.fields["case"].queryset.first()
            self.fields["case"].widget = forms.HiddenInput()


def _declared_address(dossier) -> dict | None:
    """The first address of ``dossier``'s declaration, in the form's order (the requester's before the mother's),
    as ``procedures.eforms.AddressField`` keeps it; the group's declaration for linked procedures. None if none."""
    owner = dossier.filing if dossier.filing_id else dossier
    spec = owner.group.eform if dossier.filing_id else dossier.procedure.eform
    for item in spec or []:
        value = (owner.form_data or {}).get(item.get("name")) if item.get("type") == "address" else None
        if isinstance(value, dict) and value.get("province_code") and value.get("ward"):
            return value
    return None


class _PostalDetails(forms.Form):
    """Where a result goes by post, asked once however many results go there: the address, the postman's phone, and
    paying him on delivery (BCCI collect-on-delivery). Required only when ``posted``."""

    address = AddressField(
        label=_("Postal address for the result"),
        required=False,
        help_text=_("House number and street, ward or commune, province."),
    )
    phone = forms.CharField(
        label=_("Phone number for the postman"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    pay_on_delivery = forms.BooleanField(
        label=_("Pay the postman on delivery"),
        required=False,
        help_text=_(
            "By post only: you pay the fees and the postal fee in cash to the postman when the result is delivered "
            "(collect-on-delivery of the public postal service), instead of paying before it is sent."
        ),
    )

    def posted(self, data: dict) -> bool:
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if self.posted(data):
            if not data.get("address") and "address" not in self.errors:
                self.add_error("address", _("Enter the address the result should be posted to."))
            try:
                data["phone"] = normalize_vn_phone(data.get("phone", ""))
            except forms.ValidationError as error:
                self.add_error("phone", error)
        else:
            data["pay_on_delivery"] = False  # the postman collects only what he delivers
            # Nothing goes by post: an address half typed before choosing another way is not asked for again.
            data["address"] = None
            self.errors.pop("address", None)
        return data

    @staticmethod
    def postal_initial(dossier) -> dict:
        """What ``dossier`` holds of the postal details, to show them again; before any is given, the first address
        of its declaration and the applicant's mobile number, offered so as not to be typed twice."""
        return {
            "address": dossier.delivery_place or _declared_address(dossier),
            "phone": format_vn_phone(dossier.delivery_phone or dossier.applicant.phone),  # as typed: 0912 345 678
            "pay_on_delivery": dossier.pay_on_delivery,
        }

    def choice_of(self, method: str) -> dict:
        """``services.choose_delivery``'s arguments for a result received by ``method``."""
        data = self.cleaned_data
        return {
            "method": method,
            "place": data.get("address"),
            "phone": data.get("phone", ""),
            "pay_on_delivery": data.get("pay_on_delivery", False),
        }


class DeliveryForm(_PostalDetails):
    method = forms.ChoiceField(label=_("How do you want to receive the result?"), widget=forms.RadioSelect)
    field_order = ["method"]

    def __init__(self, *args, methods: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(m, DeliveryMethod(m).label) for m in methods]

    @classmethod
    def for_dossier(cls, dossier, data=None, *, methods: list[str]) -> "DeliveryForm":
        """The form for ``dossier`` (the citizen's step, the counter's checklist), showing what it holds."""
        return cls(data, methods=methods, initial={"method": dossier.delivery_method, **cls.postal_initial(dossier)})

    def posted(self, data: dict) -> bool:
        return data.get("method") == DeliveryMethod.POST

    def choice(self) -> dict:
        """The valid form as ``services.choose_delivery``'s arguments (the page and the API both call it so)."""
        return self.choice_of(self.cleaned_data["method"])


class LinkedDeliveryForm(_PostalDetails):
    """How each result of linked procedures comes back: a choice for each part whose procedure offers more than the
    office (``method_<part id>``); one postal address for every result sent by post."""

    def __init__(self, *args, offers: list[tuple], **kwargs):
        """``offers``: (part, the delivery methods its procedure offers) for each part."""
        super().__init__(*args, **kwargs)
        self.parts = [part for part, methods in offers if len(methods) > 1]
        fields = {}
        for part, methods in offers:
            if len(methods) > 1:
                fields[self.method_field(part)] = forms.ChoiceField(
                    label=part.procedure.name,
                    choices=[(m, DeliveryMethod(m).label) for m in methods],
                    widget=forms.RadioSelect,
                )
        self.fields = {**fields, **self.fields}

    @classmethod
    def for_parts(cls, offers: list[tuple], data=None) -> "LinkedDeliveryForm":
        """The form for the parts in ``offers`` (the citizen's step, the counter's checklist), showing what they
        hold: each part's way and the postal details of the first sent by post."""
        parts = [part for part, _methods in offers]
        initial = {cls.method_field(part): part.delivery_method for part in parts}
        posted = next((part for part in parts if part.delivery_method == DeliveryMethod.POST), None)
        if posted is not None or parts:
            initial |= cls.postal_initial(posted or parts[0])  # none yet: the group's declaration offers its address
        return cls(data, offers=offers, initial=initial)

    @staticmethod
    def method_field(part) -> str:
        return f"method_{part.pk}"

    def posted(self, data: dict) -> bool:
        return any(data.get(self.method_field(part)) == DeliveryMethod.POST for part in self.parts)

    def choices(self) -> dict[int, dict]:
        """The valid form as ``services.choose_delivery``'s arguments for each part that had a choice."""
        return {part.pk: self.choice_of(self.cleaned_data[self.method_field(part)]) for part in self.parts}


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I declare that the information given is true and I am responsible for it before the law."),
        error_messages={"required": _("Tick the box to confirm your declaration.")},
    )
    confirm.summary_label = _("Pledge")  # the error summary's link: the whole sentence read "… law.: Tick …"
    captcha = CaptchaField(
        label=_("Type the characters in the picture"),
        error_messages={"invalid": _("The characters do not match the picture. Try the new picture.")},
    )


class SupplementForm(forms.Form):
    """The citizen's message sent with a supplement (the view reads the files slot by slot)."""

    note = forms.CharField(label=_("Message to the agency"), required=False, max_length=2000)
