"""The citizen's side on a phone (390 × 844): the menu button, the documents step, and both with JavaScript off."""

import pytest
from playwright.sync_api import expect

from dossiers import services
from dossiers.models import Dossier
from portal import demo
from portal.accounts.models import User
from procedures.eforms import EForm
from procedures.models import Agency, Procedure
from tests.e2e.conftest import screenshot_folder
from tests.filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration, image_bytes

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server, load_demo):
    """A phone-sized page, with JavaScript on (``phone(javascript=False)`` for a browser without it)."""
    contexts = []

    def open_page(*, javascript: bool = True):
        context = browser.new_context(
            locale="vi-VN",
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            java_script_enabled=javascript,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page) -> None:
    demo.create_demo_accounts()
    page.goto(page.base_url + "/tai-khoan/dang-nhap/")
    page.locator("input[name=username]").fill("congdan")
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Đăng nhập").click()


def declared_draft() -> Dossier:
    """A birth registration whose declaration is filled in: the next step is the documents."""
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure,
        applicant=User.objects.get(username="congdan"),
        agency=Agency.objects.get(code=HAC_THANH),
        case=procedure.cases.get(),
    )
    form = EForm(birth_declaration(child_name="Nguyễn Minh Khôi"), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=dossier, data=form.to_json())
    return dossier


def test_on_a_phone_the_navigation_opens_from_a_menu_button(phone):
    page = phone()
    page.goto(page.base_url + "/")
    menu = page.locator("header button.menu-button")  # "Menu" in both languages
    statistics = page.locator(".site-nav").get_by_role("link", name="Thống kê")

    # The language switch and the account are one tap away; the navigation waits behind the button.
    expect(page.get_by_role("button", name="English")).to_be_visible()
    expect(page.locator("header").get_by_role("link", name="Đăng nhập")).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(statistics).to_be_hidden()
    header = page.locator("body > header").bounding_box()
    assert header["height"] <= PHONE["height"] / 5, f"the header is {header['height']:.0f} px tall"

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.screenshot(path=str(screenshot_folder("phone") / "menu-open.png"))
    statistics.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thống kê")

    # Escape closes the menu and gives the focus back to its button.
    menu.click()
    page.locator(".site-nav a").first.focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    # The developers' links live in the footer, not in the citizens' navigation.
    expect(page.locator(".site-nav").get_by_role("link", name="API cho nhà phát triển")).to_have_count(0)
    expect(page.locator("footer").get_by_role("link", name="API cho nhà phát triển")).to_be_visible()


def test_without_javascript_the_navigation_simply_shows_below_the_brand(phone):
    page = phone(javascript=False)
    page.goto(page.base_url + "/")
    expect(page.locator(".menu-button")).to_be_hidden()
    for name in ("Trang chủ", "Thủ tục hành chính", "Tra cứu hồ sơ", "Thống kê"):
        expect(page.locator(".site-nav").get_by_role("link", name=name)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshot_folder("phone") / "header-without-javascript.png"))


def test_on_a_phone_the_documents_step_names_each_file_and_uploads_with_progress(phone, tmp_path):
    page = phone()
    sign_in(page)
    dossier = declared_draft()
    scan = tmp_path / "giay-chung-sinh.pdf"
    scan.write_bytes(PDF_BYTES)
    photo = tmp_path / "cccd-me.jpg"
    photo.write_bytes(image_bytes("JPEG", (800, 600)))

    page.goto(f"{page.base_url}/ho-so/{dossier.public_id}/giay-to/")
    inputs = page.locator("main input[type=file]")
    slots = inputs.count()
    assert slots >= 2
    for index in range(slots):
        field = inputs.nth(index)
        assert "image/jpeg" in field.get_attribute("accept") and "application/pdf" in field.get_attribute("accept")
        assert field.bounding_box()["width"] <= PHONE["width"] - 32  # inside its box, no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The chosen file's name and size show before anything is sent.
    inputs.nth(0).set_input_files(str(scan))
    expect(page.locator("#" + inputs.nth(0).get_attribute("data-file-info"))).to_contain_text(
        f"giay-chung-sinh.pdf ({len(PDF_BYTES)} B)"
    )
    for index in range(1, slots):
        inputs.nth(index).set_input_files(str(photo))
    expect(page.locator("#" + inputs.nth(1).get_attribute("data-file-info"))).to_contain_text("cccd-me.jpg")

    # Sent in the background, with a progress bar; the next step follows as after an ordinary submission.
    sent = []
    page.on("request", lambda request: request.method == "POST" and sent.append(request.resource_type))
    page.get_by_role("button", name="Tải lên và tiếp tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận kết quả")
    assert "xhr" in sent, sent
    assert dossier.documents.count() == slots


def test_without_javascript_the_documents_step_still_uploads(phone, tmp_path):
    page = phone(javascript=False)
    sign_in(page)
    dossier = declared_draft()
    scan = tmp_path / "ban-quet.pdf"
    scan.write_bytes(PDF_BYTES)

    page.goto(f"{page.base_url}/ho-so/{dossier.public_id}/giay-to/")
    expect(page.locator("#upload-progress")).to_be_hidden()
    inputs = page.locator("main input[type=file]")
    slots = inputs.count()
    for index in range(slots):
        inputs.nth(index).set_input_files(str(scan))
    with page.expect_navigation():
        page.get_by_role("button", name="Tải lên và tiếp tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận kết quả")
    assert dossier.documents.count() == slots


def test_a_wrong_file_sent_in_the_background_shows_the_page_with_its_error(phone, tmp_path):
    page = phone()
    sign_in(page)
    dossier = declared_draft()
    fake = tmp_path / "khong-phai-pdf.pdf"
    fake.write_bytes(b"this is not a PDF at all")

    page.goto(f"{page.base_url}/ho-so/{dossier.public_id}/giay-to/")
    page.locator("main input[type=file]").first.set_input_files(str(fake))
    page.get_by_role("button", name="Tải lên và tiếp tục").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    link = summary.locator("a").first
    target = link.get_attribute("href")
    link.click()
    expect(page.locator(target)).to_be_focused()
