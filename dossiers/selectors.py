"""Reads of dossiers, always through who is asking: a citizen sees their own, an official their agency's."""

from django.db.models import Q, QuerySet
from django.http import Http404

from portal.accounts.models import User

from .constants import Status
from .models import Dossier


def visible_dossiers(user: User) -> QuerySet[Dossier]:
    if not user.is_authenticated:
        return Dossier.objects.none()
    if user.is_superuser:
        return Dossier.objects.all()
    condition = Q(applicant=user)
    if user.is_official and user.agency_id:
        condition |= Q(agency_id=user.agency_id) & ~Q(status=Status.DRAFT)
    return Dossier.objects.filter(condition)


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
