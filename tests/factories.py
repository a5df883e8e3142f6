"""Factories for the catalogue, accounts and dossiers; values look like the real ones (codes, Vietnamese names)."""

import itertools
from datetime import timedelta

import factory
from django.utils import timezone

from dossiers.constants import Stage, Status, Timeliness
from dossiers.models import Dossier
from portal.accounts.constants import Role, UserKind
from portal.accounts.models import User
from procedures.constants import AdministrativeLevel, Channel, ServiceLevel
from procedures.models import Agency, FeeItem, Field, Procedure, ProcedureCase, ProcessingOption, RequiredDocument

from .filing import BIRTH, HAC_THANH


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.{n // 100 % 100:02d}.{n % 100:02d}.T56")
    name = factory.Sequence(lambda n: f"Ủy ban nhân dân xã Thử Nghiệm {n}")
    level = AdministrativeLevel.COMMUNE


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Lĩnh vực thử nghiệm {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm số {n}")
    field = factory.SubFactory(FieldFactory)
    at_commune = True
    service_level = ServiceLevel.PARTIAL
    processing_days = 5
    result = "Giấy xác nhận"

    @factory.post_generation
    def with_details(self, create, extracted, **kwargs):
        """A case with two required documents and an online option with a fee, as real records have."""
        if not create or extracted is False:
            return
        case = ProcedureCase.objects.create(procedure=self, name="", position=0)
        RequiredDocument.objects.create(case=case, position=0, name="Tờ khai theo mẫu", originals=1)
        RequiredDocument.objects.create(case=case, position=1, name="Bản sao giấy khai sinh", copies=1)
        option = ProcessingOption.objects.create(
            procedure=self, channel=Channel.ONLINE, position=0, time_value=5, time_unit="Ngày làm việc"
        )
        FeeItem.objects.create(option=option, position=0, amount=30000, description="Lệ phí: 30.000 đồng/lần")


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"congdan{n}")
    full_name = "Nguyễn Văn An"
    kind = UserKind.CITIZEN
    password = factory.django.Password("MatKhau@2026")


# --- Officials and dossiers -------------------------------------------------------------------------------------
# Defaults point at the demo province loaded for the session (tests/conftest.py): UBND phường Hạc Thành and its
# birth registration. ``agency`` may be given as an Agency or as its code.


def _agency(value: Agency | str) -> Agency:
    return value if isinstance(value, Agency) else Agency.objects.get(code=value)


class OfficialFactory(factory.django.DjangoModelFactory):
    """An official of ``agency`` with ``role``, created the way the back office creates them (role group too)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"canbo{n}")
    full_name = factory.Sequence(lambda n: f"Cán bộ Thử {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.vn")
    agency = factory.LazyFunction(lambda: _agency(HAC_THANH))
    role = Role.DESK
    password = "MatKhau@2026"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from portal.accounts.services import create_official

        kwargs["agency"] = _agency(kwargs["agency"])
        return create_official(**kwargs)


def official(role: str = Role.DESK, agency: Agency | str = HAC_THANH, name: str | None = None, **fields) -> User:
    """An official of ``agency`` (an Agency or its code) with ``role``; ``name`` is the username."""
    if name:
        fields["username"] = name
    return OfficialFactory(role=role, agency=_agency(agency), **fields)


_superusers = itertools.count(1)


def superuser(**fields) -> User:
    """The portal's technical administrator: no agency, every permission."""
    username = fields.pop("username", f"quantri{next(_superusers)}")
    fields.setdefault("full_name", "Quản trị hệ thống")
    return User.objects.create_superuser(
        username=username, email=f"{username}@example.gov.vn", password="MatKhau@2026", **fields
    )


S = Status
_dossier_numbers = itertools.count(1)
# What a dossier in each status has been through; a field given to the factory replaces the default.
_ACCEPTED = frozenset({S.ACCEPTED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED, S.RESULT_READY,
                       S.RETURNED, S.STOPPED, S.WITHDRAWN})  # fmt: skip
_IN_PROCESSING = frozenset({S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED})  # stage "being processed"
_HANDLED = _IN_PROCESSING | {S.RESULT_READY, S.RETURNED, S.STOPPED}  # someone was assigned
_FINISHED = frozenset({S.RESULT_READY, S.RETURNED})


def _colleague(agency: Agency, role: str) -> User | None:
    return User.objects.filter(agency=agency, role=role, is_active=True, kind=UserKind.OFFICIAL).order_by("pk").first()


def _was_accepted(o) -> bool:
    at_intake = o.status == S.SUPPLEMENT_REQUESTED and o.paused_from == S.SUBMITTED
    return o.status in _ACCEPTED and not at_intake


def _handler(o) -> User | None:
    if o.status not in _HANDLED or not _was_accepted(o):
        return None
    leader_has_it = o.stage == Stage.APPROVAL or o.status in _FINISHED
    return _colleague(o.agency, Role.LEADER if leader_has_it else Role.SPECIALIST)


def _timeliness(o) -> str:
    if o.finished_at is None:
        return ""
    if o.due_at is None:
        return Timeliness.ON_TIME
    if o.finished_at > o.due_at:
        return Timeliness.LATE
    return Timeliness.AHEAD if o.due_at - o.finished_at >= timedelta(days=1) else Timeliness.ON_TIME


class DossierFactory(factory.django.DjangoModelFactory):
    """A dossier put straight into ``status`` with the fields a real one has there: code and submission time once
    submitted; acceptance time and a due date 30 days away once accepted (neither due soon nor overdue: set
    ``due_at`` where the deadline matters); a specialist of the agency as handler while processing (a leader at the
    approval stage and once finished); the paused clock while a supplement is awaited (paused from processing; pass
    ``paused_from=Status.SUBMITTED`` for a supplement asked at intake); the finish and return times."""

    class Meta:
        model = Dossier

    status = S.SUBMITTED
    procedure = factory.LazyFunction(lambda: Procedure.objects.get(code=BIRTH))
    case = factory.LazyAttribute(lambda o: o.procedure.cases.order_by("position").first())
    agency = factory.LazyFunction(lambda: _agency(HAC_THANH))
    received_by = factory.LazyAttribute(lambda o: o.agency)
    applicant = factory.SubFactory(CitizenFactory)
    code = factory.LazyAttribute(
        lambda o: None if o.status == S.DRAFT else f"{o.received_by.code}-200101-{next(_dossier_numbers):04d}"
    )
    submitted_at = factory.LazyAttribute(lambda o: None if o.status == S.DRAFT else timezone.now() - timedelta(hours=1))
    accepted_at = factory.LazyAttribute(lambda o: o.submitted_at if _was_accepted(o) else None)
    due_at = factory.LazyAttribute(lambda o: o.accepted_at + timedelta(days=30) if o.accepted_at else None)
    stage = factory.LazyAttribute(
        lambda o: Stage.PROCESSING if o.status in _IN_PROCESSING and _was_accepted(o) else Stage.NONE
    )
    handler = factory.LazyAttribute(_handler)
    paused_from = factory.LazyAttribute(lambda o: S.PROCESSING if o.status == S.SUPPLEMENT_REQUESTED else None)
    paused_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == S.SUPPLEMENT_REQUESTED else None)
    supplement_deadline = factory.LazyAttribute(
        lambda o: o.paused_at + timedelta(days=7) if o.status == S.SUPPLEMENT_REQUESTED else None
    )
    supplement_request = factory.LazyAttribute(
        lambda o: "Bản sao giấy chứng sinh rõ nét" if o.status == S.SUPPLEMENT_REQUESTED else ""
    )
    finished_at = factory.LazyAttribute(
        lambda o: o.accepted_at + timedelta(minutes=30) if o.status in _FINISHED and o.accepted_at else None
    )
    timeliness = factory.LazyAttribute(_timeliness)
    returned_at = factory.LazyAttribute(lambda o: o.finished_at if o.status == S.RETURNED else None)


def dossier_in(status: int, agency: Agency | str = HAC_THANH, **fields) -> Dossier:
    """A dossier in ``status`` at ``agency`` (an Agency or its code); see ``DossierFactory`` for the fields."""
    return DossierFactory(status=status, agency=_agency(agency), **fields)


def working_time_after(moment, days: int = 0):
    """10:00 on the first working day at least ``days`` after ``moment``: a date an official may set (an apology's
    new date falls in working time), whatever day and hour the tests run."""
    from datetime import datetime

    from procedures.calendar import WorkingCalendar

    calendar = WorkingCalendar.load()
    day = timezone.localtime(moment + timedelta(days=days)).date()
    if not calendar.is_working_day(day):
        day = calendar.next_working_day(day)
    return datetime.combine(day, datetime.min.time().replace(hour=10), calendar.tz)
