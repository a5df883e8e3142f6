"""The portal with the keyboard alone: Tab, Shift+Tab, Enter, Space and arrows, typing only into the focused field."""

import re

from captcha.models import CaptchaStore
from django.core.cache import cache
from playwright.sync_api import Page, expect

from portal import demo
from portal.accounts.models import User
from tests.e2e.test_back_office_in_browser import file_birth_registration
from tests.filing import PDF_BYTES

GUARDIANSHIP_SUPERVISION = "3.000323"  # Đăng ký giám sát việc giám hộ: level 3, two documents

FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    return {
        tag: element.tagName.toLowerCase(),
        id: element.id,
        name: element.getAttribute("name") || "",
        href: element.getAttribute("href") || "",
        inMain: Boolean(element.closest("main")),
        label: element.labels && element.labels.length ? element.labels[0].innerText.trim() : "",
        checked: Boolean(element.checked),
        text: (element.innerText || element.value || "").trim().replace(/\\s+/g, " "),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
        shadow: style.boxShadow !== "none",
        // The last stop inside a date field is the browser's own calendar button, with the browser's own ring.
        calendarButton: element.type === "date" && !element.matches(":focus"),
        onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
            && box.left < window.innerWidth && box.top < window.innerHeight,
    };
}"""


def describe(stop: dict) -> str:
    return f"<{stop['tag']} id={stop['id']!r} name={stop['name']!r} href={stop['href']!r}> {stop['text'][:60]!r}"


def press(page: Page, key: str) -> dict:
    """Press a key and return the element that has the focus, checked to be on screen with a visible indicator."""
    page.keyboard.press(key)
    stop = page.evaluate(FOCUSED)
    if stop["tag"] not in ("body", "main"):
        assert stop["onScreen"], f"after {key} the focus is off screen, on {describe(stop)}"
        visible = stop["outline"] or stop["shadow"] or stop["calendarButton"]
        assert visible, f"after {key} the focus is invisible: no outline on {describe(stop)}"
    return stop


def tab_to(page: Page, wanted, *, key: str = "Tab", limit: int = 80) -> dict:
    """Press Tab (or Shift+Tab) until the focused element is the wanted one (a predicate on ``FOCUSED``)."""
    seen = []
    for _ in range(limit):
        stop = press(page, key)
        if wanted(stop):
            return stop
        seen.append(describe(stop))
    raise AssertionError(f"{key} never reached the element; the stops were:\n" + "\n".join(seen))


def follow(page: Page, key: str = "Enter") -> None:
    """Press the key that follows the focused link or sends the focused form, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def link(text: str):
    return lambda stop: stop["tag"] == "a" and stop["text"] == text


def field(name: str):
    return lambda stop: stop["name"] == name


def button(text: str):
    return lambda stop: stop["tag"] == "button" and stop["text"] == text


def skip_to_content(page: Page) -> None:
    """The first Tab stop of every page is the skip link; Enter moves the focus to the main content."""
    stop = press(page, "Tab")
    assert stop["tag"] == "a" and stop["href"] == "#main", f"the first Tab stop is {describe(stop)}"
    assert stop["text"] == "Chuyển đến nội dung chính"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main", "the skip link did not move the focus"


def test_a_citizen_finds_a_procedure_and_looks_a_dossier_up_with_the_keyboard_alone(page, screenshot):
    demo.create_demo_accounts()
    dossier = file_birth_registration(User.objects.get(username="congdan"))
    cache.clear()  # the look-up's rate limit counts in the shared cache

    # Home: skip to the content, then the search box is the next stop.
    page.goto(page.base_url + "/")
    skip_to_content(page)
    assert press(page, "Tab")["id"] == "home-q"
    page.keyboard.type("khai sinh")
    screenshot("search-focused")
    follow(page)
    expect(page).to_have_url(re.compile(r"/thu-tuc/\?q=khai\+sinh"))

    # The catalogue: narrow to full online service with the arrow keys, apply with Space.
    tab_to(page, field("service_level"))
    for _ in range(4):  # all levels → level 1 → … → level 4
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "4"
    tab_to(page, button("Lọc"))
    follow(page, "Space")
    expect(page).to_have_url(re.compile(r"service_level=4"))

    # Open the procedure from the results.
    tab_to(page, link("Thủ tục đăng ký khai sinh"))
    screenshot("result-focused")
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký khai sinh")
    tab_to(page, link("Nộp hồ sơ trực tuyến"))

    # Back up from the content to the main navigation, then on to the look-up form.
    tab_to(page, link("Tra cứu hồ sơ"), key="Shift+Tab")
    screenshot("navigation-focused")
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu hồ sơ")

    skip_to_content(page)
    assert press(page, "Tab")["name"] == "code"
    page.keyboard.type(dossier.code)
    tab_to(page, field("captcha_1"))
    key = page.locator("input[name=captcha_0]").input_value()
    page.keyboard.type(CaptchaStore.objects.get(hashkey=key).response)
    follow(page)
    expect(page.locator("#lookup-code")).to_have_text(dossier.code)

    # A new page starts from the top: the header, the language switcher and the whole navigation come before
    # the content, each stop with a visible focus (``press`` checks).
    stops = [press(page, "Tab")]
    while not stops[-1]["inMain"] and len(stops) < 30:
        stops.append(press(page, "Tab"))
    names = [stop["text"] for stop in stops]
    assert names[0] == "Chuyển đến nội dung chính"
    navigation = ["Trang chủ", "Thủ tục hành chính", "Tra cứu hồ sơ", "Thống kê"]
    assert [name for name in names if name in navigation] == navigation, names
    assert "English" in names and "Đăng nhập" in names, names

    # The language switcher works with the keyboard too: Space on "English".
    page.goto(page.base_url + "/")
    tab_to(page, button("English"))
    screenshot("language-switch-focused")
    follow(page, "Space")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert press(page, "Tab")["text"] == "Skip to main content"


def test_a_citizen_files_a_dossier_with_the_keyboard_alone(page, screenshot, tmp_path):
    demo.create_demo_accounts()
    scan = tmp_path / "ban-quet.pdf"
    scan.write_bytes(PDF_BYTES)

    # Sign in: the user name field has the focus when the page opens.
    page.goto(f"{page.base_url}/tai-khoan/dang-nhap/?next=/thu-tuc/{GUARDIANSHIP_SUPERVISION}/")
    assert page.evaluate(FOCUSED)["name"] == "username"
    page.keyboard.type("congdan")
    assert press(page, "Tab")["name"] == "password"
    page.keyboard.type(demo.DEMO_PASSWORD)
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký giám sát việc giám hộ")

    # Start: choose the agency in the radio group with the arrow keys.
    tab_to(page, link("Nộp hồ sơ trực tuyến"))
    follow(page)
    stop = tab_to(page, field("agency"))
    for _ in range(10):
        if stop["label"] == "Ủy ban nhân dân phường Hạc Thành":
            break
        stop = press(page, "ArrowDown")
    page.keyboard.press("Space")
    assert page.evaluate(FOCUSED)["checked"]
    tab_to(page, button("Bắt đầu"))
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tờ khai")

    # The declaration sent empty: the error summary has the focus, and its links lead to the fields.
    tab_to(page, button("Lưu và tiếp tục"))
    follow(page)
    expect(page.locator(".error-summary")).to_be_focused()
    # The name, ID number and phone come from the signed-in account (editable): the first error is the birth date.
    stop = press(page, "Tab")
    summary_link = "Thông tin người nộp hồ sơ — Ngày, tháng, năm sinh:"  # the section, then the field
    assert stop["text"].startswith(summary_link), f"the first stop after the summary is {describe(stop)}"
    screenshot("error-summary-focused")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["name"] == "applicant_birth_date", "the error's link did not lead to its field"
    page.keyboard.type("01051990")  # day and month in the order the browser's locale shows them
    assert re.fullmatch(r"1990-0[15]-0[15]", page.evaluate("document.activeElement.value"))
    for name in ("applicant_name", "applicant_id", "applicant_phone"):
        assert page.locator(f"[name={name}]").input_value(), f"{name} was not filled from the account"
    tab_to(page, field("applicant_phone"))
    stop = press(page, "Tab")
    assert (stop["name"], stop["label"]) == ("applicant_address_province", "Tỉnh/thành phố")
    for _ in range(40):  # down the list of provinces to Thanh Hóa
        if page.evaluate("document.activeElement.value") == "38":
            break
        page.keyboard.press("ArrowDown")
    assert press(page, "Tab")["label"] == "Phường, xã, đặc khu"
    page.keyboard.type("Hạc Thành")
    assert press(page, "Tab")["label"] == "Số nhà, đường, thôn/xóm"
    page.keyboard.type("12 Lê Lợi")
    assert press(page, "Tab")["name"] == "request"
    page.keyboard.type("Đăng ký giám sát việc giám hộ cho cháu Nguyễn Minh Khôi.")
    screenshot("declaration")
    tab_to(page, button("Lưu và tiếp tục"))
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Giấy tờ")

    # Documents: Space on each file input opens the file chooser (answered here, as a person would pick the file).
    page.on("filechooser", lambda chooser: chooser.set_files(str(scan)))
    for _ in range(page.locator("input[type=file]").count()):
        stop = tab_to(page, lambda stop: stop["tag"] == "input" and stop["name"].startswith("document-"))
        page.keyboard.press("Space")
        page.wait_for_function("id => document.getElementById(id).files.length === 1", arg=stop["id"])
    tab_to(page, button("Tải lên và tiếp tục"))
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận kết quả")
    tab_to(page, button("Lưu và tiếp tục"))
    follow(page)

    # Check, confirm with Space, type the captcha, submit with Enter.
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra thông tin trước khi nộp")
    tab_to(page, field("confirm"))
    page.keyboard.press("Space")
    assert page.evaluate(FOCUSED)["checked"]
    tab_to(page, field("captcha_1"))
    key = page.locator("input[name=captcha_0]").input_value()
    page.keyboard.type(CaptchaStore.objects.get(hashkey=key).response)
    screenshot("review")
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của bạn đã được nộp")
