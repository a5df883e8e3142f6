import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
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


def test_every_text_of_the_portal_has_its_vietnamese(settings, tmp_path, monkeypatch):
    """The catalogue refreshed from the sources as ``make messages`` does: every text is translated, none fuzzy.
    A text added without a translation (or matched to a wrong one by msgmerge) would show in English.

    The refresh runs on a copy of the catalogue, in a folder that links to the sources, so the checkout is left as is.
    """
    base = Path(settings.BASE_DIR)
    for source in base.iterdir():
        if source.is_dir() and source.name not in {"locale", "var"} and not source.name.startswith("."):
            (tmp_path / source.name).symlink_to(source)
    shutil.copytree(base / "locale" / "vi", tmp_path / "locale" / "vi")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["vi"], no_obsolete=True, symlinks=True, verbosity=0)

    entries = (tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text().split("\n\n")[1:]  # no header
    fuzzy = [entry for entry in entries if "#, fuzzy" in entry]
    untranslated = [entry for entry in entries if not any(translation(entry))]
    assert not fuzzy, "\n\n".join(fuzzy)
    assert not untranslated, "\n\n".join(untranslated)


def translation(entry: str) -> list[str]:
    """The msgstr (or each plural's) of a catalogue entry, its quoted lines joined."""
    found, current = [], None
    for line in entry.splitlines():
        if line.startswith("msgstr"):
            current = line.split(" ", 1)[1].strip('"')
            found.append(current)
        elif current is not None and line.startswith('"'):
            found[-1] += line.strip('"')
    return found
