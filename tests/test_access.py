"""Who may see and act on what (``portal.access``), as tables written out by hand.

Every kind of record in ``access.PATHS`` exists twice: hanging off a dossier the same citizen filed at the demo
agency (UBND phường Hạc Thành, where the officials below work: "own") and at another agency ("other"), plus the
agency-owned records (a receipt, a tracking-number range) of each agency. Each person is asked what the back office
shows them (``scope``), what they may see anywhere (``visible``) and what they work on or filed (``submitted``, the
API's dossier list), then whether they may act on each dossier with each set of roles (``ensure_may_act``).
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone, translation

from dossiers.constants import Status
from dossiers.models import Dossier, DossierDocument, DossierEvent, DossierNotice, DossierStep
from dossiers.workflow import InvalidTransition
from interconnection.models import DossierSync
from notifications.models import Message
from payments.models import PaymentLine, PaymentRequest, Receipt, Refund, Transaction
from portal import access
from portal.accounts.constants import Role, UserKind
from portal.accounts.models import User
from portal.errors import AccessDenied
from postal.models import Shipment, TrackingRange
from procedures.models import Agency
from tracking.models import Rating

from .factories import CitizenFactory, dossier_in, official, superuser
from .filing import HAC_THANH

pytestmark = pytest.mark.django_db

OTHER_AGENCY = "000.21.30.H56"  # Ủy ban nhân dân phường Đông Tiến

# --- Who asks -----------------------------------------------------------------------------------------------------
ANONYMOUS = "visitor"
APPLICANT = "applicant"  # filed every dossier below, at both agencies
OTHER_CITIZEN = "another citizen"
DESK = "desk"  # the officials work at the demo agency ("own")
SPECIALIST = "specialist"
LEADER = "leader"
CASHIER = "cashier"
AGENCY_ADMIN = "agency admin"
SUPERUSER = "superuser"
STAFF_WITHOUT_AGENCY = "staff without agency"  # an official's account with the staff flag but no agency

# --- Whose record -------------------------------------------------------------------------------------------------
OWN, OTHER = "own agency", "other agency"
# Intake regardless of boundary: a dossier received at the demo agency's desk for the other agency (the demo agency
# is its receiving centre), and one received at the other agency for the demo agency (its competent agency).
RECEIVED, ROUTED_IN = "received here for the other agency", "received there for this agency"

# --- What: every kind of record in access.PATHS, in the order of the table's columns ------------------------------
KINDS = [
    "dossiers.dossier",  # D
    "dossiers.dossierdocument",  # d
    "dossiers.dossierevent",  # e
    "dossiers.dossierstep",  # s
    "dossiers.dossiernotice",  # n
    "payments.paymentrequest",  # R  payment request
    "payments.paymentline",  # l
    "payments.transaction",  # t
    "payments.refund",  # r
    "payments.receipt",  # c  of the dossier (issued by the agency that took the money)
    "postal.shipment",  # S
    "postal.trackingrange",  # T  owned by the agency
    "notifications.message",  # m
    "tracking.rating",  # g
    "interconnection.dossiersync",  # y  the national portal sync
]

# (who, whose record): what scope(), visible() and submitted() give, one mark per kind: Y yes, - no.
#                                      D d e s n R l t r c S T m g y
SEES = [
    (ANONYMOUS, OWN,            {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (ANONYMOUS, OTHER,          {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (APPLICANT, OWN,            {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y"}),
    (APPLICANT, OTHER,          {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y"}),
    (OTHER_CITIZEN, OWN,        {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (OTHER_CITIZEN, OTHER,      {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (DESK, OWN,                 {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (DESK, OTHER,               {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (SPECIALIST, OWN,           {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (SPECIALIST, OTHER,         {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (LEADER, OWN,               {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (LEADER, OTHER,             {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (CASHIER, OWN,              {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (CASHIER, OTHER,            {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (AGENCY_ADMIN, OWN,         {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (AGENCY_ADMIN, OTHER,       {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (SUPERUSER, OWN,            {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (SUPERUSER, OTHER,          {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (STAFF_WITHOUT_AGENCY, OWN, {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (STAFF_WITHOUT_AGENCY, OTHER, {"scope":   "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    # --- Intake regardless of boundary: the receiving centre and the competent agency both see the dossier and
    # what hangs off it, receipts included (the desk that took the money may be either); the other agency's
    # tracking ranges stay its own.
    (ANONYMOUS, RECEIVED,       {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (APPLICANT, RECEIVED,       {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y"}),
    (OTHER_CITIZEN, RECEIVED,   {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (DESK, RECEIVED,            {"scope":     "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y"}),
    (SPECIALIST, RECEIVED,      {"scope":     "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y"}),
    (LEADER, RECEIVED,          {"scope":     "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y"}),
    (CASHIER, RECEIVED,         {"scope":     "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y"}),
    (AGENCY_ADMIN, RECEIVED,    {"scope":     "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y"}),
    (SUPERUSER, RECEIVED,       {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (STAFF_WITHOUT_AGENCY, RECEIVED, {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (ANONYMOUS, ROUTED_IN,      {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (APPLICANT, ROUTED_IN,      {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y - Y Y Y"}),
    (OTHER_CITIZEN, ROUTED_IN,  {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
    (DESK, ROUTED_IN,           {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (SPECIALIST, ROUTED_IN,     {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (LEADER, ROUTED_IN,         {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (CASHIER, ROUTED_IN,        {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (AGENCY_ADMIN, ROUTED_IN,   {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (SUPERUSER, ROUTED_IN,      {"scope":     "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "visible":   "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y",
                                 "submitted": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y"}),
    (STAFF_WITHOUT_AGENCY, ROUTED_IN, {"scope":     "- - - - - - - - - - - - - - -",
                                 "visible":   "- - - - - - - - - - - - - - -",
                                 "submitted": "- - - - - - - - - - - - - - -"}),
]  # fmt: skip

# A draft at the demo agency, filed by the applicant, with one scan: who sees it where. Y yes, - no.
#                              scope  visible  submitted      (the dossier, then its document)
SEES_DRAFT = [
    (APPLICANT,            {"scope": "- -", "visible": "Y Y", "submitted": "- -"}),
    (OTHER_CITIZEN,        {"scope": "- -", "visible": "- -", "submitted": "- -"}),
    (DESK,                 {"scope": "- -", "visible": "- -", "submitted": "- -"}),
    (AGENCY_ADMIN,         {"scope": "- -", "visible": "- -", "submitted": "- -"}),
    (SUPERUSER,            {"scope": "- -", "visible": "Y Y", "submitted": "- -"}),  # never in the back office
    (STAFF_WITHOUT_AGENCY, {"scope": "- -", "visible": "- -", "submitted": "- -"}),
]  # fmt: skip

# ensure_may_act(user, dossier, roles=...): ok, or refused because of the agency, the role, or not signed in.
ROLE_SETS = [(), (Role.DESK,), (Role.SPECIALIST,), (Role.LEADER,), (Role.CASHIER,), (Role.SPECIALIST, Role.CASHIER)]
#                                any        desk       specialist leader     cashier    specialist or cashier
MAY_ACT = [
    (ANONYMOUS, OWN,            ("sign in", "sign in", "sign in", "sign in", "sign in", "sign in")),
    (ANONYMOUS, OTHER,          ("sign in", "sign in", "sign in", "sign in", "sign in", "sign in")),
    (APPLICANT, OWN,            ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (APPLICANT, OTHER,          ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (OTHER_CITIZEN, OWN,        ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (OTHER_CITIZEN, OTHER,      ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (DESK, OWN,                 ("ok",      "ok",      "role",    "role",    "role",    "role")),
    (DESK, OTHER,               ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (SPECIALIST, OWN,           ("ok",      "role",    "ok",      "role",    "role",    "ok")),
    (SPECIALIST, OTHER,         ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (LEADER, OWN,               ("ok",      "role",    "role",    "ok",      "role",    "role")),
    (LEADER, OTHER,             ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (CASHIER, OWN,              ("ok",      "role",    "role",    "role",    "ok",      "ok")),
    (CASHIER, OTHER,            ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (AGENCY_ADMIN, OWN,         ("ok",      "ok",      "ok",      "ok",      "ok",      "ok")),
    (AGENCY_ADMIN, OTHER,       ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (SUPERUSER, OWN,            ("ok",      "ok",      "ok",      "ok",      "ok",      "ok")),
    (SUPERUSER, OTHER,          ("ok",      "ok",      "ok",      "ok",      "ok",      "ok")),
    (STAFF_WITHOUT_AGENCY, OWN, ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (STAFF_WITHOUT_AGENCY, OTHER, ("agency", "agency", "agency",  "agency",  "agency",  "agency")),
    # --- Intake regardless of boundary (no action named: the competent agency's work): the receiving centre only
    # follows; the competent agency acts as on its own dossiers. test_routing.py covers intake and hand-back.
    (ANONYMOUS, RECEIVED, ("sign in", "sign in", "sign in", "sign in", "sign in", "sign in")),
    (APPLICANT, RECEIVED, ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (OTHER_CITIZEN, RECEIVED, ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (DESK, RECEIVED, ("follows", "follows", "follows", "follows", "follows", "follows")),
    (SPECIALIST, RECEIVED, ("follows", "follows", "follows", "follows", "follows", "follows")),
    (LEADER, RECEIVED, ("follows", "follows", "follows", "follows", "follows", "follows")),
    (CASHIER, RECEIVED, ("follows", "follows", "follows", "follows", "follows", "follows")),
    (AGENCY_ADMIN, RECEIVED, ("follows", "follows", "follows", "follows", "follows", "follows")),
    (SUPERUSER, RECEIVED, ("ok",      "ok",      "ok",      "ok",      "ok",      "ok")),
    (STAFF_WITHOUT_AGENCY, RECEIVED, ("agency", "agency", "agency",  "agency",  "agency",  "agency")),
    (ANONYMOUS, ROUTED_IN, ("sign in", "sign in", "sign in", "sign in", "sign in", "sign in")),
    (APPLICANT, ROUTED_IN, ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (OTHER_CITIZEN, ROUTED_IN, ("agency",  "agency",  "agency",  "agency",  "agency",  "agency")),
    (DESK, ROUTED_IN, ("ok",      "ok",      "role",    "role",    "role",    "role")),
    (SPECIALIST, ROUTED_IN, ("ok",      "role",    "ok",      "role",    "role",    "ok")),
    (LEADER, ROUTED_IN, ("ok",      "role",    "role",    "ok",      "role",    "role")),
    (CASHIER, ROUTED_IN, ("ok",      "role",    "role",    "role",    "ok",      "ok")),
    (AGENCY_ADMIN, ROUTED_IN, ("ok",      "ok",      "ok",      "ok",      "ok",      "ok")),
    (SUPERUSER, ROUTED_IN, ("ok",      "ok",      "ok",      "ok",      "ok",      "ok")),
    (STAFF_WITHOUT_AGENCY, ROUTED_IN, ("agency", "agency", "agency",  "agency",  "agency",  "agency")),
]  # fmt: skip

# Who may open the back office (in_back_office) and the officials' side of the API (is_official_or_superuser).
BACK_OFFICE = {
    ANONYMOUS: (False, False),
    APPLICANT: (False, False),
    OTHER_CITIZEN: (False, False),
    DESK: (True, True),
    SPECIALIST: (True, True),
    LEADER: (True, True),
    CASHIER: (True, True),
    AGENCY_ADMIN: (True, True),
    SUPERUSER: (True, True),
    STAFF_WITHOUT_AGENCY: (False, False),
}

REFUSALS = {
    "sign in": "Sign in as an official of this agency.",
    "agency": "This dossier belongs to another agency.",
    "role": "Your role ({role}) cannot do this.",
    "follows": "{agency} processes this dossier; your centre follows its progress.",
}
ROLE_LABELS = {
    DESK: "One-stop desk officer",
    SPECIALIST: "Specialist",
    LEADER: "Leader",
    CASHIER: "Cashier",
    AGENCY_ADMIN: "Agency administrator",
}


# --- The world ----------------------------------------------------------------------------------------------------


def people() -> dict:
    return {
        ANONYMOUS: AnonymousUser(),
        APPLICANT: CitizenFactory(),
        OTHER_CITIZEN: CitizenFactory(),
        DESK: official(Role.DESK),
        SPECIALIST: official(Role.SPECIALIST),
        LEADER: official(Role.LEADER),
        CASHIER: official(Role.CASHIER),
        AGENCY_ADMIN: official(Role.AGENCY_ADMIN),
        SUPERUSER: superuser(),
        STAFF_WITHOUT_AGENCY: User.objects.create_user(
            username="nhanvien_khong_don_vi", kind=UserKind.OFFICIAL, role=Role.DESK, is_staff=True
        ),
    }


def records_of(dossier: Dossier, *, serial: int) -> dict:
    """One record of every kind hanging off ``dossier``, and those its agency owns (a receipt, a range)."""
    slot = dossier.case.documents.order_by("position").first()
    event = DossierEvent.objects.create(dossier=dossier, from_status=Status.SUBMITTED, to_status=Status.ACCEPTED)
    request = PaymentRequest.objects.create(dossier=dossier, purpose="submission", amount=30000)
    txn = Transaction.objects.create(request=request, gateway="counter", txn_ref=f"TEST{serial:08d}", amount=30000)
    return {
        "dossiers.dossier": dossier,
        "dossiers.dossierdocument": DossierDocument.objects.create(
            dossier=dossier,
            required_document=slot,
            file=f"dossiers/test/{serial}.pdf",
            original_name="to-khai.pdf",
            content_type="application/pdf",
            size=1000,
            sha256="0" * 64,
        ),
        "dossiers.dossierevent": event,
        "dossiers.dossierstep": DossierStep.objects.create(
            dossier=dossier, name="Thẩm định", role=Role.SPECIALIST, started_at=timezone.now()
        ),
        "dossiers.dossiernotice": DossierNotice.objects.create(dossier=dossier, kind="01", event=event),
        "payments.paymentrequest": request,
        "payments.paymentline": PaymentLine.objects.create(
            request=request, kind="fee", description="Lệ phí", amount=30000
        ),
        "payments.transaction": txn,
        "payments.refund": Refund.objects.create(
            transaction=txn, amount=30000, reason="Thu trùng", request_id=f"RF{serial:08d}"
        ),
        "payments.receipt": Receipt.objects.create(transaction=txn, agency=dossier.agency, number=f"TEST/{serial:06d}"),
        "postal.shipment": Shipment.objects.create(
            dossier=dossier, tracking_number=f"ZZ{serial:08d}VN", recipient="Nguyễn Văn An", address="12 Lê Lợi"
        ),
        "postal.trackingrange": TrackingRange.objects.create(
            agency=dossier.agency, prefix="Z" + "ABCD"[serial % 4], first=1, last=9, next=1
        ),
        "notifications.message": Message.objects.create(
            dossier=dossier, event=event, kind="accepted", channel="email", language="vi", recipient="a@example.vn"
        ),
        "tracking.rating": Rating.objects.create(dossier=dossier, score=5, on_time=5, attitude=5, clarity=5),
        "interconnection.dossiersync": DossierSync.objects.create(dossier=dossier),
    }


@pytest.fixture
def world(catalogue):
    who = people()
    applicant = who[APPLICANT]
    records = {
        OWN: records_of(dossier_in(Status.RETURNED, HAC_THANH, applicant=applicant), serial=1),
        OTHER: records_of(dossier_in(Status.RETURNED, OTHER_AGENCY, applicant=applicant), serial=2),
        RECEIVED: records_of(
            dossier_in(
                Status.RETURNED, OTHER_AGENCY, received_by=Agency.objects.get(code=HAC_THANH), applicant=applicant
            ),
            serial=3,
        ),
        ROUTED_IN: records_of(
            dossier_in(
                Status.RETURNED, HAC_THANH, received_by=Agency.objects.get(code=OTHER_AGENCY), applicant=applicant
            ),
            serial=4,
        ),
    }
    return who, records


def marks(text: str) -> list[bool]:
    return [mark == "Y" for mark in text.split()]


def model_of(label: str):
    from django.apps import apps

    return apps.get_model(label)


READS = {"scope": access.scope, "visible": access.visible, "submitted": access.submitted}


# --- Seeing -------------------------------------------------------------------------------------------------------


def test_the_table_covers_every_kind_of_record_and_every_person():
    assert set(KINDS) == set(access.PATHS)
    assert {who for who, _where, _reads in SEES} == set(BACK_OFFICE)
    assert {(who, where) for who, where, _reads in SEES} == {(who, where) for who, where, _ in MAY_ACT}
    for _who, _where, reads in SEES:
        assert all(len(marks(row)) == len(KINDS) for row in reads.values())


@pytest.mark.parametrize(("who", "where", "reads"), SEES, ids=[f"{who}-{where}" for who, where, _ in SEES])
def test_who_sees_which_records(world, who, where, reads):
    people_, records = world
    user = people_[who]
    for read, expected in reads.items():
        for label, sees in zip(KINDS, marks(expected), strict=True):
            record = records[where][label]
            found = READS[read](model_of(label).objects.all(), user).filter(pk=record.pk).exists()
            assert found == sees, f"{read}() of a {label} of the {where}: expected {'Y' if sees else '-'}"


@pytest.mark.parametrize(("who", "reads"), SEES_DRAFT, ids=[who for who, _ in SEES_DRAFT])
def test_a_draft_stays_out_of_the_back_office(world, who, reads):
    people_, _records = world
    draft = dossier_in(Status.DRAFT, HAC_THANH, applicant=people_[APPLICANT])
    scan = DossierDocument.objects.create(
        dossier=draft,
        required_document=draft.case.documents.order_by("position").first(),
        file="dossiers/test/draft.pdf",
        original_name="giay-khai-sinh.pdf",
        content_type="application/pdf",
        size=1000,
        sha256="1" * 64,
    )
    for read, expected in reads.items():
        for record, sees in zip((draft, scan), marks(expected), strict=True):
            found = READS[read](type(record).objects.all(), people_[who]).filter(pk=record.pk).exists()
            assert found == sees, f"{read}() of the draft's {type(record).__name__}"


def test_a_model_without_an_access_path_cannot_be_listed(world):
    people_, _records = world
    with pytest.raises(LookupError, match="PATHS"):
        access.scope(Agency.objects.all(), people_[SUPERUSER])
    with pytest.raises(LookupError, match="PATHS"):
        access.visible(Agency.objects.all(), people_[DESK])


@pytest.mark.parametrize("who", [DESK, CASHIER, AGENCY_ADMIN, SUPERUSER, STAFF_WITHOUT_AGENCY])
def test_every_back_office_list_shows_what_scope_shows(world, who):
    """The back office's lists ask portal.access; none filters by agency on its own."""
    people_, _records = world
    request = RequestFactory().get("/")
    request.user = people_[who]
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.label_lower not in access.PATHS:
            continue
        listed = set(model_admin.get_queryset(request).values_list("pk", flat=True))
        assert listed == set(access.scope(model.objects.all(), request.user).values_list("pk", flat=True)), model
        checked += 1
    assert checked >= 9  # dossiers, payment requests, transactions, refunds, receipts, shipments, ranges, ...


# --- Acting -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "where", "outcomes"), MAY_ACT, ids=[f"{who}-{where}" for who, where, _ in MAY_ACT])
def test_who_may_act_on_which_dossier_with_which_roles(world, who, where, outcomes):
    people_, records = world
    user, dossier = people_[who], records[where]["dossiers.dossier"]
    for roles, outcome in zip(ROLE_SETS, outcomes, strict=True):
        with translation.override("en"):
            if outcome == "ok":
                access.ensure_may_act(user, dossier, roles=roles)
                continue
            with pytest.raises(AccessDenied) as refused:
                access.ensure_may_act(user, dossier, roles=roles)
            expected = REFUSALS[outcome].format(role=ROLE_LABELS.get(who, ""), agency=dossier.agency.name)
            assert refused.value.message == expected, roles
            assert refused.value.code == "permission_denied"


def test_a_refusal_is_raised_as_the_callers_error_with_the_actions_name(world):
    people_, records = world
    with translation.override("en"), pytest.raises(InvalidTransition) as refused:
        access.ensure_may_act(
            people_[CASHIER], records[OWN]["dossiers.dossier"], roles=(Role.LEADER,), error=InvalidTransition,
            action_label="Approve",
        )  # fmt: skip
    assert refused.value.message == "Your role (Cashier) cannot “Approve”."
    assert refused.value.code == "invalid_transition"


@pytest.mark.parametrize("who", list(BACK_OFFICE))
def test_who_may_open_the_back_office_and_the_officials_api(world, who):
    people_, _records = world
    assert (access.in_back_office(people_[who]), access.is_official_or_superuser(people_[who])) == BACK_OFFICE[who]


def test_a_deactivated_official_is_out_of_the_back_office_and_sees_nothing_of_the_agency(world):
    people_, records = world
    desk = people_[DESK]
    desk.is_active = False
    desk.save(update_fields=["is_active"])
    assert not access.in_back_office(desk)
    assert not access.scope(Dossier.objects.all(), desk).exists()
    with pytest.raises(AccessDenied):
        access.ensure_may_act(desk, records[OWN]["dossiers.dossier"])


def test_the_choice_of_colleagues_is_the_agencys_active_officials_with_the_role(world):
    people_, records = world
    dossier = records[OWN]["dossiers.dossier"]
    elsewhere = official(Role.SPECIALIST, OTHER_AGENCY)
    retired = official(Role.SPECIALIST)
    User.objects.filter(pk=retired.pk).update(is_active=False)

    specialists = set(access.colleagues(dossier, Role.SPECIALIST))
    everyone = set(access.colleagues(dossier))

    assert people_[SPECIALIST] in specialists
    assert people_[LEADER] not in specialists
    assert {people_[DESK], people_[LEADER], people_[AGENCY_ADMIN]} <= everyone
    assert elsewhere not in everyone and retired not in everyone and people_[SUPERUSER] not in everyone


def test_the_cashiers_report_covers_the_officials_own_agency_whatever_they_ask(world):
    people_, records = world
    other = records[OTHER]["dossiers.dossier"].agency
    own = records[OWN]["dossiers.dossier"].agency
    assert access.report_agency(people_[CASHIER], str(other.pk)) == own.pk
    assert access.report_agency(people_[SUPERUSER], str(other.pk)) == other.pk
    assert access.report_agency(people_[SUPERUSER], "") is None  # the page asks which agency
    assert access.report_agency(people_[STAFF_WITHOUT_AGENCY], str(other.pk)) is None
