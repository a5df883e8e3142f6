"""Intake regardless of boundary in a browser: the citizen files a provincial procedure at their ward's one-stop
centre, the ward's desk accepts it and it goes to the provincial police, who processes it, and the ward's desk
hands the result back (the demo's agencies and accounts); the look-up says who received it and who processed it."""

from captcha.models import CaptchaStore
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from dossiers import processing, services
from dossiers.constants import Status
from dossiers.models import Dossier
from portal import demo
from portal.accounts.constants import Role
from portal.accounts.models import User
from portal.accounts.services import create_official
from procedures.eforms import EForm
from procedures.models import Agency, Procedure
from tests.e2e.test_back_office_in_browser import act, confirm, open_from_queue, sign_in
from tests.filing import HAC_THANH, PDF_BYTES, address

CRIMINAL_RECORD = "3.000333"  # Cấp Phiếu lý lịch tư pháp: level 4, province (the provincial police since 2025)
PROVINCIAL_POLICE = "000.00.19.H56"  # Công an tỉnh Thanh Hóa


def department_officials(department: Agency) -> dict[str, User]:
    """The demo's officials of the provincial police, and a cashier for the fees."""
    people = {
        Role.LEADER: User.objects.get(username="lanhdao.congan"),
        Role.SPECIALIST: User.objects.get(username="chuyenvien.congan"),
    }
    people[Role.CASHIER] = User.objects.filter(username="e2e.thuphi.congan").first() or create_official(
        username="e2e.thuphi.congan",
        full_name="Lý Thị Thu",
        email="e2e.thuphi.congan@example.gov.vn",
        agency=department,
        role=Role.CASHIER,
        password=demo.DEMO_PASSWORD,
    )
    return people


def complete_and_submit(dossier: Dossier, citizen: User) -> Dossier:
    """The rest of the filing (the declaration, the scans), as the citizen's pages do it."""
    form = EForm(
        {
            "applicant_name": "Nguyễn Văn Dân",
            "applicant_birth_date": "1990-05-01",
            "applicant_id": "038090001234",
            "applicant_phone": "0912345678",
            **address("applicant_address"),
            "request": "Cấp Phiếu lý lịch tư pháp số 1 để bổ sung hồ sơ xin việc.",
        },
        spec=dossier.procedure.eform,
    )
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.filter(is_required=True):
        services.attach_document(
            dossier=dossier, required_document=slot, upload=SimpleUploadedFile("ban-quet.pdf", PDF_BYTES)
        )
    dossier, _ = services.submit_dossier(dossier=dossier, by=citizen)
    return dossier


def test_a_ward_centre_receives_a_provincial_dossier_the_department_processes_it_and_the_ward_hands_it_back(
    page, screenshot
):
    demo.create_demo_accounts()
    ward = Agency.objects.get(code=HAC_THANH, receives_dossiers=True)  # the ward's one-stop centre
    department = Agency.objects.get(code=PROVINCIAL_POLICE)
    procedure = Procedure.objects.get(code=CRIMINAL_RECORD, any_centre=True)
    assert list(procedure.agencies.all()) == [department]
    staff = department_officials(department)
    citizen = User.objects.get(username="congdan")

    # The citizen chooses the ward's centre on the start page.
    page.goto(page.base_url + "/tai-khoan/dang-nhap/")
    page.locator("input[name=username]").fill("congdan")
    page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{page.base_url}/ho-so/nop/{CRIMINAL_RECORD}/")
    page.locator(f"input[name=agency][value='{department.pk}']").check()
    page.locator("select[name=received_by]").select_option(str(ward.pk))
    page.locator("input[name=case]").first.check()
    screenshot("start")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("input[name=applicant_name]")).to_be_visible()
    draft = Dossier.objects.get(applicant=citizen, procedure=procedure, status=Status.DRAFT)
    assert (draft.agency, draft.received_by) == (department, ward)
    dossier = complete_and_submit(draft, citizen)
    assert dossier.code.startswith(HAC_THANH + "-")

    # The ward's desk: intake from its dashboard; the dossier goes on to the department.
    sign_in(page, "tiepnhan")
    open_from_queue(page, "intake", dossier)
    act(page, "accept")
    confirm(page)
    expect(page.locator("#dossier-following")).to_contain_text(department.name)
    expect(page.locator("#dossier-timeline")).to_contain_text(department.name)
    screenshot("routed")

    # The department's leader finds it among the newly accepted dossiers and assigns it.
    sign_in(page, staff[Role.LEADER].username)
    open_from_queue(page, "accepted", dossier)
    act(page, "assign")
    page.locator("select[name=handler]").select_option(str(staff[Role.SPECIALIST].pk))
    confirm(page)
    processing.submit_for_approval(dossier=dossier, by=staff[Role.SPECIALIST], leader=staff[Role.LEADER])
    processing.approve(dossier=dossier, by=staff[Role.LEADER])
    from payments import services as payments
    from payments.models import PaymentRequest

    for request in PaymentRequest.objects.filter(dossier=dossier, status="open"):  # at the ward's counter
        payments.record_counter_payment(request=request, by=User.objects.get(username="thuphi"))

    # The ward's desk hands the result back at its counter.
    sign_in(page, "tiepnhan")
    open_from_queue(page, "result", dossier)
    act(page, "return_result")
    confirm(page)
    expect(page.locator(".field-status .readonly")).to_have_text("Đã trả kết quả")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED

    # Anyone with the code sees where it was received and who processed it.
    page.context.clear_cookies()
    page.goto(page.base_url + "/tra-cuu/")
    page.locator("input[name=code]").fill(dossier.code)
    key = page.locator("input[name=captcha_0]").input_value()
    page.locator("input[name=captcha_1]").fill(CaptchaStore.objects.get(hashkey=key).response)
    page.locator("#lookup-form [type=submit]").click()
    expect(page.locator("#lookup-received-by")).to_have_text(ward.name)
    expect(page.locator("#lookup-processed-by")).to_have_text(department.name)
    screenshot("look-up")
