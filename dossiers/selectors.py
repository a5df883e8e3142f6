"""Reads of dossiers, always through who is asking: a citizen sees their own, an official their agency's."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal import access
from portal.accounts.models import User

from .constants import Status
from .models import Dossier

# The clock runs in these statuses; a dossier in one of them past its due date is overdue (computed, never stored).
OPEN_STATUSES = (Status.ACCEPTED, Status.PROCESSING, Status.PAYMENT_REQUESTED)


def overdue_q(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, due_at__lt=now)


def is_overdue(dossier: Dossier, now: datetime | None = None) -> bool:
    return bool(dossier.due_at and dossier.status in OPEN_STATUSES and dossier.due_at < (now or timezone.now()))


def visible_dossiers(user: User) -> QuerySet[Dossier]:
    """The applicant's own dossiers (drafts included) and, for an official, their agency's submitted ones."""
    return access.visible(Dossier.objects.all(), user)


def dossier_for(user: User, public_id, *, own: bool = False) -> Dossier:
    """The dossier if ``user`` may see it (``own``: only as its applicant); 404 otherwise, never 403."""
    qs = Dossier.objects.filter(applicant=user) if own else visible_dossiers(user)
    try:
        return qs.select_related("procedure", "agency", "case", "applicant").get(public_id=public_id)
    except (Dossier.DoesNotExist, ValueError):
        raise Http404 from None


def dossiers_of_applicant(user: User) -> list[Dossier]:
    return list(
        Dossier.objects.filter(applicant=user)
        .select_related("procedure", "agency")
        .order_by("-submitted_at", "-created_at")
    )
