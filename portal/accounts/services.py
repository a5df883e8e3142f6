"""Accounts: officials' role groups and the creation of accounts."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from procedures.models import Agency

from .constants import Role, UserKind
from .models import User
from .validators import normalize_vn_phone

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
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DESK: [f"procedures.view_{m}" for m in CATALOGUE_MODELS],
    Role.SPECIALIST: [f"procedures.view_{m}" for m in CATALOGUE_MODELS],
    Role.LEADER: [f"procedures.view_{m}" for m in CATALOGUE_MODELS],
    Role.CASHIER: [f"procedures.view_{m}" for m in CATALOGUE_MODELS],
    Role.AGENCY_ADMIN: [f"procedures.{action}_{m}" for m in CATALOGUE_MODELS for action in ("view", "change", "add")],
}


def role_group_name(role: str) -> str:
    return f"role:{role}"


@transaction.atomic
def sync_role_groups() -> dict[str, Group]:
    """Create or update one group per role with exactly the permissions in ROLE_PERMISSIONS."""
    groups = {}
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role_group_name(role))
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
        groups[role] = group
    return groups


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
    user.groups.set([sync_role_groups()[role]])
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
