"""Fill a PostgreSQL database with a province's worth of realistic data, for the benchmarks.

Defaults: 300 agencies, 2,000 procedures, 200,000 citizens and 1,000,000 dossiers spread over the last three
years, each with its timeline (1–6 rows), document metadata (1–3 files), payments where a fee is due, and the
email/SMS messages its events produced. Rows go in with COPY, in dependency order; the whole run takes a few
minutes on two cores.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dichvucong_bench .venv/bin/python benchmarks/generate.py
    .venv/bin/python benchmarks/generate.py --dossiers 100000 --procedures 500 --agencies 50

The database is migrated first. Generated rows are recognisable (agency codes ``9xx.…``, procedure codes
``9.…``, user names ``bench-…``); ``--reset`` empties the whole database first, so give the generator a
database of its own. Nothing here is used by
the portal or its tests.
"""

import argparse
import io
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Gia"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Long", "Mai", "Nam"]
SUBJECTS = [
    "Đăng ký khai sinh",
    "Cấp bản sao trích lục hộ tịch",
    "Chứng thực bản sao từ bản chính",
    "Đăng ký kết hôn",
    "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Đăng ký thành lập hộ kinh doanh",
    "Cấp giấy chứng nhận quyền sử dụng đất",
    "Xác nhận tình trạng hôn nhân",
    "Đăng ký thường trú",
    "Cấp phiếu lý lịch tư pháp",
]
# Final states and how often a dossier ends there (statuses as in dossiers.constants.Status).
OUTCOMES = [(10, 0.78), (9, 0.04), (4, 0.05), (2, 0.03), (1, 0.02), (5, 0.02), (6, 0.02), (3, 0.02), (7, 0.01)]
OUTCOMES += [(8, 0.01)]
PATHS = {
    1: ["submit"],
    2: ["submit", "accept"],
    3: ["submit", "refuse"],
    4: ["submit", "accept", "assign"],
    5: ["submit", "accept", "assign", "request_supplement"],
    6: ["submit", "accept", "assign", "request_payment"],
    7: ["submit", "accept", "withdraw"],
    8: ["submit", "accept", "assign", "stop"],
    9: ["submit", "accept", "assign", "submit_for_approval", "approve"],
    10: ["submit", "accept", "assign", "submit_for_approval", "approve", "return_result"],
}
STATUS_AFTER = {
    "submit": 1,
    "accept": 2,
    "refuse": 3,
    "assign": 4,
    "request_supplement": 5,
    "request_payment": 6,
    "withdraw": 7,
    "stop": 8,
    "submit_for_approval": 4,
    "approve": 9,
    "return_result": 10,
}
NOTIFIED = {"submit", "accept", "refuse", "request_supplement", "request_payment", "approve", "return_result"}
NOTIFIED |= {"stop", "withdraw"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--procedures", type=int, default=2000)
    parser.add_argument("--citizens", type=int, default=200_000)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--reset", action="store_true", help="empty the whole database first")
    return parser.parse_args()


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the generator uses COPY).")
    import django

    django.setup()


class Copier:
    """COPY rows of a model's table, filling the columns not given with the fields' defaults."""

    def __init__(self, connection):
        self.connection = connection

    @staticmethod
    def _text(value) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, datetime):
            return value.isoformat()
        text = str(value)
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    def copy(self, model, names: list[str], rows) -> int:
        from django.db.models import AutoField, BigAutoField, JSONField

        fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField | BigAutoField)]
        given = set(names)
        extra = [f for f in fields if f.name not in given and f.attname not in given]
        columns = [model._meta.get_field(n).column for n in names] + [f.column for f in extra]
        now = datetime.now(UTC)

        def default(field):
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                return now
            value = field.get_default()
            if isinstance(field, JSONField):
                import json

                return json.dumps(value)
            return value

        constant = {f.name: default(f) for f in extra if f.name != "public_id"}
        table = model._meta.db_table
        count = 0
        with self.connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                buffer = io.StringIO()
                for row in rows:
                    values = list(row)
                    for field in extra:
                        values.append(uuid.uuid4() if field.name == "public_id" else constant[field.name])
                    buffer.write("\t".join(self._text(v) for v in values))
                    buffer.write("\n")
                    count += 1
                    if count % 20_000 == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
        return count


def name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def main():
    args = parse_args()
    setup_django()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from dossiers.constants import Status
    from dossiers.models import Dossier, DossierDocument, DossierEvent
    from notifications.models import Message
    from payments.models import PaymentLine, PaymentRequest, Transaction
    from portal.accounts.models import User
    from portal.text import fold
    from procedures.models import Agency, Field, ProcedureCase, RequiredDocument
    from procedures.models import Procedure as ProcedureModel

    rng = random.Random(args.seed)
    started = time.monotonic()
    copier = Copier(connection)

    def step(label: str, began: float) -> None:
        print(f"  {label:<44} {time.monotonic() - began:7.1f} s", flush=True)

    if args.reset:
        began = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        step("emptied the database", began)
    call_command("migrate", verbosity=0)

    print(f"Generating into {connection.settings_dict['NAME']} ...")
    with transaction.atomic():
        began = time.monotonic()
        fields = [Field.objects.get_or_create(name=f"Lĩnh vực {i + 1:02d}")[0] for i in range(40)]
        province = Agency.objects.create(code="900.00.00.H99", name="UBND tỉnh (thử tải)", level=1)
        agencies = [province]
        for i in range(1, args.agencies):
            level = 1 if i < args.agencies // 10 else 3  # provincial departments, then communes (two tiers)
            agencies.append(
                Agency(code=f"9{i // 100:02d}.{i % 100:02d}.00.H99", name=f"UBND đơn vị {i:03d}", level=level)
            )
        agencies = [province, *Agency.objects.bulk_create(agencies[1:])]
        procedures = []
        for i in range(args.procedures):
            subject = SUBJECTS[i % len(SUBJECTS)]
            procedures.append(
                ProcedureModel(
                    code=f"9.{i:06d}",
                    name=f"{subject} (thủ tục {i + 1})",
                    field=fields[i % len(fields)],
                    # A third still published at district level: flagged, and at the commune by the default rule.
                    at_commune=i % 3 != 2,
                    at_district=i % 3 == 1,
                    district_legacy=i % 3 == 1,
                    at_province=i % 3 == 2,
                    service_level=rng.choices([1, 2, 3, 4], weights=[10, 25, 25, 40])[0],
                    processing_days=rng.choice([1, 3, 5, 10, 15, 20]),
                    popularity=rng.randint(0, 5000),
                )
            )
        for procedure in procedures:
            procedure.search_text = procedure.build_search_text()
        procedures = ProcedureModel.objects.bulk_create(procedures, batch_size=1000)
        # Each agency handles up to 150 procedures of its level (a commune offers a hundred or two, not all).
        by_level = {1: [p for p in procedures if p.at_province], 3: [p for p in procedures if p.at_commune]}
        links = ProcedureModel.agencies.through
        links.objects.bulk_create(
            [
                links(procedure_id=p.pk, agency_id=a.pk)
                for a in agencies
                for p in rng.sample(by_level[a.level], min(150, len(by_level[a.level])))
            ],
            batch_size=5000,
        )
        cases = ProcedureCase.objects.bulk_create([ProcedureCase(procedure=p, name="") for p in procedures])
        documents = RequiredDocument.objects.bulk_create(
            [
                RequiredDocument(case=c, position=k, name=f"Giấy tờ {k + 1}", originals=1, is_required=k == 0)
                for c in cases
                for k in range(3)
            ],
            batch_size=2000,
        )
        docs_by_case = {}
        for document in documents:
            docs_by_case.setdefault(document.case_id, []).append(document.pk)
        step(f"{len(agencies)} agencies, {len(procedures)} procedures", began)

        began = time.monotonic()
        password = make_password(None)
        first_citizen = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        copier.copy(
            User,
            [
                "username",
                "password",
                "full_name",
                "name_key",
                "email",
                "phone",
                "id_number",
                "kind",
                "is_active",
                "date_joined",
            ],
            (
                (
                    f"bench-{i}",
                    password,
                    (full_name := name(rng)),
                    fold(full_name),
                    f"bench-{i}@example.vn",
                    f"+849{i:08d}",
                    f"{i:012d}",
                    "citizen",
                    True,
                    datetime(2023, 1, 1, tzinfo=UTC),
                )
                for i in range(args.citizens)
            ),
        )
        citizen_ids = list(
            User.objects.filter(username__startswith="bench-", pk__gte=first_citizen).values_list("pk", flat=True)
        )
        officials = []
        for agency in agencies:
            for role in ("desk", "specialist", "leader"):
                officials.append(
                    User(
                        username=f"bench-{role}-{agency.code}",
                        full_name=(full_name := name(rng)),
                        name_key=fold(full_name),
                        kind="official",
                        agency=agency,
                        role=role,
                        is_staff=True,
                        password=password,
                    )
                )
        officials = User.objects.bulk_create(officials, batch_size=2000)
        staff = {}
        for official in officials:
            staff.setdefault(official.agency_id, []).append(official.pk)
        step(f"{len(citizen_ids)} citizens, {len(officials)} officials", began)

    # Dossiers, in one COPY; their ids are read back in order of their codes.
    began = time.monotonic()
    end = datetime.now(UTC) - timedelta(days=1)
    start = end - timedelta(days=365 * args.years)
    span = (end - start).total_seconds()
    statuses, weights = zip(*OUTCOMES, strict=True)
    plans = []  # (code, final status, submitted_at, applicant, procedure index, agency)
    counters: dict[tuple[int, str], int] = {}
    for _ in range(args.dossiers):
        submitted = start + timedelta(seconds=rng.random() * span)
        agency = agencies[min(int(rng.paretovariate(1.2)) - 1, len(agencies) - 1)]
        day = submitted.strftime("%y%m%d")
        number = counters[agency.pk, day] = counters.get((agency.pk, day), 0) + 1
        final = rng.choices(statuses, weights)[0]
        plans.append((f"{agency.code}-{day}-{number:04d}", final, submitted, rng.choice(citizen_ids), agency))
    channel_weights = ["online"] * 6 + ["counter"] * 3 + ["post"]
    fee_of: dict[str, int] = {}  # what each dossier was billed at submission (its payment request), by code

    def dossier_rows():
        for code, final, submitted, applicant, agency in plans:
            procedure = procedures[rng.randrange(len(procedures))]
            days = float(procedure.processing_days or 5)
            accepted = submitted + timedelta(hours=rng.uniform(1, 30)) if final not in (1, 3) else None
            due = accepted + timedelta(days=days * 1.4) if accepted else None
            finished = None
            timeliness = ""
            if final in (9, 10):
                finished = accepted + timedelta(days=days * rng.uniform(0.4, 1.8))
                timeliness = "ahead" if finished < due - timedelta(days=1) else "on_time" if finished <= due else "late"
            handler = rng.choice(staff[agency.pk]) if final in (4, 5, 6, 8, 9, 10) else None
            returned = finished + timedelta(days=rng.uniform(0, 5)) if final == 10 else None
            fee_of[code] = rng.choice([0, 0, 8000, 50000, 100000])
            yield (
                code,
                procedure.pk,
                agency.pk,
                applicant,
                final,
                rng.choice(channel_weights),
                submitted,
                accepted,
                due,
                finished,
                timeliness,
                handler,
                returned,
                submitted,
                "processing" if final == 4 else "",
            )

    copier.copy(
        Dossier,
        [
            "code",
            "procedure",
            "agency",
            "applicant",
            "status",
            "channel",
            "submitted_at",
            "accepted_at",
            "due_at",
            "finished_at",
            "timeliness",
            "handler",
            "returned_at",
            "created_at",
            "stage",
        ],
        dossier_rows(),
    )
    step(f"{len(plans)} dossiers", began)

    began = time.monotonic()
    rows = Dossier.objects.filter(agency__code__startswith="9").values_list("pk", "code", "procedure_id", "handler_id")
    info = {code: (pk, procedure_id, handler_id) for pk, code, procedure_id, handler_id in rows.iterator(50_000)}
    case_of = dict(ProcedureCase.objects.filter(procedure__code__startswith="9.").values_list("procedure_id", "pk"))
    first_event = (DossierEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def event_rows():
        for code, final, submitted, applicant, _agency in plans:
            pk, _procedure, handler = info[code]
            when, previous = submitted, None
            for action in PATHS[final]:
                to = STATUS_AFTER[action]
                yield (pk, action, previous, to, applicant if action == "submit" else handler, when)
                previous, when = to, when + timedelta(hours=rng.uniform(2, 70))

    events = copier.copy(
        DossierEvent, ["dossier", "action", "from_status", "to_status", "actor", "created_at"], event_rows()
    )
    step(f"{events} timeline rows", began)

    began = time.monotonic()

    def document_rows():
        for code, _final, submitted, _applicant, _agency in plans:
            pk, procedure, _handler = info[code]
            for slot in docs_by_case[case_of[procedure]][: rng.randint(1, 3)]:
                yield (
                    pk,
                    slot,
                    f"dossiers/{pk}/{uuid.uuid4().hex}.pdf",
                    "ban-scan.pdf",
                    "application/pdf",
                    rng.randint(80_000, 5_000_000),
                    uuid.uuid4().hex * 2,
                    submitted,
                )

    files = copier.copy(
        DossierDocument,
        ["dossier", "required_document", "file", "original_name", "content_type", "size", "sha256", "uploaded_at"],
        document_rows(),
    )
    step(f"{files} document records", began)

    began = time.monotonic()
    paying = [
        (pk, fee_of[code], accepted, agency_id, channel)
        for pk, code, accepted, agency_id, channel in Dossier.objects.filter(agency__code__startswith="9")
        .exclude(status__in=[Status.SUBMITTED, Status.REFUSED])
        .values_list("pk", "code", "accepted_at", "agency_id", "channel")
        .iterator(50_000)
        if fee_of.get(code)
    ]
    copier.copy(
        PaymentRequest,
        ["dossier", "purpose", "status", "amount", "online", "created_at", "paid_at"],
        ((pk, "submission", "paid", fee, channel == "online", paid, paid) for pk, fee, paid, _a, channel in paying),
    )
    request_of = dict(
        PaymentRequest.objects.filter(dossier__agency__code__startswith="9").values_list("dossier_id", "pk")
    )
    copier.copy(
        PaymentLine,
        ["request", "position", "kind", "description", "quantity", "amount"],
        ((request_of[pk], 0, "charge", "Lệ phí", 1, fee) for pk, fee, *_rest in paying),
    )
    copier.copy(
        Transaction,
        [
            *("request", "gateway", "txn_ref", "amount", "status", "gateway_confirmed", "created_at", "settled_at"),
            *("paid_at", "response_code", "transaction_status"),
        ],
        (
            (
                request_of[pk],
                "vnpay" if channel == "online" else "counter",
                f"B{pk:012d}",
                fee,
                "succeeded",
                True,
                paid,
                paid,
                paid,
                "00" if channel == "online" else "",
                "00" if channel == "online" else "",
            )
            for pk, fee, paid, _agency, channel in paying
        ),
    )
    step(f"{len(paying)} paid requests with lines and transactions", began)

    began = time.monotonic()
    events_q = DossierEvent.objects.filter(pk__gte=first_event, action__in=NOTIFIED)
    kinds = {
        "submit": "submitted",
        "accept": "accepted",
        "refuse": "refused",
        "request_supplement": "supplement_requested",
        "request_payment": "payment_requested",
        "approve": "result_ready",
        "return_result": "result_returned",
        "stop": "stopped",
        "withdraw": "withdrawn",
    }

    # Read first: the connection cannot run a query while it is copying.
    notified = list(events_q.values_list("pk", "dossier_id", "action", "created_at").iterator(50_000))

    def message_rows():
        for event_pk, dossier_pk, action, created in notified:
            for channel in ("email", "sms"):
                sent = created + timedelta(seconds=rng.uniform(0.2, 4))
                yield (
                    dossier_pk,
                    event_pk,
                    kinds[action],
                    channel,
                    "bench@example.vn" if channel == "email" else "+84900000000",
                    "vi",
                    "Hồ sơ của bạn đã được cập nhật.",
                    "sent",
                    1,
                    sent,
                    created,
                    f"bench-{event_pk}-{channel}",
                )

    messages = copier.copy(
        Message,
        [
            "dossier",
            "event",
            "kind",
            "channel",
            "recipient",
            "language",
            "body",
            "status",
            "attempts",
            "sent_at",
            "created_at",
            "provider_id",
        ],
        message_rows(),
    )
    step(f"{messages} messages", began)

    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    step("ANALYZE", began)
    print(f"Done in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
