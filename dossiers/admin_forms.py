"""Back-office forms: one per processing action, each with exactly the inputs its service takes.

Every form carries the dossier's version as the official saw it, so the service can refuse when someone else
has acted in the meantime.
"""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import access
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.dates import DateTimeField
from portal.money import VndField

from .constants import DocumentKind
from .models import Dossier
from .uploads import sniff

TEXT_MAX = 2000


def _text(label, *, required: bool = True, max_length: int = TEXT_MAX, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )


class OfficialChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return f"{user.full_name or user.username} ({user.get_role_display()})"


def _officials_of(dossier: Dossier, *roles: str):
    return access.colleagues(dossier, *roles).order_by("full_name", "username")


class ActionForm(forms.Form):
    """The inputs of one action; ``arguments()`` gives the keyword arguments for its service."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, dossier: Dossier, **kwargs):
        self.dossier = dossier
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", dossier.version)
        super().__init__(*args, **kwargs)

    def arguments(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class AcceptForm(ActionForm):
    pass


class RouteForm(ActionForm):
    """Send the dossier to another agency that handles its procedure (``processing.route``)."""

    to = forms.ModelChoiceField(label=_("Send to"), queryset=None, empty_label="—")  # chosen, never preselected
    reason = _text(_("Why (internal note)"), required=False)

    def __init__(self, *args, dossier: Dossier, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        from procedures.routing import competent_agencies

        self.fields["to"].queryset = competent_agencies(dossier.procedure).exclude(pk=dossier.agency_id)


class _PagesInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PagesField(forms.FileField):
    """The scanned pages of one paper: several files (PDF, JPEG or PNG, in order), combined into one PDF."""

    widget = _PagesInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PagesField, self).clean(item, initial) for item in files if item]


class DeskSupplementForm(ActionForm):
    """The papers a citizen brought to the desk for a supplement: the scanned pages of each (combined into one PDF,
    as at the counter; in place of the file the paper has, which is kept as replaced) and what the desk notes."""

    note = _text(_("What the citizen brought (internal note)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = list(self.dossier.case.documents.all()) if self.dossier.case_id else []
        held = set(self.dossier.documents.exclude(file="").values_list("required_document_id", flat=True))
        for slot in self.slots:
            self.fields[f"document-{slot.pk}"] = PagesField(
                label=slot.name,
                required=False,
                help_text=_(
                    "The scanned pages (PDF, JPEG or PNG, in order), combined into one PDF; in place of the "
                    "file this paper has now, which is kept."
                )
                if slot.pk in held
                else _("The scanned pages (PDF, JPEG or PNG, in order), combined into one PDF."),
                widget=_PagesInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
            )

    def uploads(self) -> list:
        """(required document, [pages]) for each paper scanned."""
        scans = ((slot, self.cleaned_data.get(f"document-{slot.pk}") or []) for slot in self.slots)
        return [(slot, pages) for slot, pages in scans if pages]

    def clean(self):
        data = super().clean()
        if not self.errors and not self.uploads() and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("Scan the papers the citizen brought, or note what they brought."))
        return data


class ReasonForm(ActionForm):
    reason = _text(_("Reason"))


class OptionalReasonForm(ActionForm):
    reason = _text(_("Reason"), required=False)


# A note either stays among officials or goes to the citizen: the label says which ("Ghi chú" meant both).
def _internal_note():
    return _text(_("Internal note"), required=False, help_text=_("Seen by officials only."))


def _message_to_citizen():
    return _text(
        _("Message to the citizen"),
        required=False,
        help_text=_("Sent to the citizen by e-mail and SMS, and shown on their dossier's timeline."),
    )


class NoteForm(ActionForm):
    note = _internal_note()


class CitizenNoteForm(ActionForm):
    note = _message_to_citizen()


class RequestSupplementForm(ActionForm):
    missing = _text(
        _("What the citizen must add or correct"),
        max_length=4000,
        help_text=_("Shown to the citizen and printed on form 02."),
    )
    days = forms.IntegerField(label=_("Working days to supplement"), min_value=1, max_value=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.SUPPLEMENT_DAYS  # read now, so an override in settings applies


class AssignForm(ActionForm):
    handler = OfficialChoiceField(label=_("Specialist"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = _officials_of(self.dossier, Role.SPECIALIST)


class ForwardForm(ActionForm):
    handler = OfficialChoiceField(label=_("Next handler"), queryset=User.objects.none())
    note = _internal_note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = _officials_of(self.dossier)


class SubmitForApprovalForm(ActionForm):
    leader = OfficialChoiceField(label=_("Leader"), queryset=User.objects.none())
    note = _internal_note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = _officials_of(self.dossier, Role.LEADER)


class RequestPaymentForm(ActionForm):
    amount = VndField(label=_("Amount (VND)"), min_value=1, max_value=10**12)
    note = _message_to_citizen()


class ApproveForm(ActionForm):
    result = forms.FileField(
        label=_("Result (PDF)"),
        required=False,
        help_text=_("The result as PDF: exported from the document, or a scan of the signed paper."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    result_scanned = forms.BooleanField(
        label=_("The file is a scan of the result signed on paper"),
        required=False,
        help_text=_("A scan is sealed by the agency; otherwise you sign the result with your own key."),
    )
    pin = forms.CharField(
        label=_("PIN of your signing key"),
        required=False,
        max_length=64,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("Approving signs the result: the approval happens only if the signature does."),
    )
    result_reference = forms.CharField(
        label=_("Result number"),
        required=False,
        max_length=64,
        help_text=_("The number of the document issued, if any (a linked procedure waiting for this one receives it)."),
    )
    note = _internal_note()

    def clean_result(self):
        upload = self.cleaned_data.get("result")
        if not upload:
            return None
        if upload.size > settings.DOSSIER_MAX_FILE_SIZE:
            raise forms.ValidationError(
                _("The file is %(size)s; it may be at most %(max)s.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(settings.DOSSIER_MAX_FILE_SIZE)}
            )
        if sniff(upload) != DocumentKind.PDF:
            raise forms.ValidationError(_("The result must be a PDF file."))
        return upload

    def clean(self):
        from portal.signing.sign import enabled

        data = super().clean()
        if data.get("result") and not data.get("result_scanned") and not data.get("pin") and enabled():
            self.add_error("pin", _("Enter the PIN of your signing key to sign the result."))
        return data


class ApologiseForm(ActionForm):
    new_due_at = DateTimeField(label=_("New due date and time"))
    reason = _text(_("Reason for the delay"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.dossier.due_at:
            self.fields["new_due_at"].initial = timezone.localtime(self.dossier.due_at)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "refuse": ReasonForm,
    "request_supplement": RequestSupplementForm,
    "assign": AssignForm,
    "forward": ForwardForm,
    "submit_for_approval": SubmitForApprovalForm,
    "request_payment": RequestPaymentForm,
    "payment_received": NoteForm,
    "approve": ApproveForm,
    "recall": ReasonForm,
    "return_result": CitizenNoteForm,
    "stop": ReasonForm,
    "withdraw": OptionalReasonForm,
    "apologise": ApologiseForm,
}
