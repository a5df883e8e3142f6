"""The public look-up (Tra cứu hồ sơ), satisfaction ratings and the QR code on issued PDFs."""

import re
from urllib.parse import quote, urlsplit

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape

from dossiers import notices, processing, receipts
from dossiers.constants import DeliveryMethod, NoticeKind, Status
from dossiers.models import Dossier
from portal.accounts.constants import Role
from portal.accounts.models import User
from procedures.models import Procedure
from tracking import services
from tracking.models import Rating
from tracking.selectors import mask_name

from .factories import CitizenFactory
from .filing import HAC_THANH
from .payments_support import pay_at_counter

pytestmark = pytest.mark.django_db

LOOKUP = "/tra-cuu/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ID_NUMBER = "038090005678"
INTERNAL = "Ghi chú nội bộ: hồ sơ đã đối chiếu với sổ hộ tịch."
MISSING = "Bản sao Giấy chứng sinh rõ nét."
ADDRESS = "12 Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa"
PHONE = "+84912345678"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # django-ratelimit and DRF throttles count in the shared cache
    yield
    cache.clear()


@pytest.fixture
def staff(catalogue):
    by_role = {u.role: u for u in User.objects.filter(agency__code=HAC_THANH, kind="official")}
    return {role: by_role[role] for role in Role}


@pytest.fixture
def dossier(submitted):
    """The birth registration awaiting intake, by post, its applicant with an ID number on record."""
    owner = submitted.applicant
    owner.id_number = ID_NUMBER
    owner.phone = PHONE
    owner.save(update_fields=["id_number", "phone"])
    Dossier.objects.filter(pk=submitted.pk).update(
        delivery_method=DeliveryMethod.POST, delivery_address=ADDRESS, delivery_phone=PHONE
    )
    submitted.refresh_from_db()
    return submitted


def in_processing(dossier: Dossier, staff) -> Dossier:
    """Accepted, asked for a supplement (message to the citizen), supplemented, assigned, sent for approval."""
    processing.request_supplement(dossier=dossier, by=staff[Role.DESK], missing=MISSING)
    processing.supplement(dossier=dossier, by=dossier.applicant)
    processing.accept(dossier=dossier, by=staff[Role.DESK])
    processing.assign(dossier=dossier, by=staff[Role.DESK], handler=staff[Role.SPECIALIST])
    processing.submit_for_approval(dossier=dossier, by=staff[Role.SPECIALIST], leader=staff[Role.LEADER], note=INTERNAL)
    dossier.refresh_from_db()
    return dossier


def returned(dossier: Dossier, staff) -> Dossier:
    in_processing(dossier, staff)
    processing.approve(dossier=dossier, by=staff[Role.LEADER])
    pay_at_counter(dossier)  # a result is held until paid
    processing.return_result(dossier=dossier, by=staff[Role.DESK])
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    return dossier


def captcha(client) -> dict:
    html = client.get(LOOKUP).content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def look_up(client, code: str, *, id_number: str = "", answer: str | None = None, **extra):
    data = {"code": code, "id_number": id_number, **captcha(client)}
    if answer is not None:
        data["captcha_1"] = answer
    return client.post(LOOKUP, data, **extra)


# --- Masking --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "Nguyễn V*** A**"),
        ("Lê Thị Thu Hà", "Lê T*** T*** H**"),
        ("Trần Bình", "Trần B**"),
        ("Đức", "Đ**"),
        ("  Phạm   Minh  Lãnh ", "Phạm M*** L**"),
        ("", ""),
    ],
)
def test_names_are_masked_to_the_family_name_and_initials(name, masked):
    assert mask_name(name) == masked


# --- The look-up page ----------------------------------------------------------------------------------------


def test_the_qr_link_opens_the_look_up_with_the_code_filled_in(client, dossier):
    url = urlsplit(receipts.lookup_url(dossier.code))
    response = client.get(f"{url.path}?{url.query}")
    assert response.status_code == 200
    assert f'value="{dossier.code}"' in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")  # never cached: a fresh captcha each time


def test_a_look_up_shows_status_dates_timeline_and_masks_personal_data(client, dossier, staff):
    dossier = in_processing(dossier, staff)
    response = look_up(client, dossier.code, **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert dossier.procedure.name in html
    assert dossier.agency.name in html
    assert "Processing" in html and "The agency is processing the dossier." in html
    assert dossier.submitted_at.astimezone().strftime("%d/%m/%Y") in html
    assert "Nguyễn V*** A**" in html
    # The timeline speaks to the citizen: their messages, never the officials' internal notes.
    assert "Dossier submitted online" in html and "Accepted by the agency" in html
    assert "The agency asked for a supplement" in html and MISSING in html
    assert "Processing started" in html
    assert escape(INTERNAL) not in html and INTERNAL not in html
    # No name, ID number, phone, address or files.
    assert "Nguyễn Văn An" not in html
    for secret in (ID_NUMBER, PHONE, "0912", ADDRESS, "12 Lê Lợi", "scan.pdf", "/giay-to/"):
        assert secret not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_applicants_id_number_shows_the_full_detail(client, dossier):
    html = look_up(client, dossier.code, id_number="038 090 005 678", **EN).content.decode()
    assert "Nguyễn Văn An" in html and "V***" not in html
    assert ADDRESS in html and "0912 345 678" in html  # PHONE, as written in Vietnam
    assert "Documents submitted" in html
    assert "/giay-to/" not in html  # files only ever through the signed-in pages


def test_a_wrong_id_number_shows_only_the_public_part(client, dossier):
    html = look_up(client, dossier.code, id_number="038090009999", **EN).content.decode()
    assert "Nguyễn V*** A**" in html and "Nguyễn Văn An" not in html
    assert ADDRESS not in html
    assert "does not match" in html


def test_the_signed_in_applicant_sees_the_full_detail_from_the_qr_link(client, dossier):
    client.force_login(dossier.applicant)
    html = client.get(LOOKUP, {"code": dossier.code}, **EN).content.decode()
    assert "Nguyễn Văn An" in html and ADDRESS in html
    assert dossier.get_absolute_url() in html


def test_someone_else_signed_in_gets_only_the_form_from_the_qr_link(client, dossier):
    client.force_login(CitizenFactory(full_name="Trần Thị Bình"))
    html = client.get(LOOKUP, {"code": dossier.code}, **EN).content.decode()
    assert 'name="captcha_1"' in html
    assert dossier.agency.name not in html and "Nguyễn" not in html


def test_switching_language_on_a_result_shows_the_same_result_without_a_new_captcha(client, dossier):
    """The switch led back to an empty form: the code typed again, a new captcha, another look-up counted."""
    html = look_up(client, dossier.code, id_number="038 090 005 678").content.decode()
    again = re.search(r'name="next" value="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert again.startswith(f"{LOOKUP}?code={dossier.code}&again=")

    switched = client.post("/i18n/setlang/", {"language": "en", "next": again})
    assert switched.status_code == 302 and switched["Location"] == again
    result = client.get(again, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nguyễn Văn An" in result and "Documents submitted" in result  # the ID number given in this browser

    elsewhere = Client().get(again, HTTP_ACCEPT_LANGUAGE="en").content.decode()  # the link alone: masked
    assert "Nguyễn V*** A**" in elsewhere and "Nguyễn Văn An" not in elsewhere
    onward = re.search(r'name="next" value="([^"]+)"', elsewhere).group(1).replace("&amp;", "&")
    assert onward == again  # the same signature passed on: the ten minutes run from the captcha, not renewed
    for forged in (again.replace(dossier.code, dossier.code[:-1] + "9", 1), f"{LOOKUP}?code={dossier.code}&again=x"):
        assert 'name="captcha_1"' in Client().get(forged).content.decode(), forged


def test_a_wrong_captcha_shows_nothing_and_says_so(client, dossier):
    response = look_up(client, dossier.code, answer="WRONG", **EN)
    html = response.content.decode()
    assert response.status_code == 400
    assert "The characters do not match the picture" in html
    assert dossier.agency.name not in html and "V***" not in html


def test_a_malformed_code_is_explained(client, catalogue):
    response = look_up(client, "12345", **EN)
    assert response.status_code == 400
    assert "This is not a dossier code. A dossier code looks like 000.20.30.H56-261122-0001." in (
        response.content.decode()
    )


def test_an_unknown_code_gets_the_same_answer_as_any_other_unknown_code(client, dossier):
    answers = []
    for code in (f"{HAC_THANH}-991231-9999", f"{HAC_THANH}-250101-0001"):
        response = look_up(client, code, **EN)
        html = response.content.decode()
        assert response.status_code == 404
        assert "We found no dossier with this code." in html
        html = html.replace(code, "CODE").replace(quote(code), "CODE")
        answers.append(re.sub(r'value="[^"]*"|captcha/(image|audio)/[0-9a-f]+', "", html))
    assert answers[0] == answers[1]


def test_codes_are_read_whatever_the_case_and_spacing(client, dossier):
    typed = " " + dossier.code.lower().replace("-", " - ") + " "
    response = look_up(client, typed, **EN)
    assert response.status_code == 200
    assert dossier.procedure.name in response.content.decode()


@override_settings(TRACKING_LOOKUP_RATE="3/10m")
def test_look_ups_are_limited_per_address_with_a_clear_page(client, dossier):
    for answer in (None, "WRONG", None):  # every attempt counts, right or wrong
        assert look_up(client, dossier.code, answer=answer).status_code in (200, 400)
    response = look_up(client, dossier.code, **EN)
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "Dossiers can be looked up 3 times every 10 minutes from one address." in response.content.decode()
    # Another address is not affected.
    assert look_up(client, dossier.code, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_the_navigation_links_to_the_look_up(client, catalogue):
    assert f'href="{LOOKUP}"' in client.get("/").content.decode()


def test_postal_delivery_is_shown_when_the_result_goes_by_post(client, dossier):
    html = look_up(client, dossier.code, **EN).content.decode()
    assert "Delivery by post" in html


def test_a_look_up_reads_the_dossier_not_the_catalogue_nor_letters_it_cannot_have(client, dossier):
    """Procedure and agency names come from the names kept under the catalogue's version; a dossier that goes by
    neither post nor came by post has no letters to look for."""
    Dossier.objects.filter(pk=dossier.pk).update(delivery_method=DeliveryMethod.ONLINE)
    look_up(client, dossier.code)  # the names are read once for the process
    data = {"code": dossier.code, "id_number": "", **captcha(client)}
    with CaptureQueriesContext(connection) as queries:
        html = client.post(LOOKUP, data, **EN).content.decode()
    assert dossier.procedure.name in html and dossier.agency.name in html
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert "dossiers_dossier" in tables and "dossiers_dossierevent" in tables
    for table in ("procedures_procedure", "procedures_agency", "postal_shipment"):
        assert table not in tables


def test_a_renamed_procedure_or_agency_shows_at_the_next_look_up(client, dossier):
    assert dossier.procedure.name in look_up(client, dossier.code).content.decode()
    procedure = Procedure.objects.get(pk=dossier.procedure_id)
    procedure.name = "Đăng ký khai sinh (tên mới)"
    procedure.save()
    assert "Đăng ký khai sinh (tên mới)" in look_up(client, dossier.code).content.decode()
    # The national portal's list of agencies renames them with one bulk update, which sends no signal.
    from interconnection.catalogue import _update_agencies

    assert _update_agencies([{"MACOQUAN": HAC_THANH, "TENCOQUAN": "UBND phường Hạc Thành (tên mới)"}]) == 1
    assert "UBND phường Hạc Thành (tên mới)" in look_up(client, dossier.code).content.decode()


# --- Ratings: the rules ------------------------------------------------------------------------------------------

SCORES = {"score": 5, "on_time": 4, "attitude": 5, "clarity": 3}


def test_a_dossier_is_rated_only_after_its_result_is_returned(dossier, staff):
    with pytest.raises(services.RatingError):
        services.rate_dossier(dossier=dossier, user=dossier.applicant, **SCORES)
    in_processing(dossier, staff)
    processing.approve(dossier=dossier, by=staff[Role.LEADER])
    with pytest.raises(services.RatingError):  # ready is not returned
        services.rate_dossier(dossier=dossier, user=dossier.applicant, **SCORES)
    assert not Rating.objects.exists()


def test_only_the_applicant_rates_signed_in_or_with_the_id_number(dossier, staff):
    dossier = returned(dossier, staff)
    for user, id_number in ((CitizenFactory(), ""), (staff[Role.DESK], ""), (None, "038090009999"), (None, "")):
        with pytest.raises(services.RatingNotAllowed):
            services.rate_dossier(dossier=dossier, user=user, id_number=id_number, **SCORES)
    rating = services.rate_dossier(dossier=dossier, id_number=ID_NUMBER, comment="  Cán bộ nhiệt tình.  ", **SCORES)
    assert (rating.score, rating.on_time, rating.attitude, rating.clarity) == (5, 4, 5, 3)
    assert rating.comment == "Cán bộ nhiệt tình."


def test_a_dossier_is_rated_once(dossier, staff):
    dossier = returned(dossier, staff)
    services.rate_dossier(dossier=dossier, user=dossier.applicant, **SCORES)
    with translation.override("en"), pytest.raises(services.RatingError, match="already been rated"):
        services.rate_dossier(dossier=dossier, id_number=ID_NUMBER, **{**SCORES, "score": 1})
    assert Rating.objects.get(dossier=dossier).score == 5


@pytest.mark.parametrize("bad", [0, 6, -1, True, "5"])
def test_scores_run_from_1_to_5(dossier, staff, bad):
    dossier = returned(dossier, staff)
    with pytest.raises(services.RatingError):
        services.rate_dossier(dossier=dossier, user=dossier.applicant, **{**SCORES, "clarity": bad})
    assert not Rating.objects.exists()


def test_the_database_refuses_scores_outside_1_to_5(dossier, staff):
    dossier = returned(dossier, staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(dossier=dossier, score=5, on_time=4, attitude=9, clarity=3)


# --- Ratings: the pages ------------------------------------------------------------------------------------------


def rate_url(dossier: Dossier) -> str:
    return f"/tra-cuu/{dossier.public_id}/danh-gia/"


def test_the_applicant_rates_from_the_dossier_page(client, dossier, staff):
    dossier = returned(dossier, staff)
    client.force_login(dossier.applicant)
    page = client.get(dossier.get_absolute_url(), **EN).content.decode()
    assert rate_url(dossier) in page
    assert client.get(rate_url(dossier), **EN).status_code == 200

    response = client.post(rate_url(dossier), {**SCORES, "comment": "Nhanh, đúng hẹn."}, **EN)
    assert response.status_code == 302
    rating = Rating.objects.get(dossier=dossier)
    assert rating.score == 5 and rating.comment == "Nhanh, đúng hẹn."
    thanks = client.get(rate_url(dossier), **EN).content.decode()
    assert "Thank you for your rating" in thanks and 'name="score"' not in thanks
    page = client.get(dossier.get_absolute_url(), **EN).content.decode()
    assert "You rated this service 5 out of 5." in page

    client.post(rate_url(dossier), {**SCORES, "score": 1}, **EN)  # a second try changes nothing
    assert Rating.objects.get(dossier=dossier).score == 5


def test_the_rating_form_says_what_is_missing(client, dossier, staff):
    dossier = returned(dossier, staff)
    client.force_login(dossier.applicant)
    response = client.post(rate_url(dossier), {"score": 9}, **EN)
    assert response.status_code == 400
    assert "Choose a score from 1 to 5." in response.content.decode()
    assert "How were the staff? Choose a score from 1 to 5." in response.content.decode()  # not "staff?: Choose"
    assert not Rating.objects.exists()


def test_a_dossier_in_processing_cannot_be_rated_yet(client, dossier, staff):
    in_processing(dossier, staff)
    client.force_login(dossier.applicant)
    html = client.get(rate_url(dossier), **EN).content.decode()
    assert "once the result has been handed over" in html and 'name="score"' not in html
    assert rate_url(dossier) not in client.get(dossier.get_absolute_url()).content.decode()


def test_nobody_else_reaches_the_rating_page(client, dossier, staff):
    dossier = returned(dossier, staff)
    response = client.get(rate_url(dossier))
    assert response.status_code == 302 and response["Location"].startswith("/tai-khoan/dang-nhap/")
    client.force_login(CitizenFactory())
    assert client.get(rate_url(dossier)).status_code == 404
    assert client.post(rate_url(dossier), SCORES).status_code == 404
    assert not Rating.objects.exists()


def test_after_a_look_up_with_the_id_number_the_citizen_can_rate_without_signing_in(client, dossier, staff):
    dossier = returned(dossier, staff)
    public = look_up(client, dossier.code, **EN).content.decode()
    assert rate_url(dossier) not in public  # the code alone does not let anyone rate
    html = look_up(client, dossier.code, id_number=ID_NUMBER, **EN).content.decode()
    assert rate_url(dossier) in html
    assert "What to do next" not in html or "Rate the service" in html
    response = client.post(rate_url(dossier), SCORES, **EN)
    assert response.status_code == 302
    assert Rating.objects.get(dossier=dossier).score == 5
    again = look_up(client, dossier.code, id_number=ID_NUMBER, **EN).content.decode()
    assert "You rated this service 5 out of 5." in again and rate_url(dossier) not in again


def test_the_back_office_shows_the_rating_read_only(client, dossier, staff):
    dossier = returned(dossier, staff)
    services.rate_dossier(dossier=dossier, user=dossier.applicant, comment="Rất hài lòng.", **SCORES)
    client.force_login(staff[Role.DESK])
    html = client.get(f"/quan-tri/dossiers/dossier/{dossier.pk}/change/", **EN).content.decode()
    section = html[html.index('id="dossier-rating"') :]
    assert "Citizen&#x27;s rating" in html or "Citizen's rating" in html
    assert "5/5" in section and "3/5" in section and "Rất hài lòng." in section
    ratings = client.get("/quan-tri/tracking/rating/", **EN)
    assert ratings.status_code == 200 and dossier.code in ratings.content.decode()
    assert client.get("/quan-tri/tracking/rating/add/").status_code == 403


def test_officials_of_another_agency_do_not_see_the_rating(client, dossier, staff):
    from portal.accounts.services import create_official
    from procedures.models import Agency

    dossier = returned(dossier, staff)
    services.rate_dossier(dossier=dossier, user=dossier.applicant, **SCORES)
    other = create_official(
        username="desk_other",
        full_name="Cán bộ phường khác",
        email="desk_other@example.gov.vn",
        agency=Agency.objects.get(code="000.21.30.H56"),
        role=Role.DESK,
        password="MatKhau@2026",
    )
    client.force_login(other)
    assert dossier.code not in client.get("/quan-tri/tracking/rating/").content.decode()


# --- QR codes on issued PDFs ------------------------------------------------------------------------------------


def test_every_issued_pdf_carries_the_qr_code_of_the_look_up(dossier, staff, monkeypatch, settings):
    settings.PORTAL_URL = "https://dichvucong.thanhhoa.gov.vn/"
    assert receipts.lookup_url(dossier.code) == f"https://dichvucong.thanhhoa.gov.vn/tra-cuu/?code={dossier.code}"
    qr = receipts.lookup_qr(dossier.code)
    rendered = []
    real = receipts.render_pdf

    def keep(html):
        rendered.append(html)
        return real(html)

    monkeypatch.setattr(receipts, "render_pdf", keep)
    monkeypatch.setattr(notices, "render_pdf", keep)

    assert receipts.render_receipt(dossier).startswith(b"%PDF-")
    in_processing(dossier, staff)
    for notice in dossier.notices.all():
        assert notices.render_notice(notice).startswith(b"%PDF-")
    assert notices.render_control_slip(dossier).startswith(b"%PDF-")
    kinds = set(dossier.notices.values_list("kind", flat=True))
    assert {NoticeKind.ACCEPTANCE, NoticeKind.SUPPLEMENT} <= kinds
    assert len(rendered) == len(kinds) + 2
    for html in rendered:
        assert qr in html


def test_a_captcha_has_one_try_even_when_the_answer_is_wrong(client, dossier):
    data = {"code": dossier.code, "id_number": "", **captcha(client)}
    right = data["captcha_1"]

    wrong = client.post(LOOKUP, {**data, "captcha_1": "sai"}, **EN)
    again = client.post(LOOKUP, {**data, "captcha_1": right}, **EN)

    assert wrong.status_code == again.status_code == 400
    assert "The characters do not match the picture" in again.content.decode()
    assert dossier.agency.name not in again.content.decode()


def test_an_expired_captcha_is_refused_and_the_sweep_removes_it(client, dossier):
    from datetime import timedelta

    from django.utils import timezone

    from portal.tasks import remove_expired_captchas

    data = {"code": dossier.code, "id_number": "", **captcha(client)}
    fresh = captcha(client)["captcha_0"]
    CaptchaStore.objects.filter(hashkey=data["captcha_0"]).update(expiration=timezone.now() - timedelta(seconds=1))

    refused = client.post(LOOKUP, data, **EN)

    assert refused.status_code == 400 and "The characters do not match the picture" in refused.content.decode()
    assert CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()  # an expired one is left to the sweep
    assert remove_expired_captchas() >= 1
    assert not CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()
    assert CaptchaStore.objects.filter(hashkey=fresh).exists()


def test_checking_a_captcha_is_one_statement(client, dossier):
    """django-simple-captcha alone deletes every expired captcha, reads the answered one, then deletes it."""
    data = {"code": dossier.code, "id_number": "", **captcha(client)}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(LOOKUP, data).status_code == 200
    captcha_statements = [q["sql"] for q in queries.captured_queries if "captcha_captchastore" in q["sql"]]
    assert len(captcha_statements) == 1 and captcha_statements[0].startswith("DELETE")
    assert not CaptchaStore.objects.filter(hashkey=data["captcha_0"]).exists()
