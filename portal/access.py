"""Who may see and act on what: the one place that answers "may this user see this dossier?".

Every view, admin page, API view, selector and service asks here; none re-implements the rule.

* A **citizen** sees the dossiers they filed (drafts included) and what hangs off them.
* An **official** works in the back office of one agency: they see the submitted dossiers of their agency (never
  drafts) and every record that belongs to them (documents, timeline, payments, shipments, messages, ratings),
  plus records the agency owns directly (tracking-number ranges, receipts).
* **Intake regardless of boundary** (Decree 118/2025/NĐ-CP): a dossier has a competent agency (``agency``, it
  processes) and a receiving centre (``received_by``, it did intake). Both see the dossier and its records; the
  receiving centre acts only at intake and hands back a result collected at its desk (``acting_agency_id``), the
  competent agency does the rest; no other agency sees it.
* A **superuser** sees everything: every agency's records in the back office (still never drafts there), and
  drafts too on the citizens' pages.

Records are reached through their path to the dossier (or to the agency that owns them) in ``PATHS``; a model
missing there cannot be scoped and raises, so a new model is registered here before any list shows it.

The receiving centre of a dossier filed for another agency is the second lookup of ``DOSSIER_AGENCIES``.
"""

from collections.abc import Iterable
from typing import NamedTuple

from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from .errors import AccessDenied, DomainError
from .params import number


class Path(NamedTuple):
    dossier: str | None  # the lookup from the model to its dossier ("" for the dossier itself)
    agency: str | None = None  # or, for records an agency owns directly, the lookup to the agency


PATHS: dict[str, Path] = {
    "dossiers.dossier": Path(dossier=""),
    "dossiers.dossierdocument": Path(dossier="dossier"),
    "dossiers.dossierevent": Path(dossier="dossier"),
    "dossiers.dossierstep": Path(dossier="dossier"),
    "dossiers.dossiernotice": Path(dossier="dossier"),
    "payments.paymentrequest": Path(dossier="dossier"),
    "payments.paymentline": Path(dossier="request__dossier"),
    "payments.transaction": Path(dossier="request__dossier"),
    "payments.refund": Path(dossier="transaction__request__dossier"),
    "payments.receipt": Path(dossier="transaction__request__dossier"),  # issued by either agency of the dossier
    "postal.shipment": Path(dossier="dossier"),
    "postal.trackingrange": Path(dossier=None, agency="agency"),
    "notifications.message": Path(dossier="dossier"),
    "tracking.rating": Path(dossier="dossier"),
    "interconnection.dossiersync": Path(dossier="dossier"),
}


# The dossier's agencies whose officials see it: the competent agency and the receiving centre.
DOSSIER_AGENCIES = ("agency_id", "received_by_id")


def _join(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


def _path(model: type[Model]) -> Path:
    try:
        return PATHS[model._meta.label_lower]
    except KeyError:
        raise LookupError(f"{model._meta.label} has no access path in portal.access.PATHS") from None


# --- Who the user is ------------------------------------------------------------------------------------------


def is_official(user) -> bool:
    """An active official attached to an agency (whatever their staff flag)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_official and user.agency_id)


def in_back_office(user) -> bool:
    """May open the back office: a superuser, or an active staff official of an agency."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return False
    return user.is_superuser or is_official(user)


def is_official_or_superuser(user) -> bool:
    """May use the officials' side of the API (which needs no staff flag): an official of an agency, or a superuser."""
    return bool(getattr(user, "is_superuser", False) or is_official(user))


def _agency_q(user, *agency_lookups: str) -> Q:
    """The records the official works on: ``any of agency_lookups`` is their own agency."""
    condition = Q(pk__in=[])
    for lookup in agency_lookups:
        condition |= Q(**{lookup: user.agency_id})
    return condition


def agency_condition(user, *agency_lookups: str) -> Q | None:
    """The condition on ``agency_lookups`` (lookups to an agency or its id, any of which may match) for ``user``'s
    back office: None for a superuser (every agency), the official's agency, and nothing at all for anyone else."""
    if getattr(user, "is_superuser", False):
        return None
    if not is_official(user):
        return Q(pk__in=[])
    return _agency_q(user, *agency_lookups)


def _submitted_q(path: Path) -> Q:
    """Records of submitted dossiers only (agency-owned records hang off no dossier: no condition)."""
    if path.dossier is None:
        return Q()
    from dossiers.constants import Status  # the access rule sits below the apps it serves

    return ~Q(**{_join(path.dossier, "status"): Status.DRAFT})


# --- Reading --------------------------------------------------------------------------------------------------


def back_office_q(user, model: type[Model]) -> Q | None:
    """The condition on ``model`` for the back office: the official's agency's records of submitted dossiers (a
    superuser: every agency's); None when there is no condition at all."""
    path = _path(model)
    if path.dossier is None:
        return agency_condition(user, _join(path.agency, "id"))
    agency = agency_condition(user, *(_join(path.dossier, lookup) for lookup in DOSSIER_AGENCIES))
    submitted = _submitted_q(path)
    return submitted if agency is None else agency & submitted


def scope(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` cut to what ``user`` may see in the back office (an official: their agency's records)."""
    condition = back_office_q(user, queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def visible(queryset: QuerySet, user) -> QuerySet:
    """Records hanging off dossiers that ``user`` may see anywhere: their own filings, and as an official their
    agency's submitted dossiers."""
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_superuser:
        return queryset
    path = _path(queryset.model)
    condition = Q(pk__in=[])
    if path.dossier is not None:
        condition = Q(**{_join(path.dossier, "applicant"): user})
    official = back_office_q(user, queryset.model) if is_official(user) else None
    if official is not None:
        condition |= official
    return queryset.filter(condition)


def submitted(queryset: QuerySet, user) -> QuerySet:
    """Records of submitted dossiers (never drafts) that ``user`` works on or filed: an official (by kind) their
    agency's, as in the back office; anyone else their own filings (a superuser: all)."""
    if getattr(user, "is_official", False):
        return scope(queryset, user)
    return visible(queryset, user).filter(_submitted_q(_path(queryset.model)))


def may_see(user, dossier) -> bool:
    return in_agency(user, dossier) or getattr(user, "pk", None) == dossier.applicant_id


def in_agency(user, dossier) -> bool:
    """The official works for the (submitted) dossier's competent agency or its receiving centre; superusers work
    on every one."""
    if getattr(user, "is_superuser", False):
        return True
    return is_official(user) and user.agency_id in _agencies_of(dossier) and not dossier.is_draft


def _agencies_of(dossier) -> set[int]:
    return {dossier.agency_id, dossier.received_by_id or dossier.agency_id}


def may_see_stored_document(user, stored) -> bool:
    """A paper of a citizen's document store: its owner, and officials of the agencies of the submitted dossiers
    that use it (the one it came from, and those a copy of it went into)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if stored.owner_id == user.pk:
        return True
    if not (user.is_superuser or is_official(user)):
        return False
    from dossiers.models import Dossier

    using = Dossier.objects.submitted().filter(Q(pk=stored.origin_dossier_id) | Q(documents__reused_from=stored))
    using = using.distinct()
    return any(in_agency(user, dossier) for dossier in using.select_related("agency", "received_by"))


def is_receiving_centre_only(user, dossier) -> bool:
    """The official's agency received the dossier for another (competent) agency: it follows, and acts only where
    ``acting_agency_id`` says so."""
    return bool(is_official(user) and user.agency_id != dossier.agency_id and user.agency_id == dossier.received_by_id)


def at_intake(dossier) -> bool:
    """Intake is not over: awaiting it, or paused for a supplement asked for at intake."""
    from dossiers.constants import Status

    return dossier.status == Status.SUBMITTED or (
        dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.paused_from == Status.SUBMITTED
    )


def _receiving_turn_q() -> Q:
    """Dossiers whose next step is the receiving centre's (``acting_agency_id`` as a query condition)."""
    from dossiers.constants import DeliveryMethod, Status

    return (
        Q(status=Status.SUBMITTED)
        | Q(status=Status.SUPPLEMENT_REQUESTED, paused_from=Status.SUBMITTED)
        | Q(status=Status.RESULT_READY, delivery_method=DeliveryMethod.OFFICE)
    )


def turn_q(user) -> Q | None:
    """Dossiers whose next step falls to ``user``'s agency: intake and hand-back at a receiving centre, the rest at
    the competent agency (the back office's queues). None for a superuser (every agency's turn)."""
    if getattr(user, "is_superuser", False):
        return None
    if not is_official(user):
        return Q(pk__in=[])
    me = user.agency_id
    receiving_me = Q(received_by_id=me) | Q(received_by__isnull=True, agency_id=me)
    return (_receiving_turn_q() & receiving_me) | (~_receiving_turn_q() & Q(agency_id=me))


def following_q(user) -> Q:
    """Dossiers ``user``'s centre received for another agency (it follows their progress)."""
    if not is_official(user):
        return Q(pk__in=[])
    return Q(received_by_id=user.agency_id) & ~Q(agency_id=user.agency_id)


# Money taken or given back at a desk (a payment at the counter or collected by the postman, an exemption, a refund
# by hand or paid back in cash): the citizen is at the receiving centre's one-stop desk, which collects on behalf of
# the competent agency; a provincial department that processes a commune's dossier has no counter of its own.
MONEY_AT_THE_DESK = "money_at_the_desk"


def acting_agency_id(dossier, action: str) -> int:
    """The agency that takes ``action`` on the dossier: its receiving centre for intake (accept, refuse or ask for a
    supplement while intake is not over, route it, record a withdrawal before intake, record the papers a citizen
    brings for a supplement), to hand back a result collected at its desk and for money at the desk
    (``MONEY_AT_THE_DESK``); the competent agency for everything else."""
    from dossiers.constants import DeliveryMethod
    from dossiers.events import DossierAction as A

    receiving = dossier.received_by_id or dossier.agency_id
    if receiving == dossier.agency_id:
        return receiving
    if action in (A.ACCEPT, A.ROUTE, A.SUPPLEMENT, MONEY_AT_THE_DESK):  # SUPPLEMENT: papers brought to the desk
        return receiving
    if action in (A.REFUSE, A.REQUEST_SUPPLEMENT, A.WITHDRAW) and at_intake(dossier):
        return receiving
    if action == A.RETURN_RESULT and dossier.delivery_method == DeliveryMethod.OFFICE:
        return receiving
    return dossier.agency_id


def agency_that_acted(dossier, actor):
    """The agency whose official ``actor`` took a step on the dossier: their own (the receiving centre's desk at
    intake, the competent agency while processing, an agency it was routed away from). None for the citizen, the
    system or a superuser of no agency: callers say what stands in then. Notices, messages and the national portal's
    progress items all name it from here."""
    agency_id = getattr(actor, "agency_id", None) if actor is not None else None
    if not agency_id or not is_official(actor):
        return None
    if agency_id == dossier.agency_id:  # the rows the dossier already holds: no query
        return dossier.agency
    if agency_id == dossier.received_by_id:
        return dossier.received_by
    return actor.agency


def agency_of(user) -> int | None:
    """The agency whose records a back-office page lists: the official's own; None for a superuser (all)."""
    return None if user.is_superuser else user.agency_id


def report_agency(user, requested: str | None = None) -> int | None:
    """The agency a per-agency report covers: an official's own, whatever they ask for; for a superuser the one
    ``requested`` (an agency id), else their own if they have one. None: no agency to report on."""
    if user.is_superuser and requested:
        return number(requested)
    return user.agency_id


# --- Acting ---------------------------------------------------------------------------------------------------


def ensure_may_act(
    user,
    dossier,
    *,
    roles: Iterable[str] = (),
    error: type[DomainError] = AccessDenied,
    action_label: str = "",
    action: str = "",
) -> None:
    """Raise ``error`` unless ``user`` is an official of the agency that takes ``action`` on the dossier
    (``acting_agency_id``; without an action, the competent agency), with one of ``roles`` if given (the agency
    administrator holds every role), or a superuser."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise error(_("Sign in as an official of this agency."))
    if user.is_superuser:
        return
    acting = acting_agency_id(dossier, action) if action else dossier.agency_id
    if not is_official(user) or user.agency_id != acting:
        if is_official(user) and user.agency_id in _agencies_of(dossier):
            if acting == dossier.agency_id:
                raise error(
                    _("%(agency)s processes this dossier; your centre follows its progress.")
                    % {"agency": dossier.agency.name}
                )
            raise error(_("The receiving centre (%(agency)s) does this.") % {"agency": dossier.received_by.name})
        raise error(_("This dossier belongs to another agency."))
    if not has_role(user, roles):
        if action_label:
            raise error(
                _("Your role (%(role)s) cannot “%(action)s”.")
                % {"role": user.get_role_display(), "action": action_label}
            )
        raise error(_("Your role (%(role)s) cannot do this.") % {"role": user.get_role_display()})


def has_role(user, roles: Iterable[str]) -> bool:
    """Holds one of ``roles`` (no roles: any); the agency administrator and superusers hold them all."""
    from .accounts.constants import Role

    roles = frozenset(roles)
    return not roles or user.is_superuser or user.role == Role.AGENCY_ADMIN or user.role in roles


def is_colleague(user, dossier, *, role: str = "") -> bool:
    """``user`` is an active official of the dossier's agency (with ``role``, or the agency administrator)."""
    from .accounts.constants import Role

    if user is None or not is_official(user) or user.agency_id != dossier.agency_id:
        return False
    return not role or user.role in (role, Role.AGENCY_ADMIN)


def colleagues(dossier, *roles: str) -> QuerySet:
    """The active officials of the dossier's agency, for a choice list (only those holding one of ``roles``, if
    given; the services accept the agency administrator as well, see ``is_colleague``)."""
    from .accounts.constants import UserKind
    from .accounts.models import User

    officials = User.objects.filter(kind=UserKind.OFFICIAL, agency_id=dossier.agency_id, is_active=True)
    return officials.filter(role__in=roles) if roles else officials


# --- The catalogue ------------------------------------------------------------------------------------------------

# What an agency administrator may change of their own agency: how citizens reach it. Its code, name, level, place
# in the hierarchy and whether it receives dossiers are the province's to set, like the rest of the catalogue.
AGENCY_CONTACT_FIELDS = ("address", "phone", "email")


def may_change_agency(user, agency) -> bool:
    """A superuser changes any agency; an official holding Django's ``change_agency`` permission (the agency
    administrator) only their own, and only its contact details (``AGENCY_CONTACT_FIELDS``)."""
    if getattr(user, "is_superuser", False):
        return True
    if not is_official(user) or not user.has_perm("procedures.change_agency"):
        return False
    return agency is None or agency.pk == user.agency_id


# --- The back office ------------------------------------------------------------------------------------------


class AgencyScopedAdmin(admin.ModelAdmin):
    """An admin list of the official's agency's records (``PATHS``), read-only: changes go through services
    behind custom pages and actions."""

    def has_module_permission(self, request):
        return in_back_office(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return in_back_office(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under a record of the official's agency (the parent admin scoped it): read-only, never added or
    deleted here; ``readonly_fields`` defaults to ``fields``."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields or self.fields or ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return in_back_office(request.user) or super().has_view_permission(request, obj)


class EditableAgencyScopedAdmin(AgencyScopedAdmin):
    """The same list, where the agency's officials may also add and change records (Django's model
    permissions still apply)."""

    def has_add_permission(self, request):
        return admin.ModelAdmin.has_add_permission(self, request)

    def has_change_permission(self, request, obj=None):
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)
