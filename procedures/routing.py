"""Who may receive a procedure and who processes it: intake regardless of administrative boundary (Decree
118/2025/NĐ-CP) and the two-tier local government of 1 July 2025.

The one home of the rules; the filing start page, the counter desk, linked filings, routing and the access module's
callers ask here.

* The **competent agencies** of a procedure are the agencies linked to it (``Procedure.agencies``).
* A **receiving centre** is a competent agency itself, or any one-stop centre of the province
  (``Agency.receives_dossiers``) when the procedure may be received at any centre (``Procedure.any_centre``).
* A dossier is **routed** to a competent agency only: sending it to an agency that does not handle the procedure
  is an error.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from portal.collation import vietnamese
from portal.errors import DomainError

from .constants import AdministrativeLevel
from .models import Agency, DistrictRule, Procedure


class RoutingError(DomainError):
    code = "routing"


def competent_agencies(procedure: Procedure) -> QuerySet[Agency]:
    return procedure.agencies.filter(is_active=True)


def handles(agency: Agency, procedure: Procedure) -> bool:
    return competent_agencies(procedure).filter(pk=agency.pk).exists()


def receiving_centres(procedure: Procedure) -> QuerySet[Agency]:
    """Every agency where a citizen may file ``procedure``: its competent agencies and, if it may be received at any
    centre, every one-stop centre of the province (province first, then communes, by name)."""
    condition = Q(procedures=procedure)
    if procedure.any_centre:
        condition |= Q(receives_dossiers=True)
    return Agency.objects.filter(condition, is_active=True).distinct().order_by("level", vietnamese("name"))


def may_receive(agency: Agency, procedure: Procedure) -> bool:
    if not agency.is_active:
        return False
    if handles(agency, procedure):
        return True
    return procedure.any_centre and agency.receives_dossiers


def ensure_may_receive(agency: Agency, procedure: Procedure) -> None:
    if not may_receive(agency, procedure):
        raise RoutingError(
            _("%(agency)s cannot receive dossiers for “%(procedure)s”.")
            % {"agency": agency.name, "procedure": procedure.name}
        )


def ensure_handles(agency: Agency, procedure: Procedure) -> None:
    if not handles(agency, procedure):
        raise RoutingError(
            _("%(agency)s does not handle “%(procedure)s”: choose one of the agencies that do.")
            % {"agency": agency.name, "procedure": procedure.name}
        )


def competent_for(procedure: Procedure, received_by: Agency) -> Agency | None:
    """The agency that processes a dossier received at ``received_by`` when the citizen did not choose: the
    centre itself if it handles the procedure, else the procedure's only competent agency; None if several could."""
    if handles(received_by, procedure):
        return received_by
    agencies = list(competent_agencies(procedure)[:2])
    return agencies[0] if len(agencies) == 1 else None


# --- Former district-level procedures ------------------------------------------------------------------------


def level_for_district_record(procedure: Procedure) -> AdministrativeLevel:
    """The level a procedure published at district level is assigned to: its field's rule, else the rule for every
    other field, else the commune (where most district competences moved on 1 July 2025)."""
    rules = {rule.field_id: rule.level for rule in DistrictRule.objects.all()}
    level = rules.get(procedure.field_id) if procedure.field_id else None
    if level is None:
        level = rules.get(None, AdministrativeLevel.COMMUNE)
    return AdministrativeLevel(level)


def district_record_flags(procedure: Procedure) -> dict[str, bool]:
    """The level flags of a procedure whose record still says "Cấp huyện": its rule's level alone. The record
    predates the reform as a whole, so its other levels are not carried over; ``at_district`` keeps its word."""
    level = level_for_district_record(procedure)
    return {
        "at_province": level == AdministrativeLevel.PROVINCE,
        "at_commune": level == AdministrativeLevel.COMMUNE,
    }
