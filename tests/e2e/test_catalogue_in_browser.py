import re

from playwright.sync_api import expect


def test_a_citizen_finds_birth_registration_and_downloads_its_form(page, screenshot):
    page.goto(page.base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    header_colour = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header_colour not in ("", "rgba(0, 0, 0, 0)"), "the stylesheet did not load"
    screenshot("home")

    search = page.get_by_role("searchbox").first
    search.fill("dang ky khai sinh")  # no diacritics, as typed on many phones
    search.press("Enter")

    expect(page).to_have_url(re.compile(r"/thu-tuc/\?.*q=dang"))
    result = page.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True)
    expect(result).to_be_visible()
    screenshot("results")
    result.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký khai sinh")
    expect(page.get_by_role("link", name="Nộp hồ sơ trực tuyến")).to_be_visible()
    expect(page.get_by_text("Mẫu tham khảo do Cổng tạo, không phải mẫu chính thức")).to_be_visible()
    screenshot("procedure")

    templates = page.locator("#templates")
    with page.expect_download() as download_info:
        templates.get_by_role("link").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_the_catalogue_is_usable_on_a_phone_and_in_english(browser, live_server, load_demo, request):
    context = browser.new_context(locale="vi-VN", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/thu-tuc/?service_level=4")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"

        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Administrative procedures")
        expect(page).to_have_url(re.compile(r"service_level=4"))
    finally:
        context.close()


def test_on_a_phone_the_first_results_show_on_the_first_screen_and_the_filters_unfold(browser, live_server, load_demo):
    """The five filters filled the whole first screen of a phone, results below them: now they fold under "More
    filters" (open when one is set, always shown on a wide screen)."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/thu-tuc/?q=ket+hon")
        first = page.locator(".procedure-item").first
        expect(first).to_contain_text("đăng ký kết hôn")
        assert first.bounding_box()["y"] + 40 < 844, "the first result is below the first screen"
        expect(page.locator("#id_agency")).to_be_hidden()
        page.get_by_text("Lọc thêm").click()
        page.locator("#id_service_level").select_option("3")
        page.get_by_role("button", name="Lọc", exact=True).click()
        expect(page).to_have_url(re.compile(r"service_level=3"))
        expect(page.locator("#id_service_level")).to_be_visible()  # a filter is set: they stay open
        expect(page.get_by_text("Lọc thêm (1 đang chọn)")).to_be_visible()

        wide = context.browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        desktop = wide.new_page()
        desktop.goto(live_server.url + "/thu-tuc/?q=ket+hon")
        expect(desktop.locator("#id_agency")).to_be_visible()
        wide.close()
    finally:
        context.close()
