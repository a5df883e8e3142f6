"""axe-core in Chromium over the main citizen and official pages, in Vietnamese and in English.

The pages are audited in one pass for the module, one browser context and one sign-in per role and language;
each test then reports one page's serious and critical violations with what a developer needs to fix them:
the rule, its impact and help, and the selectors and markup of the elements at fault.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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

from dossiers import counter, processing, services
from dossiers.models import Dossier
from payments.constants import RequestStatus
from payments.models import PaymentRequest
from portal import demo
from portal.accounts.models import User
from procedures.eforms import EForm
from procedures.models import Agency, Procedure
from tests.conftest import load_demo_catalogue
from tests.filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration
from tests.payments_support import pay_at_counter, seed_tariff

BLOCKING_IMPACTS = ("serious", "critical")
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


def send_empty(page: Page, world: dict) -> None:
    submit(page)
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
    Screen("admin-sign-in", "visitor", ADMIN + "login/"),
    # The demo citizen
    Screen("filing-start", "citizen", f"/ho-so/nop/{BIRTH}/"),
    Screen("filing-declaration-errors", "citizen", "/ho-so/{blank_draft}/to-khai/", then=send_empty),
    Screen("filing-documents", "citizen", "/ho-so/{draft}/giay-to/"),
    Screen("filing-delivery", "citizen", "/ho-so/{draft}/nhan-ket-qua/"),
    Screen("filing-review", "citizen", "/ho-so/{draft}/kiem-tra/"),
    Screen("my-dossiers", "citizen", "/ho-so/"),
    Screen("filing-confirmation", "citizen", "/ho-so/{submitted}/"),
    Screen("dossier-detail", "citizen", "/ho-so/{awaiting_payment}/"),
    Screen("payment", "citizen", "/ho-so/{awaiting_payment}/thanh-toan/"),
    Screen("supplement", "citizen", "/ho-so/{supplement}/bo-sung/"),
    Screen("rating", "citizen", "/tra-cuu/{returned}/danh-gia/"),
    Screen("notification-settings", "citizen", "/tai-khoan/thong-bao/"),
    # The desk officer of the demo agency, in the back office
    Screen("admin-dashboard", "official", DOSSIER_ADMIN + "bang-dieu-khien/"),
    Screen("admin-queue", "official", DOSSIER_ADMIN + "?q=H56"),
    Screen("admin-dossier", "official", DOSSIER_ADMIN + "{submitted_pk}/change/"),
    Screen("admin-dossier-processed", "official", DOSSIER_ADMIN + "{awaiting_payment_pk}/change/"),
    Screen("admin-action-supplement", "official", DOSSIER_ADMIN + "{submitted_pk}/action/request_supplement/"),
    Screen("admin-counter-payment", "official", ADMIN + "payments/paymentrequest/{payment_pk}/quay/"),
    Screen("agency-statistics", "official", "/thong-ke/co-quan/"),
    Screen("admin-counter-citizen", "official", DOSSIER_ADMIN + "tiep-nhan-tai-quay/?id_number=038195012345"),
    Screen("admin-counter-documents", "official", DOSSIER_ADMIN + "tiep-nhan-tai-quay/{at_counter_pk}/giay-to/"),
    Screen("admin-counter-review", "official", DOSSIER_ADMIN + "tiep-nhan-tai-quay/{at_counter_pk}/"),
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
        load_demo_catalogue()
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

    # A paper dossier being registered at the desk.
    at_counter = counter.start(
        by=desk, applicant=citizen, procedure=procedure, case=procedure.cases.get(), agency=desk.agency
    )

    return {
        "at_counter_pk": at_counter.pk,
        "blank_draft": blank.public_id,
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


def audit_pages(browser, base_url: str, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """Open every wanted page once per role and language; keep each page's serious and critical violations."""
    axe = Axe()
    results = {}
    world = build_world()
    for language, locale in LANGUAGES.items():
        for role in ("visitor", "citizen", "official"):
            screens = [s for s in SCREENS if s.role == role and (s.name, language) in wanted]
            if not screens:
                continue
            context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}])
            page = context.new_page()
            page.set_default_timeout(15000)
            page.base_url = base_url
            try:
                sign_in(page, role)
                for screen in screens:
                    response = page.goto(base_url + screen.path.format(**world))
                    assert response.status == screen.status, f"{screen} ({language}) answered {response.status}"
                    if screen.then:
                        screen.then(page, world)
                    assert page.locator("html").get_attribute("lang") == language, f"{screen} is not in {language}"
                    found = axe.run(page).response["violations"]
                    blocking = [v for v in found if v["impact"] in BLOCKING_IMPACTS]
                    if blocking:  # for the developer who fixes them
                        folder = Path(os.environ.get("SCREENSHOT_DIR", settings.BASE_DIR / "var" / "screenshots"))
                        folder.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(folder / f"accessibility-{screen}-{language}.png"), full_page=True)
                    results[(screen.name, language)] = {"url": page.url, "violations": blocking}
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
            wanted.add((params["screen"].name, params["language"]))
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
            load_demo_catalogue()


@pytest.mark.django_db  # for the audit: the tests themselves only read its results
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", SCREENS, ids=str)
def test_the_page_has_no_serious_accessibility_violations(audit, screen, language):
    result = audit[(screen.name, language)]
    violations = result["violations"]
    assert not violations, (
        f"{result['url']} ({screen.name}, {screen.role}, {language}): "
        f"{len(violations)} serious or critical accessibility violations\n{describe(violations)}"
    )
