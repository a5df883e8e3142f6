"""axe-core in Chromium over the citizen and official pages, in Vietnamese and in English, on a desktop and a phone.

The pages are audited in one pass for the module, one browser context and one sign-in per role and language. Each
page is checked with the WCAG 2.2 AA rules at 1280 px and at 390 px (a phone), then measured at 390 px and at
200 % and 400 % zoom of a 1280 × 900 window (640 × 450 and 320 × 225 CSS px): nothing may scroll sideways
(WCAG 1.4.10; data tables scroll inside labelled, keyboard-focusable regions), the header of a public page takes at
most a fifth of a 390 × 844 first screen, and every link of an error summary moves the focus to its field. Each test
then reports one page's findings with what a developer needs to fix them. Screenshots at 390 px of the filing steps,
"My dossiers", the look-up result and the statistics are kept under var/screenshots/phone/ (or $SCREENSHOT_DIR).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from captcha.models import CaptchaStore
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import modify_settings, override_settings
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from dossiers import counter, linked, processing, services
from dossiers.counter_views import citizen_reference
from dossiers.models import Dossier
from payments.constants import RequestStatus
from payments.models import PaymentRequest
from portal import demo
from portal.accounts.models import User
from procedures.eforms import EForm
from procedures.models import Agency, Procedure, ProcedureGroup
from tests.conftest import restore_session_data
from tests.e2e.conftest import screenshot_folder
from tests.filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration
from tests.payments_support import pay_at_counter, seed_tariff
from tests.test_linked import BIRTH_GROUP, ready_filing
from tests.test_linked import _cases as linked_cases

BLOCKING_IMPACTS = ("serious", "critical")
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices (kept from the audit's first version).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ZOOMED = {"width": 640, "height": 450}  # 1280 × 900 at 200 %
NARROWEST = {"width": 320, "height": 225}  # 1280 × 900 at 400 %: WCAG 1.4.10's 320 CSS px
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
# Kept at 390 px for a person to look at: the filing steps, "My dossiers", the look-up result and the statistics.
PHONE_SCREENSHOTS = {
    "filing-start",
    "filing-declaration-errors",
    "filing-documents",
    "filing-delivery",
    "filing-review",
    "filing-confirmation",
    "my-dossiers",
    "dossier-detail",
    "look-up-result",
    "statistics",
    "admin-dashboard",
    "admin-queue",
    "admin-dossier",
}
LANGUAGES = {"vi": "vi-VN", "en": "en-GB"}
LEVEL_2 = "2.000815"  # Chứng thực bản sao từ bản chính: forms to download, filed at the office
ADMIN = "/quan-tri/"
DOSSIER_ADMIN = ADMIN + "dossiers/dossier/"


def submit(page: Page) -> None:
    """Send the page's main form as it is (empty, or as filled in by the caller)."""
    with page.expect_navigation():
        page.locator("main form[method=post] [type=submit]").last.click()


def solve_captcha(page: Page) -> None:
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(CaptchaStore.objects.get(hashkey=key).response)


def wrong_sign_in(page: Page, world: dict) -> None:
    page.locator("input[name=username]").fill("khong-co-ai")
    page.locator("input[name=password]").fill("sai-mat-khau")
    submit(page)


def look_up(page: Page, world: dict) -> None:
    page.locator("input[name=code]").fill(world["returned_code"])
    solve_captcha(page)
    submit(page)
    expect(page.locator("#lookup-code")).to_be_visible()


def look_up_with_a_wrong_captcha(page: Page, world: dict) -> None:
    page.locator("input[name=code]").fill(world["returned_code"])
    page.locator("input[name=captcha_1]").fill("XXXXX")
    submit(page)


def look_up_after_the_security_cookie_is_gone(page: Page, world: dict) -> None:
    """As from a page left open while the citizen signed in or out in another tab: the portal's expired-form page."""
    page.locator("input[name=code]").fill(world["returned_code"])
    page.context.clear_cookies(name=settings.CSRF_COOKIE_NAME)
    with page.expect_navigation() as sent:
        page.locator("main form[method=post] [type=submit]").last.click()
    assert sent.value.status == 403


def send_empty(page: Page, world: dict) -> None:
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()


def find_an_unknown_citizen(page: Page, world: dict) -> None:
    """The desk types a CCCD nobody has: the page offers to record the citizen."""
    page.locator("#counter-lookup input[name=id_number]").fill("038195012345")
    with page.expect_navigation():
        page.locator("#counter-lookup [type=submit]").click()
    expect(page.locator("#counter-record")).to_be_visible()


def continue_without_files(page: Page, world: dict) -> None:
    with page.expect_navigation():
        page.locator("main form button[name=continue]").click()
    expect(page.locator(".error-summary")).to_be_visible()


@dataclass(frozen=True)
class Screen:
    name: str
    role: str  # who looks at it: "visitor", "citizen" or "official"
    path: str  # may name the demo objects of ``build_world``: {draft}, {payment_pk}, ...
    then: Callable[[Page, dict], None] | None = None  # what the user does there before the audit
    status: int = 200  # the answer to opening ``path``

    def __str__(self) -> str:
        return self.name


SCREENS = [
    # Anyone
    Screen("home", "visitor", "/"),
    Screen("catalogue", "visitor", "/thu-tuc/"),
    Screen("catalogue-search", "visitor", "/thu-tuc/?q=khai+sinh&service_level=4"),
    Screen("procedure-level-4", "visitor", f"/thu-tuc/{BIRTH}/"),
    Screen("procedure-level-2", "visitor", f"/thu-tuc/{LEVEL_2}/"),
    Screen("sign-in-error", "visitor", "/tai-khoan/dang-nhap/", then=wrong_sign_in),
    Screen("register-errors", "visitor", "/tai-khoan/dang-ky/", then=send_empty),
    Screen("password-reset", "visitor", "/tai-khoan/quen-mat-khau/"),
    Screen("look-up-errors", "visitor", "/tra-cuu/", then=look_up_with_a_wrong_captcha),
    Screen("look-up-result", "visitor", "/tra-cuu/", then=look_up),
    Screen("statistics", "visitor", "/thong-ke/"),
    Screen("verify-signature", "visitor", "/xac-minh/"),
    Screen("not-found", "visitor", "/khong-co-trang-nay/", status=404),
    Screen("form-expired", "visitor", "/tra-cuu/", then=look_up_after_the_security_cookie_is_gone),
    Screen("admin-sign-in", "visitor", ADMIN + "login/"),
    # The demo citizen
    Screen("filing-start", "citizen", f"/ho-so/nop/{BIRTH}/"),
    Screen("filing-start-errors", "citizen", f"/ho-so/nop/{BIRTH}/", then=send_empty),
    Screen("filing-declaration-errors", "citizen", "/ho-so/{blank_draft}/to-khai/", then=send_empty),
    Screen("filing-documents", "citizen", "/ho-so/{draft}/giay-to/"),
    Screen("filing-documents-errors", "citizen", "/ho-so/{blank_documents}/giay-to/", then=continue_without_files),
    Screen("filing-delivery", "citizen", "/ho-so/{draft}/nhan-ket-qua/"),
    Screen("filing-review", "citizen", "/ho-so/{draft}/kiem-tra/"),
    Screen("filing-discard", "citizen", "/ho-so/{draft}/xoa-nhap/"),
    Screen("my-dossiers", "citizen", "/ho-so/"),
    Screen("document-store", "citizen", "/ho-so/kho-du-lieu/"),
    Screen("filing-confirmation", "citizen", "/ho-so/{submitted}/"),
    Screen("dossier-detail", "citizen", "/ho-so/{awaiting_payment}/"),
    Screen("payment", "citizen", "/ho-so/{awaiting_payment}/thanh-toan/"),
    Screen("supplement", "citizen", "/ho-so/{supplement}/bo-sung/"),
    Screen("rating", "citizen", "/tra-cuu/{returned}/danh-gia/"),
    Screen("notification-settings", "citizen", "/tai-khoan/thong-bao/"),
    Screen("access-denied", "citizen", "/thong-ke/co-quan/", status=403),
    Screen("linked-start", "citizen", f"/ho-so/lien-thong/nop/{BIRTH_GROUP}/"),
    Screen("linked-declaration", "citizen", "/ho-so/lien-thong/{linked_draft}/to-khai/"),
    Screen("linked-documents", "citizen", "/ho-so/lien-thong/{linked_draft}/giay-to/"),
    Screen("linked-delivery", "citizen", "/ho-so/lien-thong/{linked_draft}/nhan-ket-qua/"),
    Screen("linked-review", "citizen", "/ho-so/lien-thong/{linked_draft}/kiem-tra/"),
    Screen("linked-detail", "citizen", "/ho-so/lien-thong/{linked_submitted}/"),
    # The desk officer of the demo agency, in the back office
    Screen("admin-dashboard", "official", DOSSIER_ADMIN + "bang-dieu-khien/"),
    Screen("admin-queue", "official", DOSSIER_ADMIN + "?q=H56"),
    Screen("admin-dossier", "official", DOSSIER_ADMIN + "{submitted_pk}/change/"),
    Screen("admin-dossier-processed", "official", DOSSIER_ADMIN + "{awaiting_payment_pk}/change/"),
    Screen("admin-action-supplement", "official", DOSSIER_ADMIN + "{submitted_pk}/action/request_supplement/"),
    Screen("admin-counter-payment", "official", ADMIN + "payments/paymentrequest/{payment_pk}/quay/"),
    Screen("agency-statistics", "official", "/thong-ke/co-quan/"),
    Screen("admin-counter-citizen", "official", DOSSIER_ADMIN + "tiep-nhan-tai-quay/", then=find_an_unknown_citizen),
    Screen("admin-counter-documents", "official", DOSSIER_ADMIN + "tiep-nhan-tai-quay/{at_counter_pk}/giay-to/"),
    Screen("admin-counter-review", "official", DOSSIER_ADMIN + "tiep-nhan-tai-quay/{at_counter_pk}/"),
    Screen(
        "admin-counter-linked-start",
        "official",
        DOSSIER_ADMIN + "tiep-nhan-tai-quay/lien-thong/khai-sinh-thuong-tru-bhyt/?citizen={citizen_reference}",
    ),
    Screen(
        "admin-counter-linked", "official", DOSSIER_ADMIN + "tiep-nhan-tai-quay/lien-thong/ho-so/{counter_filing_pk}/"
    ),
]


def complete_draft(citizen: User, child: str) -> Dossier:
    """A birth registration ready to submit: the declaration filled in, every required document uploaded."""
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(child_name=child), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.filter(is_required=True):
        services.attach_document(
            dossier=dossier, required_document=slot, upload=SimpleUploadedFile("ban-quet.pdf", PDF_BYTES)
        )
    return dossier


def build_world() -> dict:
    """The demo catalogue and accounts, with one dossier in each state the audited pages need."""
    if not Procedure.objects.exists():
        restore_session_data()
    demo.create_demo_accounts()
    seed_tariff()
    cache.clear()  # the look-up's rate limit counts in the shared cache
    staff = {user.username: user for user in User.objects.filter(is_staff=True)}
    desk, specialist, leader = staff["tiepnhan"], staff["chuyenvien"], staff["lanhdao"]
    citizen = User.objects.get(username="congdan")
    procedure = Procedure.objects.get(code=BIRTH)
    blank = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    draft = complete_draft(citizen, "Nguyễn Minh Khôi")
    blank_documents = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(child_name="Nguyễn Hải Đăng"), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=blank_documents, data=form.to_json())
    submitted, _ = services.submit_dossier(dossier=complete_draft(citizen, "Nguyễn Bảo Ngọc"), by=citizen)

    paying, _ = services.submit_dossier(dossier=complete_draft(citizen, "Nguyễn Gia Huy"), by=citizen)
    processing.accept(dossier=paying, by=desk)
    processing.assign(dossier=paying, by=desk, handler=specialist)
    processing.request_payment(dossier=paying, by=specialist, amount=50000, note="Lệ phí cấp bản sao.")

    supplement, _ = services.submit_dossier(dossier=complete_draft(citizen, "Nguyễn Thảo Vy"), by=citizen)
    processing.request_supplement(dossier=supplement, by=desk, missing="Bản sao Giấy chứng sinh rõ nét.")

    returned, _ = services.submit_dossier(dossier=complete_draft(citizen, "Nguyễn An Nhiên"), by=citizen)
    processing.accept(dossier=returned, by=desk)
    processing.assign(dossier=returned, by=desk, handler=specialist)
    processing.submit_for_approval(dossier=returned, by=specialist, leader=leader)
    processing.approve(dossier=returned, by=leader)
    pay_at_counter(returned)  # a result is held until paid
    processing.return_result(dossier=returned, by=desk)
    returned.refresh_from_db()

    # Linked procedures filed together (Decree 63/2024): one ready to submit, one submitted.
    linked_draft = ready_filing(citizen)
    linked_submitted, _ = linked.submit_filing(filing=ready_filing(citizen), by=citizen)

    # A paper dossier being registered at the desk.
    at_counter = counter.start(
        by=desk, applicant=citizen, procedure=procedure, case=procedure.cases.get(), agency=desk.agency
    )

    group = ProcedureGroup.objects.get(code=BIRTH_GROUP)
    counter_filing = counter.start_filing(by=desk, applicant=citizen, group=group, cases=linked_cases(group))

    return {
        "at_counter_pk": at_counter.pk,
        "counter_filing_pk": counter_filing.pk,
        "citizen_reference": citizen_reference(citizen),
        "blank_draft": blank.public_id,
        "blank_documents": blank_documents.public_id,
        "linked_draft": linked_draft.public_id,
        "linked_submitted": linked_submitted.public_id,
        "draft": draft.public_id,
        "submitted": submitted.public_id,
        "submitted_pk": submitted.pk,
        "awaiting_payment": paying.public_id,
        "awaiting_payment_pk": paying.pk,
        "payment_pk": PaymentRequest.objects.get(dossier=paying, status=RequestStatus.OPEN).pk,
        "supplement": supplement.public_id,
        "returned": returned.public_id,
        "returned_code": returned.code,
    }


def sign_in(page: Page, role: str) -> None:
    if role == "citizen":
        page.goto(page.base_url + "/tai-khoan/dang-nhap/")
        page.locator("input[name=username]").fill("congdan")
    elif role == "official":
        page.goto(page.base_url + ADMIN + "login/")
        page.locator("input[name=username]").fill("tiepnhan")
    else:
        return
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    assert "dang-nhap" not in page.url and "login" not in page.url, f"{role} could not sign in"


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation['impact']}] {violation['help']}\n  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n        ")
            if summary:
                lines.append(f"        {summary}")
    return "\n".join(lines)


# How wide the page is, and the first elements that stick out of the window (outside any scrolling box).
SIDEWAYS = """() => {
    const width = document.documentElement.clientWidth;
    const clips = (e) => ["auto", "scroll", "hidden"].includes(getComputedStyle(e).overflowX);
    const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
        + (typeof e.className === "string" && e.className.trim() ? "." + e.className.trim().replace(/ +/g, ".") : "");
    const culprits = [];
    for (const element of document.body.querySelectorAll("*")) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.right <= width + 1) continue;
        let parent = element.parentElement;
        while (parent && parent !== document.body && !clips(parent)) parent = parent.parentElement;
        if (parent && parent !== document.body) continue;
        culprits.push(`${name(element)} (right edge at ${Math.round(box.right)} px)`);
        if (culprits.length >= 5) break;
    }
    return {page: document.documentElement.scrollWidth, viewport: width, culprits};
}"""

HEADER = """() => {
    const header = document.querySelector("body > header");
    return header ? header.getBoundingClientRect().height : 0;
}"""

# Every link of the error summary, followed: where the focus lands.
FOLLOW_ERROR_LINKS = """async () => {
    const found = [];
    for (const link of document.querySelectorAll(".error-summary a[href^='#']")) {
        link.click();
        await new Promise((resolve) => setTimeout(resolve, 0));
        const target = link.getAttribute("href").slice(1);
        const focused = document.activeElement;
        found.push({link: link.textContent.trim(), target, focused: focused ? focused.id : null,
                    control: !!focused && ["INPUT", "SELECT", "TEXTAREA"].includes(focused.tagName)});
    }
    return found;
}"""


def measure_sideways(page: Page) -> dict:
    return page.evaluate(SIDEWAYS)


def audit_screen(page: Page, axe: Axe, screen: Screen, language: str) -> dict:
    """The current page, audited at each width, measured on a phone and at 200 % zoom."""
    result = {"url": page.url}
    for name, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        found = axe.run(page, options=AXE_OPTIONS).response["violations"]
        result[name] = [v for v in found if v["impact"] in BLOCKING_IMPACTS]
        if result[name]:  # for the developer who fixes them
            path = screenshot_folder() / f"accessibility-{screen}-{language}-{name}.png"
            page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(PHONE)
    result["sideways-phone"] = measure_sideways(page)
    result["header"] = page.evaluate(HEADER)
    if screen.name in PHONE_SCREENSHOTS and language == "vi":
        page.screenshot(path=str(screenshot_folder("phone") / f"{screen}.png"), full_page=True)
    page.set_viewport_size(ZOOMED)
    result["sideways-zoomed"] = measure_sideways(page)
    page.set_viewport_size(NARROWEST)
    result["sideways-narrowest"] = measure_sideways(page)
    page.set_viewport_size(DESKTOP)
    result["error-links"] = page.evaluate(FOLLOW_ERROR_LINKS)
    return result


def audit_pages(browser, base_url: str, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """Open every wanted page once per role and language; keep what each page's tests assert."""
    axe = Axe()
    results = {}
    world = build_world()
    for language, locale in LANGUAGES.items():
        for role in ("visitor", "citizen", "official"):
            screens = [s for s in SCREENS if s.role == role and (s.name, language) in wanted]
            if not screens:
                continue
            context = browser.new_context(locale=locale, viewport=DESKTOP, device_scale_factor=1)
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}])
            page = context.new_page()
            page.set_default_timeout(15000)
            page.base_url = base_url
            try:
                sign_in(page, role)
                for screen in screens:
                    page.set_viewport_size(DESKTOP)
                    response = page.goto(base_url + screen.path.format(**world))
                    assert response.status == screen.status, f"{screen} ({language}) answered {response.status}"
                    if screen.then:
                        screen.then(page, world)
                    assert page.locator("html").get_attribute("lang") == language, f"{screen} is not in {language}"
                    results[(screen.name, language)] = audit_screen(page, axe, screen, language)
            finally:
                context.close()
    return results


@pytest.fixture(scope="module")
def audit(request, browser, django_db_setup, django_db_blocker):
    """The audit of the pages and languages selected in this run, done once for the module.

    It runs against a live server of its own, then puts the database back as the session's setup left it (the
    demo catalogue and accounts), for the tests that run after it; the tests themselves only read the results.
    """
    wanted = set()
    for item in request.session.items:
        params = item.callspec.params if item.module is request.module and hasattr(item, "callspec") else {}
        if "screen" in params:
            name = str(params["screen"])
            for language in [params["language"]] if "language" in params else LANGUAGES:
                wanted.add((name, language))
    with (
        django_db_blocker.unblock(),
        modify_settings(ALLOWED_HOSTS={"append": "localhost"}),
        override_settings(PAYMENT_SANDBOX=True),
    ):
        server = LiveServer("localhost")
        try:
            return audit_pages(browser, server.url, wanted)
        finally:
            server.stop()
            call_command("flush", verbosity=0, interactive=False)
            restore_session_data()


@pytest.mark.django_db  # for the audit: the tests themselves only read its results
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", SCREENS, ids=str)
def test_the_page_has_no_serious_accessibility_violations(audit, screen, language, width):
    result = audit[(screen.name, language)]
    violations = result[width]
    assert not violations, (
        f"{result['url']} ({screen.name}, {screen.role}, {language}, {WIDTHS[width]['width']} px): "
        f"{len(violations)} serious or critical accessibility violations (WCAG 2.2 AA)\n{describe(violations)}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", SCREENS, ids=str)
def test_the_page_does_not_scroll_sideways_on_a_phone_or_zoomed_in(audit, screen, language):
    result = audit[(screen.name, language)]
    for where, key in (
        ("at 390 px", "sideways-phone"),
        ("at 200 % zoom", "sideways-zoomed"),
        ("at 400 % zoom (320 px)", "sideways-narrowest"),
    ):
        found = result[key]
        assert found["page"] <= found["viewport"], (
            f"{result['url']} ({screen.name}, {language}) is {found['page']} px wide {where} "
            f"(the window shows {found['viewport']} px): {', '.join(found['culprits']) or 'no single element found'}"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("screen", [s for s in SCREENS if s.role != "official" and "admin" not in s.name], ids=str)
def test_the_header_takes_at_most_a_fifth_of_a_phones_first_screen(audit, screen):
    for language in LANGUAGES:
        result = audit[(screen.name, language)]
        assert 0 < result["header"] <= PHONE["height"] / 5, (
            f"{result['url']} ({language}): the header is {result['header']:.0f} px tall on a 390 × 844 screen"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("screen", [s for s in SCREENS if s.name.endswith("-errors")], ids=str)
def test_every_link_of_the_error_summary_moves_the_focus_to_its_field(audit, screen):
    for language in LANGUAGES:
        result = audit[(screen.name, language)]
        links = result["error-links"]
        assert links, f"{result['url']} ({language}) shows no error summary with links"
        for link in links:
            assert link["focused"] == link["target"] and link["control"], (
                f"{result['url']} ({language}): “{link['link']}” leads to #{link['target']}, "
                f"but the focus is on #{link['focused']}"
            )


@pytest.mark.django_db
@pytest.mark.parametrize("screen", sorted(PHONE_SCREENSHOTS))
def test_the_phone_screenshots_are_kept(audit, screen):
    path = screenshot_folder("phone") / f"{screen}.png"
    assert path.exists(), f"no screenshot at {path}"
    width = int.from_bytes(path.read_bytes()[16:20], "big")  # the PNG header's width
    assert width == PHONE["width"], f"{path} is {width} px wide"
