"""Results are held until paid: the desk cannot return a result (at the office, online or by post) while fees are
owed, unless they are paid, exempted, or the citizen chose to pay the postman on delivery (BCCI collect-on-delivery,
"thu hộ"): then the shipment carries the amount, the label prints it, and the postman's collection is recorded like
a counter payment, with its receipt.

The demo birth registration filed online with one copy asked for owes 8,000 đ (the copy fee); by post within
Thanh Hóa 30,000 đ (with the 22,000 đ postal fee).
"""

import io
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from dossiers import processing, services
from dossiers.constants import DeliveryMethod, Status
from dossiers.models import Dossier
from dossiers.processing import ResultHeld
from payments import services as payments
from payments.constants import Gateway, LineKind, RequestStatus, TransactionStatus
from payments.models import PaymentRequest, Receipt, Refund, Transaction
from postal import services as postal
from postal.constants import ShipmentStatus
from postal.labels import label_for
from postal.models import Shipment, TrackingRange
from procedures.eforms import EForm
from procedures.models import Agency, Procedure

from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration
from .payments_support import file_dossier, gateway_params, official, to_processing, to_result_ready

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HELD_AT_THE_OFFICE = "Return the result: not possible while 8,000 VND is owed (pay or exempt)."
HELD_BY_POST = "Return the result: not possible while 30,000 VND is owed (pay or exempt)."
HELD_UNTIL_COLLECTED = "Return the result: not possible while 30,000 VND is owed (pay, exempt, or collect on delivery)."


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def tracking_range(catalogue) -> TrackingRange:
    agency = Agency.objects.get(code=HAC_THANH)
    TrackingRange.objects.filter(agency=agency).delete()
    return TrackingRange.objects.create(agency=agency, prefix="EB", first=100, last=199, next=100)


def file_paying_the_postman() -> Dossier:
    """The birth registration by post to Thanh Hóa, the citizen paying the postman on delivery (30,000 đ)."""
    return file_for(DeliveryMethod.POST, pay_on_delivery=True)


def file_for(method: str, *, pay_on_delivery: bool = False) -> Dossier:
    """The birth registration filed online with the result ``method`` (by post: to Thanh Hóa)."""
    return file_dossier(method=method, pay_on_delivery=pay_on_delivery)


def open_request(dossier: Dossier) -> PaymentRequest:
    return PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def change_url(dossier: Dossier) -> str:
    return reverse("admin:dossiers_dossier_change", args=[dossier.pk])


def action_url(dossier: Dossier, name: str) -> str:
    return reverse("admin:dossiers_dossier_action", args=[dossier.pk, name])


def pdf_text(field) -> str:
    with field.open("rb") as fh:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)
    return " ".join(text.split())


# --- Held while owed ----------------------------------------------------------------------------------------------


def test_the_desk_cannot_return_a_result_while_fees_are_owed(catalogue):
    dossier = to_result_ready(file_dossier(place=None))

    with pytest.raises(ResultHeld) as refused:
        processing.return_result(dossier=dossier, by=official("tiepnhan"), note="Trả tại quầy")

    assert (refused.value.code, refused.value.message) == ("result_held_until_paid", HELD_AT_THE_OFFICE)
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY and dossier.returned_at is None
    assert not dossier.events.filter(action="return_result").exists()


def test_a_result_online_is_held_too(catalogue):
    dossier = to_result_ready(file_for(DeliveryMethod.ONLINE, pay_on_delivery=True))  # the choice means nothing here

    assert not dossier.pay_on_delivery
    with pytest.raises(ResultHeld, match="8,000 VND is owed"):
        processing.return_result(dossier=dossier, by=official("tiepnhan"))


def test_an_electronic_result_is_not_downloaded_while_fees_are_owed(client, catalogue):
    dossier = to_processing(file_for(DeliveryMethod.ONLINE))
    processing.submit_for_approval(dossier=dossier, by=official("chuyenvien"), leader=official("lanhdao"))
    processing.approve(
        dossier=dossier,
        by=official("lanhdao"),
        result=SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, "application/pdf"),
        pin=settings.SIGNATURE_DEMO_PIN,  # the leader signs the result with their key
    )
    client.force_login(dossier.applicant)
    url = reverse("dossiers:result", kwargs={"public_id": dossier.public_id})

    held = client.get(url)
    payments.record_counter_payment(request=open_request(dossier), by=official("thuphi"), method="cash")
    paid = client.get(url)

    assert held.status_code == 404
    assert paid.status_code == 200 and paid["Content-Type"] == "application/pdf"


def test_the_back_office_says_why_the_result_cannot_be_returned_and_refuses_it(client, catalogue):
    dossier = to_result_ready(file_dossier(place=None))
    client.force_login(official("tiepnhan"))

    page = client.get(change_url(dossier), **EN).content.decode()
    shown = client.get(action_url(dossier, "return_result"), follow=True, **EN)
    posted = client.post(action_url(dossier, "return_result"), {"version": dossier.version}, follow=True, **EN)

    assert 'id="actions-not-offered"' in page and HELD_AT_THE_OFFICE in page
    assert action_url(dossier, "return_result") not in page  # no button for it
    for response in (shown, posted):
        assert response.redirect_chain == [(change_url(dossier), 302)]
        assert messages_of(response) == [HELD_AT_THE_OFFICE]
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY


def test_the_api_answers_409_while_fees_are_owed(client, catalogue):
    dossier = to_result_ready(file_dossier(place=None))
    client.force_login(official("tiepnhan"))

    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/actions/return_result/", {}, content_type="application/json", **EN
    )

    assert response.status_code == 409
    assert response.json()["code"] == "result_held_until_paid"
    assert response.json()["message"] == HELD_AT_THE_OFFICE
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY


def test_a_result_by_post_is_not_posted_while_owed_and_no_number_is_used(catalogue, tracking_range):
    dossier = to_result_ready(file_dossier())  # by post, not paying the postman

    with pytest.raises(ResultHeld) as refused:
        postal.post_result(dossier=dossier, by=official("tiepnhan"))

    assert refused.value.message == HELD_BY_POST
    assert not Shipment.objects.filter(dossier=dossier).exists()
    tracking_range.refresh_from_db()
    assert tracking_range.next == 100
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY


def test_the_post_the_result_page_refuses_while_owed(client, catalogue, tracking_range):
    dossier = to_result_ready(file_dossier())
    client.force_login(official("tiepnhan"))
    url = reverse("admin:postal_shipment_post", args=[dossier.pk])

    shown = client.get(url, follow=True, **EN)
    posted = client.post(url, {"weight": 100, "note": ""}, follow=True, **EN)

    for response in (shown, posted):
        assert response.redirect_chain == [(change_url(dossier), 302)]
        assert messages_of(response) == [HELD_BY_POST]
    assert not Shipment.objects.filter(dossier=dossier).exists()


# --- Allowed once paid or exempted ---------------------------------------------------------------------------------


def test_the_result_is_returned_once_paid_at_the_counter(client, catalogue):
    dossier = to_result_ready(file_dossier(place=None))
    client.force_login(official("tiepnhan"))
    held = client.get(change_url(dossier), **EN).content.decode()
    payments.record_counter_payment(request=open_request(dossier), by=official("thuphi"), method="cash")

    page = client.get(change_url(dossier), **EN).content.decode()
    response = client.post(action_url(dossier, "return_result"), {"version": dossier.version, "note": "Trả tại quầy"})

    assert HELD_AT_THE_OFFICE in held and action_url(dossier, "return_result") not in held
    assert action_url(dossier, "return_result") in page and 'id="actions-not-offered"' not in page
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


def test_the_result_is_returned_once_the_fees_are_exempted(client, catalogue):
    dossier = to_result_ready(file_dossier(place=None))
    fee = open_request(dossier).lines.get(kind=LineKind.FEE)
    client.force_login(official("tiepnhan"))
    url = f"/api/v1/dossiers/{dossier.code}/actions/return_result/"
    held = client.post(url, {}, content_type="application/json", **EN)
    payments.exempt_line(line=fee, by=official("thuphi"), reason="Người có công với cách mạng")

    response = client.post(url, {}, content_type="application/json", **EN)

    assert held.status_code == 409
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.RETURNED


def test_a_result_by_post_is_posted_once_paid(catalogue, tracking_range):
    dossier = to_result_ready(file_dossier())
    with pytest.raises(ResultHeld):
        postal.post_result(dossier=dossier, by=official("tiepnhan"))
    payments.record_counter_payment(
        request=open_request(dossier), by=official("thuphi"), method="card", reference="POS-7"
    )

    shipment = postal.post_result(dossier=dossier, by=official("tiepnhan"))

    assert shipment.cod_amount == 0
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert "Thu hộ" not in pdf_text(label_for(shipment.pk).label)


# --- Collect on delivery -------------------------------------------------------------------------------------------


def test_the_citizen_chooses_to_pay_the_postman_on_the_delivery_step(client, catalogue):
    citizen = CitizenFactory()
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    client.force_login(citizen)
    delivery = reverse("dossiers:delivery", kwargs={"public_id": dossier.public_id})
    place = {"address_province": "38", "address_ward": "Hạc Thành", "address_street": "12 Lê Lợi"}

    page = client.get(delivery, **EN).content.decode()
    response = client.post(delivery, {"method": "post", **place, "phone": "0912345678", "pay_on_delivery": "on"}, **EN)
    dossier.refresh_from_db()
    again = client.get(delivery, **EN).content.decode()
    review = client.get(reverse("dossiers:review", kwargs={"public_id": dossier.public_id}), **EN).content.decode()

    assert 'name="pay_on_delivery"' in page and "Pay the postman on delivery" in page
    assert response.status_code == 302
    assert (dossier.delivery_method, dossier.pay_on_delivery) == (DeliveryMethod.POST, True)
    assert (
        'name="pay_on_delivery" id="id_pay_on_delivery" aria-describedby="id_pay_on_delivery_helptext" checked' in again
    )
    assert 'id="review-pay-on-delivery"' in review and "You pay the postman on delivery" in review

    # Collecting at the office, nobody pays a postman.
    client.post(delivery, {"method": "office", "pay_on_delivery": "on"}, **EN)
    dossier.refresh_from_db()
    assert (dossier.delivery_method, dossier.pay_on_delivery) == (DeliveryMethod.OFFICE, False)


def test_the_api_takes_the_choice_to_pay_the_postman(client, catalogue):
    citizen = CitizenFactory()
    procedure = Procedure.objects.get(code=BIRTH)
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    client.force_login(citizen)
    address = {"province": "38", "ward": "Hạc Thành", "street": "12 Lê Lợi"}

    response = client.put(
        f"/api/v1/drafts/{dossier.public_id}/delivery/",
        {"method": "post", "address": address, "phone": "0912345678", "pay_on_delivery": True},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["pay_on_delivery"] is True
    dossier.refresh_from_db()
    assert dossier.pay_on_delivery is True


def test_a_result_posted_cash_on_delivery_carries_the_amount_and_the_collection_is_a_payment(
    client, catalogue, tracking_range
):
    dossier = to_result_ready(file_paying_the_postman())
    desk, cashier = official("tiepnhan"), official("thuphi")
    client.force_login(desk)
    page = client.get(change_url(dossier), **EN).content.decode()
    assert HELD_UNTIL_COLLECTED in page  # over the counter: held; by post: the postman collects
    with pytest.raises(ResultHeld, match="collect on delivery"):
        processing.return_result(dossier=dossier, by=desk)

    shipment = postal.post_result(dossier=dossier, by=desk)

    assert shipment.cod_amount == 30000 and shipment.cod_collected_at is None
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    label = pdf_text(label_for(shipment.pk).label)
    assert "Thu hộ: 30.000 đ" in label and "COD" in label
    assert open_request(dossier).amount == 30000  # owed until the postman collects

    # Delivered; the cashier records what the postman collected, from the shipment's page.
    for status in (ShipmentStatus.HANDED_OVER, ShipmentStatus.DELIVERED):
        postal.record_status(shipment=shipment, status=status, by=desk)
    client.force_login(cashier)
    shipment_page = client.get(reverse("admin:postal_shipment_change", args=[shipment.pk]), **EN).content.decode()
    collect_url = reverse("admin:payments_paymentrequest_cod", args=[shipment.pk])
    form = client.get(collect_url, **EN)
    response = client.post(collect_url, {"reference": "BĐ-TH-0001"}, follow=True, **EN)

    assert collect_url in shipment_page
    assert form.status_code == 200 and "30,000 VND" in form.content.decode()
    txn = Transaction.objects.get(request__dossier=dossier)
    receipt = Receipt.objects.get(transaction=txn)
    assert messages_of(response) == [
        f"The postman's collection of 30,000 VND is recorded; receipt {receipt.number} issued."
    ]
    assert (txn.gateway, txn.counter_method, txn.status, txn.amount, txn.counter_reference, txn.recorded_by) == (
        Gateway.COUNTER,
        payments.COLLECTED_ON_DELIVERY,
        TransactionStatus.SUCCEEDED,
        30000,
        "BĐ-TH-0001",
        cashier,
    )
    request = PaymentRequest.objects.get(dossier=dossier)
    assert request.status == RequestStatus.PAID and request.paid_at
    shipment.refresh_from_db()
    assert shipment.cod_collected_at is not None
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    # Recorded once: a second time is refused and the link is gone.
    with pytest.raises(payments.PaymentError, match="already recorded"):
        payments.record_collection_on_delivery(shipment=shipment, by=cashier)
    shipment_page = client.get(reverse("admin:postal_shipment_change", args=[shipment.pk]), **EN).content.decode()
    assert collect_url not in shipment_page


def test_the_postmans_collection_is_recorded_only_once_delivered_and_by_a_cashier(catalogue, tracking_range):
    dossier = to_result_ready(file_paying_the_postman())
    shipment = postal.post_result(dossier=dossier, by=official("tiepnhan"))

    with pytest.raises(payments.PaymentError, match="role"):
        payments.record_collection_on_delivery(shipment=shipment, by=official("chuyenvien"))
    with pytest.raises(payments.PaymentError, match="Record the delivery first"):
        payments.record_collection_on_delivery(shipment=shipment, by=official("thuphi"))

    assert not Transaction.objects.filter(request__dossier=dossier).exists()
    assert open_request(dossier).status == RequestStatus.OPEN


def test_once_with_the_postman_the_amount_is_neither_paid_nor_exempted_a_second_way(catalogue, tracking_range):
    dossier = to_result_ready(file_paying_the_postman())
    shipment = postal.post_result(dossier=dossier, by=official("tiepnhan"))
    assert shipment.cod_amount > 0
    request = open_request(dossier)

    with pytest.raises(payments.PaymentError, match="postman collects"):
        payments.record_counter_payment(request=request, by=official("thuphi"), method="cash")
    with pytest.raises(payments.PaymentError, match="postman collects"):
        payments.exempt_line(line=request.lines.first(), by=official("thuphi"), reason="Hộ nghèo")
    with pytest.raises(payments.PaymentError, match="postman collects"):
        payments.start_online_payment(
            request=request, by=dossier.applicant, return_url="http://127.0.0.1/", client_ip="127.0.0.1"
        )

    assert not Transaction.objects.filter(request__dossier=dossier).exists()
    assert PaymentRequest.objects.get(pk=request.pk).amount == shipment.cod_amount


def test_a_letter_returned_undelivered_leaves_the_amount_to_be_paid_another_way(catalogue, tracking_range):
    """Returned by the post office, the letter collected nothing, yet every other way to pay stayed closed."""
    dossier = to_result_ready(file_paying_the_postman())
    shipment = postal.post_result(dossier=dossier, by=official("tiepnhan"))
    postal.record_status(shipment=shipment, status=ShipmentStatus.RETURNED, by=official("tiepnhan"))

    txn = payments.record_counter_payment(request=open_request(dossier), by=official("thuphi"), method="cash")

    assert txn.amount == shipment.cod_amount and PaymentRequest.objects.get(dossier=dossier).status == "paid"


def test_the_result_is_not_posted_for_the_postman_to_collect_while_the_citizen_pays_online(catalogue, tracking_range):
    """Posted with the amount to collect while an online payment was under way, the citizen paid twice."""
    dossier = to_result_ready(file_paying_the_postman())
    txn, _url = payments.start_online_payment(
        request=open_request(dossier), by=dossier.applicant, return_url="http://127.0.0.1/", client_ip="127.0.0.1"
    )

    with pytest.raises(postal.PostalError, match="started paying online"):
        postal.post_result(dossier=dossier, by=official("tiepnhan"))
    assert not Shipment.objects.filter(dossier=dossier).exists()

    payments.handle_notification(gateway_params(txn))  # confirmed: nothing is left for the postman
    assert postal.post_result(dossier=dossier, by=official("tiepnhan")).cod_amount == 0


def test_an_online_payment_confirmed_after_the_result_went_out_for_collection_is_paid_back(catalogue, tracking_range):
    dossier = to_result_ready(file_paying_the_postman())
    txn, _url = payments.start_online_payment(
        request=open_request(dossier), by=dossier.applicant, return_url="http://127.0.0.1/", client_ip="127.0.0.1"
    )
    Transaction.objects.filter(pk=txn.pk).update(status=TransactionStatus.EXPIRED)  # given up on; the bank was late
    shipment = postal.post_result(dossier=dossier, by=official("tiepnhan"))
    assert shipment.cod_amount == 30000

    answer = payments.handle_notification(gateway_params(txn))

    assert answer["RspCode"] == "00"  # the gateway is told it was received
    refund = Refund.objects.get(transaction=txn)
    assert refund.amount == 30000
    assert (
        refund.reason
        == "Nhân viên bưu chính thu hộ khoản tiền này khi phát kết quả: khoản đã thanh toán trực tuyến được hoàn lại."
    )
    assert open_request(dossier).amount == 30000  # still the postman's to collect, once


def test_paying_the_postman_is_not_needed_once_paid(catalogue, tracking_range):
    dossier = to_result_ready(file_paying_the_postman())
    payments.record_counter_payment(request=open_request(dossier), by=official("thuphi"), method="cash")

    shipment = postal.post_result(dossier=dossier, by=official("tiepnhan"))

    assert shipment.cod_amount == 0
    assert "Thu hộ" not in pdf_text(label_for(shipment.pk).label)


# --- The cashier's pages ---------------------------------------------------------------------------------------------


def test_the_cashiers_pages_show_amounts_in_dong_with_the_quantities(client, catalogue):
    citizen = CitizenFactory()
    procedure = Procedure.objects.get(code=BIRTH)
    draft = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(copies="2"), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=draft, data=form.to_json())
    for slot in draft.case.documents.filter(is_required=True):
        services.attach_document(dossier=draft, required_document=slot, upload=SimpleUploadedFile("a.pdf", PDF_BYTES))
    dossier, _ = services.submit_dossier(dossier=draft, by=citizen)
    request = open_request(dossier)
    client.force_login(official("thuphi"))

    counter = client.get(reverse("admin:payments_paymentrequest_counter", args=[request.pk]), **EN).content.decode()
    change = client.get(reverse("admin:payments_paymentrequest_change", args=[request.pk]), **EN).content.decode()

    assert "16,000 VND" in counter and "8,000 VND × 2" in counter
    assert re.search(r'class="field-quantity">\s*<p>2</p>', change)
    assert re.search(r'class="field-amount_in_dong">\s*<p>16,000 VND \(8,000 VND × 2\)</p>', change)
