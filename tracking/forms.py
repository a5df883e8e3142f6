from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossiers.codes import CODE_EXAMPLE, is_dossier_code, normalise_code
from portal.accounts.validators import CCCD_RE
from portal.captchas import CaptchaField

from .models import SCORE_MAX, SCORE_MIN, OnTime
from .services import COMMENT_MAX_LENGTH


def malformed_code_message() -> str:
    return gettext("This is not a dossier code. A dossier code looks like %(example)s.") % {"example": CODE_EXAMPLE}


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"),
        max_length=40,
        error_messages={"required": _("Enter the dossier code.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )
    id_number = forms.CharField(
        label=_("Applicant's citizen ID number (CCCD)"),
        required=False,
        max_length=20,
        help_text=_("Optional: with it you also see the applicant's own details and can rate the service."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    captcha = CaptchaField(
        label=_("Type the characters in the picture"),
        error_messages={"invalid": _("The characters do not match the picture. Try the new picture.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = gettext("It is on your receipt, e.g. %(example)s.") % {"example": CODE_EXAMPLE}

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not is_dossier_code(code):
            raise forms.ValidationError(malformed_code_message(), code="malformed")
        return code

    def clean_id_number(self) -> str:
        id_number = "".join(self.cleaned_data["id_number"].split())
        if id_number and not CCCD_RE.match(id_number):
            raise forms.ValidationError(_("The citizen ID number must have exactly 12 digits."), code="cccd")
        return id_number


SCORE_LABELS = {5: _("Very good"), 4: _("Good"), 3: _("Fair"), 2: _("Poor"), 1: _("Very poor")}
SCORE_CHOICES = [(value, SCORE_LABELS[value]) for value in range(SCORE_MAX, SCORE_MIN - 1, -1)]


def _score(label):
    return forms.TypedChoiceField(
        label=label,
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score from 1 to 5.")},
    )


class RatingForm(forms.Form):
    score = _score(_("Overall, how satisfied are you with the service?"))
    on_time = forms.TypedChoiceField(
        label=_("Was the result on time?"),
        choices=OnTime.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the result was on time.")},
    )
    attitude = _score(_("How were the staff?"))
    clarity = _score(_("How clear was the guidance?"))
    comment = forms.CharField(
        label=_("Anything else you want to tell the agency?"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def scores(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("score", "on_time", "attitude", "clarity")}
