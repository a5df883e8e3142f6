"""Citizens' accounts: registration, email verification and password reset pages."""

import functools
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from .backends import BACKEND
from .emails import send_verification_email, user_for_verification_token
from .forms import (
    CITIZENS_SIGN_IN_WITH_PROVIDER,
    EMAIL_TAKEN,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
    username_for_email,
)
from .services import create_citizen

logger = logging.getLogger(__name__)


def limit_posts_per_ip(*, group: str, rate: str):
    """Count POSTs per client address; over the rate, answer with settings.RATELIMIT_VIEW (429)."""

    def decorator(view):
        limited = ratelimit(group=group, key="ip", rate=rate, method="POST", block=True)(view)

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return limited(request, *args, **kwargs)
            except Ratelimited as exc:
                return import_string(settings.RATELIMIT_VIEW)(request, exc)

        return wrapper

    return decorator


def _send_verification(request, user) -> bool:
    try:
        send_verification_email(request, user)
    except Exception:
        logger.exception("Could not send the verification email to user %s", user.pk)
        messages.error(request, _("We could not send the email just now. Please ask for a new link below."))
        return False
    return True


@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts_per_ip(group="accounts.register", rate="10/h")
def register(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if not settings.LOCAL_CITIZEN_ACCOUNTS:
        messages.info(request, CITIZENS_SIGN_IN_WITH_PROVIDER)
        return redirect("accounts:login")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = create_citizen(
                username=username_for_email(data["email"]),
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                id_number=data["id_number"],
                password=data["password1"],
            )
        except ValidationError as exc:
            form.add_model_errors(exc)
        except IntegrityError:
            # Another registration with the same address won the race.
            form.add_error("email", EMAIL_TAKEN)
        else:
            login(request, user, backend=BACKEND)
            _send_verification(request, user)
            return redirect("accounts:verify_email_sent")
    return render(request, "accounts/register.html", {"form": form})


@require_safe
@login_required
def verify_email_sent(request):
    return render(request, "accounts/verify_email_sent.html")


@require_POST
@login_required
@limit_posts_per_ip(group="accounts.verify_email_resend", rate="10/h")
def verify_email_resend(request):
    user = request.user
    if user.email_verified_at:
        messages.success(request, _("Your email address is already verified."))
    elif not user.email:
        messages.error(request, _("Your account has no email address. Please contact the portal's support."))
    elif _send_verification(request, user):
        messages.success(request, _("We have sent a new link to %(email)s.") % {"email": user.email})
    return redirect("accounts:verify_email_sent")


@require_safe
def verify_email(request, token):
    try:
        user = user_for_verification_token(token)
    except signing.SignatureExpired:
        return render(request, "accounts/verify_email_failed.html", {"expired": True}, status=400)
    except signing.BadSignature:
        return render(request, "accounts/verify_email_failed.html", {"expired": False}, status=400)
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return render(request, "accounts/verify_email_done.html", {"verified_user": user})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        from . import identity

        context = super().get_context_data(**kwargs)
        context["identity_provider"] = settings.OIDC_PROVIDER_NAME if identity.enabled() else ""
        context["local_citizen_accounts"] = settings.LOCAL_CITIZEN_ACCOUNTS
        return context


login_view = LoginView.as_view()

password_reset = limit_posts_per_ip(group="accounts.password_reset", rate="5/h")(
    auth_views.PasswordResetView.as_view(
        form_class=ResetPasswordForm,
        template_name="accounts/password_reset.html",
        subject_template_name="accounts/email/password_reset_subject.txt",
        email_template_name="accounts/email/password_reset.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
        extra_email_context={"portal_name": settings.PORTAL_NAME},
    )
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
