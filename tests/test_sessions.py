"""Sessions are kept in the database and in the shared cache (Redis): read from the cache, ended everywhere. The
signed-in user's row is remembered there too, and forgotten whenever the user changes."""

from unittest.mock import patch

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.constants import Status
from portal.accounts.constants import Role
from portal.accounts.models import User
from tests.factories import AgencyFactory, CitizenFactory, dossier_in, official
from tests.interleaving import ChangeAfterRead

pytestmark = pytest.mark.django_db


def _session_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if "django_session" in query["sql"]]


def _user_queries(queries) -> list[str]:
    table = User._meta.db_table
    return [query["sql"] for query in queries if f'FROM "{table}"' in query["sql"]]


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


def test_a_reloaded_page_reads_neither_the_session_nor_the_user_from_the_database(client):
    assert settings.SESSION_USER_SECONDS > 0  # the suite runs with Redis, as production does
    client.force_login(CitizenFactory())
    assert client.get(reverse("dossiers:mine")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dossiers:mine")).status_code == 200
    assert _session_queries(queries.captured_queries) == []
    assert _user_queries(queries.captured_queries) == []


def test_a_change_to_the_signed_in_user_shows_at_their_next_request(client):
    citizen = CitizenFactory(full_name="Nguyễn Văn An")
    client.force_login(citizen)
    assert ">An</span>" in client.get(reverse("dossiers:mine")).content.decode()

    citizen.full_name = "Nguyễn Văn Bình"
    citizen.save()

    page = client.get(reverse("dossiers:mine")).content.decode()
    assert ">Bình</span>" in page and ">An</span>" not in page


def test_an_official_moved_to_another_agency_loses_the_old_agencys_dossiers_at_once(client):
    desk = official(Role.DESK)
    dossier = dossier_in(Status.SUBMITTED)
    change = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    client.force_login(desk)
    assert client.get(change).status_code == 200

    desk.agency = AgencyFactory()
    desk.save()

    assert client.get(change).status_code == 404  # as for any dossier of another agency


@pytest.mark.parametrize("how", ["deactivated", "deleted", "new password"])
def test_a_user_deactivated_deleted_or_given_a_new_password_is_signed_out_at_their_next_request(client, how):
    citizen = CitizenFactory()
    client.force_login(citizen)
    assert client.get(reverse("dossiers:mine")).status_code == 200

    if how == "deactivated":
        citizen.is_active = False
        citizen.save()
    elif how == "deleted":
        citizen.delete()
    else:
        citizen.set_password("một mật khẩu mới 2026")
        citizen.save()

    response = client.get(reverse("dossiers:mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_a_user_is_read_from_the_database_at_every_request_when_nothing_may_be_remembered(client, settings):
    settings.SESSION_USER_SECONDS = 0
    client.force_login(CitizenFactory())
    assert client.get(reverse("dossiers:mine")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dossiers:mine")).status_code == 200
    assert len(_user_queries(queries.captured_queries)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_row_read_just_before_a_deactivation_is_not_remembered_past_it():
    """The request read the user while still active; the deactivation committed and forgot the remembered row;
    only then did that request remember what it had read. Their next request is still signed out."""
    citizen = CitizenFactory()
    client = Client()
    client.force_login(citizen)

    def deactivate():
        user = User.objects.get(pk=citizen.pk)
        user.is_active = False
        user.save()

    with connection.execute_wrapper(ChangeAfterRead(User._meta.db_table, deactivate)):
        assert client.get(reverse("dossiers:mine")).status_code == 200  # read before the change: still in

    response = client.get(reverse("dossiers:mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize(
    "cookie",
    [
        '"abcdefgh\\000ijklmn"',  # an octal escape in a quoted cookie: the parser makes it a NUL (answered 500)
        "ABCDEFGHIJKLMNOP",  # Django makes lowercase letters and digits only
        "a" * 41,  # longer than the column
    ],
)
def test_a_session_cookie_django_could_not_have_made_is_no_session(client, catalogue, cookie):
    """Not even looked up: neither the cache nor the database is asked for it."""
    header = {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={cookie}"}
    session_cache = caches[settings.SESSION_CACHE_ALIAS]
    asked = []
    original_get = session_cache.get

    def get(key, *args, **kwargs):
        asked.append(key)
        return original_get(key, *args, **kwargs)

    with CaptureQueriesContext(connection) as queries, patch.object(session_cache, "get", get):
        assert client.get(reverse("tracking:lookup"), **header).status_code == 200
    assert _session_queries(queries.captured_queries) == []
    assert [key for key in asked if SessionStore.cache_key_prefix in key] == []

    assert client.get(reverse("home"), **header).status_code == 200
    mine = client.get(reverse("dossiers:mine"), **header)
    assert mine.status_code == 302 and mine["Location"].startswith(reverse(settings.LOGIN_URL))
    assert client.get("/api/v1/auth/me/", **header).status_code in (401, 403)
    assert client.post(reverse("tracking:lookup"), {"code": "X"}, **header).status_code == 400  # the form's errors
