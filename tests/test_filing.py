import io
import re

import pytest
from captcha.models import CaptchaStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from dossiers.constants import DeliveryMethod, Status
from dossiers.models import Dossier, DossierCodeCounter
from procedures.models import Agency, Procedure

from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH, MARRIAGE, PDF_BYTES, birth_declaration, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen(client):
    user = CitizenFactory()
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    return user


def start(client, code=BIRTH) -> Dossier:
    procedure = Procedure.objects.get(code=code)
    response = client.post(
        reverse("dossiers:start", kwargs={"code": code}),
        {"agency": Agency.objects.get(code=HAC_THANH).pk, "case": procedure.cases.first().pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Dossier.objects.latest("created_at")


def slots(dossier):
    return list(dossier.case.documents.order_by("position"))


def upload(client, dossier, files: dict, **extra):
    return client.post(reverse("dossiers:documents", kwargs={"public_id": dossier.public_id}), {**files, **extra})


def pdf(name="scan.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def captcha_answer(html: str) -> dict:
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def complete_birth_dossier(client) -> Dossier:
    dossier = start(client)
    response = client.post(
        reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id}), birth_declaration()
    )
    assert response.status_code == 302
    required = [slot for slot in slots(dossier) if slot.is_required]
    response = upload(
        client, dossier, {f"document-{slot.pk}": pdf(f"giay-{slot.pk}.pdf") for slot in required}, **{"continue": "1"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client.post(reverse("dossiers:delivery", kwargs={"public_id": dossier.public_id}), {"method": "office"})
    return dossier


def submit(client, dossier, **overrides):
    url = reverse("dossiers:review", kwargs={"public_id": dossier.public_id})
    html = client.get(url).content.decode()
    return client.post(url, {"confirm": "on", **captcha_answer(html), **overrides})


def test_a_citizen_files_a_birth_registration_and_leaves_with_a_code_and_a_receipt(client, citizen, catalogue):
    dossier = complete_birth_dossier(client)

    response = submit(client, dossier)

    dossier.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == dossier.get_absolute_url()
    assert dossier.status == Status.SUBMITTED
    assert re.fullmatch(r"000\.20\.30\.H56-\d{6}-0001", dossier.code)
    assert dossier.form_data["child_name"] == "Nguyễn Minh Khôi"
    assert dossier.form_data["mother_address"]["text"] == "12 Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa"
    assert list(dossier.events.values_list("from_status", "to_status")) == [(Status.DRAFT, Status.SUBMITTED)]
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert "Hồ sơ của bạn đã được nộp" in page and dossier.code in page

    receipt = client.get(reverse("dossiers:receipt", kwargs={"public_id": dossier.public_id}))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt["X-Content-Type-Options"] == "nosniff" and "attachment" in receipt["Content-Disposition"]
    pdf = PdfReader(io.BytesIO(b"".join(receipt.streaming_content)))
    text = "".join(page.extract_text() for page in pdf.pages)
    fonts = {str(f.get_object()["/BaseFont"]) for page in pdf.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts and all("Be-Vietnam-Pro" in font for font in fonts), fonts  # embedded, with Vietnamese glyphs
    assert dossier.code in text
    assert "Thủ tục đăng ký khai sinh" in text
    assert "Ủy ban nhân dân phường Hạc Thành" in text


def test_the_declaration_reports_errors_in_vietnamese_and_keeps_what_was_typed(client, citizen, catalogue):
    dossier = start(client)
    bad = birth_declaration(requester_id="12345", mother_address_ward="Phường Không Có", child_birth_date="2099-01-01")

    response = client.post(reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id}), bad)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Có lỗi cần sửa" in html
    assert "12 chữ số" in html
    assert "Phường Không Có" in html and "Tỉnh Thanh Hóa" in html
    assert "không thể là ngày trong tương lai" in html
    assert 'value="Nguyễn Minh Khôi"' in html  # the rest stays as typed
    dossier.refresh_from_db()
    assert dossier.form_data == {}


def test_a_file_disguised_by_its_name_is_refused_by_its_content(client, citizen, catalogue):
    dossier = start(client)
    first, second = slots(dossier)[:2]
    disguised = SimpleUploadedFile(
        "giay-chung-sinh.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf"
    )

    response = upload(client, dossier, {f"document-{first.pk}": pdf("to-khai.pdf"), f"document-{second.pk}": disguised})

    html = response.content.decode()
    assert response.status_code == 400
    assert "“giay-chung-sinh.pdf” không phải là tệp PDF, JPEG hoặc PNG" in html
    assert list(dossier.documents.values_list("original_name", flat=True)) == ["to-khai.pdf"]  # the good one is kept


def test_images_are_accepted_as_jpeg_and_png_and_stored_under_generated_names(client, citizen, catalogue):
    dossier = start(client)
    first, second = slots(dossier)[:2]
    jpeg = SimpleUploadedFile("ảnh chụp.JPG", image_bytes("JPEG"), content_type="image/jpeg")
    png = SimpleUploadedFile("../../etc/passwd.png", image_bytes("PNG"), content_type="image/png")

    assert upload(client, dossier, {f"document-{first.pk}": jpeg, f"document-{second.pk}": png}).status_code == 302

    stored = {d.original_name: d for d in dossier.documents.all()}
    assert stored["ảnh chụp.JPG"].content_type == "image/jpeg"
    assert stored["passwd.png"].content_type == "image/png"  # Django keeps only the base name
    for document in stored.values():
        assert re.fullmatch(rf"dossiers/{dossier.public_id}/[0-9a-f]{{32}}\.(jpg|png)", document.file.name)


def test_an_oversized_file_is_refused_with_its_name_and_the_limit(client, citizen, catalogue, settings):
    settings.DOSSIER_MAX_FILE_SIZE = 1024
    dossier = start(client)
    first = slots(dossier)[0]

    response = upload(client, dossier, {f"document-{first.pk}": pdf("ban-quet-lon.pdf", PDF_BYTES + b"0" * 2000)})

    html = response.content.decode()
    assert response.status_code == 400
    assert "“ban-quet-lon.pdf”" in html and "1,0\xa0KB" in html
    assert not dossier.documents.exists()


def test_the_whole_dossier_has_a_size_limit(client, citizen, catalogue, settings):
    settings.DOSSIER_MAX_TOTAL_SIZE = len(PDF_BYTES) + 100
    dossier = start(client)
    first, second = slots(dossier)[:2]

    response = upload(client, dossier, {f"document-{first.pk}": pdf("a.pdf"), f"document-{second.pk}": pdf("b.pdf")})

    assert response.status_code == 400
    assert "“b.pdf”" in response.content.decode()
    assert dossier.documents.count() == 1


def test_two_files_for_one_document_are_refused(client, citizen, catalogue):
    dossier = start(client)
    first = slots(dossier)[0]

    response = upload(client, dossier, {f"document-{first.pk}": [pdf("trang-1.pdf"), pdf("trang-2.pdf")]})

    assert response.status_code == 400
    assert "mỗi giấy tờ một tệp" in response.content.decode()
    assert not dossier.documents.exists()


def test_a_missing_required_document_stops_the_citizen_from_continuing(client, citizen, catalogue):
    dossier = start(client)
    required = [slot for slot in slots(dossier) if slot.is_required]

    response = upload(client, dossier, {f"document-{required[0].pk}": pdf()}, **{"continue": "1"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "bắt buộc" in html
    assert dossier.documents.count() == 1


def test_level_3_results_are_collected_at_the_office_only(client, citizen, catalogue):
    dossier = start(client, MARRIAGE)
    url = reverse("dossiers:delivery", kwargs={"public_id": dossier.public_id})

    html = client.get(url).content.decode()
    response = client.post(url, {"method": "post", "address": "12 Lê Lợi", "phone": "0912345678"})

    assert 'value="office"' in html and 'value="post"' not in html and 'value="online"' not in html
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.delivery_method == DeliveryMethod.OFFICE


def test_level_4_results_can_be_posted_to_an_address(client, citizen, catalogue):
    dossier = start(client, BIRTH)
    url = reverse("dossiers:delivery", kwargs={"public_id": dossier.public_id})

    html = client.get(url).content.decode()
    without_address = client.post(url, {"method": "post", "address": "", "phone": "0912345678"})
    posted = {"address_province": "38", "address_ward": "Hạc Thành", "address_street": "12 Lê Lợi"}
    with_address = client.post(url, {"method": "post", **posted, "phone": "0912 345 678"})

    assert all(f'value="{m}"' in html for m in ("office", "online", "post"))
    assert "Nhập địa chỉ nhận kết quả qua bưu chính" in without_address.content.decode()
    assert with_address.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.delivery_method, dossier.delivery_phone) == (DeliveryMethod.POST, "+84912345678")


def test_a_draft_can_be_left_and_resumed_from_my_dossiers(client, citizen, catalogue):
    dossier = start(client)
    declaration_url = reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id})
    client.post(declaration_url, birth_declaration(child_name="Trần Bảo Ngọc"))

    mine = client.get(reverse("dossiers:mine")).content.decode()
    resumed = client.get(declaration_url).content.decode()

    assert "Tiếp tục hồ sơ nháp" in mine and declaration_url in mine
    assert 'value="Trần Bảo Ngọc"' in resumed
    assert 'value="Phường Hạc Thành"' in resumed  # the official name, as matched


def test_a_wrong_captcha_submits_nothing_and_says_so(client, citizen, catalogue):
    dossier = complete_birth_dossier(client)

    response = submit(client, dossier, captcha_1="WRONG")

    assert response.status_code == 400
    assert "Các ký tự không khớp với hình" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.DRAFT and dossier.code is None


def test_submitting_twice_gives_one_dossier_and_one_code(client, citizen, catalogue):
    dossier = complete_birth_dossier(client)
    url = reverse("dossiers:review", kwargs={"public_id": dossier.public_id})
    html = client.get(url).content.decode()
    answer = {"confirm": "on", **captcha_answer(html)}

    first = client.post(url, answer)
    second = client.post(url, answer)  # the same form sent again (a double click)

    dossier.refresh_from_db()
    assert first["Location"] == second["Location"] == dossier.get_absolute_url()
    assert Dossier.objects.filter(applicant=citizen).exclude(code=None).count() == 1
    assert DossierCodeCounter.objects.get().last == 1


def test_level_1_and_2_procedures_cannot_be_filed_online(client, citizen, catalogue):
    assert client.get(reverse("dossiers:start", kwargs={"code": "1.003583"})).status_code == 404
    assert client.get(reverse("dossiers:start", kwargs={"code": "2.000815"})).status_code == 404


def test_filing_needs_a_signed_in_citizen(client, catalogue):
    response = client.get(reverse("dossiers:start", kwargs={"code": BIRTH}))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_captcha_has_an_audio_alternative(client, citizen, catalogue):
    dossier = complete_birth_dossier(client)
    html = client.get(reverse("dossiers:review", kwargs={"public_id": dossier.public_id})).content.decode()

    audio_url = re.search(r'<a href="([^"]+)" class="captcha-audio"', html).group(1)
    response = client.get(audio_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content if response.streaming else [response.content])[:4] == b"RIFF"


def test_the_declarations_errors_say_once_what_is_wrong_and_whose_field_it_is(client, citizen, catalogue):
    """A short CCCD got Django's length message beside the portal's (in Django's spelling, "kí tự"), a year out of
    range read "… 1900 ." and the summary listed "Dân tộc: …" for the child, the father and the mother alike."""
    dossier = start(client)
    data = birth_declaration(requester_id="03809", father_birth_year="1800", mother_ethnicity="")
    response = client.post(
        reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id}), data, HTTP_ACCEPT_LANGUAGE="vi"
    )

    form = response.context["form"]
    assert len(form.errors["requester_id"]) == 1 and "12 chữ số" in form.errors["requester_id"][0]
    assert form.errors["father_birth_year"] == ["Giá trị phải lớn hơn hoặc bằng 1900."]
    html = response.content.decode()
    summary = re.search(r"<div class=\"error-summary\".*?</div>", html, re.S).group(0)
    assert "Mẹ — Dân tộc: " in summary and "Cha — Năm sinh: " in summary
    assert "kí tự" not in response.content.decode()

    ready = complete_birth_dossier(client)
    review = client.get(reverse("dossiers:review", kwargs={"public_id": ready.public_id}))
    refused = client.post(
        review.request["PATH_INFO"], captcha_answer(review.content.decode()), HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert "Lời cam đoan: " in refused.content.decode() and "pháp luật.:" not in refused.content.decode()


def test_the_postal_address_is_offered_from_the_declaration(client, citizen, catalogue):
    """No address typed twice: before any is given for the result, the delivery step offers the declaration's first
    address and the account's mobile number (the citizen may change either)."""
    citizen.phone = "+84912345678"
    citizen.save(update_fields=["phone"])
    dossier = start(client)
    declared = birth_declaration(requester_address_ward="Hàm Rồng", requester_address_street="5 Trần Phú")
    client.post(reverse("dossiers:declaration", kwargs={"public_id": dossier.public_id}), declared)

    page = client.get(reverse("dossiers:delivery", kwargs={"public_id": dossier.public_id})).content.decode()

    assert 'name="address_ward" value="Phường Hàm Rồng"' in page and 'name="address_street" value="5 Trần Phú"' in page
    assert re.search(r'<option value="38" selected>', page)
    assert re.search(r'<input[^>]*name="phone"[^>]*value="0912 345 678"', page)


def test_the_documents_step_says_how_many_paper_originals_and_copies_each_document_needs(client, citizen, catalogue):
    """It read "Required · 1 original(s), 0 copy(ies) on paper"."""
    dossier = start(client)
    required = slots(dossier)[0]
    required.originals, required.copies = 1, 0
    required.save()
    url = reverse("dossiers:documents", kwargs={"public_id": dossier.public_id})

    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    vi = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "On paper: 1 original, no copies" in en and "(s)" not in en and "(ies)" not in en
    assert "Bản giấy: 1 bản chính, không cần bản sao" in vi
