"""Headless Chromium (the system's, not a downloaded one) driven by Playwright against a live server."""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests themselves are
# still plain synchronous calls, so Django's async-safety guard does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # settings.BASE_DIR, without needing the settings

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"{executable} is missing: make test installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, load_demo):
    context = browser.new_context(locale="vi-VN", accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


def screenshot_folder(*parts: str) -> Path:
    """var/screenshots/ of the checkout (or $SCREENSHOT_DIR): outside $VAR_DIR, which the test command removes."""
    folder = Path(os.environ.get("SCREENSHOT_DIR", BASE_DIR / "var" / "screenshots"), *parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(page, request):
    """Save a full-page screenshot under var/screenshots/ (kept after the run, for a human to look at)."""
    folder = screenshot_folder()

    def take(name: str) -> Path:
        path = folder / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a test with a browser page fails, save what the page showed: var/screenshots/failures/<test>.png, named
    in the failure report."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if not report.failed or report.when not in ("setup", "call") or page is None or page.is_closed():
        return
    path = screenshot_folder("failures") / f"{re.sub(r'[^\w.-]+', '-', item.nodeid).strip('-')}.png"
    try:
        page.screenshot(path=str(path), full_page=True, timeout=10000)
    except Exception as error:  # the browser may be what failed: the test's own error comes first
        report.sections.append(("screenshot", f"no screenshot of the failure: {error}"))
        return
    report.sections.append(("screenshot", f"screenshot of the failure: {path}"))
    reporter = item.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"screenshot of the failure: {path}")
