"""What a first user of ``make run`` ran into: links to the wrong port, mail with cut links, no favicon, delivery
fields called optional, month-first dates in English, an English search example that finds nothing, a yes/no
question asked on a satisfaction scale, and a failed payment without its reason."""

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from dossiers import processing, services
from payments.constants import RequestStatus, TransactionStatus
from payments.models import PaymentRequest, Transaction
from portal.accounts.constants import Role
from portal.accounts.models import User
from procedures.models import Agency, Procedure
from tracking.models import Rating

from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH
from .payments_support import file_dossier, gateway_params, pay_at_counter

BASE_DIR = Path(settings.BASE_DIR)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}
LONG_LINK = (
    "http://127.0.0.1:8101/ho-so/0b5e8a52-2f1e-4a5c-9d39-6f0c2b7d8e11/?tab=timeline&amp;from=email&x=" + "a" * 60
)


def run_with_base_settings(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``python -c code`` under the local defaults (portal.settings.base), as ``make run`` starts the portal."""
    clean = {k: v for k, v in os.environ.items() if k not in {"PORTAL_URL", "PORT", "EMAIL_URL", "DATABASE_URL"}}
    clean |= {"DJANGO_SETTINGS_MODULE": "portal.settings.base", "VAR_DIR": str(tmp_path), "PYTHONPATH": str(BASE_DIR)}
    return subprocess.run(  # noqa: S603 -- our own interpreter and a fixed snippet
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean | env, capture_output=True, text=True, timeout=120
    )


# --- 1. Links and QR codes follow the port `make run` serves on ------------------------------------------------

PRINT_PORTAL_URL = "import django; django.setup(); from django.conf import settings; print(settings.PORTAL_URL)"


def test_the_portal_url_follows_the_port_when_it_is_not_set(tmp_path):
    result = run_with_base_settings(PRINT_PORTAL_URL, tmp_path, PORT="8101")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8101"


def test_a_portal_url_that_is_set_wins_over_the_port(tmp_path):
    result = run_with_base_settings(PRINT_PORTAL_URL, tmp_path, PORT="8101", PORTAL_URL="https://dvc.example.vn")
    assert result.stdout.strip() == "https://dvc.example.vn", result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_passes_its_port_to_the_portal():
    env = {k: v for k, v in os.environ.items() if k not in {"PORT", "PORTAL_URL", "MAKEFLAGS"}}
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8101"],  # noqa: S607
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if "manage.py runserver" in line or "load_demo" in line]
    assert len(commands) == 2
    assert all(line.startswith("PORT=8101 ") for line in commands), commands


# --- 2. Local mail shows links whole -----------------------------------------------------------------------------


def test_console_mail_of_the_local_defaults_shows_a_long_link_whole(tmp_path):
    code = (
        "import django; django.setup(); from django.core.mail import EmailMessage; "
        f"EmailMessage('Hồ sơ của bạn', 'Xem hồ sơ tại: ' + {LONG_LINK!r} + '\\nCảm ơn.', 'a@dvc.local', "
        "['congdan@example.vn']).send()"
    )
    result = run_with_base_settings(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert LONG_LINK in result.stdout
    assert "Xem hồ sơ tại" in result.stdout  # Vietnamese readable too, not =E1=BB=93
    body = result.stdout.split("\n\n", 1)[1]
    assert not re.search(r"=$", body, re.M)  # no quoted-printable soft line breaks


def test_file_mail_shows_a_long_link_whole_and_keeps_attachments_encoded(tmp_path):
    code = (
        "import django; django.setup(); from django.core.mail import EmailMessage; "
        f"m = EmailMessage('Hồ sơ', 'Xem hồ sơ tại: ' + {LONG_LINK!r}, 'a@dvc.local', ['congdan@example.vn']); "
        "m.attach('ghi-chu.txt', 'Tệp đính kèm ' * 20, 'text/plain'); m.send()"
    )
    result = run_with_base_settings(code, tmp_path, EMAIL_URL=f"filemail://{tmp_path}/thu")  # an absolute path
    assert result.returncode == 0, result.stderr

    written = next((tmp_path / "thu").iterdir()).read_text(encoding="utf-8")
    assert LONG_LINK in written and "Xem hồ sơ tại" in written
    assert 'filename="ghi-chu.txt"' in written
    assert written.count("Content-Transfer-Encoding: 8bit") == 1  # the body only: the attachment keeps its encoding


# --- 3. A favicon ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_favicon_ico_is_served(client, catalogue, settings):
    settings.WHITENOISE_USE_FINDERS = True  # `make run` collects the static files first; the suite does not
    response = client.get("/favicon.ico", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [("/static/favicon.ico", 301)]
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 'rel="icon" href="/static/favicon.ico"' in client.get("/").content.decode()


# --- 4. Address and phone for the post are not "optional" --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "optional", "required"), [(EN, "optional", "required for delivery by post"), (VI, "không bắt buộc", "")]
)
def test_the_delivery_step_does_not_call_the_postal_address_and_phone_optional(
    client, catalogue, headers, optional, required
):
    citizen = CitizenFactory()
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    client.force_login(citizen)

    page = client.get(reverse("dossiers:delivery", kwargs={"public_id": dossier.public_id}), **headers)

    text = page.content.decode()
    assert page.status_code == 200 and 'value="post"' in text
    assert f"({optional})" not in text
    if required:
        assert text.count(f"({required})") == 2  # the address and the phone


# --- 5. Dates are day first in English too -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [EN, VI])
def test_the_statistics_period_is_written_day_first_in_both_languages(client, catalogue, headers):
    response = client.get("/thong-ke/", {"date_from": "2025-03-05", "date_to": "2025-04-20"}, **headers)

    text = response.content.decode()
    assert response.status_code == 200
    assert "05/03/2025" in text and "20/04/2025" in text
    assert "03/05/2025" not in text and "04/20/2025" not in text


@pytest.mark.django_db
def test_a_typed_english_date_is_read_day_first(client, catalogue):
    response = client.get("/thong-ke/", {"date_from": "05/03/2025", "date_to": "20/04/2025"}, **EN)

    assert response.status_code == 200
    assert "05/03/2025" in response.content.decode() and "20/04/2025" in response.content.decode()


# --- 6. The search example finds something -----------------------------------------------------------------------


def search_examples(page: str) -> list[str]:
    placeholder = html.unescape(re.search(r'id="home-q"[^>]*placeholder="([^"]*)"', page).group(1))
    examples = re.sub(r"^\s*(e\.g\.|ví dụ:)\s*", "", placeholder)
    return [re.sub(r"\s*\([^)]*\)", "", example).strip() for example in examples.split(",")]


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [EN, VI])
def test_each_search_example_on_the_home_page_finds_a_procedure(client, catalogue, headers):
    examples = search_examples(client.get("/", **headers).content.decode())

    assert examples
    for example in examples:
        found = client.get(reverse("procedures:catalogue"), {"q": example}, **headers).content.decode()
        assert 'class="procedure-item"' in found, example


# --- 7. "On time?" is a yes/no question --------------------------------------------------------------------------


@pytest.fixture
def returned(submitted):
    staff = {u.role: u for u in User.objects.filter(agency__code=HAC_THANH, kind="official")}
    processing.accept(dossier=submitted, by=staff[Role.DESK])
    processing.assign(dossier=submitted, by=staff[Role.DESK], handler=staff[Role.SPECIALIST])
    processing.submit_for_approval(dossier=submitted, by=staff[Role.SPECIALIST], leader=staff[Role.LEADER])
    processing.approve(dossier=submitted, by=staff[Role.LEADER])
    pay_at_counter(submitted)  # a result is held until paid
    processing.return_result(dossier=submitted, by=staff[Role.DESK])
    submitted.refresh_from_db()
    return submitted


def fieldset(page: str, name: str) -> str:
    return re.search(rf'<fieldset[^>]*id="id_{name}".*?</fieldset>', page, re.S).group(0)


@pytest.mark.django_db
def test_the_rating_asks_whether_the_result_was_on_time_as_yes_or_no(client, returned):
    url = reverse("tracking:rate", kwargs={"public_id": returned.public_id})
    client.force_login(returned.applicant)

    form = client.get(url, **EN).content.decode()
    on_time, attitude = fieldset(form, "on_time"), fieldset(form, "attitude")
    refused = client.post(url, {"score": 4, "on_time": 3, "attitude": 5, "clarity": 4}, **EN)

    assert "Yes, on the date on the receipt" in on_time and "No, it was late" in on_time
    assert "Very good" not in on_time and "Very good" in attitude  # the other questions keep their scale
    assert refused.status_code == 400 and not Rating.objects.filter(dossier=returned).exists()
    assert client.post(url, {"score": 4, "on_time": 4, "attitude": 5, "clarity": 4}, **EN).status_code == 302
    assert Rating.objects.get(dossier=returned).on_time == 4
    assert "Yes, on the date on the receipt" in client.get(url, **EN).content.decode()


# --- 8. A failed payment says why --------------------------------------------------------------------------------


def start_payment(dossier) -> Transaction:
    from payments import services as payments

    request = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    txn, _url = payments.start_online_payment(
        request=request,
        by=dossier.applicant,
        return_url="http://testserver/thanh-toan/vnpay/ket-qua/",
        client_ip="1.2.3.4",
    )
    return txn


@pytest.mark.django_db
def test_the_return_page_gives_the_gateways_reason_for_a_failed_payment(client, catalogue):
    txn = start_payment(file_dossier())
    client.force_login(txn.request.dossier.applicant)
    failed = gateway_params(txn, response="51", status="02")

    before_ipn = client.get(reverse("payments:return"), failed, **EN).content.decode()
    assert client.get(reverse("payments:ipn"), failed).json()["RspCode"] == "00"
    after_ipn = client.get(reverse("payments:return"), failed, **EN).content.decode()

    for page in (before_ipn, after_ipn):
        assert "Your account does not have enough money for this payment." in page
        assert "code 51" in page
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.FAILED
    with translation.override("en"):
        cancelled = client.get(reverse("payments:return"), gateway_params(txn, response="24", status="02"), **EN)
    assert "code 51" in cancelled.content.decode()  # the IPN's recorded answer is what counts


@pytest.mark.django_db
def test_a_successful_payment_gives_no_failure_reason(client, catalogue):
    txn = start_payment(file_dossier())
    client.force_login(txn.request.dossier.applicant)

    page = client.get(reverse("payments:return"), gateway_params(txn), **EN).content.decode()

    assert "Waiting for the bank" in page and 'id="payment-reason"' not in page
