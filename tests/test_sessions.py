"""Sessions are kept in the database and in the shared cache (Redis): read from the cache, ended everywhere."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def _session_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if "django_session" in query["sql"]]


def test_a_signed_in_page_reads_the_session_without_a_query(client):
    assert settings.SESSION_ENGINE.endswith("cached_db")  # the suite runs with Redis, as production does
    client.force_login(CitizenFactory())
    assert client.get(reverse("dossiers:mine")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dossiers:mine")).status_code == 200
    assert _session_queries(queries.captured_queries) == []


def test_a_session_ended_by_signing_out_is_refused_even_with_its_cookie_kept(client):
    client.force_login(CitizenFactory())
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("dossiers:mine")).status_code == 200

    client.post(reverse("accounts:logout"))

    assert not SessionStore(session_key=key).exists(key)  # gone from the cache and from the database
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    response = replay.get(reverse("dossiers:mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_a_session_still_in_the_database_is_used_when_the_cache_lost_it(client):
    """Redis restarted (it keeps nothing on disk): nobody is signed out, the session is read from the database."""
    client.force_login(CitizenFactory())
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    caches[settings.SESSION_CACHE_ALIAS].delete(SessionStore.cache_key_prefix + key)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dossiers:mine")).status_code == 200
    assert _session_queries(queries.captured_queries)  # read from the database this time
