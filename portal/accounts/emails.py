"""Email address verification: signed links and the message that carries them."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import User

VERIFICATION_SALT = "portal.accounts.email-verification"


def make_verification_token(user: User) -> str:
    # The address is signed too: a link sent to an old address stops working when it changes.
    return signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFICATION_SALT)


def user_for_verification_token(token: str) -> User:
    """The user the link was made for; raises signing.BadSignature (or SignatureExpired) otherwise."""
    data = signing.loads(token, salt=VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    try:
        return User.objects.get(pk=data["user"], email=data["email"])
    except (KeyError, TypeError, User.DoesNotExist) as exc:
        raise signing.BadSignature("unknown user or address") from exc


def send_verification_email(request, user: User) -> None:
    link = request.build_absolute_uri(reverse("accounts:verify_email", args=[make_verification_token(user)]))
    context = {
        "user": user,
        "link": link,
        "expires": timezone.now() + timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE),
        "portal_name": settings.PORTAL_NAME,
    }
    subject = "".join(render_to_string("accounts/email/verify_email_subject.txt", context).splitlines())
    body = render_to_string("accounts/email/verify_email.txt", context)
    EmailMessage(subject, body, to=[user.email]).send()
