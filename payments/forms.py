from django import forms
from django.utils.translation import gettext_lazy as _

from portal.dates import DateField
from portal.money import vnd

from .constants import AT_THE_COUNTER
from .services.counter import CARD_SLIP_MISSING, card_slip_missing


class CounterPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[(method.value, method.label) for method in AT_THE_COUNTER],
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        label=_("POS slip number"), required=False, max_length=64, help_text=_("For a card payment.")
    )

    def clean(self):
        data = super().clean()
        if card_slip_missing(data.get("method", ""), data.get("reference", "")):
            self.add_error("reference", CARD_SLIP_MISSING)
        return data


class ExemptionForm(forms.Form):
    line = forms.TypedChoiceField(label=_("Line item"), coerce=int)
    reason = forms.CharField(
        label=_("Reason for the exemption"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("The legal ground, e.g. the decision that exempts this applicant."),
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [(line.pk, f"{line.description} ({vnd(line.amount, False)})") for line in lines]


class RefundForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refund"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DailyReportForm(forms.Form):
    day = DateField(label=_("Day"))
