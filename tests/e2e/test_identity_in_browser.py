"""A citizen signs in through the identity provider's own pages (the real provider of the test command)."""

from playwright.sync_api import expect

from portal.accounts.models import User
from tests.identity_support import (
    CITIZEN,
    PASSWORD,
    configure,
    identity_provider_url,  # noqa: F401 - the session fixture
)


def sign_in_through_provider(page, cccd: str = CITIZEN) -> None:
    page.goto(page.base_url + "/tai-khoan/dang-nhap/")
    page.locator("#identity-sign-in-button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập bằng tài khoản định danh điện tử")
    page.get_by_label("Số định danh cá nhân").fill(cccd)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("button", name="Đồng ý").click()


def test_a_citizen_signs_in_and_out_through_the_identity_provider(page, settings, identity_provider_url, screenshot):  # noqa: F811
    configure(settings, identity_provider_url)
    sign_in_through_provider(page)
    expect(page.locator(".account-nav .who")).to_have_text("An")
    assert page.url.startswith(page.base_url)
    user = User.objects.get(id_number=CITIZEN)
    assert user.identity.level_of_assurance == "2"
    screenshot("signed-in")

    page.locator(".account-nav").get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng xuất khỏi nền tảng định danh?")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator(".account-nav")).to_contain_text("Đăng nhập")
    assert page.url.rstrip("/") == page.base_url.rstrip("/")


def test_a_refused_sign_in_shows_why_and_opens_no_session(page, settings, identity_provider_url):  # noqa: F811
    configure(settings, identity_provider_url)
    sign_in_through_provider(page, cccd="12345")
    expect(page.locator("#identity-error")).to_have_attribute("data-code", "bad_id_number")
    expect(page.locator(".account-nav .who")).to_have_count(0)


def test_a_signed_in_citizen_files_with_a_prefilled_form_and_reused_papers(
    page,
    settings,
    identity_provider_url,  # noqa: F811
    screenshot,
):
    from captcha.models import CaptchaStore
    from django.core.files.base import ContentFile

    from dossiers import processing
    from dossiers.constants import Status
    from dossiers.models import Dossier, StoredDocument
    from tests.factories import dossier_in
    from tests.filing import PDF_BYTES
    from tests.test_document_store import file_birth_registration

    configure(settings, identity_provider_url)
    sign_in_through_provider(page)
    expect(page.locator(".account-nav .who")).to_have_text("An")
    citizen = User.objects.get(id_number=CITIZEN)

    # An earlier dossier with a scan of the identity card, and a birth certificate issued and returned to them.
    earlier = file_birth_registration(citizen, _run_now)
    issued = dossier_in(Status.RESULT_READY, applicant=citizen)
    issued.result_file.save("ket-qua.pdf", ContentFile(PDF_BYTES), save=True)
    processing.return_result(dossier=issued, by=User.objects.get(username="tiepnhan"))
    assert StoredDocument.objects.filter(owner=citizen, kind__in=["id_document", "birth_certificate"]).count() == 2

    # A new filing: the declaration comes filled in and verified from the identity provider.
    page.goto(f"{page.base_url}/thu-tuc/{GUARDIANSHIP_SUPERVISION}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.get_by_label("Ủy ban nhân dân phường Hạc Thành").check()
    page.get_by_role("button", name="Bắt đầu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tờ khai")
    name = page.get_by_label("Họ, chữ đệm, tên")
    expect(name).to_have_value("Nguyễn Văn An")
    expect(name).to_be_disabled()
    expect(page.get_by_label("Số định danh cá nhân (CCCD)")).to_have_value(CITIZEN)
    expect(page.get_by_label("Ngày, tháng, năm sinh")).to_have_value("1990-03-15")
    page.get_by_label("Tỉnh/thành phố").select_option(label="Tỉnh Thanh Hóa")
    page.get_by_label("Phường, xã, đặc khu").fill("Hạc Thành")
    page.get_by_label("Số nhà, đường, thôn/xóm").fill("12 Lê Lợi")
    page.get_by_label("Nội dung đề nghị giải quyết").fill("Đăng ký giám sát việc giám hộ cho cháu Nguyễn Minh Khôi.")
    screenshot("prefilled-declaration")
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    # The documents: the identity card from the earlier dossier, reused instead of uploaded.
    expect(page.get_by_role("heading", level=1)).to_have_text("Giấy tờ")
    expect(page.locator(".reuse-offer")).to_contain_text(earlier.code)
    page.locator(".reuse-offer button").first.click()
    expect(page.get_by_text(f"{earlier.code}").first).to_be_visible()
    screenshot("reused-document")
    slots = page.locator(".document-slot")
    for index in range(slots.count()):  # the other required papers, still empty: uploaded
        slot = slots.nth(index)
        text = slot.inner_text()
        if slot.locator("input[type=file]").count() and "Bắt buộc" in text and "Đã tải lên" not in text:
            pdf = {"name": "giay.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
            slot.locator("input[type=file]").set_input_files(files=[pdf])
    page.get_by_role("button", name="Tải lên và tiếp tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận kết quả")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra thông tin trước khi nộp")
    page.get_by_label("Tôi cam đoan").check()
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(CaptchaStore.objects.get(hashkey=key).response)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của bạn đã được nộp")
    filed = Dossier.objects.get(applicant=citizen, procedure__code=GUARDIANSHIP_SUPERVISION)
    assert filed.documents.get(reused_from__isnull=False).reused_from_dossier == earlier.code

    # A second filing reuses the first one's result: the birth certificate issued with the returned dossier.
    page.goto(f"{page.base_url}/thu-tuc/{BIRTH_AGAIN}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    if page.get_by_role("button", name="Bắt đầu").count():
        page.locator("input[type=radio]").first.check()
        page.get_by_role("button", name="Bắt đầu").click()
    page.goto(page.url.replace("/to-khai/", "/giay-to/"))
    offer = page.locator(".reuse-offer", has_text=issued.code)
    expect(offer).to_be_visible()
    offer.get_by_role("button").click()
    expect(
        page.get_by_text(f"Dùng lại từ hồ sơ {issued.code}").or_(page.get_by_text(issued.code)).first
    ).to_be_visible()
    draft = Dossier.objects.get(applicant=citizen, procedure__code=BIRTH_AGAIN)
    assert draft.documents.get(reused_from__isnull=False).reused_from.origin_dossier_id == issued.pk
    screenshot("reused-result")

    # The store: removing a paper is asked once more (a slip of the thumb on a phone removed it at once).
    page.goto(f"{page.base_url}/ho-so/kho-du-lieu/")
    stored = StoredDocument.objects.filter(owner=citizen).count()
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Xóa").first.click()
    expect(page.get_by_role("button", name="Xóa").first).to_be_visible()
    assert (
        questions
        and questions[0].startswith("Xóa “")
        and StoredDocument.objects.filter(owner=citizen).count() == stored
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Xóa").first.click()
    expect(page.locator(".message-success")).to_be_visible()
    assert StoredDocument.objects.filter(owner=citizen).count() == stored - 1


GUARDIANSHIP_SUPERVISION = "3.000323"
BIRTH_AGAIN = "1.004884"


class _run_now:
    def __init__(self, execute=True):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
