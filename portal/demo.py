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

DEMO_OFFICIALS = [
    ("tiepnhan", "Lê Thị Tiếp Nhận", Role.DESK),
    ("chuyenvien", "Trần Văn Chuyên", Role.SPECIALIST),
    ("lanhdao", "Phạm Minh Lãnh", Role.LEADER),
    ("thuphi", "Hoàng Thị Thu", Role.CASHIER),
    ("quantridonvi", "Vũ Đức Quản", Role.AGENCY_ADMIN),
]


def _demo_definition() -> dict:
    return json.loads(AGENCIES_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def load_agencies() -> int:
    rows = _demo_definition()["agencies"]
    for row in rows:  # parents come before children in the file
        Agency.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent": Agency.objects.get(code=row["parent"]) if row.get("parent") else None,
            },
        )
    return len(rows)


@transaction.atomic
def assign_agencies() -> None:
    """Link each procedure to the demo agencies that handle its published implementing bodies."""
    definition = _demo_definition()
    by_body: dict[str, list[str]] = {}
    for row in definition["agencies"]:
        for body in row.get("handles", []):
            by_body.setdefault(body, []).append(row["code"])
    agencies = {a.code: a for a in Agency.objects.all()}
    fallback = {
        AdministrativeLevel.PROVINCE: ["000.00.01.H56"],
        AdministrativeLevel.DISTRICT: ["000.01.30.H56"],
        AdministrativeLevel.COMMUNE: list(by_body.get("Ủy ban nhân dân cấp xã", [])),
    }
    for procedure in Procedure.objects.prefetch_related("agencies"):
        codes = {code for body in procedure.implementing_bodies.splitlines() for code in by_body.get(body, [])}
        if not codes:
            codes = {code for level in procedure.administrative_levels for code in fallback[level]}
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
    sync_role_groups()
    created = []
    agency = Agency.objects.get(code=DEMO_AGENCY)
    for username, full_name, role in DEMO_OFFICIALS:
        if not User.objects.filter(username=username).exists():
            create_official(
                username=username,
                full_name=full_name,
                email=f"{username}@hacthanh.example.gov.vn",
                agency=agency,
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
