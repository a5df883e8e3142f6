"""What the frameworks under the portal say reads in the caller's language: the API's refusals (its fields,
authentication, bodies it cannot read, a missing object), the page for a form sent with an out-of-date security token,
the page an account may not open, the admin's password page. Their own Vietnamese catalogues miss most of these; the
portal's catalogue carries them (``portal.framework_strings``). The password rules at registration are in
``tests/test_registration.py``."""

import importlib

import django_filters
import pytest
from django import forms
from django.core import validators
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from rest_framework import exceptions, fields

from .factories import CitizenFactory, superuser
from .test_api_filing import start, token_for

pytestmark = pytest.mark.django_db


class _AnyValue(dict):
    """Fills every placeholder of a message (and picks its plural) so that it can be read."""

    def __missing__(self, key):
        return 2


def _read(message) -> str:
    try:
        return message % _AnyValue()  # a plural's proxy picks its form from the values
    except (TypeError, ValueError, KeyError):
        return str(message)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def framework_messages():
    """Every error message a field, a validator or an exception of Django, its PostgreSQL fields, REST framework
    and django-filter can give, with where it comes from."""
    for module in ("django.contrib.postgres.forms", "django.contrib.postgres.fields", "rest_framework.serializers"):
        importlib.import_module(module)
    found = []
    owners = ("django.", "rest_framework.", "django_filters.")
    for base in (forms.Field, models.Field, fields.Field, django_filters.Filter):
        for cls in {base, *_subclasses(base)}:
            if not cls.__module__.startswith(owners):
                continue
            messages = {}
            for klass in reversed(cls.__mro__):
                messages.update(getattr(klass, "default_error_messages", {}) or {})
            found += [(f"{cls.__module__}.{cls.__qualname__}[{key}]", message) for key, message in messages.items()]
    for cls in _subclasses(exceptions.APIException):
        if cls.__module__.startswith("rest_framework."):
            found.append((f"{cls.__module__}.{cls.__qualname__}", cls.default_detail))
    for name in dir(validators):
        cls = getattr(validators, name)
        if isinstance(cls, type) and isinstance(getattr(cls, "message", None), Promise):
            found.append((f"django.core.validators.{name}", cls.message))
    return [(where, message) for where, message in found if isinstance(message, Promise)]


def test_every_error_message_of_the_frameworks_reads_in_vietnamese():
    messages = framework_messages()
    assert len(messages) > 150  # the collection itself works: fields of four frameworks, exceptions, validators

    with translation.override("en"):
        english = {where: _read(message) for where, message in messages}
    with translation.override("vi"):
        vietnamese = {where: _read(message) for where, message in messages}

    untranslated = sorted(f"{where}: {english[where]}" for where in english if vietnamese[where] == english[where])
    assert not untranslated, "\n".join(untranslated)


@pytest.fixture
def citizen(catalogue):
    return CitizenFactory()


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.json()["message"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", ["Cần một số nguyên hợp lệ.", "Chưa gửi thông tin xác thực.", "Không tìm thấy."]),
        ("en", ["A valid integer is required.", "Authentication credentials were not provided.", "Not found."]),
    ],
)
def test_the_api_refuses_a_field_a_missing_sign_in_and_a_missing_dossier_in_the_callers_language(
    client, citizen, language, expected
):
    auth = {**token_for(citizen), "HTTP_ACCEPT_LANGUAGE": language}
    draft = start(client, auth)

    bad_slot = client.post(f"/api/v1/drafts/{draft['id']}/documents/", {"required_document": "hai"}, **auth)
    anonymous = client.get("/api/v1/drafts/", HTTP_ACCEPT_LANGUAGE=language)
    missing = client.get("/api/v1/dossiers/000.20.30.H56-261207-9999/", **auth)  # Django's text named the class

    assert bad_slot.status_code == 400 and bad_slot.json()["fields"]["required_document"] == [expected[0]]
    assert refusal(anonymous) == (401, expected[1])
    assert refusal(missing) == (404, expected[2])


def test_a_body_the_api_cannot_read_is_refused_in_vietnamese_saying_where_it_breaks(client, citizen):
    auth = {**token_for(citizen), "HTTP_ACCEPT_LANGUAGE": "vi"}

    broken = client.post("/api/v1/drafts/", '{"procedure": "1.001193",\n "agency": }', "application/json", **auth)
    not_utf8 = client.post("/api/v1/drafts/", b'{"procedure": "\xff"}', "application/json", **auth)
    nan = client.post("/api/v1/drafts/", '{"procedure": NaN}', "application/json", **auth)
    not_multipart = client.post("/api/v1/drafts/", b"xx", "multipart/form-data; boundary=", **auth)

    assert refusal(broken) == (400, "Nội dung yêu cầu không phải là JSON hợp lệ (dòng 2, cột 12).")
    assert refusal(not_utf8) == (400, "Nội dung yêu cầu không phải là văn bản mã hóa UTF-8.")
    assert refusal(nan) == (400, "Nội dung yêu cầu không phải là JSON hợp lệ.")
    assert refusal(not_multipart) == (400, "Nội dung yêu cầu không phải là multipart/form-data hợp lệ.")
    assert {response.json()["code"] for response in (broken, not_utf8, nan, not_multipart)} == {"parse_error"}


LOOKUP = "/tra-cuu/"


def test_a_form_sent_without_the_pages_security_token_gets_a_translated_page_leading_back_to_the_form():
    browser = Client(enforce_csrf_checks=True)
    page = f"http://testserver{LOOKUP}"

    without_cookie = browser.post(LOOKUP, {"code": "X"}, HTTP_REFERER=page, HTTP_ACCEPT_LANGUAGE="vi")
    browser.get(LOOKUP)  # the form's page sets the cookie; an old page's token no longer matches it
    old_token = browser.post(
        LOOKUP, {"code": "X", "csrfmiddlewaretoken": "x" * 64}, HTTP_REFERER=page, HTTP_ACCEPT_LANGUAGE="en"
    )
    from_elsewhere = browser.post(
        LOOKUP, {"code": "X"}, HTTP_REFERER="https://elsewhere.example/", HTTP_ACCEPT_LANGUAGE="vi"
    )

    html = without_cookie.content.decode()
    assert without_cookie.status_code == 403
    assert '<html lang="vi"' in html and "<h1>Biểu mẫu này đã hết hạn</h1>" in html
    assert "Hãy cho phép cookie" in html  # the cookie never came: say what to change
    assert f'href="{page}"' in html and "Mở lại biểu mẫu" in html
    assert 'class="site-header"' in html  # the portal's layout, its navigation to carry on
    english = old_token.content.decode()
    assert old_token.status_code == 403 and "<h1>This form has expired</h1>" in english
    assert "Allow cookies" not in english and f'href="{page}"' in english
    assert from_elsewhere.status_code == 403 and "elsewhere.example" not in from_elsewhere.content.decode()


def test_a_page_the_account_may_not_open_says_so_in_vietnamese_in_the_portals_layout(client, citizen):
    client.force_login(citizen)

    response = client.get(reverse("reports:agency"), HTTP_ACCEPT_LANGUAGE="vi")

    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Không có quyền truy cập</h1>" in html and 'class="site-header"' in html
    assert "Trang này dành cho cán bộ của các cơ quan." in html  # a citizen is not sent to an agency's administrator


def test_the_admins_password_page_warns_in_the_pages_language(client, citizen):
    client.force_login(superuser())
    url = f"/quan-tri/accounts/user/{citizen.pk}/password/"

    vietnamese = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Nếu tắt, mật khẩu hiện tại của người dùng này sẽ mất." in vietnamese  # Django's text was English in both
    assert "Khi tắt, họ vẫn có thể đăng nhập bằng cách khác" in vietnamese
    assert "If disabled, the current password for this user will be lost." in english
    assert "If disabled, they may still be able to authenticate" in english
