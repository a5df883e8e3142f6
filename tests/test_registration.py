import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal.accounts.constants import UserKind
from portal.accounts.models import User
from portal.accounts.services import create_citizen

pytestmark = pytest.mark.django_db

PASSWORD = "Ruong-lua-2026!"
NEW_PASSWORD = "Cay-tre-vang-2027?"
REGISTER = "/tai-khoan/dang-ky/"
LOGIN = "/tai-khoan/dang-nhap/"
RESET = "/tai-khoan/quen-mat-khau/"
VERIFY_LINK = re.compile(r"http://testserver(/tai-khoan/xac-minh/[^/\s]+/)")
RESET_LINK = re.compile(r"http://testserver(/tai-khoan/quen-mat-khau/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # django-ratelimit counts requests in the shared cache


@pytest.fixture
def citizen():
    return create_citizen(
        username="nguyenthihoa",
        full_name="Nguyễn Thị Hoa",
        email="hoa@example.vn",
        phone="0987654321",
        id_number="038190004321",
        password=PASSWORD,
    )


def registration(**overrides) -> dict:
    return {
        "full_name": "Trần Văn Bình",
        "email": "Binh.Tran@Example.VN",
        "phone": "0912 345 678",
        "id_number": "038085002468",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def logged_in_user_id(client) -> str | None:
    return client.session.get(SESSION_KEY)


def test_registration_creates_a_signed_in_citizen_and_sends_a_link_that_verifies_the_email(client, mailoutbox):
    response = client.post(REGISTER, registration())

    assert response.status_code == 302 and response["Location"] == reverse("accounts:verify_email_sent")
    user = User.objects.get(email__iexact="binh.tran@example.vn")
    assert user.username == "binh.tran@example.vn"
    assert user.phone == "+84912345678" and user.id_number == "038085002468"
    assert user.kind == UserKind.CITIZEN and user.full_name == "Trần Văn Bình"
    assert user.check_password(PASSWORD) and user.is_active and user.email_verified_at is None
    assert logged_in_user_id(client) == str(user.pk)

    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Check your email" in page and "Binh.Tran@example.vn" in page
    assert f'action="{reverse("accounts:verify_email_resend")}"' in page

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["Binh.Tran@example.vn"]
    link = VERIFY_LINK.search(message.body).group(1)

    verified = Client().get(link, HTTP_ACCEPT_LANGUAGE="en")  # e.g. opened on a phone, not signed in

    assert verified.status_code == 200
    assert "Your email address is verified" in verified.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_a_registered_email_is_refused_whatever_its_case_with_a_vietnamese_message(client, citizen, mailoutbox):
    response = client.post(REGISTER, registration(email="HOA@Example.vn"), HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Đã có tài khoản đăng ký bằng địa chỉ thư điện tử này" in html
    assert '<html lang="vi"' in html
    assert User.objects.filter(email__iexact="hoa@example.vn").count() == 1
    assert logged_in_user_id(client) is None and mailoutbox == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "024 3825 1234", "Nhập số điện thoại di động Việt Nam hợp lệ"),
        ("id_number", "03809000123", "phải gồm đúng 12 chữ số"),
    ],
)
def test_a_bad_phone_or_id_number_is_explained_and_the_other_answers_are_kept(client, field, value, message):
    data = registration(**{field: value})

    response = client.post(REGISTER, data, HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'href="#id_{field}"' in html  # the error summary leads to the field
    for name in ("full_name", "email", "phone", "id_number"):
        assert f'value="{data[name]}"' in html
    assert PASSWORD not in html  # passwords are never sent back
    assert not User.objects.filter(email__iexact=data["email"]).exists()


def test_a_short_password_is_refused_in_vietnamese_and_the_other_answers_are_kept(client):
    data = registration(password1="Ngan-1!", password2="Ngan-1!")

    response = client.post(REGISTER, data, HTTP_ACCEPT_LANGUAGE="vi")

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Mật khẩu này quá ngắn. Mật khẩu phải có ít nhất 10 ký tự." in html
    )  # Django's own catalogue has it in English
    assert "too short" not in html
    assert f'value="{data["full_name"]}"' in html and f'value="{data["email"]}"' in html
    assert not User.objects.filter(email__iexact=data["email"]).exists()


def test_an_email_that_cannot_be_a_username_still_registers_and_signs_in(client):
    client.post(REGISTER, registration(email="o'brien@example.vn"))
    user = User.objects.get(email="o'brien@example.vn")
    assert user.username != "o'brien@example.vn"
    client.post(reverse("accounts:logout"))

    response = client.post(LOGIN, {"username": "o'brien@example.vn", "password": PASSWORD})

    assert response.status_code == 302 and logged_in_user_id(client) == str(user.pk)


def test_a_tampered_verification_link_is_refused_and_a_new_link_can_be_sent(client, mailoutbox):
    client.post(REGISTER, registration())
    link = VERIFY_LINK.search(mailoutbox[0].body).group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]
    tampered = link.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))

    response = client.get(tampered, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    html = response.content.decode()
    assert "is not valid" in html and "Send a new link" in html
    assert User.objects.get(username="binh.tran@example.vn").email_verified_at is None

    resent = client.post(reverse("accounts:verify_email_resend"))

    assert resent.status_code == 302 and len(mailoutbox) == 2
    new_link = VERIFY_LINK.search(mailoutbox[1].body).group(1)
    assert client.get(new_link).status_code == 200
    assert User.objects.get(username="binh.tran@example.vn").email_verified_at is not None


def test_an_expired_verification_link_is_refused(client, mailoutbox, settings):
    client.post(REGISTER, registration())
    link = VERIFY_LINK.search(mailoutbox[0].body).group(1)
    settings.EMAIL_VERIFICATION_MAX_AGE = -1  # as if the link were older than allowed

    response = client.get(link, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400 and "has expired" in response.content.decode()
    assert User.objects.get(username="binh.tran@example.vn").email_verified_at is None


def test_a_link_sent_to_a_former_address_no_longer_verifies(client, mailoutbox):
    client.post(REGISTER, registration())
    link = VERIFY_LINK.search(mailoutbox[0].body).group(1)
    User.objects.filter(username="binh.tran@example.vn").update(email="binh.moi@example.vn")

    assert client.get(link).status_code == 400
    assert User.objects.get(username="binh.tran@example.vn").email_verified_at is None


def test_asking_for_a_new_link_needs_a_signed_in_user_and_a_post(client, citizen, mailoutbox):
    resend = reverse("accounts:verify_email_resend")
    assert client.post(resend)["Location"].startswith(reverse("accounts:login"))
    client.force_login(citizen)
    assert client.get(resend).status_code == 405
    assert mailoutbox == []


@pytest.mark.parametrize("login", ["HOA@example.vn", "nguyenthihoa"])
def test_citizens_sign_in_with_their_email_or_their_username(client, citizen, login):
    response = client.post(LOGIN, {"username": login, "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == reverse("dossiers:mine")
    assert logged_in_user_id(client) == str(citizen.pk)


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(client, citizen):
    response = client.post(LOGIN, {"username": "hoa@example.vn", "password": PASSWORD, "next": "/thu-tuc/"})
    assert response["Location"] == "/thu-tuc/"

    other = Client().post(LOGIN, {"username": "hoa@example.vn", "password": PASSWORD, "next": "https://evil.example/"})
    assert other["Location"] == reverse("dossiers:mine")


def test_a_wrong_password_is_refused_with_a_message(client, citizen):
    response = client.post(LOGIN, {"username": "hoa@example.vn", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "The email address, username or password is not correct" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_the_login_page_links_to_password_reset_and_registration(client):
    html = client.get(LOGIN).content.decode()

    assert f'href="{RESET}"' in html and f'href="{REGISTER}"' in html
    assert 'autocomplete="current-password"' in html and 'autocomplete="username"' in html


def test_the_session_key_changes_at_sign_in_so_a_planted_session_is_useless(client, citizen):
    planted = client.session.session_key
    attacker = Client()
    attacker.cookies["sessionid"] = planted

    client.post(LOGIN, {"username": "hoa@example.vn", "password": PASSWORD})

    assert client.session.session_key != planted
    assert logged_in_user_id(client) == str(citizen.pk)
    assert attacker.get(reverse("accounts:verify_email_sent"))["Location"].startswith(reverse("accounts:login"))


def test_five_wrong_passwords_lock_the_account_out_even_with_the_right_one(client, citizen):
    for _ in range(4):
        assert client.post(LOGIN, {"username": "hoa@example.vn", "password": "wrong"}).status_code == 200
    assert client.post(LOGIN, {"username": "hoa@example.vn", "password": "wrong"}).status_code == 429

    # The same account through its username: the address was mapped to it, so the lock applies.
    response = client.post(LOGIN, {"username": "nguyenthihoa", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_sign_out_is_a_post(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in_user_id(client) == str(citizen.pk)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302 and logged_in_user_id(client) is None


def test_password_reset_sends_a_link_that_sets_a_new_password(client, citizen, mailoutbox):
    response = client.post(RESET, {"email": "Hoa@Example.vn"})

    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["hoa@example.vn"]
    assert "nguyenthihoa" in mailoutbox[0].body  # reminds the username too
    link = RESET_LINK.search(mailoutbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:password_reset_complete")

    fresh = Client()
    assert fresh.post(LOGIN, {"username": "hoa@example.vn", "password": PASSWORD}).status_code == 200
    assert fresh.post(LOGIN, {"username": "hoa@example.vn", "password": NEW_PASSWORD}).status_code == 302
    assert logged_in_user_id(fresh) == str(citizen.pk)

    reused = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert not reused.context["validlink"] and "This link cannot be used" in reused.content.decode()


def test_password_reset_does_not_tell_whether_an_address_has_an_account(client, citizen, mailoutbox):
    response = client.post(RESET, {"email": "nobody@example.vn"})

    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_password_reset_requests_are_limited_per_address(client, citizen, mailoutbox):
    for _ in range(5):
        assert client.post(RESET, {"email": "hoa@example.vn"}).status_code == 302

    response = client.post(RESET, {"email": "hoa@example.vn"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429 and "Too many attempts" in response.content.decode()
    assert len(mailoutbox) == 5
    assert client.get(RESET).status_code == 200  # reading the page is not limited


def test_registrations_are_limited_per_address(client):
    for _ in range(10):
        assert client.post(REGISTER, registration(phone="12345")).status_code == 200

    assert client.post(REGISTER, registration()).status_code == 429
    assert not User.objects.filter(email__iexact="binh.tran@example.vn").exists()
