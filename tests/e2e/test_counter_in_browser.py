"""The one-stop desk registers a paper dossier in a browser: the citizen recorded by CCCD, the birth registration's
declaration typed in, its papers scanned (two files into one PDF) or exempt, accepted, and the receipt printed."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from dossiers.constants import Channel, DigitisationExemption, Status
from dossiers.models import Dossier
from portal import demo
from procedures.models import Procedure
from tests.filing import BIRTH, birth_declaration, image_bytes, pdf_bytes

ADMIN = "/quan-tri/"
DASHBOARD = ADMIN + "dossiers/dossier/bang-dieu-khien/"
CCCD = "038195012345"  # Thanh Hóa, female, born 1995: nobody has it yet


def fill_declaration(page, answers: dict) -> None:
    for name, value in answers.items():
        field = page.locator(f"#counter-declaration [name={name}]")
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def sign_in_and_record_a_citizen(page, cccd: str, **person) -> None:
    """The demo desk signs in, opens the counter and records a citizen nobody has a record of (CCCD not found)."""
    page.goto(f"{page.base_url}{ADMIN}login/?next={DASHBOARD}")
    page.locator("input[name=username]").fill("tiepnhan")
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.locator("#counter-intake").click()
    page.locator("#counter-lookup input[name=id_number]").fill(cccd)
    page.locator("#counter-lookup [type=submit]").click()
    record = page.locator("#counter-record")
    for name, value in person.items():
        record.locator(f"input[name={name}]").fill(value)
    record.locator("[type=submit]").click()


def test_the_desk_registers_a_paper_birth_registration_and_prints_its_receipt(page, screenshot, tmp_path):
    demo.create_demo_accounts()
    first_pages = tmp_path / "giay-chung-sinh-1.pdf"
    first_pages.write_bytes(pdf_bytes(2))
    last_page = tmp_path / "giay-chung-sinh-3.jpg"
    last_page.write_bytes(image_bytes("JPEG", (620, 877)))
    documents = Procedure.objects.get(code=BIRTH).cases.get().documents
    certificate = documents.get(name__startswith="Giấy chứng sinh")
    identity = documents.get(name__startswith="Xuất trình: Hộ chiếu")

    # 1. Nobody has this CCCD: the desk records the citizen.
    sign_in_and_record_a_citizen(
        page, CCCD, full_name="Lê Thị Hoa", birth_date="1995-03-04", phone="0912 345 678", email="hoa.le@example.vn"
    )

    # 2. The birth registration: the ward itself is competent, one case.
    page.locator("#counter-procedure select[name=procedure]").select_option(BIRTH)
    page.locator("#counter-procedure [type=submit]").click()

    # 3. The declaration, as on the paper form.
    fill_declaration(page, birth_declaration(requester_name="Lê Thị Hoa", requester_id=CCCD, requester_relation="Mẹ"))
    page.locator("#counter-declaration [type=submit]").click()

    # 4. The birth certificate scanned in two files; the identity card only shown.
    row = page.locator(f"#document-{certificate.pk}")
    row.locator("input[type=file]").set_input_files([str(first_pages), str(last_page)])
    row.locator("button[value=scan]").click()
    expect(page.locator(f"#document-{certificate.pk} .counter-ok")).to_be_visible()
    row = page.locator(f"#document-{identity.pk}")
    row.locator("select[name=reason]").select_option(DigitisationExemption.SHOWN_ONLY.value)
    row.locator("button[value=exempt]").click()
    expect(page.locator(f"#document-{identity.pk} .counter-ok")).to_be_visible()
    screenshot("documents")

    # 5. Complete: accept.
    page.locator("#counter-to-review").click()
    expect(page.locator("#counter-checklist .counter-ok")).to_be_visible()
    screenshot("review")
    page.locator("#counter-accept [type=submit]").click()

    expect(page.locator(".messagelist .success")).to_be_visible()
    dossier = Dossier.objects.get(applicant__id_number=CCCD)
    assert dossier.status == Status.ACCEPTED and dossier.channel == Channel.COUNTER
    assert re.fullmatch(r"000\.20\.30\.H56-\d{6}-\d{4}", dossier.code)
    scan = dossier.documents.get(required_document=certificate)
    assert scan.scanned_at_intake and scan.pages == 3
    expect(page.locator("#dossier-documents")).to_contain_text(identity.name[:20])
    screenshot("accepted")

    with page.expect_download() as download_info:
        page.locator(f'a[href$="/{dossier.public_id}/bien-nhan/"]').click()
    saved = screenshot("receipt").with_suffix(".pdf")
    download_info.value.save_as(saved)  # kept next to the screenshots, for a human to look at
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(saved.read_bytes())).pages).split())
    assert dossier.code in text and "Bộ phận Một cửa đã tiếp nhận hồ sơ giấy" in text and "3 trang" in text
