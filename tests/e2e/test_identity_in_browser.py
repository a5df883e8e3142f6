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
