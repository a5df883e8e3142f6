"""Kept database connections: used again without a round trip when they served the previous request a moment
ago, and replaced when PostgreSQL ended them in between (``portal.database``).

The requests go through Django's WSGI handler in this thread, as a production worker serves them (the test client
and the live server both switch off keeping connections)."""

import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections

from portal.database import base
from portal.database.base import DatabaseWrapper

pytestmark = pytest.mark.django_db(transaction=True)


def look_up_form() -> int:
    """The public look-up form, through the whole stack: one query (its captcha) per load."""
    environ = {"PATH_INFO": "/tra-cuu/", "REQUEST_METHOD": "GET", "HTTP_HOST": "127.0.0.1"}
    setup_testing_defaults(environ)
    answer = {}
    response = WSGIHandler()(environ, lambda status, headers: answer.setdefault("status", status))
    try:
        assert "captcha" in b"".join(response).decode()
    finally:
        response.close()  # request_finished, as the server sends it
    return int(answer["status"].split()[0])


@pytest.fixture(autouse=True)
def kept_connections(monkeypatch):
    """Connections kept between requests, as in production (the tests' default closes them after each)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 300)
    connection.close()


def end_from_the_server(pid: int) -> None:
    """What a restart or ``pg_terminate_backend`` does to a kept connection, from another connection."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.02)
    finally:
        other.close()


@pytest.fixture
def checks(monkeypatch):
    """Every health check PostgreSQL connections make from now on (Django's ``is_usable``)."""
    made = []
    original = DatabaseWrapper.is_usable

    def is_usable(self):
        made.append(self.alias)
        return original(self)

    monkeypatch.setattr(DatabaseWrapper, "is_usable", is_usable)
    return made


def test_the_portal_backend_serves_postgresql():
    assert isinstance(connections["default"], DatabaseWrapper)


def test_a_connection_used_a_moment_ago_is_not_checked_again(checks):
    assert look_up_form() == 200
    pid = connection.connection.info.backend_pid
    checks.clear()

    for _ in range(5):
        assert look_up_form() == 200

    assert checks == []
    assert connection.connection.info.backend_pid == pid  # the same connection served them all


def test_a_connection_ended_by_the_server_between_requests_is_replaced(checks):
    assert look_up_form() == 200
    pid = connection.connection.info.backend_pid
    end_from_the_server(pid)
    checks.clear()

    assert look_up_form() == 200  # not a 500 from the dead connection

    assert checks == ["default"]  # its socket held the server's farewell: checked, found dead, replaced
    assert connection.connection.info.backend_pid != pid


def test_a_connection_idle_for_longer_is_checked_as_before(checks, monkeypatch):
    assert look_up_form() == 200
    monkeypatch.setattr(base, "QUIET_SECONDS", 0.0)
    checks.clear()

    assert look_up_form() == 200

    assert checks == ["default"]
