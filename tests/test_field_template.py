"""The shared field templates: every error has its own id and is announced, and the error summary links to inputs
that exist (a group of radios and an address start at ``id_<name>_0``)."""

import re

from django import forms
from django.template.loader import render_to_string

from procedures.eforms import AddressField


class Sample(forms.Form):
    name = forms.CharField(label="Họ và tên", help_text="Như trên căn cước.")
    agency = forms.ChoiceField(label="Cơ quan", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    address = AddressField(label="Nơi cư trú")


def bound_with_errors() -> Sample:
    form = Sample(data={})
    assert not form.is_valid()
    form.add_error("name", "Tên quá ngắn.")  # a second error on the same field
    return form


def ids(html: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', html)


def test_a_field_with_two_errors_gives_each_its_own_id_and_announces_both():
    form = bound_with_errors()
    html = render_to_string("includes/field.html", {"field": form["name"]})

    assert len(ids(html)) == len(set(ids(html))), f"an id is used twice: {ids(html)}"
    assert 'id="id_name_error_1"' in html and 'id="id_name_error_2"' in html
    described_by = re.search(r'<input[^>]*aria-describedby="([^"]+)"', html).group(1).split()
    assert described_by == ["id_name_helptext", "id_name_error"]
    group = re.search(r'<div class="field-errors" id="id_name_error">(.*?)</div>', html, re.DOTALL).group(1)
    assert "Trường này là bắt buộc." in group or "This field is required." in group
    assert "Tên quá ngắn." in group
    assert 'aria-invalid="true"' in html


def test_a_group_of_fields_is_described_by_its_errors():
    form = bound_with_errors()
    html = render_to_string("includes/field.html", {"field": form["address"]})

    fieldset = re.search(r"<fieldset[^>]*>", html).group(0)
    assert 'aria-describedby="id_address_error"' in fieldset
    assert len(ids(html)) == len(set(ids(html)))


def test_the_error_summary_links_to_inputs_that_exist():
    form = bound_with_errors()
    summary = render_to_string("includes/form_errors.html", {"form": form})
    page = "".join(render_to_string("includes/field.html", {"field": field}) for field in form)

    targets = re.findall(r'<a href="#([^"]+)"', summary)
    assert targets == ["id_name", "id_name", "id_agency_0", "id_address_0"]
    for target in set(targets):
        assert re.search(rf'<(input|select|textarea)[^>]*\bid="{target}"', page), f"no input #{target}"
