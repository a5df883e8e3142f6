import pytest

from procedures.models import Agency, Field
from procedures.selectors import CatalogueFilters, search_procedures

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"


def codes(**filters):
    return [p.code for p in search_procedures(CatalogueFilters(**filters))]


@pytest.mark.parametrize(
    "query",
    ["dang ky khai sinh", "Đăng ký khai sinh", "ĐĂNG KÝ KHAI SINH", "đăng KÝ khai SINH", "  dang   ky khai sinh "],
)
def test_birth_registration_is_found_with_or_without_diacritics_and_case(catalogue, query):
    found = codes(q=query)

    assert found[0] == BIRTH  # the shortest exact match comes first
    assert "1.003583" in found  # đăng ký khai sinh lưu động


def test_every_word_must_match(catalogue):
    found = codes(q="khai sinh nuoc ngoai")

    assert found[0] == "2.000528"  # đăng ký khai sinh có yếu tố nước ngoài
    assert BIRTH not in found[:1]


def test_the_national_code_is_searchable(catalogue):
    assert codes(q="3.000333") == ["3.000333"]
    assert codes(q="3.00033") == ["3.000333"]


def test_near_misses_are_found_on_postgresql(catalogue, is_postgresql):
    if not is_postgresql:
        pytest.skip("trigram similarity is a PostgreSQL feature")
    assert "3.000333" in codes(q="ly lich tu phap")
    assert "3.000333" in codes(q="ly lich tư phapp")  # a typing slip


def test_nothing_unrelated_is_returned(catalogue):
    assert codes(q="zzzz qqqq") == []


def test_filters_narrow_the_list(catalogue):
    civil_status = Field.objects.get(name="Hộ tịch")
    provincial_police = Agency.objects.get(code="000.00.19.H56")

    in_field = codes(field=civil_status)
    at_province = codes(administrative_level=1)
    level_one = codes(service_level=1)
    combined = codes(q="khai sinh", field=civil_status, service_level=1)

    assert BIRTH in in_field and "3.000333" not in in_field
    assert "3.000333" in at_province and BIRTH not in at_province
    assert set(level_one) == {"1.003583", "1.000593", "1.000419", "2.002481", "1.000748"}
    assert combined == ["1.003583"]
    assert "3.000333" in codes(agency=provincial_police)
    assert BIRTH not in codes(agency=provincial_police)


def test_unpublished_procedures_are_not_listed(catalogue):
    catalogue.filter(code=BIRTH).update(is_published=False)

    assert BIRTH not in codes(q="khai sinh")
