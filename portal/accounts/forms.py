"""Forms for citizens' accounts: registration, sign-in with email or username, password reset."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordMixin
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from .models import User
from .validators import normalize_vn_phone, validate_cccd

EMAIL_TAKEN = _("An account with this email address already exists. Sign in or reset your password.")
ID_NUMBER_TAKEN = _(
    "A citizen with this ID number is already on record. Sign in with that account, or, if your dossier was "
    "registered at a one-stop desk, ask the desk to send you a link to set your password."
)

CITIZENS_SIGN_IN_WITH_PROVIDER = _(
    "Citizens sign in with their electronic identity account (VNeID); portal passwords are for officials."
)


def username_for_email(email: str) -> str:
    """The lower-cased email address, or a generated name when it cannot serve as a username."""
    username = email.lower()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        username = ""
    max_length = User._meta.get_field("username").max_length
    if not username or len(username) > max_length or User.objects.filter(username__iexact=username).exists():
        username = f"congdan-{get_random_string(12, 'abcdefghijklmnopqrstuvwxyz0123456789')}"
    return username


class RegistrationForm(SetPasswordMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As written on your citizen ID card, with diacritics."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We will send you a link to confirm it. You can also sign in with it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_("For example 0912 345 678."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    id_number = forms.CharField(
        label=_("Personal ID number (CCCD)"),
        max_length=20,
        help_text=_("The 12 digits on your citizen ID card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields()

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(EMAIL_TAKEN, code="email_taken")
        return email

    def clean_phone(self) -> str:
        return normalize_vn_phone(self.cleaned_data["phone"])

    def clean_id_number(self) -> str:
        id_number = "".join(self.cleaned_data["id_number"].split())
        validate_cccd(id_number)
        if User.objects.filter(id_number=id_number).exists():
            raise ValidationError(ID_NUMBER_TAKEN, code="id_number_taken")
        return id_number

    def clean(self):
        self.validate_passwords()
        candidate = User(
            username=(self.cleaned_data.get("email") or "").lower(),
            email=self.cleaned_data.get("email", ""),
            full_name=self.cleaned_data.get("full_name", ""),
        )
        self.validate_password_for_user(candidate)
        return self.cleaned_data

    def add_model_errors(self, error: ValidationError) -> None:
        """Show errors from the model's full_clean() next to the matching fields, or at the top."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class LoginForm(AuthenticationForm):
    """Sign in with the email address or the username; the address is mapped to the username first."""

    username = forms.CharField(
        label=_("Email or username"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email address, username or password is not correct. Check them and try again."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # AuthenticationForm sets the username's length; email addresses may be longer.
        self.fields["username"].max_length = 254
        self.fields["username"].widget.attrs["maxlength"] = 254

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not settings.LOCAL_CITIZEN_ACCOUNTS and not user.is_official and not user.is_superuser:
            raise ValidationError(CITIZENS_SIGN_IN_WITH_PROVIDER, code="citizen_local_login_off")

    def clean_username(self) -> str:
        login = self.cleaned_data["username"].strip()
        if "@" in login and not User.objects.filter(username=login).exists():
            user = User.objects.filter(email__iexact=login).order_by("pk").first()
            if user is not None:
                return user.username
        return login


class ResetPasswordForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The address you registered with."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
