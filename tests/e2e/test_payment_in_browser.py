"""A level 4 dossier with the result by post: paid on the sandbox gateway, posted by the desk, tracked online."""

from captcha.models import CaptchaStore
from playwright.sync_api import expect

from dossiers.constants import Status
from dossiers.models import Dossier
from payments.constants import RequestStatus
from payments.models import PaymentRequest
from portal import demo
from postal.models import Shipment, TrackingRange
from procedures.models import Agency
from tests.filing import HAC_THANH, PDF_BYTES
from tests.payments_support import seed_tariff, to_result_ready

BIRTH_CERTIFICATE_COPY = "2.000635"  # Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh: level 4, 8.000 đ


def sign_in_citizen(page) -> None:
    page.context.clear_cookies()
    page.goto(page.base_url + "/tai-khoan/dang-nhap/")
    page.locator("input[name=username]").fill("congdan")
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Đăng nhập").click()


def test_a_citizen_pays_online_and_follows_the_result_by_post(page, screenshot, tmp_path, settings):
    settings.PAYMENT_SANDBOX = True
    demo.create_demo_accounts()
    seed_tariff()
    agency = Agency.objects.get(code=HAC_THANH)
    TrackingRange.objects.filter(agency=agency).delete()
    TrackingRange.objects.create(agency=agency, prefix="EB", first=20000, last=20999, next=20000)
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF_BYTES)

    # The citizen files online, asking for the result by post.
    sign_in_citizen(page)
    page.goto(f"{page.base_url}/thu-tuc/{BIRTH_CERTIFICATE_COPY}/")
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
    page.get_by_label("Nội dung đề nghị giải quyết").fill("Cấp 01 bản sao Giấy khai sinh.")
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Giấy tờ")
    inputs = page.locator("input[type=file]")
    for n in range(inputs.count()):
        inputs.nth(n).set_input_files(str(scan))
    page.get_by_role("button", name="Tải lên và tiếp tục").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận kết quả")
    page.locator("input[name=method][value=post]").check()
    page.locator("select[name=address_province]").select_option(label="Tỉnh Thanh Hóa")
    page.locator("input[name=address_ward]").fill("Hạc Thành")
    page.locator("input[name=address_street]").fill("25 Trần Phú")
    page.locator("input[name=phone]").fill("0912 345 678")
    screenshot("delivery-by-post")
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra thông tin trước khi nộp")
    page.get_by_label("Tôi cam đoan").check()
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(CaptchaStore.objects.get(hashkey=key).response)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của bạn đã được nộp")
    dossier = Dossier.objects.get(code=page.locator(".dossier-code").inner_text())
    assert dossier.delivery_place["ward"] == "Phường Hạc Thành"

    # The fees with their line items, then the sandbox bank, then back with the payment confirmed by the IPN.
    payment = PaymentRequest.objects.get(dossier=dossier)
    assert [line.amount for line in payment.lines.all()] == [8000, 22000]
    expect(page.locator("#dossier-payments .payment-lines tbody tr")).to_have_count(2)
    page.locator("#pay-link").click()
    expect(page.locator("#payment-total")).to_have_text("30.000 đ")
    screenshot("fees")
    page.locator("#pay-online").click()
    expect(page.locator("#sandbox-form")).to_be_visible()
    screenshot("sandbox-bank")
    page.locator("#sandbox-confirm").click()
    expect(page.locator("#payment-result")).to_be_visible()
    screenshot("paid")
    payment.refresh_from_db()
    assert payment.status == RequestStatus.PAID

    page.goto(page.base_url + dossier.get_absolute_url())
    expect(page.locator(f"#payment-status-{payment.pk}")).to_have_text("Đã thanh toán")
    with page.expect_download() as download_info:
        page.locator(".receipt-link").click()
    saved = screenshot("receipt").with_suffix(".pdf")
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    # The agency processes it; the desk posts the result from the back office.
    to_result_ready(dossier)
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/quan-tri/login/?next=/quan-tri/dossiers/dossier/{dossier.pk}/change/")
    page.locator("input[name=username]").fill("tiepnhan")
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.locator("#post-result").click()
    page.locator("#payments-admin-form [type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    screenshot("shipment")
    shipment = Shipment.objects.get(dossier=dossier)
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED

    # The citizen sees the shipment and its tracking number on the dossier's page.
    sign_in_citizen(page)
    page.goto(page.base_url + dossier.get_absolute_url())
    expect(page.locator("#dossier-shipments .tracking-number")).to_have_text(shipment.tracking_number)
    screenshot("citizen-tracking")
