"""A dossier through the back office in a browser: intake, supplement, assignment, approval, return."""

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from dossiers import processing, services
from dossiers.constants import Stage, Status
from dossiers.models import Dossier
from portal import demo
from portal.accounts.models import User
from procedures.eforms import EForm
from procedures.models import Agency, Procedure
from tests.filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration
from tests.payments_support import pay_at_counter

ADMIN = "/quan-tri/"
DASHBOARD = ADMIN + "dossiers/dossier/bang-dieu-khien/"


def file_birth_registration(citizen: User) -> Dossier:
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.filter(is_required=True):
        services.attach_document(
            dossier=dossier, required_document=slot, upload=SimpleUploadedFile("ban-quet.pdf", PDF_BYTES)
        )
    dossier, _ = services.submit_dossier(dossier=dossier, by=citizen)
    return dossier


def sign_in(page, username: str) -> None:
    """Sign out whoever was signed in (a fresh session), then into the back office; lands on the dashboard."""
    page.context.clear_cookies()
    page.goto(f"{page.base_url}{ADMIN}login/?next={DASHBOARD}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page.locator("#dossier-queues")).to_be_visible()


def open_from_queue(page, queue: str, dossier: Dossier) -> None:
    """From the dashboard: the queue's count, then the dossier in the filtered list."""
    count = page.locator(f".queue-{queue} .queue-count")
    expect(count).to_have_text("1")
    count.click()
    page.get_by_role("link", name=dossier.code, exact=True).click()
    expect(page.locator("#dossier-actions")).to_be_visible()


def act(page, action: str) -> None:
    """Open an action's form from the dossier page."""
    page.locator(f'#dossier-actions a[href$="/action/{action}/"]').click()
    expect(page.locator("#dossier-action-form")).to_be_visible()


def confirm(page) -> None:
    page.locator("#dossier-action-form [type=submit]").click()
    expect(page.locator("#dossier-actions")).to_be_visible()
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_a_dossier_goes_from_intake_to_returned_result_in_the_back_office(page, screenshot, tmp_path):
    demo.create_demo_accounts()
    citizen = User.objects.get(username="congdan")
    dossier = file_birth_registration(citizen)
    result = tmp_path / "ket-qua.pdf"
    result.write_bytes(PDF_BYTES)

    # The desk: intake from the dashboard, assignment, then a supplement request. (The status table allows a
    # supplement request at intake or during processing, not between acceptance and assignment.)
    sign_in(page, "tiepnhan")
    screenshot("dashboard")
    open_from_queue(page, "intake", dossier)
    screenshot("dossier-submitted")
    act(page, "accept")
    confirm(page)
    dossier.refresh_from_db()
    assert dossier.status == Status.ACCEPTED and dossier.due_at

    act(page, "assign")
    page.locator("select[name=handler]").select_option(str(User.objects.get(username="chuyenvien").pk))
    confirm(page)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.handler.username == "chuyenvien"

    act(page, "request_supplement")
    page.locator("textarea[name=missing]").fill("Bản sao Giấy chứng sinh rõ nét, có dấu của cơ sở y tế.")
    screenshot("supplement-request")
    confirm(page)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    due_before = dossier.due_at

    # The citizen sends the supplement (the service behind "Hồ sơ của tôi"); processing resumes where it was.
    processing.supplement(dossier=dossier, by=citizen, note="Đã bổ sung bản sao rõ nét.")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.due_at >= due_before

    # The specialist finds it under "assigned to me" and submits it to the leader.
    sign_in(page, "chuyenvien")
    open_from_queue(page, "mine", dossier)
    act(page, "submit_for_approval")
    page.locator("select[name=leader]").select_option(str(User.objects.get(username="lanhdao").pk))
    page.locator("textarea[name=note]").fill("Hồ sơ đủ điều kiện, kính trình lãnh đạo.")
    confirm(page)
    dossier.refresh_from_db()
    assert dossier.stage == Stage.APPROVAL and dossier.handler.username == "lanhdao"

    # The leader approves with the signed result.
    sign_in(page, "lanhdao")
    open_from_queue(page, "approval", dossier)
    act(page, "approve")
    page.locator("input[name=result]").set_input_files(str(result))
    page.locator("input[name=pin]").fill(settings.SIGNATURE_DEMO_PIN)  # approving signs the result
    screenshot("approve")
    confirm(page)
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY and dossier.result_file

    # The fees paid at the counter (a result is held until paid), the desk hands the result over.
    pay_at_counter(dossier)
    sign_in(page, "tiepnhan")
    open_from_queue(page, "result", dossier)
    act(page, "return_result")
    confirm(page)

    expect(page.locator(".field-status .readonly")).to_have_text("Đã trả kết quả")
    expect(page.locator("#dossier-timeline tbody tr")).to_have_count(8)
    screenshot("returned")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.returned_at


def test_the_queue_shows_every_column_at_1024_px_with_the_filters_above(page, screenshot):
    """At 1024 px the filters beside the table cut off the due date and the overdue mark."""
    demo.create_demo_accounts()
    file_birth_registration(User.objects.get(username="congdan"))
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(page, "tiepnhan")

    page.goto(f"{page.base_url}{ADMIN}dossiers/dossier/")
    screenshot("queue-1024")

    table = page.locator("#result_list").bounding_box()
    due = page.locator("#result_list th.column-due_at").bounding_box()
    overdue = page.locator("#result_list th.column-overdue_marker").bounding_box()
    filters = page.locator("#changelist-filter").bounding_box()
    assert overdue["x"] + overdue["width"] <= 1024 and due["x"] + due["width"] <= 1024  # not cut off
    assert filters["y"] + filters["height"] <= table["y"]  # above the table, not beside it
