"""Public pages kept whole for anonymous visitors (portal/page_cache.py): fast, never stale, never another's."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.models import User
from procedures.models import FeeItem, Procedure

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture(autouse=True)
def _kept(settings):
    settings.PUBLIC_PAGE_SECONDS = 300


def load(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"accept-language": "vi", **headers})
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_a_procedure_page_is_rendered_once_then_served_without_the_database(catalogue):
    url = reverse("procedures:detail", kwargs={"code": BIRTH})
    first, queries = load(Client(), url)
    assert "Thủ tục đăng ký khai sinh" in first and queries > 0

    again, queries = load(Client(), url)
    assert queries == 0
    assert TOKEN.sub("", again) == TOKEN.sub("", first)  # the same page, but for its CSRF token


def test_a_change_to_the_catalogue_shows_at_the_next_load(catalogue, django_capture_on_commit_callbacks):
    url = reverse("procedures:detail", kwargs={"code": BIRTH})
    home = reverse("home")
    load(Client(), url)
    load(Client(), home)

    procedure = Procedure.objects.get(code=BIRTH)
    with django_capture_on_commit_callbacks(execute=True):
        procedure.name = "Thủ tục đăng ký khai sinh (đã sửa tên)"
        procedure.save()
    assert "(đã sửa tên)" in load(Client(), url)[0]
    assert "(đã sửa tên)" in load(Client(), home)[0]

    fee = FeeItem.objects.filter(option__procedure=procedure).exclude(amount=0).first()
    with django_capture_on_commit_callbacks(execute=True):
        fee.amount = 123_000
        fee.save()
    assert "123.000" in load(Client(), url)[0]

    # A deleted row and a re-linked many-to-many (each model of the catalogue is watched, not every model).
    with django_capture_on_commit_callbacks(execute=True):
        fee.delete()
    assert "123.000" not in load(Client(), url)[0]
    agency = procedure.agencies.order_by("name").first()
    assert agency.name in load(Client(), url)[0]
    with django_capture_on_commit_callbacks(execute=True):
        procedure.agencies.remove(agency)
    assert agency.name not in load(Client(), url)[0]


def test_each_visitor_gets_their_own_csrf_token_and_the_language_switch_works():
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    url = reverse("procedures:catalogue")
    page_one, _ = load(first, url)
    page_two, queries = load(second, url)
    assert queries == 0  # kept

    token_one, token_two = TOKEN.search(page_one)[1], TOKEN.search(page_two)[1]
    assert token_one != token_two
    response = second.post(reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token_two})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"

    english, _ = load(second, url)
    assert "<h1>Administrative procedures</h1>" in english


def test_languages_are_kept_apart(catalogue):
    url = reverse("procedures:detail", kwargs={"code": BIRTH})
    vietnamese, _ = load(Client(), url)
    english, _ = load(Client(), url, **{"accept-language": "en"})
    again, queries = load(Client(), url, **{"accept-language": "en"})
    assert queries == 0
    assert 'lang="en"' in english and 'lang="vi"' in vietnamese
    assert 'lang="en"' in again


def test_a_signed_in_visitor_never_gets_a_kept_page_nor_leaves_theirs(client, catalogue):
    url = reverse("home")
    load(Client(), url)
    citizen = User.objects.create_user(username="kept-page-citizen", password="x", full_name="Trần Thị Riêng")
    client.force_login(citizen)

    mine, queries = load(client, url)
    assert "Đăng xuất" in mine and queries > 0
    theirs, _ = load(Client(), url)
    assert "Đăng xuất" not in theirs and "Đăng nhập" in theirs


def test_a_missing_page_is_not_kept():
    url = reverse("procedures:detail", kwargs={"code": "9.999999"})
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(url).status_code == 404
        assert len(queries) > 0


def test_a_visitor_with_a_session_gets_the_page_rendered(client):
    url = reverse("procedures:catalogue")
    load(Client(), url)
    session = client.session
    session["anything"] = 1
    session.save()
    client.cookies["sessionid"] = session.session_key
    _, queries = load(client, url)
    assert queries > 0


def test_the_catalogue_api_keeps_its_json_for_anonymous_clients(catalogue, django_capture_on_commit_callbacks):
    url = "/api/v1/procedures/?q=khai+sinh"
    first, queries = load(Client(), url, accept="application/json")
    again, kept_queries = load(Client(), url, accept="application/json")
    assert queries > 0 and kept_queries == 0 and again == first

    _, queries = load(Client(), url, accept="text/html")  # the browsable API: rendered, its token in a script
    _, queries_again = load(Client(), url, accept="text/html")
    assert queries > 0 and queries_again > 0

    procedure = Procedure.objects.get(code=BIRTH)
    with django_capture_on_commit_callbacks(execute=True):
        procedure.name = "Thủ tục đăng ký khai sinh (API)"
        procedure.save()
    assert "(API)" in load(Client(), url, accept="application/json")[0]


def test_statistics_are_kept_whole_only_while_their_figures_are_cached(settings):
    url = reverse("reports:statistics")
    settings.REPORTS_CACHE_SECONDS = 0
    load(Client(), url)
    _, queries = load(Client(), url)
    assert queries > 0  # computed for each visitor: nothing is kept

    settings.REPORTS_CACHE_SECONDS = 60
    first, _ = load(Client(), url)
    again, queries = load(Client(), url)
    assert queries == 0 and TOKEN.sub("", again) == TOKEN.sub("", first)
    api, queries = load(Client(), "/api/v1/statistics/", accept="application/json")
    api_again, queries_again = load(Client(), "/api/v1/statistics/", accept="application/json")
    assert api_again == api and queries_again == 0


def test_only_the_parameters_a_page_reads_are_kept(catalogue):
    """Anything else in the address is answered but not kept: random parameters cannot fill the cache."""
    catalogue_url = reverse("procedures:catalogue")
    for url in (f"{catalogue_url}?q=khai+sinh&utm_source=x", f"{catalogue_url}?q=a&q=b", "/?ref=1"):
        load(Client(), url)
        _, queries = load(Client(), url)
        assert queries > 0, url
    load(Client(), f"{catalogue_url}?q=khai+sinh&level=3&page=1")
    _, queries = load(Client(), f"{catalogue_url}?q=khai+sinh&level=3&page=1")
    assert queries == 0
