"""A browser test that fails leaves a full-page screenshot of what the page showed, and the report names it."""

from pathlib import Path

pytest_plugins = ["pytester"]

BASE_DIR = Path(__file__).resolve().parent.parent.parent

CONFTEST = """
import pytest

from tests.e2e.conftest import browser, pytest_runtest_makereport  # the suite's own browser and hook


@pytest.fixture
def page(browser):  # the suite's page without the live server: the hook only needs a page
    context = browser.new_context(locale="vi-VN", viewport={"width": 800, "height": 600})
    page = context.new_page()
    yield page
    context.close()
"""

FAILING = """
def test_the_receipt_shows_the_code(page):
    page.set_content("<h1>Phiếu tiếp nhận</h1><p>Mã hồ sơ: 000.20.30.H56-260309-0001</p>")
    assert page.locator("h1").inner_text() == "Giấy khai sinh"


def test_the_title_is_right(page):
    page.set_content("<h1>Phiếu tiếp nhận</h1>")
    assert page.locator("h1").inner_text() == "Phiếu tiếp nhận"
"""


def test_a_failing_browser_test_saves_a_full_page_screenshot_and_names_it(pytester, monkeypatch, tmp_path):
    folder = tmp_path / "screenshots"
    monkeypatch.setenv("SCREENSHOT_DIR", str(folder))
    monkeypatch.setenv("PYTHONPATH", str(BASE_DIR))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_receipt=FAILING)

    result = pytester.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, failed=1)
    saved = list((folder / "failures").iterdir())
    assert [p.name for p in saved] == ["test_receipt.py-test_the_receipt_shows_the_code.png"]  # not the passing one
    assert saved[0].read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and saved[0].stat().st_size > 1000
    result.stdout.fnmatch_lines([f"*screenshot of the failure: {saved[0]}*"])
