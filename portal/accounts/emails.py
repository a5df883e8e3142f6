"""Email address verification: signed links and the message that carries them."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import User

VERIFICATION_SALT = "portal.accounts.email-verification"


def _address_digest(email: str) -> str:
    # Ties the link to the address without showing the address in the link.
    return salted_hmac(VERIFICATION_SALT, email.lower(), algorithm="sha256").hexdigest()[:20]


def make_verification_token(user: User) -> str:
    return signing.dumps({"user": user.pk, "email": _address_digest(user.email)}, salt=VERIFICATION_SALT)


def user_for_verification_token(token: str) -> User:
    """The user the link was made for; raises signing.BadSignature (or SignatureExpired) otherwise.

    A link sent to an address the account no longer has is refused.
    """
    data = signing.loads(token, salt=VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    try:
        user = User.objects.get(pk=data["user"])
        digest = data["email"]
    except (KeyError, TypeError, ValueError, User.DoesNotExist) as exc:
        raise signing.BadSignature("unknown user") from exc
    if not user.email or not constant_time_compare(digest, _address_digest(user.email)):
        raise signing.BadSignature("the account's address has changed")
    return user


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
