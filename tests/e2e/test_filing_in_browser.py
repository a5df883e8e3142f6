import re

from captcha.models import CaptchaStore
from playwright.sync_api import expect

from portal import demo
from tests.filing import PDF_BYTES, image_bytes

GUARDIANSHIP_SUPERVISION = "3.000323"  # Đăng ký giám sát việc giám hộ: level 3, commune


def test_the_demo_citizen_files_a_level_3_dossier_and_downloads_the_receipt(page, screenshot, tmp_path):
    demo.create_demo_accounts()
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF_BYTES)
    photo = tmp_path / "van-ban-thoa-thuan.jpg"
    photo.write_bytes(image_bytes("JPEG", (400, 300)))

    page.goto(page.base_url + "/tai-khoan/dang-nhap/")
    page.locator("input[name=username]").fill("congdan")
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Đăng nhập").click()

    page.goto(f"{page.base_url}/thu-tuc/{GUARDIANSHIP_SUPERVISION}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.get_by_label("Ủy ban nhân dân phường Hạc Thành").check()
    page.get_by_role("button", name="Bắt đầu").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tờ khai")
    page.get_by_label("Họ, chữ đệm, tên").fill("Nguyễn Văn An")
    page.get_by_label("Ngày, tháng, năm sinh").fill("1990-05-01")
    page.get_by_label("Số định danh cá nhân (CCCD)").fill("038090001234")
    page.get_by_label("Số điện thoại liên hệ").fill("0912 345 678")
    page.get_by_label("Tỉnh/thành phố").select_option(label="Tỉnh Thanh Hóa")
    page.get_by_label("Phường, xã, đặc khu").fill("Hạc Thành")
    page.get_by_label("Số nhà, đường, thôn/xóm").fill("12 Lê Lợi")
    page.get_by_label("Nội dung đề nghị giải quyết").fill("Đăng ký giám sát việc giám hộ cho cháu Nguyễn Minh Khôi.")
    screenshot("declaration")
    # Read in English and back: nothing typed is lost (the switch reloaded an empty declaration).
    page.locator("form.lang-switch button[value=en]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Declaration")
    expect(page.get_by_label("Ward, commune or special zone")).to_have_value("Hạc Thành")
    page.locator("form.lang-switch button[value=vi]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tờ khai")
    expect(page.get_by_label("Nội dung đề nghị giải quyết")).to_have_value(
        "Đăng ký giám sát việc giám hộ cho cháu Nguyễn Minh Khôi."
    )
    expect(page.get_by_label("Tỉnh/thành phố")).to_have_value(re.compile(r"\d+"))
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Giấy tờ")
    inputs = page.locator("input[type=file]")
    inputs.nth(0).set_input_files(str(scan))
    inputs.nth(1).set_input_files(str(photo))
    page.get_by_role("button", name="Tải lên và tiếp tục").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận kết quả")
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra thông tin trước khi nộp")
    expect(page.get_by_text("van-ban-thoa-thuan.jpg")).to_be_visible()
    page.get_by_label("Tôi cam đoan").check()
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(CaptchaStore.objects.get(hashkey=key).response)
    screenshot("review")
    page.get_by_role("button", name="Nộp hồ sơ").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của bạn đã được nộp")
    code = page.locator(".dossier-code").inner_text()
    assert re.fullmatch(r"000\.20\.30\.H56-\d{6}-\d{4}", code)
    screenshot("confirmation")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải giấy biên nhận (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"bien-nhan-{code}.pdf"
    saved = screenshot("receipt").with_suffix(".pdf")
    download.save_as(saved)  # kept next to the screenshots, for a human to look at
    assert saved.read_bytes().startswith(b"%PDF-")

    page.get_by_role("link", name="Hồ sơ của tôi").click()
    expect(page.get_by_role("link", name=code)).to_be_visible()
