"""Under the test command a skipped test is a failure: it starts every service the suite needs.

Tests that need PostgreSQL, the S3 store or the multi-node cluster skip when run by hand without them. The test
command (``scripts/test.sh``, ``make test``) starts those services and sets ``REQUIRE_TEST_SERVICES=1``; then a
skip means a service is missing or misconfigured, and it fails with the skip's reason instead of passing silently.
Expected failures (``xfail``) are left alone.

The hooks are plain pytest (no Django), so ``tests/conftest.py`` re-exports them and a pytester run can load them.
"""

import os

import pytest

SETTING = "REQUIRE_TEST_SERVICES"


def required() -> bool:
    return os.environ.get(SETTING, "").strip().lower() not in ("", "0", "false", "no")


def _reason(longrepr) -> str:
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: reason")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _message(what: str, reason: str) -> str:
    return (
        f"{what} was skipped ({reason}), but {SETTING} is set: the test command starts every service the suite "
        "needs, so a skip here means one is missing or misconfigured. Check the services scripts/test.sh starts "
        f"and the environment it exports (unset {SETTING} to allow skips when running tests by hand)."
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and required():
        report.outcome = "failed"
        report.longrepr = _message(item.nodeid, _reason(report.longrepr))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and required():  # pytest.skip(..., allow_module_level=True)
        report.outcome = "failed"
        report.longrepr = _message(collector.nodeid, _reason(report.longrepr))
