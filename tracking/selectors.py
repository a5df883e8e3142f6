"""Reads for the public look-up: find a dossier by its code, decide how much to show, mask personal data."""

import hmac
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.codes import is_dossier_code
from dossiers.constants import Channel, DeliveryMethod, Status
from dossiers.events import DossierAction
from dossiers.models import Dossier
from dossiers.selectors import is_overdue
from dossiers.workflow import TIMELINE_EVENTS
from portal import access
from procedures.selectors import name_catalogue_of

from .constants import STATUS_EXPLANATIONS, TIMELINE_LABELS
from .models import Rating
from .shipments import Shipment, shipments_for


def mask_name(full_name: str) -> str:
    """``Nguyễn Văn An`` → ``Nguyễn V*** A**``: the family name, then initials; lengths are not revealed."""
    words = full_name.split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][0]}**"
    middle = [f"{word[0]}***" for word in words[1:-1]]
    return " ".join([words[0], *middle, f"{words[-1][0]}**"])


def find_dossier(code: str) -> Dossier | None:
    """The submitted dossier with this code (drafts have no code), with what the look-up shows, or None."""
    if not is_dossier_code(code):
        return None
    try:  # codes are unique: get() also leaves out the ordering first() would add (half the query's compiling)
        dossier = Dossier.objects.submitted().select_related("applicant", "rating").get(code=code)
    except Dossier.DoesNotExist:
        return None
    name_catalogue_of(dossier)
    return dossier


def id_number_matches(dossier: Dossier, id_number: str) -> bool:
    """The applicant's citizen ID number, compared in constant time; never true when none is on record."""
    expected = dossier.applicant.id_number or ""
    given = "".join((id_number or "").split())
    return bool(expected and given) and hmac.compare_digest(expected.encode(), given.encode())


def is_owner(dossier: Dossier, user) -> bool:
    return bool(user and user.is_authenticated and dossier.applicant_id == user.pk)


def rating_of(dossier: Dossier) -> Rating | None:
    try:
        return dossier.rating
    except Rating.DoesNotExist:
        return None


def can_be_rated(dossier: Dossier) -> bool:
    """Only a dossier whose result has been returned, and only once."""
    return dossier.is_returned and rating_of(dossier) is None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    message: str = ""


def public_timeline(dossier: Dossier) -> list[TimelineEntry]:
    """The history in the citizen's words, with the agency's messages to the citizen, never internal notes."""
    entries = []
    for event in dossier.events.only("action", "from_status", "to_status", "public_note", "created_at"):
        # Entries without a status change that other apps write (postal delivery) carry the workflow's labels.
        label = TIMELINE_LABELS.get(event.action) or TIMELINE_EVENTS.get(event.action)
        if event.action == DossierAction.SUBMIT and dossier.channel == Channel.COUNTER:
            label = _("Paper dossier received at the one-stop desk")
        if label is None:
            if event.from_status != event.to_status:
                label = Status(event.to_status).label
            elif event.public_note:
                label = _("Message from the agency")
            else:
                continue  # an internal hand-over between officials
        entries.append(TimelineEntry(at=event.created_at, label=str(label), message=event.public_note))
    return entries


@dataclass(frozen=True)
class NextStep:
    text: str
    link_text: str = ""
    url: str = ""


def next_step(dossier: Dossier, *, full: bool) -> NextStep | None:
    """What the citizen has to do now, if anything; links only for the owner (they lead to signed-in pages)."""
    status = dossier.status
    mine = reverse("dossiers:detail", kwargs={"public_id": dossier.public_id})
    if status == Status.SUPPLEMENT_REQUESTED:
        deadline = dossier.supplement_deadline
        text = (
            _("Supplement the dossier before %(when)s: sign in and open it under “My dossiers”.")
            % {"when": timezone.localtime(deadline).strftime("%H:%M %d/%m/%Y")}
            if deadline
            else _("Supplement the dossier: sign in and open it under “My dossiers”.")
        )
        return NextStep(text, _("Supplement the dossier") if full else "", mine if full else "")
    if status == Status.PAYMENT_REQUESTED:
        return NextStep(_("Pay the fees and charges the agency asked for; processing goes on once they are paid."))
    if status == Status.RESULT_READY:
        method = dossier.delivery_method
        if method == DeliveryMethod.ONLINE:
            return NextStep(
                _("Sign in and download the result from “My dossiers”."),
                _("Open the dossier") if full else "",
                mine if full else "",
            )
        if method == DeliveryMethod.POST:
            return NextStep(_("The result will be sent to you by post."))
        return NextStep(
            _("Collect the result at %(agency)s. Bring your citizen ID card and the receipt.")
            % {"agency": dossier.receiving_centre.name}
        )
    if status in (Status.SUBMITTED, Status.ACCEPTED, Status.PROCESSING):
        return NextStep(_("Nothing for now: the agency will tell you by email or SMS when something changes."))
    if status in (Status.REFUSED, Status.STOPPED):
        return NextStep(_("Read the agency's reason in the timeline. You may file a new dossier."))
    return None


@dataclass
class LookupResult:
    """What the look-up shows: always the public part; ``full`` adds the applicant's own details."""

    dossier: Dossier
    full: bool
    signed_in_owner: bool
    applicant_name: str
    status_label: str
    status_explanation: str
    overdue: bool
    timeline: list[TimelineEntry]
    next_step: NextStep | None
    shipments: list[Shipment]
    rating: Rating | None
    can_rate: bool
    documents: list[str] = field(default_factory=list)

    @property
    def is_posted(self) -> bool:
        return self.dossier.delivery_method == DeliveryMethod.POST or bool(self.shipments)


def lookup_result(dossier: Dossier, *, user=None, id_number: str = "") -> LookupResult:
    owner = is_owner(dossier, user)
    full = owner or id_number_matches(dossier, id_number)
    documents = []
    if full:
        documents = list(
            dossier.documents.order_by("required_document__position").values_list("required_document__name", flat=True)
        )
    rating = rating_of(dossier)
    return LookupResult(
        dossier=dossier,
        full=full,
        signed_in_owner=owner,
        applicant_name=dossier.applicant.full_name if full else mask_name(dossier.applicant.full_name),
        status_label=dossier.get_status_display(),
        status_explanation=str(STATUS_EXPLANATIONS.get(dossier.status, "")),
        overdue=is_overdue(dossier),
        timeline=public_timeline(dossier),
        next_step=next_step(dossier, full=full),
        shipments=shipments_for(dossier),
        rating=rating,
        can_rate=full and dossier.is_returned and rating is None,
        documents=documents,
    )


def ratings_of_agency(user):
    """Ratings the official may read: their agency's (all for a superuser), newest first."""
    return access.scope(Rating.objects.select_related("dossier__procedure", "dossier__agency"), user)
