import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from portal.accounts.models import User
from procedures.constants import AdministrativeLevel
from procedures.models import DistrictRule, FormTemplate, Procedure

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"  # level 4, has a stand-in template
CERTIFIED_COPY = "2.000815"  # level 2
MOBILE_BIRTH = "1.003583"  # level 1
MARRIAGE = "1.000894"  # level 3


def page(client, url, **params):
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    return response.content.decode()


def test_home_page_has_search_and_most_used_procedures(client, catalogue):
    html = page(client, "/")

    assert 'role="search"' in html and 'name="q"' in html
    assert "Thủ tục đăng ký khai sinh" in html  # the most used one
    assert reverse("procedures:detail", kwargs={"code": BIRTH}) in html


def test_catalogue_lists_and_paginates(client, catalogue):
    html = page(client, reverse("procedures:catalogue"), per_page=10)

    assert f"Tìm thấy {catalogue.count()} thủ tục" in html
    assert html.count('class="procedure-item"') == 10
    assert 'rel="next"' in html


def test_catalogue_search_without_diacritics_shows_birth_registration(client, catalogue):
    html = page(client, reverse("procedures:catalogue"), q="dang ky khai sinh")

    assert "Thủ tục đăng ký khai sinh" in html
    assert "Cấp Phiếu Lý lịch tư pháp" not in html


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("đăng ký kết hôn", "đăng ký kết hôn"),
        ("dang ky ket hon", "đăng ký kết hôn"),
        ("ket hon", "kết hôn"),
        ("khai tu", "khai tử"),
    ],
)
def test_the_procedure_with_the_words_as_typed_comes_first(client, catalogue, query, first):
    """Temporary and permanent residence also hold "đăng ký", "kết" and "hôn" somewhere in their text, and their
    names are shorter: they came before the marriage registration."""
    html = page(client, reverse("procedures:catalogue"), q=query)

    names = re.findall(r'class="procedure-item".*?<a [^>]*>(.*?)</a>', html, re.S)
    assert names and first in names[0], names[:3]


def test_bad_filter_values_are_ignored_not_an_error(client, catalogue):
    html = page(client, reverse("procedures:catalogue"), level="99", service_level="x", per_page="7", q="khai tu")

    assert "Thủ tục đăng ký khai tử" in html


def test_no_result_message(client, catalogue):
    html = page(client, reverse("procedures:catalogue"), q="khong co thu tuc nao nhu vay")

    assert "Không có thủ tục nào phù hợp" in html


@pytest.mark.parametrize("params", [{}, {"q": "dang ky"}, {"q": "dang ky", "level": "3", "service_level": "3"}])
def test_catalogue_runs_a_constant_number_of_queries_whatever_the_page_size(client, catalogue, params):
    url = reverse("procedures:catalogue")
    client.get(url)  # the filter choices are cached after the first page view
    counts = []
    for per_page in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {**params, "per_page": per_page})
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 6


def test_the_page_size_selector_shows_the_size_in_use(client, catalogue):
    html = page(client, reverse("procedures:catalogue"), q="dang ky")

    assert '<option value="20" selected>' in html


def test_level_1_page_shows_information_but_no_templates_or_online_filing(client, catalogue):
    html = page(client, reverse("procedures:detail", kwargs={"code": MOBILE_BIRTH}))

    for heading in ("Thành phần hồ sơ", "Trình tự thực hiện", "Căn cứ pháp lý", "Thời hạn giải quyết"):
        assert heading in html
    assert "Nộp hồ sơ trực tuyến" not in html
    assert "/mau-don/" not in html


def test_level_2_page_offers_templates_but_no_online_filing(client, catalogue):
    procedure = Procedure.objects.get(code=BIRTH)
    template = FormTemplate.objects.filter(procedure=procedure).exclude(file="").first()
    Procedure.objects.filter(pk=procedure.pk).update(service_level=2)

    html = page(client, procedure.get_absolute_url())

    assert template.get_absolute_url() in html
    assert "không phải mẫu chính thức" in html  # stand-ins are labelled
    assert "Nộp hồ sơ trực tuyến" not in html


def test_level_3_and_4_pages_call_to_file_online(client, catalogue):
    level_3 = page(client, reverse("procedures:detail", kwargs={"code": MARRIAGE}))
    level_4 = page(client, reverse("procedures:detail", kwargs={"code": BIRTH}))

    assert "Nộp hồ sơ trực tuyến" in level_3 and "Nộp hồ sơ trực tuyến" in level_4
    assert "nộp phí trực tuyến" in level_4 and "nộp phí trực tuyến" not in level_3


def test_a_procedure_with_several_cases_lists_each(client, catalogue):
    html = page(client, reverse("procedures:detail", kwargs={"code": "1.004222"}))

    assert "Trường hợp 1:" in html and "Trường hợp 3:" in html


def test_template_download_is_a_pdf_attachment(client, catalogue):
    template = FormTemplate.objects.filter(procedure__code=BIRTH).exclude(file="").first()

    response = client.get(template.get_absolute_url())

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_templates_are_not_served_below_level_2(client, catalogue):
    template = FormTemplate.objects.filter(procedure__code=BIRTH).exclude(file="").first()
    Procedure.objects.filter(code=BIRTH).update(service_level=1)

    assert client.get(template.get_absolute_url()).status_code == 404


def test_unknown_procedure_is_a_translated_404(client, catalogue):
    response = client.get("/thu-tuc/9.999999/", HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_pages_send_a_content_security_policy(client, catalogue):
    response = client.get("/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


# --- Two-tier local government since 1 July 2025: province and commune only -------------------------------------

FORMER_DISTRICT = "1.001612"  # Đăng ký thành lập hộ kinh doanh: the record still says "Cấp Huyện"
JUDICIAL_RECORD = "3.000333"  # Cấp Phiếu Lý lịch tư pháp: province


def select_options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_catalogue_offers_the_province_and_the_commune_only(client, catalogue):
    with translation.override("en"):
        html = client.get(reverse("procedures:catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert select_options(html, "level") == ["", "1", "3"]
    assert "District" not in html


def test_the_district_level_finds_nothing_special_it_is_ignored(client, catalogue):
    html = page(client, reverse("procedures:catalogue"), level="2", per_page=100)

    assert f"Tìm thấy {catalogue.count()} thủ tục" in html


def test_a_former_district_procedure_is_listed_and_shown_at_its_level_now(client, catalogue):
    communes = page(client, reverse("procedures:catalogue"), level="3", per_page=100)
    provinces = page(client, reverse("procedures:catalogue"), level="1", per_page=100)
    with translation.override("en"):
        detail = client.get(
            reverse("procedures:detail", kwargs={"code": FORMER_DISTRICT}), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()

    assert reverse("procedures:detail", kwargs={"code": FORMER_DISTRICT}) in communes
    assert reverse("procedures:detail", kwargs={"code": FORMER_DISTRICT}) not in provinces
    assert reverse("procedures:detail", kwargs={"code": JUDICIAL_RECORD}) in provinces
    assert re.search(r"Administrative level</dt>\s*<dd>Commune</dd>", detail)
    assert "District" not in detail


def test_the_api_offers_two_levels_and_lists_the_levels_now(client, catalogue):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = schema["paths"]["/api/v1/procedures/"]["get"]["parameters"]
    assert next(p for p in parameters if p["name"] == "level")["schema"]["enum"] == [1, 3]
    agency_level = schema["components"]["schemas"]["Agency"]["properties"]["level"]
    enum = agency_level["allOf"][0]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][enum]["enum"] == [1, 3]

    listed = client.get("/api/v1/procedures/", {"level": 3, "q": FORMER_DISTRICT}).json()
    codes = {row["code"]: row for row in listed["results"]}
    assert codes[FORMER_DISTRICT]["administrative_levels"] == [AdministrativeLevel.COMMUNE]
    everything = client.get("/api/v1/procedures/", {"level": 2}).json()
    assert everything["count"] == catalogue.count()  # not a filter any more


def test_the_back_office_filters_procedures_and_agencies_by_province_or_commune(client, catalogue):
    client.force_login(User.objects.get(username="admin"))
    with translation.override("en"):
        procedures = client.get("/quan-tri/procedures/procedure/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        agencies = client.get("/quan-tri/procedures/agency/add/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        agency_list = client.get("/quan-tri/procedures/agency/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "?level=1" in procedures and "?level=3" in procedures and "?level=2" not in procedures
    assert "at_district" not in procedures
    assert select_options(agencies, "level") == ["1", "3"]
    assert "?level=2" not in agency_list
    assert "District" not in procedures + agencies + agency_list


def test_an_official_who_may_only_view_agencies_opens_an_agencys_page(client, catalogue):
    desk = User.objects.filter(role="desk", agency__isnull=False).first()
    client.force_login(desk)

    page = client.get(reverse("admin:procedures_agency_change", args=[desk.agency_id]), HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200  # it answered 500: the form set the choices of a field shown read-only
    assert desk.agency.name in page.content.decode() and 'name="level"' not in page.content.decode()


@pytest.mark.parametrize("sent", ["abc", "1\x00", "-"])
def test_an_autocomplete_field_given_no_id_says_so_and_keeps_the_form(client, catalogue, sent):
    client.force_login(User.objects.get(username="admin"))

    response = client.post(
        "/quan-tri/procedures/districtrule/add/", {"field": sent, "level": 1}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200  # it answered 500: the form shown again looked the value up as an id
    assert response.context["adminform"].form.errors["field"] == [
        "Null characters are not allowed."
        if "\x00" in sent
        else "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not DistrictRule.objects.exists()


def test_every_autocomplete_field_of_the_back_office_shows_a_refused_form_again():
    """``portal.admin_site.AutocompleteAdminMixin`` on every model admin and inline with autocomplete fields."""
    from django.contrib import admin

    from portal.admin_site import AutocompleteAdminMixin

    with_autocomplete = [
        admin_class
        for model_admin in admin.site._registry.values()
        for admin_class in [type(model_admin), *model_admin.inlines]
        if admin_class.autocomplete_fields
    ]
    assert len(with_autocomplete) >= 8
    assert [cls for cls in with_autocomplete if not issubclass(cls, AutocompleteAdminMixin)] == []


def test_saving_a_district_rule_in_the_back_office_reassigns_the_flagged_procedures(client, catalogue):
    client.force_login(User.objects.get(username="admin"))
    procedure = Procedure.objects.get(code=FORMER_DISTRICT)

    response = client.post(
        "/quan-tri/procedures/districtrule/add/", {"field": procedure.field_id, "level": AdministrativeLevel.PROVINCE}
    )

    assert response.status_code == 302
    rule = DistrictRule.objects.get(field=procedure.field)
    procedure.refresh_from_db()
    assert procedure.administrative_levels == [AdministrativeLevel.PROVINCE]
    others = Procedure.objects.filter(district_legacy=True).exclude(field=procedure.field)
    assert all(p.administrative_levels == [AdministrativeLevel.COMMUNE] for p in others)

    client.post(f"/quan-tri/procedures/districtrule/{rule.pk}/delete/", {"post": "yes"})

    procedure.refresh_from_db()
    assert procedure.administrative_levels == [AdministrativeLevel.COMMUNE]


def test_the_catalogue_filters_come_from_the_cache_and_a_new_agency_shows_at_once(client, catalogue):
    from procedures.models import Agency

    page(client, reverse("procedures:catalogue"))
    with CaptureQueriesContext(connection) as queries:
        page(client, reverse("procedures:catalogue"))
    assert not any('"procedures_agency"' in q["sql"] and "is_active" in q["sql"] for q in queries.captured_queries)

    Agency.objects.create(
        code="000.99.99.H56", name="Ủy ban nhân dân phường Mới Lập", level=AdministrativeLevel.COMMUNE, is_active=True
    )
    assert "Ủy ban nhân dân phường Mới Lập" in page(client, reverse("procedures:catalogue"))


def test_agencies_and_procedures_are_listed_in_vietnamese_alphabetical_order(client, catalogue, is_postgresql):
    """In code-point order "Ủy ban nhân dân tỉnh" came after "Văn phòng Đăng ký đất đai", and "phường Đông Sơn"
    after "phường Quang Trung" (Đ after every Latin letter); a ă â … đ … u ư v is the order Vietnamese readers use."""
    from dossiers.counter import receivable_procedures
    from procedures.models import Agency
    from procedures.selectors import filter_choices

    if not is_postgresql:
        pytest.skip("the Vietnamese collation is PostgreSQL's (ICU)")
    province = [a.name for a in filter_choices()[0] if a.level == 1]
    assert province.index("Ủy ban nhân dân tỉnh Thanh Hóa") < province.index("Văn phòng Đăng ký đất đai tỉnh Thanh Hóa")
    wards = [a.name for a in filter_choices()[0] if a.name.startswith("Ủy ban nhân dân phường")]
    assert wards.index("Ủy ban nhân dân phường Đông Sơn") < wards.index("Ủy ban nhân dân phường Hạc Thành")
    names = [p.name for p in receivable_procedures(Agency.objects.get(code="000.00.01.H56"))]
    starts = [name.split()[0] for name in names if name.split()[0] in ("Cấp", "Chuyển", "Chứng", "Đăng", "Thực")]
    assert starts == sorted(starts, key=["Cấp", "Chuyển", "Chứng", "Đăng", "Thực"].index)  # u before ư
