"""Under the test command (REQUIRE_TEST_SERVICES=1) a test that skips for want of a service fails, saying why."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

BASE_DIR = Path(__file__).resolve().parent.parent

SKIPPING = """
import pytest

needs_s3 = pytest.mark.skipif(True, reason="needs the S3 server that make test starts")


@needs_s3
def test_s3():
    pass


def test_trigrams():
    pytest.skip("trigram similarity is a PostgreSQL feature")


@pytest.mark.xfail(reason="a known gap")
def test_known_gap():
    assert False


def test_plain():
    assert True
"""

SKIPPING_MODULE = """
import pytest

pytest.skip("needs the cluster", allow_module_level=True)


def test_nodes():
    pass
"""


@pytest.fixture
def run(pytester, monkeypatch):
    """pytest in a subprocess, with only the hooks of tests/required_services.py, on tests that skip."""
    monkeypatch.setenv("PYTHONPATH", str(BASE_DIR))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    pytester.makeconftest("from tests.required_services import pytest_make_collect_report, pytest_runtest_makereport")
    pytester.makepyfile(test_services=SKIPPING, test_cluster=SKIPPING_MODULE)
    return lambda: pytester.runpytest_subprocess(
        "-p", "no:django", "-p", "no:cacheprovider", "-ra", "--continue-on-collection-errors"
    )


def test_by_hand_a_missing_service_is_a_skip(run, monkeypatch):
    monkeypatch.delenv("REQUIRE_TEST_SERVICES", raising=False)

    result = run()

    assert result.ret == 0
    result.assert_outcomes(passed=1, skipped=3, xfailed=1)


def test_under_the_test_command_a_missing_service_is_a_failure_that_says_why(run, monkeypatch):
    monkeypatch.setenv("REQUIRE_TEST_SERVICES", "1")

    result = run()

    assert result.ret != 0
    # A skipif marker fails at set-up (an error), pytest.skip() in the body fails the test, a module that skips
    # itself is a collection error; an expected failure stays one.
    result.assert_outcomes(passed=1, failed=1, errors=2, xfailed=1)
    result.stdout.fnmatch_lines_random(
        [
            "*test_services.py::test_s3 was skipped (needs the S3 server that make test starts), but "
            "REQUIRE_TEST_SERVICES is set*",
            "*test_services.py::test_trigrams was skipped (trigram similarity is a PostgreSQL feature), but*",
            "*test_cluster.py was skipped (needs the cluster), but REQUIRE_TEST_SERVICES is set*",
        ]
    )
