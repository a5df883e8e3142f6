"""Looking a dossier up by code and captcha in a browser, then rating the service without signing in."""

from captcha.models import CaptchaStore
from playwright.sync_api import expect

from dossiers import processing
from dossiers.constants import Status
from portal import demo
from portal.accounts.models import User
from tests.e2e.test_back_office_in_browser import file_birth_registration
from tests.payments_support import pay_at_counter
from tracking.models import Rating

DEMO_ID_NUMBER = "038090001234"  # the demo citizen's CCCD


def solve_captcha(page) -> None:
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(CaptchaStore.objects.get(hashkey=key).response)


def test_a_citizen_looks_up_the_dossier_by_code_sees_its_timeline_and_rates_it(page, screenshot):
    demo.create_demo_accounts()
    citizen = User.objects.get(username="congdan")
    staff = {u.username: u for u in User.objects.filter(username__in=["tiepnhan", "chuyenvien", "lanhdao"])}
    dossier = file_birth_registration(citizen)
    processing.accept(dossier=dossier, by=staff["tiepnhan"])
    processing.assign(dossier=dossier, by=staff["tiepnhan"], handler=staff["chuyenvien"])
    processing.request_supplement(dossier=dossier, by=staff["chuyenvien"], missing="Bản sao Giấy chứng sinh rõ nét.")
    processing.supplement(dossier=dossier, by=citizen, note="Đã bổ sung.")
    processing.submit_for_approval(
        dossier=dossier, by=staff["chuyenvien"], leader=staff["lanhdao"], note="Ghi chú nội bộ, không công khai."
    )
    processing.approve(dossier=dossier, by=staff["lanhdao"])
    pay_at_counter(dossier)  # a result is held until paid
    processing.return_result(dossier=dossier, by=staff["tiepnhan"])
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED

    # Anyone with the code: from the navigation, code and captcha.
    page.goto(page.base_url + "/")
    page.locator('.site-nav a[href="/tra-cuu/"]').click()
    page.locator("input[name=code]").fill(dossier.code.lower())  # typed carelessly: still found
    solve_captcha(page)
    screenshot("form")
    page.locator("#lookup-form [type=submit]").click()

    expect(page.locator("#lookup-code")).to_have_text(dossier.code)
    expect(page.locator("#lookup-status .status")).to_have_text("Đã trả kết quả")
    expect(page.locator("#lookup-applicant")).to_have_text("Nguyễn V*** A**")
    timeline = page.locator("#lookup-timeline li")
    expect(timeline).to_have_count(7)  # submitted, accepted, started, supplement asked and sent, ready, handed over
    expect(page.locator("#lookup-timeline")).to_contain_text("Bản sao Giấy chứng sinh rõ nét.")
    expect(page.locator("#lookup-timeline")).not_to_contain_text("Ghi chú nội bộ")
    expect(page.locator("#lookup-rate")).to_have_count(0)  # the code alone does not let anyone rate
    screenshot("masked")

    # The applicant adds the ID number: full detail, and the rating.
    page.locator("main a[href='/tra-cuu/']").last.click()
    page.locator("input[name=code]").fill(dossier.code)
    page.locator("input[name=id_number]").fill(DEMO_ID_NUMBER)
    solve_captcha(page)
    page.locator("#lookup-form [type=submit]").click()
    expect(page.locator("#lookup-applicant")).to_have_text("Nguyễn Văn An")
    screenshot("full")

    page.locator("#lookup-rate a").click()
    for name, score in (("score", 5), ("on_time", 4), ("attitude", 5), ("clarity", 4)):
        page.locator(f"input[name={name}][value='{score}']").check()
    page.locator("textarea[name=comment]").fill("Cán bộ hướng dẫn tận tình.")
    screenshot("rating")
    page.locator("#rating-form [type=submit]").click()
    expect(page.locator("#rating-done")).to_be_visible()
    screenshot("rated")
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.score, rating.on_time, rating.attitude, rating.clarity) == (5, 4, 5, 4)
    assert rating.comment == "Cán bộ hướng dẫn tận tình."
