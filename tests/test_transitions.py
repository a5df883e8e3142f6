"""The dossier status machine as a table written out by hand: every action, from every status, by every role.

The rows below come from the statuses and transitions of DESIGN.md §1 and the roles of each action; they are not
read from ``dossiers.workflow.ACTIONS``, so a change there that the table does not show fails here. Each row is
driven through the real service in ``dossiers.processing`` on a dossier put in the row's status:

* every allowed role succeeds and the dossier lands in the row's target status, with one timeline row;
* every other role is refused with the message naming their role, and nothing changes;
* from every status that is not a source of the action, even an allowed role is refused, and nothing changes.

The agency administrator holds every official role, and the portal's superuser may act on every agency's
dossiers; both are written out in each row.
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from dossiers import processing
from dossiers.constants import Status
from dossiers.events import TIMELINE_ONLY, DossierAction
from dossiers.models import Dossier
from dossiers.workflow import InvalidTransition
from portal.accounts.constants import Role, UserKind
from portal.accounts.models import User

from . import factories
from .filing import HAC_THANH, PDF_BYTES

pytestmark = pytest.mark.usefixtures("catalogue")

S = Status
DESK, SPECIALIST, LEADER, CASHIER, ADMIN, SUPERUSER = (
    "desk",
    "specialist",
    "leader",
    "cashier",
    "agency_admin",
    "superuser",
)
EVERYONE = (DESK, SPECIALIST, LEADER, CASHIER, ADMIN, SUPERUSER)

# (action, from status, to status, who may take it)
TABLE = [
    ("accept", S.SUBMITTED, S.ACCEPTED, {DESK, ADMIN, SUPERUSER}),
    ("refuse", S.SUBMITTED, S.REFUSED, {DESK, ADMIN, SUPERUSER}),
    ("refuse", S.SUPPLEMENT_REQUESTED, S.REFUSED, {DESK, ADMIN, SUPERUSER}),
    ("request_supplement", S.SUBMITTED, S.SUPPLEMENT_REQUESTED, {DESK, SPECIALIST, ADMIN, SUPERUSER}),
    ("request_supplement", S.PROCESSING, S.SUPPLEMENT_REQUESTED, {DESK, SPECIALIST, ADMIN, SUPERUSER}),
    ("assign", S.ACCEPTED, S.PROCESSING, {DESK, LEADER, ADMIN, SUPERUSER}),
    ("forward", S.PROCESSING, S.PROCESSING, {SPECIALIST, LEADER, ADMIN, SUPERUSER}),
    ("submit_for_approval", S.PROCESSING, S.PROCESSING, {SPECIALIST, ADMIN, SUPERUSER}),
    ("request_payment", S.PROCESSING, S.PAYMENT_REQUESTED, {SPECIALIST, CASHIER, ADMIN, SUPERUSER}),
    ("payment_received", S.PAYMENT_REQUESTED, S.PROCESSING, {CASHIER, ADMIN, SUPERUSER}),
    ("approve", S.PROCESSING, S.RESULT_READY, {LEADER, ADMIN, SUPERUSER}),
    ("approve", S.PAYMENT_REQUESTED, S.RESULT_READY, {LEADER, ADMIN, SUPERUSER}),
    ("recall", S.RESULT_READY, S.PROCESSING, {LEADER, ADMIN, SUPERUSER}),
    ("return_result", S.RESULT_READY, S.RETURNED, {DESK, ADMIN, SUPERUSER}),
    ("stop", S.PROCESSING, S.STOPPED, {LEADER, ADMIN, SUPERUSER}),
    ("stop", S.SUPPLEMENT_REQUESTED, S.STOPPED, {LEADER, ADMIN, SUPERUSER}),
    ("withdraw", S.SUBMITTED, S.WITHDRAWN, {DESK, ADMIN, SUPERUSER}),
    ("withdraw", S.ACCEPTED, S.WITHDRAWN, {DESK, ADMIN, SUPERUSER}),
    ("withdraw", S.PROCESSING, S.WITHDRAWN, {DESK, ADMIN, SUPERUSER}),
    ("withdraw", S.SUPPLEMENT_REQUESTED, S.WITHDRAWN, {DESK, ADMIN, SUPERUSER}),
    ("withdraw", S.PAYMENT_REQUESTED, S.WITHDRAWN, {DESK, ADMIN, SUPERUSER}),
    ("apologise", S.ACCEPTED, S.ACCEPTED, {DESK, LEADER, ADMIN, SUPERUSER}),
    ("apologise", S.PROCESSING, S.PROCESSING, {DESK, LEADER, ADMIN, SUPERUSER}),
    ("apologise", S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_REQUESTED, {DESK, LEADER, ADMIN, SUPERUSER}),
    ("apologise", S.PAYMENT_REQUESTED, S.PAYMENT_REQUESTED, {DESK, LEADER, ADMIN, SUPERUSER}),
]

# The citizen's own action: a supplement sends the dossier back to where it was when the supplement was asked.
SUPPLEMENT_ROWS = [
    ("supplement", S.SUPPLEMENT_REQUESTED, S.SUBMITTED, {"paused_from": S.SUBMITTED}),
    ("supplement", S.SUPPLEMENT_REQUESTED, S.PROCESSING, {"paused_from": S.PROCESSING}),
]

ACTIONS = sorted({row[0] for row in TABLE})
SOURCES = {action: {row[1] for row in TABLE if row[0] == action} for action in ACTIONS}
ALLOWED = {action: set.union(*(row[3] for row in TABLE if row[0] == action)) for action in ACTIONS}


def test_the_table_covers_every_action_an_official_takes():
    # Timeline entries (postal updates, routing, a linked part's prerequisite) change no status.
    officials_actions = {a for a in DossierAction if a not in {"submit", "supplement"} and a not in TIMELINE_ONLY}
    assert set(ACTIONS) == officials_actions


@pytest.fixture
def people():
    """One official per role of the demo agency (UBND phường Hạc Thành, whose dossiers these are), and a
    superuser."""
    by_role = {u.role: u for u in User.objects.filter(agency__code=HAC_THANH, kind=UserKind.OFFICIAL)}
    return {**{role: by_role[role] for role in Role}, SUPERUSER: factories.superuser()}


def arguments(action: str, dossier: Dossier, people: dict) -> dict:
    """The least a real caller passes for ``action``."""
    if action == "assign":
        return {"handler": people[SPECIALIST]}
    if action == "forward":
        return {"handler": people[LEADER]}
    if action == "submit_for_approval":
        return {"leader": people[LEADER]}
    if action == "approve":
        return {
            "result": SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf"),
            "pin": settings.SIGNATURE_DEMO_PIN,  # the leader signs the result with their key
        }
    if action == "apologise":
        later = factories.working_time_after(dossier.due_at or timezone.now(), days=3)  # no due date before acceptance
        return {"new_due_at": later, "reason": "Chờ kết quả xác minh"}
    return {
        "refuse": {"reason": "Hồ sơ không thuộc thẩm quyền"},
        "request_supplement": {"missing": "Bản sao giấy chứng sinh rõ nét"},
        "request_payment": {"amount": 8000},
        "recall": {"reason": "Sai tên cha"},
        "stop": {"reason": "Người yêu cầu đề nghị dừng"},
        "withdraw": {"reason": "Công dân rút hồ sơ"},
    }.get(action, {})


def take(action: str, dossier: Dossier, who: str, people: dict) -> Dossier:
    with translation.override("en"):
        return getattr(processing, action)(dossier=dossier, by=people[who], **arguments(action, dossier, people))


def assert_unchanged(dossier: Dossier, status: int) -> None:
    dossier.refresh_from_db()
    assert dossier.status == status and dossier.version == 0 and not dossier.events.exists()


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize(
    ("action", "source", "target", "allowed"), TABLE, ids=[f"{a}-{s.name}" for a, s, _t, _r in TABLE]
)
def test_each_row_works_for_its_roles_and_names_the_role_to_the_others(action, source, target, allowed, who, people):
    dossier = factories.dossier_in(source)

    if who in allowed:
        result = take(action, dossier, who, people)

        assert result.status == target
        stored = Dossier.objects.get(pk=dossier.pk)
        assert stored.status == target and stored.version == 1
        event = stored.events.get()
        assert (event.action, event.from_status, event.to_status, event.actor) == (action, source, target, people[who])
    else:
        with translation.override("en"):
            role, label = str(Role(who).label), str(DossierAction(action).label)
        with pytest.raises(InvalidTransition) as refused:
            take(action, dossier, who, people)

        assert str(refused.value) == f"Your role ({role}) cannot “{label}”."
        assert_unchanged(dossier, source)


@pytest.mark.parametrize(
    ("action", "status"),
    [(action, status) for action in ACTIONS for status in Status if status not in SOURCES[action]],
    ids=lambda value: value.name if isinstance(value, Status) else value,
)
def test_no_role_takes_an_action_from_a_status_outside_its_rows(action, status, people):
    dossier = factories.dossier_in(status)
    with translation.override("en"):
        label = str(DossierAction(action).label)

    for who in sorted(ALLOWED[action]):
        with pytest.raises(InvalidTransition) as refused:
            take(action, dossier, who, people)

        assert str(refused.value).startswith(f"“{label}” is not possible while dossier"), (who, str(refused.value))
        assert_unchanged(dossier, status)


@pytest.mark.parametrize(("action", "source", "target", "fields"), SUPPLEMENT_ROWS, ids=["at-intake", "processing"])
def test_only_the_applicant_supplements_and_the_dossier_goes_back_where_it_was(action, source, target, fields, people):
    dossier = factories.dossier_in(source, **fields)

    for who in EVERYONE:
        with pytest.raises(InvalidTransition, match="Only the applicant"), translation.override("en"):
            processing.supplement(dossier=dossier, by=people[who])
        assert_unchanged(dossier, source)
    result = processing.supplement(dossier=dossier, by=dossier.applicant)

    assert result.status == target
    event = Dossier.objects.get(pk=dossier.pk).events.get()
    assert (event.action, event.from_status, event.to_status) == (action, source, target)


@pytest.mark.parametrize("status", [status for status in Status if status != S.SUPPLEMENT_REQUESTED])
def test_the_applicant_supplements_only_a_dossier_waiting_for_it(status):
    dossier = factories.dossier_in(status)

    with pytest.raises(InvalidTransition, match="is not possible while dossier"), translation.override("en"):
        processing.supplement(dossier=dossier, by=dossier.applicant)
    assert_unchanged(dossier, status)
