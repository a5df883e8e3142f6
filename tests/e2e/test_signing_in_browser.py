"""The leader approves and signs a result in the back office; a passer-by verifies it on /xac-minh/."""

from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from dossiers import processing
from dossiers.constants import Status
from portal import demo
from portal.accounts.models import User
from portal.signing import verify
from tests.e2e.test_back_office_in_browser import act, file_birth_registration, open_from_queue, sign_in
from tests.filing import PDF_BYTES


def at_approval():
    demo.create_demo_accounts()
    dossier = file_birth_registration(User.objects.get(username="congdan"))
    processing.accept(dossier=dossier, by=User.objects.get(username="tiepnhan"))
    processing.assign(
        dossier=dossier, by=User.objects.get(username="tiepnhan"), handler=User.objects.get(username="chuyenvien")
    )
    processing.submit_for_approval(
        dossier=dossier, by=User.objects.get(username="chuyenvien"), leader=User.objects.get(username="lanhdao")
    )
    return dossier


def test_the_leader_signs_the_result_and_a_passer_by_verifies_it(page, screenshot, tmp_path):
    dossier = at_approval()
    result = tmp_path / "ket-qua.pdf"
    result.write_bytes(PDF_BYTES)

    # The leader: a wrong PIN first (nothing changes, the reason is shown), then the right one.
    sign_in(page, "lanhdao")
    open_from_queue(page, "approval", dossier)
    act(page, "approve")
    page.locator("input[name=result]").set_input_files(str(result))
    page.locator("input[name=result_reference]").fill("126/2026")
    page.locator("input[name=pin]").fill("000000")
    page.locator("#dossier-action-form [type=submit]").click()
    # The form again, with the reason, and the result number as typed (it was lost with a redirect to the dossier).
    expect(page.locator(".errornote")).to_contain_text("PIN")
    expect(page.locator("input[name=result_reference]")).to_have_value("126/2026")
    screenshot("wrong-pin")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and not dossier.result_file

    page.locator("input[name=result]").set_input_files(str(result))  # a file is chosen again: browsers forget it
    page.locator("input[name=pin]").fill(settings.SIGNATURE_DEMO_PIN)
    screenshot("approve-and-sign")
    page.locator("#dossier-action-form [type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY and dossier.result_signed_at
    signed = tmp_path / "ket-qua-da-ky.pdf"
    signed.write_bytes(dossier.result_file.read())

    # A passer-by, signed in as nobody, uploads the PDF they were given.
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/xac-minh/")
    page.locator("input[name=document]").set_input_files(str(signed))
    page.locator("#verify-form [type=submit]").click()
    with translation.override("vi"):  # the browser reads in Vietnamese, whatever an earlier test left active here
        valid = str(verify.VERDICTS[verify.VALID])
    expect(page.locator("#verify-verdict")).to_contain_text(valid[:8])
    expect(page.locator("#verify-dossier-code")).to_have_text(dossier.code)
    expect(page.locator(".verify-signer").first).to_contain_text(User.objects.get(username="lanhdao").full_name)
    screenshot("verified")
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone the 40-digit serial number wraps
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    # The same file with one byte changed is not intact.
    tampered = bytearray(signed.read_bytes())
    position = bytes(tampered).index(b"842", bytes(tampered).index(b"/MediaBox")) + 2
    tampered[position] = ord("3")
    changed = tmp_path / "ket-qua-sua.pdf"
    changed.write_bytes(bytes(tampered))
    page.locator("input[name=document]").set_input_files(str(changed))
    page.locator("#verify-form [type=submit]").click()
    expect(page.locator("#verify-verdict")).to_have_class(f"panel verdict verdict-{verify.NOT_INTACT}")
    screenshot("tampered")

    # The trust anchors the page links to.
    href = page.locator("#verify-anchors a").get_attribute("href")
    assert page.request.get(f"{page.base_url}{href}").text().startswith("-----BEGIN CERTIFICATE-----")
