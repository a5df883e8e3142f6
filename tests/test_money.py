"""What a dossier costs, from one source (payments.fees through dossiers.costs), shown the same everywhere.

The demo birth registration (1.001193) is free on time; its only fee is "Phí cấp bản sao ... nếu có yêu cầu:
8.000 đồng/bản", charged per copy asked for in the declaration (e-form field ``copies``). By post, the postal fee
for the address is added: 22.000 đ within Thanh Hóa (the default tariff).
"""

import io
import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from dossiers import costs
from dossiers.models import Dossier
from payments import services
from payments.constants import LineKind, RequestStatus
from payments.models import PaymentRequest
from portal import demo
from portal.accounts.models import User
from procedures.constants import Channel, FeeKind
from procedures.importers import import_package, load_package
from procedures.models import Agency, FeeItem, Procedure

from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH, birth_declaration
from .test_filing import captcha_answer, pdf, slots, start
from .test_importer import RECORD

pytestmark = pytest.mark.django_db

COPY_FEE = "Phí cấp bản sao (trích lục/giấy tờ hộ tịch) nếu có yêu cầu: 8.000 đồng/bản"
POSTAL = 22_000  # the default tariff, within the province, up to 100 g
PLACE = {"address_province": "38", "address_ward": "Hạc Thành", "address_street": "12 Lê Lợi"}
PARTNER_KEY = "partner-key-for-tests"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the look-up's rate limits count in the shared cache
    yield
    cache.clear()


@pytest.fixture
def citizen(client):
    user = CitizenFactory()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    return user


def vnd(amount: int) -> str:
    return f"{amount:,} đ".replace(",", ".")


def step_url(name: str, dossier: Dossier) -> str:
    return reverse(f"dossiers:{name}", kwargs={"public_id": dossier.public_id})


def fill_in_by_post(client, *, copies: str) -> Dossier:
    """Through the pages: the declaration with ``copies`` as typed, the scans, the result by post in Thanh Hóa."""
    dossier = start(client, BIRTH)
    response = client.post(step_url("declaration", dossier), birth_declaration(copies=copies))
    assert response.status_code == 302, response.content.decode()[:2000]
    required = {f"document-{slot.pk}": pdf(f"giay-{slot.pk}.pdf") for slot in slots(dossier) if slot.is_required}
    assert client.post(step_url("documents", dossier), {**required, "continue": "1"}).status_code == 302
    response = client.post(step_url("delivery", dossier), {"method": "post", **PLACE, "phone": "0912345678"})
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier.refresh_from_db()
    return dossier


def text_of(element_id: str, html: str) -> str:
    """The text of the element with this id (tags dropped, spaces squeezed)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no #{element_id} in the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


def submit(client, dossier: Dossier) -> Dossier:
    review = client.get(step_url("review", dossier)).content.decode()
    response = client.post(step_url("review", dossier), {"confirm": "on", **captcha_answer(review)})
    assert response.status_code == 302
    dossier.refresh_from_db()
    return dossier


def pdf_text(content: bytes) -> str:
    return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def lines_of(cost) -> list[tuple[str, int, int, int]]:
    return [(line.kind, line.unit_amount, line.quantity, line.amount) for line in cost.lines]


# --- The demo birth registration by post, end to end ------------------------------------------------------------

CASES = [
    # copies as typed, the lines (kind, unit amount, quantity, amount), the total
    ("", [(LineKind.POSTAL, POSTAL, 1, POSTAL)], POSTAL),
    ("0", [(LineKind.POSTAL, POSTAL, 1, POSTAL)], POSTAL),
    ("2", [(FeeKind.FEE, 8_000, 2, 16_000), (LineKind.POSTAL, POSTAL, 1, POSTAL)], 16_000 + POSTAL),
]


@pytest.mark.parametrize(("copies", "lines", "total"), CASES)
def test_the_birth_registration_by_post_costs_the_copies_asked_for_and_the_postal_fee(
    client, citizen, catalogue, copies, lines, total
):
    dossier = fill_in_by_post(client, copies=copies)

    quote = costs.quote(dossier)
    assert lines_of(quote) == lines
    assert quote.total == total

    delivery = client.get(step_url("delivery", dossier)).content.decode()
    assert vnd(POSTAL) in text_of("postal-fee", delivery)

    review = client.get(step_url("review", dossier))
    table = text_of("review-cost", review.content.decode())
    assert f"(BCCI) {vnd(POSTAL)} 1 {vnd(POSTAL)}" in table
    copy_row = f"{vnd(8_000)} 2 {vnd(16_000)}" if copies == "2" else f"{vnd(8_000)} 0 —"  # charged, or why not
    assert copy_row in table
    assert table.endswith(vnd(total)), table  # the footer's total

    response = client.post(step_url("review", dossier), {"confirm": "on", **captcha_answer(review.content.decode())})
    assert response.status_code == 302
    dossier.refresh_from_db()

    # Billed exactly the quote.
    request = PaymentRequest.objects.get(dossier=dossier)
    assert (request.status, request.amount) == (RequestStatus.OPEN, total)
    assert [(line.kind, line.unit_amount, line.quantity, line.amount) for line in request.lines.all()] == lines
    cost = costs.cost_of(dossier)
    assert (cost.billed, cost.total, cost.paid, cost.owed) == (True, total, 0, total)

    # The receipt PDF, the dossier page, the look-up, the API and the back office say the same total.
    receipt = client.get(step_url("receipt", dossier))
    text = pdf_text(b"".join(receipt.streaming_content))
    assert f"{vnd(total)} (còn phải nộp {vnd(total)} tại thời điểm nộp hồ sơ" in text, text  # its label is floated
    assert ("8.000 đ" in text) == (copies == "2")  # the copy fee only when copies were asked for
    assert f"Tổng cộng {vnd(total)}" in text

    page = client.get(dossier.get_absolute_url()).content.decode()
    assert text_of("dossier-cost", page).startswith(vnd(total))

    lookup = client.get("/tra-cuu/", {"code": dossier.code}).content.decode()  # the applicant, signed in: full
    assert text_of("lookup-cost", lookup).startswith(vnd(total))

    api = client.get(f"/api/v1/dossiers/{dossier.code}/").json()
    assert api["cost"]["total"] == total and api["cost"]["owed"] == total and api["cost"]["billed"] is True
    assert [(line["kind"], line["unit_amount"], line["quantity"], line["amount"]) for line in api["cost"]["lines"]] == [
        (str(kind), unit, quantity, amount) for kind, unit, quantity, amount in lines
    ]
    assert "fee_total" not in api

    with override_settings(TRACKING_PARTNER_API_KEYS=[PARTNER_KEY]):
        partner = client.get(
            "/api/v1/lookup/", {"code": dossier.code, "id_number": "038090001234"}, HTTP_X_API_KEY=PARTNER_KEY
        )
    assert partner.json()["fee_total"] == total

    client.force_login(User.objects.get(username="tiepnhan"))
    back_office = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk])).content.decode()
    # Nothing paid yet reads "0 đ", not "free": a desk could take the dossier for one exempt from its fees.
    assert text_of("admin-cost", back_office).endswith(f"Đã thanh toán 0 đ Còn phải nộp {vnd(total)}")


def test_a_draft_api_answers_the_quote_with_its_lines(client, citizen, catalogue):
    dossier = fill_in_by_post(client, copies="3")

    draft = client.get(f"/api/v1/drafts/{dossier.public_id}/").json()

    assert draft["fees"] == draft["cost"]["total"] == 24_000 + POSTAL
    assert [(line["quantity"], line["amount"]) for line in draft["cost"]["lines"]] == [(3, 24_000), (1, POSTAL)]
    assert draft["cost"]["billed"] is False


def test_the_delivery_step_shows_the_tariff_by_zone_before_an_address_is_given(client, citizen, catalogue):
    dossier = start(client, BIRTH)

    hint = text_of("postal-fee", client.get(step_url("delivery", dossier)).content.decode())

    assert vnd(22_000) in hint and vnd(30_000) in hint  # within the province, to another one


def test_an_exempted_line_leaves_the_total_on_the_dossier_page(client, citizen, catalogue):
    dossier = submit(client, fill_in_by_post(client, copies="1"))
    line = PaymentRequest.objects.get(dossier=dossier).lines.get(kind=FeeKind.FEE)

    for who in ("tiepnhan", "chuyenvien"):  # a desk officer or a specialist does not waive fees
        with pytest.raises(services.PaymentError):
            services.exempt_line(line=line, by=User.objects.get(username=who), reason="thử")
    services.exempt_line(line=line, by=User.objects.get(username="thuphi"), reason="Người có công với cách mạng")

    cost = costs.cost_of(dossier)
    assert (cost.total, cost.owed, [line.exempt for line in cost.lines]) == (POSTAL, POSTAL, [True, False])
    assert text_of("dossier-cost", client.get(dossier.get_absolute_url()).content.decode()).startswith(vnd(POSTAL))


# --- How fee items are charged ----------------------------------------------------------------------------------

# (per unit, only on request, quantity field, copies typed) → times charged. Written out, not derived.
CHARGING = [
    (True, True, "copies", None, 0),
    (True, True, "copies", "", 0),
    (True, True, "copies", 0, 0),
    (True, True, "copies", 2, 2),
    (True, False, "copies", 3, 3),
    (True, False, "", 3, 1),  # per unit without a quantity field: once
    (False, True, "", 3, 0),  # on request without a quantity field: asked for at the desk, not online
    (False, True, "copies", 5, 1),
    (False, True, "copies", 0, 0),
    (False, False, "", None, 1),
    (False, False, "copies", 0, 1),
    (True, False, "copies", "abc", 0),
]


def test_a_fee_item_is_charged_by_the_quantity_asked_for(catalogue):
    procedure = Procedure.objects.get(code=BIRTH)
    option = procedure.options.filter(channel=Channel.ONLINE).first()
    FeeItem.objects.filter(option=option).delete()
    item = FeeItem.objects.create(option=option, position=0, kind=FeeKind.FEE, amount=5_000, description="Phí thử")
    dossier = Dossier(procedure=procedure, agency=Agency.objects.get(code=HAC_THANH), applicant=CitizenFactory())

    charged = []
    for per_unit, on_request, field, copies, _times in CHARGING:
        FeeItem.objects.filter(pk=item.pk).update(per_unit=per_unit, on_request=on_request, quantity_field=field)
        dossier.form_data = {"copies": copies}
        quote = costs.quote(dossier)
        charged.append((quote.total, [line.quantity for line in quote.lines], len(quote.not_charged)))

    assert charged == [(5_000 * times, [times] if times else [], 0 if times else 1) for *_row, times in CHARGING]


# --- The importer reads how an item is charged from its description ---------------------------------------------

# (description, per unit, only on request)
DESCRIPTIONS = [
    (COPY_FEE, True, True),
    ("Phí cấp bản sao Trích lục hộ tịch/bản sao Giấy khai sinh: 8.000 đồng/bản", True, False),
    ("Phí chứng thực bản sao từ bản chính: 2.000 đồng/trang", True, False),
    ("Phí in: 3.000 đồng mỗi bản (nếu có)", True, True),
    ("Phí cung cấp thông tin lý lịch tư pháp: 200.000 đồng/lần/người", True, False),
    ("Lệ phí đăng ký thường trú nộp qua cổng dịch vụ công trực tuyến: 10.000 đồng/lần đăng ký", False, False),
    ("Phí cấp bản sao khi có yêu cầu: 5.000 đồng", False, True),
    ("Phi cap ban sao neu co yeu cau: 8.000 dong/ban", True, True),
    ("Lệ phí: 30.000 đồng/tổ chức", False, False),
    ("Lệ phí: 5.000 đồng/bảng kê", False, False),
]


def test_the_importer_reads_per_unit_and_on_request_from_the_description():
    timing = RECORD["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]
    fee_rows = [{"SOTIEN": "8.000", "MOTA": description} for description, *_flags in DESCRIPTIONS]
    record = {**RECORD, "CACHTHUCTHUCHIEN": [{"KENH": 2, "THOIGIAN": [{**timing, "PHILEPHI": fee_rows}]}]}

    report = import_package([record])

    assert report.ok, report.errors
    fees_ = FeeItem.objects.filter(option__procedure__code=RECORD["MaTTHC"]).order_by("position")
    assert list(fees_.values_list("description", "per_unit", "on_request")) == DESCRIPTIONS


def test_the_demo_charges_the_copy_fee_per_copy_asked_for_and_a_new_import_keeps_that(catalogue):
    fees_ = FeeItem.objects.filter(option__procedure__code=BIRTH, amount__gt=0)  # the copy fee of each channel
    demo_terms = {(True, True, "copies")}  # every channel's copy fee: per copy, on request, the e-form's "copies"
    assert set(fees_.values_list("per_unit", "on_request", "quantity_field")) == demo_terms
    fees_.update(per_unit=False, on_request=False)

    import_package(load_package(demo.CATALOGUE_FILE))  # the national data again: the flags, not the field

    assert set(fees_.values_list("description", "per_unit", "on_request", "quantity_field")) == {
        (COPY_FEE, True, True, "copies")
    }
    fees_.update(quantity_field="")
    demo.load_catalogue()  # loading the demo links the copy fee to the declaration's "copies" again
    assert set(fees_.values_list("quantity_field", flat=True)) == {"copies"}


# --- Pages that show fee items -----------------------------------------------------------------------------------


def test_the_procedure_page_says_the_copy_fee_is_per_copy_and_only_if_requested(client, catalogue):
    html = client.get(f"/thu-tuc/{BIRTH}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "per copy, only if requested" in html


def test_the_back_office_refuses_a_quantity_field_the_declaration_does_not_have(client, catalogue):
    client.force_login(User.objects.get(username="admin"))
    option = Procedure.objects.get(code=BIRTH).options.filter(channel=Channel.ONLINE).first()
    items = list(option.fees.order_by("position"))
    url = reverse("admin:procedures_processingoption_change", args=[option.pk])
    form = {
        "procedure": option.procedure_id,
        "channel": option.channel,
        "position": option.position,
        "time_value": option.time_value or "",
        "time_unit": option.time_unit,
        "description": option.description,
        "fees-TOTAL_FORMS": str(len(items)),
        "fees-INITIAL_FORMS": str(len(items)),
        "fees-MIN_NUM_FORMS": "0",
        "fees-MAX_NUM_FORMS": "1000",
    }
    for n, fee in enumerate(items):
        form |= {
            f"fees-{n}-id": fee.pk,
            f"fees-{n}-option": option.pk,
            f"fees-{n}-position": fee.position,
            f"fees-{n}-kind": fee.kind,
            f"fees-{n}-code": fee.code,
            f"fees-{n}-amount": fee.amount,
            f"fees-{n}-description": fee.description,
            f"fees-{n}-quantity_field": fee.quantity_field,
            **({f"fees-{n}-per_unit": "on"} if fee.per_unit else {}),
            **({f"fees-{n}-on_request": "on"} if fee.on_request else {}),
        }
    copy_fee = next(n for n, fee in enumerate(items) if fee.amount)

    refused = client.post(url, {**form, f"fees-{copy_fee}-quantity_field": "so_ban"}, HTTP_ACCEPT_LANGUAGE="en")
    accepted = client.post(url, {**form, f"fees-{copy_fee}-quantity_field": "copies"}, HTTP_ACCEPT_LANGUAGE="en")

    assert refused.status_code == 200 and "has no number field “so_ban”" in refused.content.decode()
    assert accepted.status_code == 302, accepted.content.decode()[:3000]
    assert option.fees.get(amount=8_000).quantity_field == "copies"


def test_the_filing_start_page_lists_the_fee_items_with_their_terms(client, citizen, catalogue):
    html = client.get(reverse("dossiers:start", kwargs={"code": BIRTH}), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "per copy, only if requested" in html


# --- Alternatives, not additions: a reduced rate, one case's rate ------------------------------------------------

JUDICIAL_RECORD = "3.000333"  # 200.000 đ, or 100.000 đ for students and people with merit (national data)
TEMPORARY_RESIDENCE = "1.004194"  # online: 7.000 đ for a person or household, 5.000 đ a person on a list


def judicial_record_quote(case_name: str = "") -> costs.Cost:
    procedure = Procedure.objects.get(code=JUDICIAL_RECORD)
    case = procedure.cases.get(name=case_name) if case_name else procedure.cases.first()
    dossier = Dossier(procedure=procedure, case=case, agency=procedure.agencies.first(), applicant=CitizenFactory())
    return costs.quote(dossier)


def test_the_judicial_record_bills_the_full_fee_and_shows_the_reduced_rate_as_not_charged(catalogue, settings):
    """It billed 200.000 đ and the students' 100.000 đ together: 300.000 đ."""
    settings.LANGUAGE_CODE = "vi"
    quote = judicial_record_quote()

    assert quote.total == 200_000
    assert [line.unit_amount for line in quote.lines] == [200_000]
    (reduced,) = quote.not_charged
    assert reduced.unit_amount == 100_000 and reduced.description.startswith("Sinh viên")
    assert "xuất trình giấy tờ" in reduced.note


def test_temporary_residence_bills_the_rate_of_the_case_filed_for_only(catalogue):
    """Online it billed 7.000 đ for a household and 5.000 đ for a list together, whichever was filed."""
    procedure = Procedure.objects.get(code=TEMPORARY_RESIDENCE)
    billed = {}
    for case in procedure.cases.order_by("pk"):
        dossier = Dossier(procedure=procedure, case=case, agency=procedure.agencies.first(), applicant=CitizenFactory())
        quote = costs.quote(dossier)
        billed[case.name] = (quote.total, len(quote.not_charged))

    assert billed["Đăng ký tạm trú (cá nhân, hộ gia đình)"] == (7_000, 0)
    assert billed["Đăng ký tạm trú theo danh sách"] == (5_000, 0)


def test_the_importer_marks_reduced_rates_and_case_rates_and_keeps_them_on_a_new_import(catalogue):
    items = FeeItem.objects.filter(option__procedure__code__in=[JUDICIAL_RECORD, TEMPORARY_RESIDENCE])
    marked = set(items.filter(reduced_rate=True).values_list("amount", flat=True))
    by_case = set(items.filter(case__isnull=False).values_list("amount", "case__name"))
    items.update(reduced_rate=False, case=None)

    import_package(load_package(demo.CATALOGUE_FILE))

    assert marked == {100_000}
    assert by_case == {
        (15_000, "Đăng ký tạm trú (cá nhân, hộ gia đình)"), (7_000, "Đăng ký tạm trú (cá nhân, hộ gia đình)"),
        (10_000, "Đăng ký tạm trú theo danh sách"), (5_000, "Đăng ký tạm trú theo danh sách"),
    }  # fmt: skip
    assert set(items.filter(reduced_rate=True).values_list("amount", flat=True)) == marked
    assert set(items.filter(case__isnull=False).values_list("amount", "case__name")) == by_case
    assert not FeeItem.objects.filter(reduced_rate=True).exclude(option__procedure__code=JUDICIAL_RECORD).exists()


def test_the_procedure_page_writes_times_and_free_items_in_the_pages_language(client, catalogue):
    """The English page read "1 ngày" and "Free (Charge (lệ phí))", the Vietnamese one "Miễn phí (Lệ phí)"."""
    en = client.get(f"/thu-tuc/{BIRTH}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    vi = client.get(f"/thu-tuc/{BIRTH}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert 'data-label="Processing time">1 day<' in en and "<strong>No charge (lệ phí)</strong>" in en
    assert 'data-label="Thời hạn giải quyết">1 ngày<' in vi and "<strong>Không thu lệ phí</strong>" in vi
    judicial = client.get(f"/thu-tuc/{JUDICIAL_RECORD}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "a reduced rate, on proof" in judicial


def test_the_back_office_reads_fee_and_postal_amounts_as_officials_write_them(client, catalogue):
    """ "30.000" typed for a postal tariff or a fee item was saved as 30 đ, and billed so."""
    from postal.models import Tariff

    client.force_login(User.objects.get(username="admin"))
    tariff = Tariff.objects.order_by("pk").first()
    page = client.get(reverse("admin:postal_tariff_change", args=[tariff.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(amount="30.000", _save="1")

    client.post(reverse("admin:postal_tariff_change", args=[tariff.pk]), data)

    tariff.refresh_from_db()
    assert tariff.amount == 30_000


def test_a_fee_item_is_tied_only_to_a_case_of_its_own_procedure(catalogue):
    from procedures.admin import FeeItemForm

    option = Procedure.objects.get(code=TEMPORARY_RESIDENCE).options.first()
    elsewhere = Procedure.objects.get(code=JUDICIAL_RECORD).cases.first()
    form = FeeItemForm(
        {"position": 9, "kind": FeeKind.FEE, "amount": "5.000", "description": "Thử", "case": elsewhere.pk},
        instance=FeeItem(option=option),
    )

    assert not form.is_valid() and "case" in form.errors


@pytest.mark.parametrize(
    ("channel", "expected"),
    [("online", 10_000), ("national", 10_000), ("counter", 20_000)],
)
def test_a_dossier_is_charged_the_rate_of_the_way_it_came_in(catalogue, channel, expected):
    """Đăng ký thường trú costs 10.000 đ filed online and 20.000 đ in person: a paper dossier registered at the
    counter was billed the online rate."""
    from dossiers.constants import Status

    from .factories import dossier_in

    dossier = dossier_in(Status.DRAFT, procedure=Procedure.objects.get(code="1.004222"), channel=channel)

    assert costs.quote(dossier).total == expected
