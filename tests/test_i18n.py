import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_vietnamese_is_the_default_language(client, catalogue):
    html = client.get("/").content.decode()

    assert '<html lang="vi"' in html
    assert "Thủ tục hành chính" in html


def test_english_is_chosen_from_the_browser(client, catalogue):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en"' in html
    assert "Administrative procedures" in html


def test_the_language_switcher_changes_the_language_and_returns_to_the_page(client, catalogue):
    detail = reverse("procedures:detail", kwargs={"code": "1.001193"})

    response = client.post(reverse("set_language"), {"language": "en", "next": detail})

    assert response.status_code == 302 and response["Location"] == detail
    html = client.get(detail).content.decode()
    assert '<html lang="en"' in html and "Documents to provide" in html
    client.post(reverse("set_language"), {"language": "vi", "next": detail})
    assert "Thành phần hồ sơ" in client.get(detail).content.decode()


def test_the_switcher_is_a_form_that_works_without_javascript(client, catalogue):
    html = client.get("/").content.decode()

    assert f'action="{reverse("set_language")}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="language" value="en"' in html


def test_time_zone_is_vietnam(settings):
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
