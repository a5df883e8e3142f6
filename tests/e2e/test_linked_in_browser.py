"""Linked procedures in a browser: the demo citizen files a birth registration, the child's permanent residence and
health-insurance card once; the three agencies finish their parts; the filing's page and the look-up show them."""

from playwright.sync_api import expect

from dossiers.models import LinkedFiling
from portal import demo
from portal.accounts.models import User
from procedures.kinds import PaperKind, kind_of_document
from procedures.models import Agency
from tests.e2e.test_tracking_in_browser import solve_captcha
from tests.filing import HAC_THANH, PDF_BYTES
from tests.test_linked import finish, group_declaration


def test_the_demo_citizen_files_birth_residence_and_health_insurance_together(page, screenshot, tmp_path):
    demo.create_demo_accounts()
    Agency.objects.filter(code=HAC_THANH).update(receives_dossiers=True)  # the ward's one-stop centre
    citizen = User.objects.get(username="congdan")
    scan = tmp_path / "ban-quet.pdf"
    scan.write_bytes(PDF_BYTES)

    page.goto(page.base_url + "/tai-khoan/dang-nhap/")
    page.locator("input[name=username]").fill("congdan")
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Đăng nhập").click()

    # From the birth registration's page to the group's start page: the centre and the cases.
    page.goto(f"{page.base_url}/thu-tuc/1.001193/")
    page.locator("#linked-khai-sinh-thuong-tru-bhyt a.button").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Liên thông đăng ký khai sinh")
    page.get_by_label("Ủy ban nhân dân phường Hạc Thành").check()
    page.get_by_label("về ở với vợ/chồng, cha/mẹ", exact=False).check()
    page.get_by_label("Cá nhân tham gia bảo hiểm y tế").check()
    screenshot("start")
    page.get_by_role("button", name="Bắt đầu").click()

    # One declaration for the three procedures.
    expect(page.get_by_role("heading", level=1)).to_have_text("Tờ khai")
    for name, value in group_declaration().items():
        field = page.locator(f"[name={name}]")
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    screenshot("declaration")
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    # Every part's documents on one page.
    expect(page.get_by_role("heading", level=1)).to_have_text("Giấy tờ")
    filing = LinkedFiling.objects.get(applicant=citizen)
    for part in filing.parts.all():
        for slot in part.case.documents.all():
            residence_proof = kind_of_document(slot) == PaperKind.RESIDENCE_PROOF
            if part.procedure.code == "1.001193" and residence_proof:
                page.locator(f"#document-{slot.pk}").set_input_files(str(scan))  # optional for the birth registration
            elif slot.is_required and slot.asks_for_scan(part.procedure) and not residence_proof:
                page.locator(f"#document-{slot.pk}").set_input_files(str(scan))
    expect(page.locator("#filing-parts, section[id^=part-]")).to_have_count(3)
    page.get_by_role("button", name="Tải lên và tiếp tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận các kết quả")

    # The proof of residence given with the birth registration is used for the residence, which requires it.
    parts = {part.procedure.code: part for part in filing.parts.all()}
    page.get_by_role("link", name="Giấy tờ").click()
    expect(page.locator(f"#part-{parts['1.001193'].pk} .shared-paper")).to_contain_text("Đăng ký thường trú")
    expect(page.locator(f"#part-{parts['1.004222'].pk} .shared-paper")).to_contain_text("Thủ tục đăng ký khai sinh")
    screenshot("documents-shared")
    page.get_by_role("button", name="Tải lên và tiếp tục").click()

    # Each result as its procedure allows: the birth certificate by post, the card online, the residence at the centre.
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận các kết quả")
    page.locator(f"#delivery-{parts['1.001193'].pk}").get_by_label("Qua dịch vụ bưu chính công ích").check()
    page.locator(f"#delivery-{parts['1.014137'].pk}").get_by_label("Nhận trực tuyến (kết quả điện tử)").check()
    page.locator("[name=address_province]").select_option("38")
    page.locator("[name=address_ward]").fill("Hạc Thành")
    page.locator("[name=address_street]").fill("5 Trần Phú")
    page.locator("[name=phone]").fill("0912345678")
    expect(page.locator("#delivery-office-only")).to_contain_text("Đăng ký thường trú")
    screenshot("delivery")
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra thông tin trước khi nộp")
    expect(page.locator("#linked-review-delivery")).to_contain_text("5 Trần Phú")
    page.get_by_label("Tôi cam đoan").check()
    solve_captcha(page)
    screenshot("review")
    page.get_by_role("button", name="Nộp hồ sơ").click()

    filing.refresh_from_db()
    expect(page.locator("#filing-code")).to_have_text(filing.code)
    rows = page.locator("#filing-parts tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("Công an phường Hạc Thành")
    expect(rows.nth(2)).to_contain_text("Bảo hiểm xã hội tỉnh Thanh Hóa")
    screenshot("submitted")

    # The agencies finish their parts in their back offices; the birth registration's number reaches the others.
    parts = {part.procedure.code: part for part in filing.parts.all()}  # now with their codes
    finish(parts["1.001193"], result_reference="125/2026")
    finish(parts["1.004222"])
    finish(parts["1.014137"], result_reference="TE1383820000001")

    page.get_by_role("link", name="Hồ sơ của tôi").first.click()
    expect(page.locator("#my-filings")).to_contain_text(filing.code)
    page.locator("#my-filings").get_by_role("link", name=filing.code).click()
    expect(page.locator("#filing-parts tbody tr").first).to_contain_text("125/2026")
    expect(page.locator("#filing-parts tbody tr").nth(2)).to_contain_text("TE1383820000001")
    expect(page.locator("#filing-status")).not_to_have_text("")
    screenshot("done")

    # The public look-up by the filing's code shows every part.
    page.goto(page.base_url + "/tra-cuu/")
    page.locator("input[name=code]").fill(filing.code)
    solve_captcha(page)
    page.locator("#lookup-form [type=submit]").click()
    expect(page.locator("#lookup-code")).to_have_text(filing.code)
    expect(page.locator("#lookup-parts .lookup-part")).to_have_count(3)
    expect(page.locator("#lookup-part-2")).to_contain_text(parts["1.004222"].code)
    screenshot("look-up")
