"""Accounts: officials' role groups and the creation of accounts."""

import contextlib
import secrets

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency

from .constants import Role, UserKind
from .models import CitizenIdentity, User
from .validators import normalize_vn_phone, validate_cccd

RECORD_EMAIL_TAKEN = _("This email address is already used by another person: leave it empty or ask for another one.")

CATALOGUE_MODELS = [
    "agency",
    "field",
    "legaldocument",
    "procedure",
    "procedurecase",
    "processingoption",
    "feeitem",
    "formtemplate",
    "requireddocument",
    "procedurestep",
]

# Django permissions each role's group holds in the back office. Workflow permissions come with the dossiers.
# The catalogue is the province's, shared by every agency that handles a procedure: officials view it, and only
# the province's administrators (superusers) change it. An agency administrator keeps their own agency's contact
# details up to date (``portal.access.may_change_agency``).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DESK: [f"procedures.view_{m}" for m in CATALOGUE_MODELS],
    Role.SPECIALIST: [f"procedures.view_{m}" for m in CATALOGUE_MODELS],
    Role.LEADER: [f"procedures.view_{m}" for m in CATALOGUE_MODELS],
    Role.CASHIER: [f"procedures.view_{m}" for m in CATALOGUE_MODELS],
    Role.AGENCY_ADMIN: [f"procedures.view_{m}" for m in CATALOGUE_MODELS] + ["procedures.change_agency"],
}


def role_group_name(role: str) -> str:
    return f"role:{role}"


def _permission_ids(names: list[str]) -> list[int]:
    """The permissions named ``app_label.codename``, in one query; ``Permission.DoesNotExist`` if one is missing."""
    pairs = {tuple(name.split(".")) for name in names}
    found = Permission.objects.filter(
        content_type__app_label__in={app_label for app_label, _codename in pairs},
        codename__in={codename for _app_label, codename in pairs},
    ).values_list("content_type__app_label", "codename", "pk")
    by_name = {(app_label, codename): pk for app_label, codename, pk in found}
    missing = sorted(".".join(pair) for pair in pairs - by_name.keys())
    if missing:
        raise Permission.DoesNotExist(f"No such permission: {', '.join(missing)} (are the migrations applied?)")
    return [by_name[pair] for pair in pairs]


@transaction.atomic
def sync_role_group(role: str) -> Group:
    """The role's group, created if missing, with exactly the permissions ROLE_PERMISSIONS gives the role."""
    group, _ = Group.objects.get_or_create(name=role_group_name(role))
    group.permissions.set(_permission_ids(ROLE_PERMISSIONS[role]))
    return group


def sync_role_groups() -> dict[str, Group]:
    """Create or update one group per role with exactly the permissions in ROLE_PERMISSIONS."""
    return {role: sync_role_group(role) for role in ROLE_PERMISSIONS}


def sync_role_groups_after_migrate(sender, **kwargs) -> None:
    """``post_migrate``: each deployment's role groups follow ROLE_PERMISSIONS as it changes. Django creates an
    app's permissions as that app's migrations end, so the groups are synced once every permission they need
    exists (the last of the apps named there)."""
    needed = {name.split(".")[0] for names in ROLE_PERMISSIONS.values() for name in names}
    if sender.label in needed and kwargs.get("using", "default") == "default":
        with contextlib.suppress(Permission.DoesNotExist):  # an app named there is not migrated yet
            sync_role_groups()


@transaction.atomic
def create_official(
    *, username: str, full_name: str, email: str, agency: Agency, role: str, password: str, phone: str = ""
) -> User:
    phone = normalize_vn_phone(phone) if phone else ""
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        phone=phone,
        kind=UserKind.OFFICIAL,
        agency=agency,
        role=role,
        is_staff=True,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set([sync_role_group(role)])
    return user


@transaction.atomic
def create_citizen(*, username: str, full_name: str, email: str, phone: str, id_number: str, password: str) -> User:
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        phone=normalize_vn_phone(phone),
        id_number=id_number,
        kind=UserKind.CITIZEN,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


# --- Citizen records without an account (the counter) -------------------------------------------------------------


COUNTER_RECORD_PREFIX = "cd-"  # the username of a record the desk made, having seen the citizen's card


def id_number_self_declared(user: User | None) -> bool:
    """The CCCD of this citizen was typed by whoever registered the account on the portal, and nothing has checked
    it since: neither the identity provider (no verified identity) nor a desk (the record was not made at a
    counter). It names the person only once they sign in through the provider."""
    if user is None or user.kind != UserKind.CITIZEN or not user.id_number or not user.has_usable_password():
        return False
    if user.username.startswith(COUNTER_RECORD_PREFIX):
        return False
    return not CitizenIdentity.objects.filter(user_id=user.pk).exists()


def find_citizen(id_number: str) -> User | None:
    """The one citizen record with this CCCD, or None."""
    return User.objects.filter(kind=UserKind.CITIZEN, id_number=id_number).first() if id_number else None


def citizen_record(pk: int | None) -> User | None:
    """The citizen record with this primary key (a citizen, not an official), or None."""
    return User.objects.filter(kind=UserKind.CITIZEN, pk=pk).first() if pk else None


def find_or_create_citizen_record(
    *, id_number: str, full_name: str, phone: str = "", email: str = ""
) -> tuple[User, bool]:
    """The citizen with CCCD ``id_number``, or a new record of them without an account (an unusable password, a
    generated username): how the one-stop desk registers someone who has never signed in.

    One person, one record: ``User.id_number`` is unique, so when two desks register the same person at once one
    insert wins and the other reads its row back (the insert runs in a savepoint). Returns (user, created). An
    official's CCCD is not a citizen record: ``CitizenRecordError``.
    """
    validate_cccd(id_number)
    existing = User.objects.filter(id_number=id_number).first()
    if existing is not None:
        return _citizen_or_error(existing), False
    user = User(
        username=f"{COUNTER_RECORD_PREFIX}{id_number}-{secrets.token_hex(3)}",
        full_name=" ".join(full_name.split()),
        email=User.objects.normalize_email(email) if email else "",
        phone=normalize_vn_phone(phone) if phone else "",
        id_number=id_number,
        kind=UserKind.CITIZEN,
    )
    user.set_unusable_password()
    if user.email and User.objects.filter(email__iexact=user.email).exists():
        raise ValidationError({"email": RECORD_EMAIL_TAKEN})
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the other desk's win
            user.save()
    except IntegrityError:
        existing = User.objects.filter(id_number=id_number).first()
        if existing is None:  # not the CCCD that collided: the e-mail belongs to someone else
            raise ValidationError({"email": RECORD_EMAIL_TAKEN}) from None
        return _citizen_or_error(existing), False
    return user, True


def _citizen_or_error(user: User) -> User:
    if user.kind != UserKind.CITIZEN:
        raise ValidationError({"id_number": _("This citizen ID number belongs to an official's account.")})
    return user


def send_set_password_link(*, user: User, request) -> None:
    """E-mail a citizen record that has no account yet a link to choose a password (Django's password-reset token,
    used once): how a person registered at the counter claims their record and sees their dossiers online. The
    desk sends it with the citizen in front of them, to the address the citizen gave."""
    from django.conf import settings
    from django.contrib.auth.forms import PasswordResetForm
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    if user.kind != UserKind.CITIZEN:
        raise ValidationError(_("Only a citizen's record can be claimed."))
    if user.has_usable_password():
        raise ValidationError(_("This citizen already has an account: they sign in, or reset their password."))
    if not user.email:
        raise ValidationError(_("This citizen's record has no email address to send the link to."))
    context = {
        "email": user.email,
        "domain": request.get_host(),
        "site_name": settings.PORTAL_NAME,
        "portal_name": settings.PORTAL_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
        "agency": getattr(getattr(request.user, "agency", None), "name", settings.PORTAL_NAME),
    }
    PasswordResetForm().send_mail(
        "accounts/email/set_password_subject.txt", "accounts/email/set_password.txt", context, None, user.email
    )
