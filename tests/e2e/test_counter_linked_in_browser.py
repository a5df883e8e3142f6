"""The one-stop desk registers linked procedures brought on paper in a browser: the birth registration, the child's
permanent residence and health-insurance card; one declaration, the proof of residence scanned once for both
procedures that use it, the other papers shown only, then registered together under one filing code."""

from playwright.sync_api import expect

from dossiers.constants import DigitisationExemption, Status
from dossiers.models import LinkedFiling
from portal import demo
from procedures.kinds import PaperKind, kind_of_document
from procedures.models import Agency
from tests.filing import HAC_THANH, pdf_bytes
from tests.test_linked import group_declaration

from .test_counter_in_browser import fill_declaration, sign_in_and_record_a_citizen

CCCD = "038195054321"  # Thanh Hóa, female, born 1995: nobody has it yet
BIRTH = "1.001193"
INSURANCE = "1.014137"


def test_the_desk_registers_birth_residence_and_health_insurance_together(page, screenshot, tmp_path):
    demo.create_demo_accounts()
    Agency.objects.filter(code=HAC_THANH).update(receives_dossiers=True)  # the ward's one-stop centre
    proof = tmp_path / "so-ho-khau.pdf"
    proof.write_bytes(pdf_bytes(2))

    sign_in_and_record_a_citizen(page, CCCD, full_name="Trần Thị Mai", birth_date="1995-08-12", phone="0912 345 679")

    # The procedure step offers the linked procedures; their cases are chosen on their own page.
    page.locator("#counter-linked-groups a", has_text="Liên thông đăng ký khai sinh").click()
    expect(page.locator("#counter-linked-members tbody tr")).to_have_count(3)
    page.get_by_label("về ở với vợ/chồng, cha/mẹ", exact=False).check()
    page.get_by_label("Cá nhân tham gia bảo hiểm y tế").check()
    screenshot("start")
    page.locator("#counter-linked-start [type=submit]").click()

    # One declaration for the three.
    fill_declaration(page, group_declaration(requester_name="Trần Thị Mai", requester_id=CCCD))
    page.locator("#counter-declaration [type=submit]").click()
    expect(page.locator("#counter-checklist .counter-error").first).to_be_visible()
    screenshot("checklist-missing")

    filing = LinkedFiling.objects.get(applicant__id_number=CCCD)
    parts = {part.procedure.code: part for part in filing.parts.all()}
    # Each procedure's papers: the proof of residence scanned once, with the birth registration; the rest shown only.
    for code in [BIRTH] + [c for c in parts if c != BIRTH]:
        part = parts[code]
        page.locator(f'#counter-filing-parts a[href$="/{part.pk}/giay-to/"]').click()
        for slot in part.case.documents.order_by("position"):
            row = page.locator(f"#document-{slot.pk}")
            held = part.documents.filter(required_document=slot).first()
            if code == BIRTH and kind_of_document(slot) == PaperKind.RESIDENCE_PROOF:
                row.locator("input[type=file]").set_input_files(str(proof))
                row.locator("button[value=scan]").click()
                expect(page.locator(f"#document-{slot.pk} .counter-ok")).to_be_visible()
            elif slot.is_required and slot.needs_upload(part.procedure) and held is None:
                row.locator("select[name=reason]").select_option(DigitisationExemption.SHOWN_ONLY.value)
                row.locator("button[value=exempt]").click()
                expect(page.locator(f"#document-{slot.pk} .counter-ok")).to_be_visible()
        if code != BIRTH:
            screenshot(f"documents-{code}")
        page.locator("#counter-to-review").click()

    expect(page.locator("#counter-checklist .counter-ok")).to_be_visible()
    # The citizen wants the birth certificate by post; the card online; the residence is collected at the desk.
    delivery = page.locator("#counter-delivery")
    delivery.locator(f"[name=method_{parts[BIRTH].pk}][value=post]").check()
    delivery.locator(f"[name=method_{parts[INSURANCE].pk}][value=online]").check()
    delivery.locator("[name=address_province]").select_option("38")
    delivery.locator("[name=address_ward]").fill("Hạc Thành")
    delivery.locator("[name=address_street]").fill("5 Trần Phú")
    delivery.locator("[name=phone]").fill("0912345679")
    screenshot("delivery")
    delivery.locator("[type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#counter-filing-parts")).to_contain_text("Qua dịch vụ bưu chính công ích")
    screenshot("checklist-complete")
    page.locator("#counter-accept [type=submit]").click()

    expect(page.locator(".messagelist .success")).to_be_visible()
    filing.refresh_from_db()
    assert filing.code
    expect(page.locator("#counter-summary")).to_contain_text(filing.code)
    for part in filing.parts.all():
        expect(page.locator("#counter-filing-parts")).to_contain_text(part.code)
        assert part.status == (Status.SUBMITTED if part.needs_id else Status.ACCEPTED)
    assert filing.parts.get(procedure__code=BIRTH).delivery_address.startswith("5 Trần Phú")
    residence = filing.parts.get(procedure__code="1.004222")
    copy = residence.documents.get(copied_from__isnull=False)
    assert copy.scanned_at_intake and copy.pages == 2  # scanned once at the birth registration's row
    screenshot("registered")
