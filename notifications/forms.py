from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import NotifyBy

from .constants import LANGUAGES, Channel
from .models import MessageTemplate, MessageTemplateVersion
from .services import render

# What an administrator's edit is tried with before it is saved.
SAMPLE_CONTEXT = {
    "portal": "Cổng Dịch vụ công",
    "authority": "Ủy ban nhân dân tỉnh Thanh Hóa",
    "citizen": "Nguyễn Văn An",
    "code": "000.20.30.H56-260309-0001",
    "procedure": "Đăng ký khai sinh",
    "agency": "Ủy ban nhân dân phường Hạc Thành",
    "desk": "Ủy ban nhân dân phường Hạc Thành",
    "acting": "Ủy ban nhân dân phường Hạc Thành",
    "status": "Được tiếp nhận",
    "link": "https://dichvucong.example.vn/ho-so/",
    "submitted_at": "08:00 09/03/2026",
    "due_at": "17:00 16/03/2026",
    "due_date": "16/03/2026",
    "missing": "Bản sao giấy chứng sinh",
    "deadline": "17:00 23/03/2026",
    "deadline_date": "23/03/2026",
    "reason": "Hồ sơ không thuộc thẩm quyền",
    "note": "",
    "amount": "8.000",
    "delivery": "office",
    "delivery_address": "",
    "tracking": "",
    "new_due_at": "17:00 20/03/2026",
    "new_due_date": "20/03/2026",
}


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["event", "channel", "language", "subject", "body", "enabled"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12, "cols": 90})}

    def clean(self):
        data = super().clean()
        channel = data.get("channel") or getattr(self.instance, "channel", "")
        if channel == Channel.EMAIL and not (data.get("subject") or "").strip():
            self.add_error("subject", _("An email needs a subject."))
        trial = MessageTemplateVersion(subject=data.get("subject") or "", body=data.get("body") or "")
        try:
            render(trial, SAMPLE_CONTEXT, channel)
        except Exception as exc:
            # (a syntax error, a filter given a number too large, nesting too deep): said beside the form, kept.
            raise forms.ValidationError(_("The template has a mistake: %(error)s"), params={"error": exc}) from exc
        return data


class PreferencesForm(forms.Form):
    notify_by = forms.ChoiceField(
        label=_("Send me news of my dossiers by"), choices=NotifyBy.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label=_("Language of the messages"), choices=LANGUAGES, widget=forms.RadioSelect)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        notify_by = user.notify_by
        if notify_by == NotifyBy.BOTH and not (user.phone and user.email):  # what is actually used
            notify_by = NotifyBy.SMS if user.phone else NotifyBy.EMAIL
        kwargs.setdefault("initial", {"notify_by": notify_by, "language": user.language})
        super().__init__(*args, **kwargs)

    def clean_notify_by(self) -> str:
        value = self.cleaned_data["notify_by"]
        if value in (NotifyBy.SMS, NotifyBy.BOTH) and not self.user.phone:
            raise forms.ValidationError(
                _("Your account has no mobile number, so we cannot send you SMS. Choose email."), code="no_phone"
            )
        if value in (NotifyBy.EMAIL, NotifyBy.BOTH) and not self.user.email:
            raise forms.ValidationError(
                _("Your account has no email address, so we cannot send you email. Choose SMS."), code="no_email"
            )
        return value
