"""Intake regardless of administrative boundary (Decree 118/2025/NĐ-CP): a one-stop centre receives a dossier for
a procedure of another agency of the province, does intake, sends it to the competent agency, which processes it,
and hands the result back when the citizen collects it there. Three parties: the receiving centre, the competent
agency, everyone else."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dossiers import processing, services
from dossiers.constants import DeliveryMethod, Status
from dossiers.events import DossierAction
from dossiers.models import Dossier
from dossiers.selectors import due_soon_bound, queue_counts, queues
from dossiers.workflow import InvalidTransition, available_actions
from payments.models import Receipt, Transaction
from payments.selectors import daily_payments
from payments.services import PaymentError
from portal import access
from portal.accounts.constants import Role
from procedures import routing
from procedures.constants import AdministrativeLevel
from procedures.models import Agency

from .factories import AgencyFactory, CitizenFactory, ProcedureFactory, dossier_in, official
from .filing import PDF_BYTES


def pay_at_counter(dossier: Dossier, cashier) -> None:
    """The fees the dossier owes, paid in cash at the counter of ``cashier``'s agency."""
    from payments import services as payments
    from payments.constants import RequestStatus
    from payments.models import PaymentRequest

    for request in PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN):
        payments.record_counter_payment(request=request, by=cashier)


pytestmark = pytest.mark.django_db


@pytest.fixture
def province():
    """A commune centre, the department competent for a provincial procedure, and a third commune."""
    centre = AgencyFactory(name="Ủy ban nhân dân phường Hàm Rồng", receives_dossiers=True)
    department = AgencyFactory(name="Sở Tư pháp tỉnh Thử Nghiệm", level=AdministrativeLevel.PROVINCE)
    elsewhere = AgencyFactory(name="Ủy ban nhân dân xã Thử Nghiệm Khác", receives_dossiers=True)
    procedure = ProcedureFactory(name="Cấp Phiếu lý lịch tư pháp", at_commune=False, at_province=True)
    procedure.agencies.add(department)
    people = {
        "centre desk": official(Role.DESK, centre),
        "centre leader": official(Role.LEADER, centre),
        "department desk": official(Role.DESK, department),
        "department specialist": official(Role.SPECIALIST, department),
        "department leader": official(Role.LEADER, department),
        "elsewhere desk": official(Role.DESK, elsewhere),
    }
    return {"centre": centre, "department": department, "elsewhere": elsewhere, "procedure": procedure, **people}


def file_online(world, *, delivery=DeliveryMethod.OFFICE) -> Dossier:
    """The citizen files at the commune centre for the department's procedure."""
    citizen = CitizenFactory()
    draft = services.start_draft(
        procedure=world["procedure"],
        applicant=citizen,
        agency=world["department"],
        case=None,
        received_by=world["centre"],
    )
    for slot in draft.case.documents.all():
        from django.core.files.uploadedfile import SimpleUploadedFile

        services.attach_document(
            dossier=draft,
            required_document=slot,
            upload=SimpleUploadedFile("giay-to.pdf", PDF_BYTES, content_type="application/pdf"),
        )
    Dossier.objects.filter(pk=draft.pk).update(delivery_method=delivery)
    dossier, _ = services.submit_dossier(dossier=draft, by=citizen)
    return dossier


def test_any_centre_of_the_province_may_receive_but_only_the_competent_agency_processes(province):
    procedure = province["procedure"]
    assert routing.may_receive(province["centre"], procedure)
    assert routing.may_receive(province["department"], procedure)
    assert set(routing.receiving_centres(procedure)) >= {province["centre"], province["elsewhere"]}
    assert routing.competent_for(procedure, province["centre"]) == province["department"]
    assert not routing.handles(province["centre"], procedure)

    procedure.any_centre = False
    procedure.save(update_fields=["any_centre"])
    assert not routing.may_receive(province["centre"], procedure)
    with translation.override("en"), pytest.raises(routing.RoutingError, match="cannot receive dossiers"):
        services.start_draft(
            procedure=procedure,
            applicant=CitizenFactory(),
            agency=province["department"],
            case=None,
            received_by=province["centre"],
        )


def test_the_code_comes_from_the_receiving_centre_and_the_dossier_waits_in_its_intake_queue(province):
    dossier = file_online(province)

    assert dossier.code.startswith(province["centre"].code + "-")
    assert (dossier.agency, dossier.received_by) == (province["department"], province["centre"])
    now = dossier.submitted_at
    bound = due_soon_bound(now)

    def counts(who):
        user = province[who]
        return queue_counts(access.scope(Dossier.objects.all(), user), user, now, bound)

    assert counts("centre desk")["intake"] == 1
    assert counts("department desk")["intake"] == 0  # seen, but intake is not its step
    assert counts("elsewhere desk")["intake"] == 0
    assert access.scope(Dossier.objects.all(), province["department desk"]).filter(pk=dossier.pk).exists()
    assert not access.scope(Dossier.objects.all(), province["elsewhere desk"]).filter(pk=dossier.pk).exists()


def test_the_centre_does_intake_the_department_processes_and_the_centre_hands_the_result_back(province):
    dossier = file_online(province)
    with translation.override("en"):
        with pytest.raises(InvalidTransition, match="receiving centre"):
            processing.accept(dossier=dossier, by=province["department desk"])
        with pytest.raises(InvalidTransition, match="another agency"):
            processing.accept(dossier=dossier, by=province["elsewhere desk"])

    processing.accept(dossier=dossier, by=province["centre desk"])
    dossier.refresh_from_db()
    route_event = dossier.events.get(action=DossierAction.ROUTE)
    assert route_event.data == {"to": province["department"].code, "from": province["centre"].code}
    assert province["department"].name in route_event.public_note

    with translation.override("en"), pytest.raises(InvalidTransition, match="follows its progress"):
        processing.assign(dossier=dossier, by=province["centre leader"], handler=province["department specialist"])
    processing.assign(dossier=dossier, by=province["department leader"], handler=province["department specialist"])
    processing.submit_for_approval(
        dossier=dossier, by=province["department specialist"], leader=province["department leader"]
    )
    processing.approve(dossier=dossier, by=province["department leader"])
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    # The citizen pays at the centre's desk, which collects for the department (it has no counter for them).
    with translation.override("en"), pytest.raises(PaymentError, match="receiving centre"):
        pay_at_counter(dossier, official(Role.CASHIER, province["department"]))
    pay_at_counter(dossier, official(Role.CASHIER, province["centre"]))
    receipt = Receipt.objects.get(transaction__request__dossier=dossier)
    assert receipt.agency == province["centre"] and receipt.number.startswith(f"BL{receipt.issued_at:%y}-")
    today = timezone.localdate()  # the cash is in the report of the centre whose drawer holds it
    assert list(daily_payments(agency_id=province["centre"].pk, day=today)) == [receipt.transaction]
    assert not daily_payments(agency_id=province["department"].pk, day=today).exists()

    assert [a.name for a in available_actions(dossier, province["department desk"])] == []
    assert DossierAction.RETURN_RESULT in [a.name for a in available_actions(dossier, province["centre desk"])]
    with translation.override("en"), pytest.raises(InvalidTransition, match="receiving centre"):
        processing.return_result(dossier=dossier, by=province["department desk"])
    processing.return_result(dossier=dossier, by=province["centre desk"])
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


def test_a_result_by_post_is_sent_by_the_competent_agency(province):
    dossier = dossier_in(
        Status.RESULT_READY, province["department"], received_by=province["centre"], procedure=province["procedure"]
    )
    Dossier.objects.filter(pk=dossier.pk).update(delivery_method=DeliveryMethod.ONLINE)
    dossier.refresh_from_db()
    assert access.acting_agency_id(dossier, DossierAction.RETURN_RESULT) == province["department"].pk
    assert access.acting_agency_id(dossier, DossierAction.ACCEPT) == province["centre"].pk


def test_a_dossier_is_routed_only_to_an_agency_that_handles_the_procedure(province):
    dossier = file_online(province)
    other_department = AgencyFactory(name="Sở Xây dựng tỉnh Thử Nghiệm", level=AdministrativeLevel.PROVINCE)
    with translation.override("en"), pytest.raises(InvalidTransition, match="No other agency handles"):
        processing.route(dossier=dossier, to=other_department, by=province["centre desk"])

    province["procedure"].agencies.add(other_department)
    unrelated = AgencyFactory(name="Sở Y tế tỉnh Thử Nghiệm", level=AdministrativeLevel.PROVINCE)
    with translation.override("en"):
        with pytest.raises(routing.RoutingError, match="does not handle"):
            processing.route(dossier=dossier, to=unrelated, by=province["centre desk"])
        with pytest.raises(InvalidTransition, match="Only the desk or a leader"):
            processing.route(dossier=dossier, to=other_department, by=province["elsewhere desk"])

    processing.route(dossier=dossier, to=other_department, by=province["centre desk"], reason="Đúng thẩm quyền")
    dossier.refresh_from_db()
    assert dossier.agency == other_department and dossier.version == 1
    assert dossier.events.filter(action=DossierAction.ROUTE, note="Đúng thẩm quyền").exists()
    # The first department no longer sees it; the centre and the new department do.
    assert not access.scope(Dossier.objects.all(), province["department desk"]).filter(pk=dossier.pk).exists()
    assert access.scope(Dossier.objects.all(), official(Role.DESK, other_department)).filter(pk=dossier.pk).exists()

    processing.accept(dossier=dossier, by=province["centre desk"])
    dossier.refresh_from_db()
    with translation.override("en"), pytest.raises(InvalidTransition, match="already with"):
        processing.route(dossier=dossier, to=other_department, by=province["centre desk"])


def test_the_back_office_offers_the_route_page_and_the_following_queue(client, province):
    dossier = file_online(province)
    client.force_login(province["centre desk"])
    change = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk])).content.decode()
    assert reverse("admin:dossiers_dossier_route", args=[dossier.pk]) not in change  # no other agency handles it

    other_department = AgencyFactory(name="Sở Xây dựng tỉnh Thử Nghiệm", level=AdministrativeLevel.PROVINCE)
    province["procedure"].agencies.add(other_department)
    change = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk])).content.decode()
    assert reverse("admin:dossiers_dossier_route", args=[dossier.pk]) in change
    page = client.get(reverse("admin:dossiers_dossier_route", args=[dossier.pk]))
    assert page.status_code == 200 and other_department.name in page.content.decode()
    client.post(
        reverse("admin:dossiers_dossier_route", args=[dossier.pk]),
        {"to": other_department.pk, "reason": "", "version": dossier.version},
    )
    dossier.refresh_from_db()
    assert dossier.agency == other_department

    processing.accept(dossier=dossier, by=province["centre desk"])
    now = dossier.submitted_at
    rows = {q.key: q for q in queues(province["centre desk"], now, due_soon_bound(now))}
    following = access.scope(Dossier.objects.all(), province["centre desk"]).filter(rows["following"].condition)
    assert list(following) == [dossier]
    listed = client.get(reverse("admin:dossiers_dossier_changelist"), {"turn": "following"}).content.decode()
    assert dossier.code in listed
    row = listed.split(f">{dossier.code}</a></th>", 1)[1].split("</tr>")[0]
    assert f'<td class="field-agency_name">{other_department.name}</td>' in row  # whose it is now
    api = client.get("/api/v1/dossiers/", {"queue": "following"})  # the queue /queues/ lists (it answered 400)
    assert api.status_code == 200 and [row["code"] for row in api.json()["results"]] == [dossier.code]

    client.force_login(province["elsewhere desk"])
    assert client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk])).status_code in (302, 404)
    assert client.get(reverse("admin:dossiers_dossier_route", args=[dossier.pk])).status_code == 404


def test_the_look_up_says_where_the_dossier_is(client, province):
    from django.core.cache import cache

    dossier = file_online(province)
    processing.accept(dossier=dossier, by=province["centre desk"])
    cache.clear()
    with translation.override("en"):
        from tracking.selectors import public_timeline

        labels = [entry.label for entry in public_timeline(dossier)]
    assert "Sent to the competent agency" in labels


def test_the_start_page_offers_the_centres_of_the_province(client, province):
    client.force_login(CitizenFactory())
    page = client.get(reverse("dossiers:start", kwargs={"code": province["procedure"].code}), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "One-stop centre that receives your dossier" in html
    assert province["centre"].name in html and province["elsewhere"].name in html
    response = client.post(
        reverse("dossiers:start", kwargs={"code": province["procedure"].code}),
        {
            "agency": province["department"].pk,
            "received_by": province["centre"].pk,
            "case": province["procedure"].cases.get().pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    draft = Dossier.objects.get(procedure=province["procedure"], status=Status.DRAFT)
    assert (draft.agency, draft.received_by) == (province["department"], province["centre"])
    assert Agency.objects.filter(pk=draft.received_by_id, receives_dossiers=True).exists()


def test_the_api_files_at_a_centre_and_refuses_one_that_may_not_receive(client, province):
    from .test_api_filing import token_for

    auth = token_for(CitizenFactory())
    procedure = province["procedure"]
    body = {"procedure": procedure.code, "agency": province["department"].code, "received_by": province["centre"].code}
    draft = client.post("/api/v1/drafts/", body, content_type="application/json", **auth)
    assert draft.status_code == 201, draft.content
    assert (draft.json()["agency_code"], draft.json()["received_by_code"]) == (
        province["department"].code,
        province["centre"].code,
    )

    procedure.any_centre = False
    procedure.save(update_fields=["any_centre"])
    refused = client.post("/api/v1/drafts/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **auth)
    assert refused.status_code == 409 and "cannot receive dossiers" in refused.json()["message"]


def test_the_counters_money_buttons_are_offered_to_the_centres_cashier_only(client, province):
    dossier = file_online(province)  # billed at submission; the centre received it for the department
    page = reverse("admin:dossiers_dossier_change", args=[dossier.pk])

    def buttons(user) -> tuple[bool, bool]:
        client.force_login(user)
        html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        return 'id="record-counter-payment"' in html, 'id="exempt-line"' in html

    assert buttons(official(Role.CASHIER, province["centre"])) == (True, True)
    beside = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()  # not "no step is yours" beside them
    assert "No processing step is yours" not in beside
    assert buttons(official(Role.CASHIER, province["department"])) == (False, False)
    assert buttons(province["centre desk"]) == (False, False)


def test_form_01_is_issued_by_the_centre_and_says_where_the_result_is_collected(province):
    """Form 01 read "Sở … đã tiếp nhận hồ sơ", signed by the centre's desk officer, and never said which office."""
    import io

    from pypdf import PdfReader

    from dossiers.constants import NoticeKind
    from dossiers.notices import issuing_agency, render_notice

    dossier = file_online(province)
    processing.accept(dossier=dossier, by=province["centre desk"])
    form_01 = dossier.notices.get(kind=NoticeKind.ACCEPTANCE)

    text = " ".join(PdfReader(io.BytesIO(render_notice(form_01))).pages[0].extract_text().split())
    centre, department = province["centre"].name, province["department"].name
    assert issuing_agency(form_01) == province["centre"]
    assert f"{centre} đã tiếp nhận hồ sơ của" in text and f"Cơ quan giải quyết: {department}" in text
    assert f"Nhận kết quả: trực tiếp tại Bộ phận Một cửa {centre}" in text

    processing.assign(dossier=dossier, by=province["department leader"], handler=province["department specialist"])
    processing.stop(dossier=dossier, by=province["department leader"], reason="Công dân đề nghị dừng")
    assert issuing_agency(dossier.notices.get(kind=NoticeKind.STOP)) == province["department"]


def test_the_citizen_reads_where_the_dossier_goes_before_and_after_submitting(client, province):
    """The check page never named the centre chosen on the start page, nor the desk where the result is collected."""
    citizen = CitizenFactory()
    draft = services.start_draft(
        procedure=province["procedure"],
        applicant=citizen,
        agency=province["department"],
        case=None,
        received_by=province["centre"],
    )
    Dossier.objects.filter(pk=draft.pk).update(delivery_method=DeliveryMethod.OFFICE)
    client.force_login(citizen)

    page = client.get(reverse("dossiers:review", kwargs={"public_id": draft.public_id}), HTTP_ACCEPT_LANGUAGE="en")

    where = page.text.split('id="review-where"')[1].split("</dl>")[0]
    centre, department = province["centre"].name, province["department"].name
    assert department in where and centre in where
    assert f"the one-stop desk of {centre}" in page.text


def test_the_control_slip_lists_intake_routing_and_each_hand_over(client, province):
    """The slip listed the department's steps only: who received the dossier at the centre, and when it went on to
    the department, were missing."""
    import io

    from pypdf import PdfReader

    dossier = file_online(province)
    processing.accept(dossier=dossier, by=province["centre desk"])
    processing.assign(dossier=dossier, by=province["department leader"], handler=province["department specialist"])
    client.force_login(province["department leader"])

    response = client.get(reverse("admin:dossiers_dossier_control_slip", args=[dossier.pk]))

    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "Giao, nhận hồ sơ" in text
    for who in ("centre desk", "department leader"):
        assert province[who].full_name in text
    assert province["centre"].name in text and "Đã chuyển cơ quan có thẩm quyền" in text


def test_the_payment_lists_read_a_constant_number_of_rows_for_either_agencys_cashier(client, province):
    """Deciding the counter's button per row read each dossier's receiving centre: one query per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(user, url) -> int:
        client.force_login(user)
        client.get(url)  # the first request also reads the signed-in user, then remembered
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    lists = [reverse("admin:payments_paymentrequest_changelist"), reverse("admin:payments_transaction_changelist")]
    cashiers = [official(Role.CASHIER, province["department"]), official(Role.CASHIER, province["centre"])]
    paid, awaited = file_online(province), file_online(province)
    pay_at_counter(paid, cashiers[1])
    assert Transaction.objects.filter(request__dossier=paid).exists() and awaited.payment_requests.exists()
    few = {(cashier.pk, url): queries(cashier, url) for cashier in cashiers for url in lists}
    for _ in range(3):
        pay_at_counter(file_online(province), cashiers[1])
        file_online(province)
    assert {(cashier.pk, url): queries(cashier, url) for cashier in cashiers for url in lists} == few


def test_a_payment_the_department_asks_for_and_the_centre_takes_moves_the_dossier_on(province):
    """Paid at the centre's counter, the dossier stayed in "payment requested": the hand-marking rule (the competent
    agency's cashier) refused the move the recorded payment makes."""
    dossier = file_online(province)
    pay_at_counter(dossier, official(Role.CASHIER, province["centre"]))  # the fees billed at submission
    processing.accept(dossier=dossier, by=province["centre desk"])
    processing.assign(dossier=dossier, by=province["department leader"], handler=province["department specialist"])
    processing.request_payment(dossier=dossier, by=province["department specialist"], amount=50000, note="Phí")

    pay_at_counter(dossier, official(Role.CASHIER, province["centre"]))

    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    event = dossier.events.get(action=DossierAction.PAYMENT_RECEIVED)
    assert event.actor.agency == province["centre"]  # who took it, on the timeline
