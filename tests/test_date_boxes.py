"""A date typed day first (05/12/2026, as dates are written in Vietnam) is shown again in its date picker.

A browser's date picker shows nothing for a value that is not ISO; a form sent back for another error, or an address
typed by hand, used to come back with the date box empty although the date had been read.
"""

import re
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.urls import reverse

from portal.dates import DateTimeField

from .filing import birth_declaration
from .test_filing import citizen, start  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def box(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    assert 'type="date' in tag, tag
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_statistics_read_from_an_address_typed_day_first_show_the_dates_in_their_boxes(client, catalogue):
    response = client.get("/thong-ke/", {"date_from": "05/12/2025", "date_to": "31.12.2025"})

    html = response.content.decode()
    assert response.status_code == 200
    assert box(html, "date_from") == "2025-12-05"
    assert box(html, "date_to") == "2025-12-31"


def test_a_date_that_cannot_be_read_stays_as_typed_beside_its_error(client, catalogue):
    response = client.get("/thong-ke/", {"date_from": "31/02/2025"}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert "Enter a valid date" in html
    assert box(html, "date_from") == "31/02/2025"


def test_a_declaration_sent_back_for_another_error_keeps_a_birth_date_typed_day_first(client, citizen, catalogue):  # noqa: F811
    dossier = start(client)
    bad = birth_declaration(requester_id="12345", child_birth_date="03/02/2024")

    response = client.post(reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id}), bad)

    html = response.content.decode()
    assert "12 chữ số" in html
    assert box(html, "child_birth_date") == "2024-02-03"


def test_a_due_date_typed_day_first_is_shown_in_its_picker_in_local_time(settings):
    class Form(forms.Form):
        due = DateTimeField()

    form = Form({"due": "05/12/2026 16:30"})

    assert form.is_valid()
    assert form.cleaned_data["due"].astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).hour == 16
    tag = str(form["due"])
    assert 'type="datetime-local"' in tag and 'value="2026-12-05T16:30"' in tag
