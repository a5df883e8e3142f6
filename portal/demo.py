"""Demo data for the local portal and the tests: one province's agencies, the catalogue, demo accounts."""

import io
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.accounts.services import create_citizen, create_official, sync_role_groups
from procedures.constants import ONLINE_SUBMISSION_LEVEL, TEMPLATE_DOWNLOAD_LEVEL, AdministrativeLevel
from procedures.documents import attach_stand_in_template
from procedures.eforms import validate_spec
from procedures.groups import load_groups
from procedures.importers import ImportReport, import_package, load_package
from procedures.models import Agency, FeeItem, FormTemplate, Procedure

DEMO_DIR = Path(settings.BASE_DIR) / "procedures" / "demo"
CATALOGUE_FILE = DEMO_DIR / "procedures-sample.json"
AGENCIES_FILE = DEMO_DIR / "agencies.json"
EFORMS_FILE = DEMO_DIR / "eforms.json"
DEMO_PASSWORD = "DichVuCong@2026"  # noqa: S105 - documented demo password, demo data only
DEMO_AGENCY = "000.20.30.H56"  # Ủy ban nhân dân phường Hạc Thành
PROVINCIAL_CENTRE = "000.00.01.H56"  # Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa

DEMO_OFFICIALS = [
    ("tiepnhan", "Lê Thị Tiếp Nhận", Role.DESK),
    ("chuyenvien", "Trần Văn Chuyên", Role.SPECIALIST),
    ("lanhdao", "Phạm Minh Lãnh", Role.LEADER),
    ("thuphi", "Hoàng Thị Thu", Role.CASHIER),
    ("quantridonvi", "Vũ Đức Quản", Role.AGENCY_ADMIN),
]

# A desk officer, a specialist and a leader at the province's one-stop centre, the departments the linked and
# provincial procedures go to, and one more ward: (agency code, mail domain, [(username, full name, role)]).
DEMO_AGENCY_OFFICIALS = [
    (
        PROVINCIAL_CENTRE,
        "tinh",
        [
            ("tiepnhan.tinh", "Nguyễn Thị Hồng Nhung", Role.DESK),
            ("chuyenvien.tinh", "Lê Văn Thành", Role.SPECIALIST),
            ("lanhdao.tinh", "Trịnh Quốc Hưng", Role.LEADER),
            ("thuphi.tinh", "Vũ Thị Thu", Role.CASHIER),  # a one-stop centre takes the money at its desk
        ],
    ),
    (
        "000.00.12.H56",  # Sở Tư pháp
        "sotuphap",
        [
            ("tiepnhan.sotuphap", "Đỗ Thị Mai", Role.DESK),
            ("chuyenvien.sotuphap", "Hà Văn Luật", Role.SPECIALIST),
            ("lanhdao.sotuphap", "Mai Xuân Phúc", Role.LEADER),
        ],
    ),
    (
        "000.00.19.H56",  # Công an tỉnh
        "congan",
        [
            ("tiepnhan.congan", "Lê Thị Thu Trang", Role.DESK),
            ("chuyenvien.congan", "Nguyễn Văn Cường", Role.SPECIALIST),
            ("lanhdao.congan", "Lê Đình Dũng", Role.LEADER),
        ],
    ),
    (
        "000.23.30.H56",  # Công an phường Hạc Thành (the ward's police point: permanent and temporary residence)
        "conganhacthanh",
        [
            ("tiepnhan.conganhacthanh", "Phạm Thị Lan", Role.DESK),
            ("chuyenvien.conganhacthanh", "Vũ Văn Hòa", Role.SPECIALIST),
            ("lanhdao.conganhacthanh", "Cao Văn Bình", Role.LEADER),
        ],
    ),
    (
        "000.00.20.H56",  # Bảo hiểm xã hội tỉnh
        "bhxh",
        [
            ("tiepnhan.bhxh", "Lương Thị Hạnh", Role.DESK),
            ("chuyenvien.bhxh", "Đinh Văn Tâm", Role.SPECIALIST),
            ("lanhdao.bhxh", "Hoàng Minh Sơn", Role.LEADER),
        ],
    ),
    (
        "000.24.30.H56",  # Ủy ban nhân dân phường Hàm Rồng
        "hamrong",
        [
            ("tiepnhan.hamrong", "Bùi Thị Ngọc", Role.DESK),
            ("chuyenvien.hamrong", "Lê Văn Rồng", Role.SPECIALIST),
            ("lanhdao.hamrong", "Nguyễn Đức Hàm", Role.LEADER),
            ("thuphi.hamrong", "Trần Thị Phí", Role.CASHIER),
        ],
    ),
]


def _demo_definition() -> dict:
    return json.loads(AGENCIES_FILE.read_text(encoding="utf-8"))


def _ward_code(province_code: int, ward: str) -> str:
    """The ward's or commune's code in the official list of 2025 (``vietnam_provinces``), found by its name."""
    from portal.text import fold
    from procedures.eforms import wards_by_province

    try:
        return str(wards_by_province()[province_code][fold(ward)][0])
    except KeyError:
        raise ValueError(f"{ward} is not a commune or ward of province {province_code} in the 2025 list") from None


@transaction.atomic
def load_agencies() -> int:
    """The demo province's agencies: the province, its departments and its communes' one-stop centres. Agencies of
    the former demo that no longer exist (the tier abolished on 1 July 2025) are deactivated, never offered."""
    definition = _demo_definition()
    rows = definition["agencies"]
    for row in rows:  # parents come before children in the file
        Agency.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent": Agency.objects.get(code=row["parent"]) if row.get("parent") else None,
                "receives_dossiers": row.get("receives_dossiers", False),
                "ward_code": _ward_code(definition["province_code"], row["ward"]) if row.get("ward") else "",
                "is_active": True,
            },
        )
    Agency.objects.filter(code__in=definition.get("retired", [])).update(is_active=False, receives_dossiers=False)
    return len(rows)


def commune_centres() -> list[Agency]:
    """The communes' and wards' one-stop centres of the demo province."""
    return list(
        Agency.objects.filter(level=AdministrativeLevel.COMMUNE, receives_dossiers=True, is_active=True).order_by(
            "code"
        )
    )


@transaction.atomic
def assign_agencies() -> None:
    """Link each procedure to the demo agencies that handle its published implementing bodies.

    A procedure whose bodies no demo agency handles goes by its level: the province's one-stop centre, or every
    commune centre. A procedure still published at district level goes by the level its district rule gave it
    (procedures.routing.level_for_district_record): the bodies of the abolished tier are handled by no one."""
    definition = _demo_definition()
    by_body: dict[str, list[str]] = {}
    for row in definition["agencies"]:
        for body in row.get("handles", []):
            by_body.setdefault(body, []).append(row["code"])
    agencies = {a.code: a for a in Agency.objects.filter(is_active=True)}
    fallback = {
        AdministrativeLevel.PROVINCE: [PROVINCIAL_CENTRE],
        AdministrativeLevel.COMMUNE: [agency.code for agency in commune_centres()],
    }
    for procedure in Procedure.objects.prefetch_related("agencies"):
        codes = {code for body in procedure.implementing_bodies.splitlines() for code in by_body.get(body, [])}
        if not codes or procedure.district_legacy:
            codes |= {code for level in procedure.administrative_levels for code in fallback[level]}
        procedure.agencies.add(*(agencies[c] for c in codes if c in agencies))
    for code, popularity in definition["popularity"].items():
        Procedure.objects.filter(code=code).update(popularity=popularity)


def load_catalogue() -> ImportReport:
    report = import_package(load_package(CATALOGUE_FILE))
    assign_agencies()
    load_eforms()
    link_fee_quantities()
    load_groups(DEMO_DIR / "groups.json")  # linked procedures (Decree 63/2024), once agencies handle them
    return report


def load_eforms() -> int:
    """Give every level 3–4 procedure its declaration: its own where written, the general one otherwise."""
    eforms = json.loads(EFORMS_FILE.read_text(encoding="utf-8"))
    count = 0
    for procedure in Procedure.objects.filter(service_level__gte=ONLINE_SUBMISSION_LEVEL):
        spec = eforms.get(procedure.code, eforms["default"])
        validate_spec(spec)
        if procedure.eform != spec:
            Procedure.objects.filter(pk=procedure.pk).update(eform=spec)
            count += 1
    return count


# The demo e-forms ask for the number of copies in this field; the copy fee ("8.000 đồng/bản") is charged per copy.
COPIES_FIELD = "copies"


def link_fee_quantities() -> int:
    """The per-copy fee of every procedure whose declaration asks for copies is charged by the number asked for."""
    count = 0
    for procedure in Procedure.objects.filter(service_level__gte=ONLINE_SUBMISSION_LEVEL):
        if not any(item.get("name") == COPIES_FIELD for item in procedure.eform or []):
            continue
        count += (
            FeeItem.objects.filter(option__procedure=procedure, per_unit=True, description__icontains="bản sao")
            .exclude(quantity_field=COPIES_FIELD)
            .update(quantity_field=COPIES_FIELD)
        )
    return count


def generate_stand_in_templates() -> int:
    """Stand-in PDFs for the form templates of level ≥ 2 procedures that have no file yet."""
    missing = FormTemplate.objects.filter(file="", procedure__service_level__gte=TEMPLATE_DOWNLOAD_LEVEL)
    count = 0
    for template in missing:
        attach_stand_in_template(template=template)
        count += 1
    return count


def create_demo_accounts() -> list[str]:
    """The demo's officials (at phường Hạc Thành, and at the agencies of ``DEMO_AGENCY_OFFICIALS``), the demo
    citizen and the superuser, all with the demo password. Accounts that exist are left alone."""
    sync_role_groups()
    created = []
    agency = Agency.objects.get(code=DEMO_AGENCY)
    staff = [(DEMO_AGENCY, "hacthanh", DEMO_OFFICIALS), *DEMO_AGENCY_OFFICIALS]
    for code, domain, officials in staff:
        office = agency if code == DEMO_AGENCY else Agency.objects.get(code=code)
        for username, full_name, role in officials:
            if not User.objects.filter(username=username).exists():
                create_official(
                    username=username,
                    full_name=full_name,
                    email=f"{username.split('.')[0]}@{domain}.example.gov.vn",
                    agency=office,
                    role=role,
                    password=DEMO_PASSWORD,
                )
                created.append(username)
    _demo_tracking_range(agency)
    if not User.objects.filter(username="congdan").exists():
        create_citizen(
            username="congdan",
            full_name="Nguyễn Văn An",
            email="congdan@example.vn",
            phone="0912345678",
            id_number="038090001234",
            password=DEMO_PASSWORD,
        )
        created.append("congdan")
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser(
            username="admin",
            email="admin@example.gov.vn",
            password=DEMO_PASSWORD,
            full_name="Quản trị hệ thống",
            kind="official",
        )
        created.append("admin")
    return created


def _demo_tracking_range(agency: Agency) -> None:
    """Postal tracking numbers for the demo agency's desk (illustrative; a real range comes from the post office)."""
    from postal.models import TrackingRange

    if not TrackingRange.objects.filter(agency=agency).exists():
        TrackingRange.objects.create(agency=agency, prefix="EB", first=10000, last=19999, next=10000)


def demo_scan() -> bytes:
    """A one-page blank A4 PDF standing in for a citizen's scans (a real PDF: uploads are opened to check them)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


DEMO_BIRTH_DECLARATION = {
    "requester_name": "Nguyễn Văn An",
    "requester_id": "038090001234",
    "requester_address_province": "38",
    "requester_address_ward": "Hạc Thành",
    "requester_address_street": "12 Lê Lợi",
    "requester_relation": "Cha",
    "child_sex": "Nam",
    "child_birth_date": "2026-11-01",
    "child_birth_place": "Bệnh viện Đa khoa tỉnh Thanh Hóa",
    "child_ethnicity": "Kinh",
    "child_nationality": "Việt Nam",
    "father_name": "Nguyễn Văn An",
    "father_birth_year": "1990",
    "father_ethnicity": "Kinh",
    "father_nationality": "Việt Nam",
    "mother_name": "Lê Thị Hoa",
    "mother_birth_year": "1992",
    "mother_ethnicity": "Kinh",
    "mother_nationality": "Việt Nam",
    "mother_address_province": "38",
    "mother_address_ward": "Hạc Thành",
    "mother_address_street": "12 Lê Lợi",
    "copies": "1",
}
DEMO_CHILDREN = ["Nguyễn Minh Khôi", "Nguyễn Bảo Ngọc", "Nguyễn Gia Huy", "Nguyễn Thảo Vy"]


def create_demo_dossiers() -> int:
    """Four birth registrations filed by the demo citizen, at different stages, so the back office has a queue."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers import processing, services
    from procedures.eforms import EForm

    citizen = User.objects.get(username="congdan")
    if citizen.dossiers.exists():
        return 0
    procedure = Procedure.objects.get(code="1.001193")
    agency = Agency.objects.get(code=DEMO_AGENCY)
    desk, specialist = User.objects.get(username="tiepnhan"), User.objects.get(username="chuyenvien")
    scan_bytes = demo_scan()
    for position, child in enumerate(DEMO_CHILDREN):
        dossier = services.start_draft(procedure=procedure, applicant=citizen, agency=agency, case=None)
        form = EForm({**DEMO_BIRTH_DECLARATION, "child_name": child}, spec=procedure.eform)
        if not form.is_valid():
            raise ValueError(form.errors.as_text())
        services.save_declaration(dossier=dossier, data=form.to_json())
        for slot in dossier.case.documents.filter(is_required=True):
            scan = SimpleUploadedFile(f"ban-quet-{slot.position + 1}.pdf", scan_bytes, content_type="application/pdf")
            services.attach_document(dossier=dossier, required_document=slot, upload=scan)
        dossier, _ = services.submit_dossier(dossier=dossier, by=citizen)
        if position >= 1:
            processing.accept(dossier=dossier, by=desk)
        if position >= 2:
            processing.assign(dossier=dossier, by=desk, handler=specialist)
        if position == 3:
            processing.request_supplement(
                dossier=dossier, by=specialist, missing="Bản sao Giấy chứng sinh rõ nét, có dấu của cơ sở y tế."
            )
    return len(DEMO_CHILDREN)


CRIMINAL_RECORD = "3.000333"  # Cấp Phiếu lý lịch tư pháp: provincial police, received at any centre
BIRTH_GROUP = "khai-sinh-thuong-tru-bhyt"  # linked procedures, group (a) of Decree 63/2024/NĐ-CP


def create_demo_routed_and_linked() -> int:
    """What intake regardless of boundary and linked procedures look like: the demo citizen's criminal-record request
    received at Hạc Thành and sent to the provincial police (assigned there), and a birth + residence + health
    insurance filing whose birth part has its result, so the two waiting parts have started."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers import linked, processing, services
    from dossiers.models import LinkedFiling
    from procedures.eforms import EForm
    from procedures.models import ProcedureGroup

    citizen = User.objects.get(username="congdan")
    if LinkedFiling.objects.filter(applicant=citizen).exists():
        return 0
    centre = Agency.objects.get(code=DEMO_AGENCY)
    scan_bytes = demo_scan()

    def scan(name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, scan_bytes, content_type="application/pdf")

    procedure = Procedure.objects.get(code=CRIMINAL_RECORD)
    police = procedure.agencies.get()
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=police, case=procedure.cases.first(), received_by=centre
    )
    form = EForm(
        {
            "applicant_name": "Nguyễn Văn Dân",
            "applicant_birth_date": "1990-05-01",
            "applicant_id": "038090001234",
            "applicant_phone": "0912345678",
            "applicant_address_province": "38",
            "applicant_address_ward": "Hạc Thành",
            "applicant_address_street": "12 Lê Lợi",
            "request": "Cấp Phiếu lý lịch tư pháp số 1 để bổ sung hồ sơ xin việc.",
        },
        spec=procedure.eform,
    )
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.filter(is_required=True):
        if slot.asks_for_scan(procedure):
            services.attach_document(dossier=dossier, required_document=slot, upload=scan("giay-to.pdf"))
    dossier, _ = services.submit_dossier(dossier=dossier, by=citizen)
    processing.accept(dossier=dossier, by=User.objects.get(username="tiepnhan"))
    processing.assign(
        dossier=dossier,
        by=User.objects.get(username="lanhdao.congan"),
        handler=User.objects.get(username="chuyenvien.congan"),
    )

    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    cases = {}
    for member in group.members.select_related("procedure"):
        options = list(member.procedure.cases.all())
        cases[member.pk] = next((c for c in options if "cha/mẹ" in c.name), options[0])
    filing = linked.start_filing(group=group, applicant=citizen, received_by=centre, cases=cases)
    declaration = {
        **DEMO_BIRTH_DECLARATION,
        "child_name": "Nguyễn Minh An",
        "residence_address_province": "38",
        "residence_address_ward": "Hạc Thành",
        "residence_address_street": "12 Lê Lợi",
        "household_head": "Nguyễn Văn An",
        "relation_to_head": "Con",
        "health_facility": "Trạm Y tế phường Hạc Thành",
        "contact_phone": "0912345678",
    }
    form = EForm(declaration, spec=group.eform)
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    linked.save_declaration(filing=filing, data=form.to_json())
    for part in filing.parts.all():
        for slot in part.case.documents.filter(is_required=True):
            if slot.asks_for_scan(part.procedure):
                linked.attach_document(filing=filing, part=part, required_document=slot, upload=scan("ban-quet.pdf"))
    filing, _ = linked.submit_filing(filing=filing, by=citizen)
    birth = filing.parts.get(procedure__code="1.001193")
    desk, specialist, leader = (User.objects.get(username=name) for name in ("tiepnhan", "chuyenvien", "lanhdao"))
    processing.accept(dossier=birth, by=desk)
    processing.assign(dossier=birth, by=desk, handler=specialist)
    processing.submit_for_approval(dossier=birth, by=specialist, leader=leader)
    processing.approve(dossier=birth, by=leader, result_reference="125/2026")
    return 1 + filing.parts.count()


SIGNED_RESULT_CHILD = "Nguyễn Minh Châu"


def demo_result_pdf(code: str, child: str) -> bytes:
    """The result a leader signs in the demo: an electronic birth certificate extract, labelled as a demo."""
    from django.utils.html import escape

    from portal.pdf import render_pdf

    html = (
        "<style>@page { size: A4; margin: 2cm; } body { font-family: 'Be Vietnam Pro'; font-size: 12pt; }"
        " h1 { text-align: center; font-size: 16pt; } .demo { color: #b00; text-align: center; }</style>"
        "<p style='text-align:center'><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh phúc</p>"
        "<h1>TRÍCH LỤC KHAI SINH (BẢN ĐIỆN TỬ)</h1>"
        f"<p>Họ, chữ đệm, tên: <b>{escape(child)}</b></p><p>Ngày sinh: 01/11/2026</p>"
        "<p>Nơi sinh: Bệnh viện Đa khoa tỉnh Thanh Hóa</p><p>Cha: Nguyễn Văn An — Mẹ: Lê Thị Hoa</p>"
        f"<p>Mã hồ sơ: {escape(code)}</p>"
        "<p class='demo'>BẢN MẪU (DEMO) — ký bằng chứng thư số thử nghiệm, không có giá trị pháp lý.</p>"
    )
    return render_pdf(html)


def create_demo_signed_result() -> int:
    """A birth registration of the demo citizen whose electronic result the leader signed (DEMO PKI) and that was
    returned online: the citizen's page offers the signed result, and /xac-minh/ verifies it."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers import processing, services
    from dossiers.constants import DeliveryMethod
    from portal.signing.sign import enabled
    from procedures.eforms import EForm

    citizen = User.objects.get(username="congdan")
    if not enabled() or citizen.dossiers.filter(result_signed_at__isnull=False).exists():
        return 0
    procedure = Procedure.objects.get(code="1.001193")
    agency = Agency.objects.get(code=DEMO_AGENCY)
    desk, specialist, leader = (User.objects.get(username=name) for name in ("tiepnhan", "chuyenvien", "lanhdao"))
    dossier = services.start_draft(procedure=procedure, applicant=citizen, agency=agency, case=None)
    form = EForm({**DEMO_BIRTH_DECLARATION, "child_name": SIGNED_RESULT_CHILD}, spec=procedure.eform)
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    services.save_declaration(dossier=dossier, data=form.to_json())
    scan_bytes = demo_scan()
    for slot in dossier.case.documents.filter(is_required=True):
        scan = SimpleUploadedFile(f"ban-quet-{slot.position + 1}.pdf", scan_bytes, content_type="application/pdf")
        services.attach_document(dossier=dossier, required_document=slot, upload=scan)
    if DeliveryMethod.ONLINE in services.delivery_methods(procedure):
        services.choose_delivery(dossier=dossier, method=DeliveryMethod.ONLINE)
    dossier, _ = services.submit_dossier(dossier=dossier, by=citizen)
    processing.accept(dossier=dossier, by=desk)
    processing.assign(dossier=dossier, by=desk, handler=specialist)
    processing.submit_for_approval(dossier=dossier, by=specialist, leader=leader)
    result = SimpleUploadedFile(
        "ket-qua.pdf", demo_result_pdf(dossier.code, SIGNED_RESULT_CHILD), content_type="application/pdf"
    )
    processing.approve(
        dossier=dossier, by=leader, result=result, result_reference="126/2026", pin=settings.SIGNATURE_DEMO_PIN
    )
    if processing.held_reason(dossier):
        from payments import services as payments
        from payments.constants import RequestStatus
        from payments.models import PaymentRequest

        for request in PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN):
            payments.record_counter_payment(request=request, by=User.objects.get(username="thuphi"))
    processing.return_result(dossier=dossier, by=desk, note="Trả kết quả điện tử đã ký số trên Cổng.")
    return 1
