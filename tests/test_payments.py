"""Payments on PostgreSQL: requests and line items, every IPN answer, replays, tampering, the return URL, late
successes, the counter, exemptions, refunds, receipts and the cashier's report."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from dossiers import costs, processing
from dossiers.constants import Status
from dossiers.models import Dossier
from payments import services
from payments.checks import check_payment_settings
from payments.constants import Collection, Gateway, LineKind, Purpose, RefundStatus, RequestStatus, TransactionStatus
from payments.models import GatewayNotification, PaymentRequest, ProcedurePaymentRule, Receipt, Refund, Transaction
from payments.receipts import render_and_store

from .factories import CitizenFactory
from .payments_support import HANOI_PLACE, file_dossier, gateway_params, official, to_processing

IPN = reverse("payments:ipn")


@pytest.fixture(autouse=True)
def in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def start(dossier: Dossier) -> Transaction:
    request = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    txn, _url = services.start_online_payment(
        request=request,
        by=dossier.applicant,
        return_url="http://testserver/thanh-toan/vnpay/ket-qua/",
        client_ip="1.2.3.4",
    )
    return txn


def ipn(client, params) -> dict:
    response = client.get(IPN, params)
    assert response.status_code == 200
    return response.json()


# --- Requests and line items ------------------------------------------------------------------------------


def test_submitting_a_level_4_dossier_by_post_asks_for_the_fees_and_the_postal_fee(catalogue):
    dossier = file_dossier()

    request = PaymentRequest.objects.get(dossier=dossier)
    lines = [(line.kind, line.amount) for line in request.lines.all()]
    # Birth registration online: the 8,000 đ fee (phí) for a copy, from the fee table (free items are not charged),
    # and the postal fee within the province for a 100 g letter (tariff seeded by the migration).
    assert lines == [(LineKind.FEE, 8000), (LineKind.POSTAL, 22000)]
    assert (request.amount, request.purpose, request.online, request.status) == (
        30000,
        Purpose.SUBMISSION,
        True,
        "open",
    )


def test_the_postal_fee_follows_the_destination_zone(catalogue):
    request = PaymentRequest.objects.get(dossier=file_dossier(place=HANOI_PLACE))
    assert request.lines.get(kind=LineKind.POSTAL).amount == 30000
    assert request.amount == 38000


def test_a_procedure_that_collects_on_request_asks_nothing_at_submission(catalogue):
    from procedures.models import Procedure

    ProcedurePaymentRule.objects.create(
        procedure=Procedure.objects.get(code="1.001193"), collection=Collection.ON_REQUEST
    )
    assert not PaymentRequest.objects.filter(dossier=file_dossier()).exists()


def test_a_payment_request_in_processing_becomes_a_payable_request(catalogue):
    dossier = to_processing(file_dossier(place=None))
    PaymentRequest.objects.filter(dossier=dossier).update(status=RequestStatus.PAID)

    processing.request_payment(dossier=dossier, by=official("chuyenvien"), amount=150000, note="Lệ phí cấp bản sao.")

    request = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    assert (request.purpose, request.amount) == (Purpose.REQUESTED, 150000)
    assert [line.description for line in request.lines.all()] == ["Lệ phí cấp bản sao."]


# --- The IPN -----------------------------------------------------------------------------------------------


def test_a_valid_success_notification_confirms_once_and_issues_a_receipt(client, catalogue):
    dossier = file_dossier()
    txn = start(dossier)

    assert ipn(client, gateway_params(txn)) == {"RspCode": "00", "Message": "Confirm Success"}

    txn.refresh_from_db()
    assert txn.status == TransactionStatus.SUCCEEDED and txn.gateway_confirmed
    assert txn.gateway_transaction_no == "14226112" and txn.bank_code == "NCB"
    assert PaymentRequest.objects.get(pk=txn.request_id).status == RequestStatus.PAID
    receipt = Receipt.objects.get(transaction=txn)
    assert receipt.number.startswith(f"BL{timezone.localdate():%y}-000.20.30.H56-")

    # VNPay repeats the IPN until it gets an answer it likes: the replay changes nothing.
    assert ipn(client, gateway_params(txn)) == {"RspCode": "02", "Message": "Order already confirmed"}
    assert Receipt.objects.filter(transaction__request__dossier=dossier).count() == 1


def test_a_tampered_signature_is_refused_and_changes_nothing(client, catalogue):
    txn = start(file_dossier())
    params = gateway_params(txn)
    params["vnp_Amount"] = "100"  # a smaller amount, keeping the original signature

    assert ipn(client, params)["RspCode"] == "97"
    assert ipn(client, gateway_params(txn, secret="SOMEONE-ELSES-SECRET"))["RspCode"] == "97"
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.PENDING and not Receipt.objects.exists()


def test_a_correctly_signed_wrong_amount_is_refused(client, catalogue):
    txn = start(file_dossier())
    assert ipn(client, gateway_params(txn, amount=txn.amount - 1000)) == {"RspCode": "04", "Message": "invalid amount"}
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.PENDING


def test_an_unknown_order_is_not_found(client, catalogue):
    txn = start(file_dossier())
    params = gateway_params(txn)
    Transaction.objects.filter(pk=txn.pk).update(txn_ref="ANOTHERREF")
    assert ipn(client, params)["RspCode"] == "01"


def test_a_failed_payment_is_recorded_and_the_request_stays_open(client, catalogue):
    txn = start(file_dossier())
    assert ipn(client, gateway_params(txn, response="51", status="02"))["RspCode"] == "00"
    txn.refresh_from_db()
    assert (txn.status, txn.response_code) == (TransactionStatus.FAILED, "51")
    assert PaymentRequest.objects.get(pk=txn.request_id).status == RequestStatus.OPEN
    # ... and a second notification for it is "already confirmed".
    assert ipn(client, gateway_params(txn))["RspCode"] == "02"


def test_an_unexpected_error_answers_99_and_is_logged(client, catalogue, monkeypatch):
    txn = start(file_dossier())
    monkeypatch.setattr(services.online, "_settle", lambda *a: 1 / 0)
    assert ipn(client, gateway_params(txn))["RspCode"] == "99"
    assert GatewayNotification.objects.filter(source="ipn", txn_ref=txn.txn_ref, answer="99").exists()
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.PENDING


def test_the_return_url_alone_never_marks_anything_paid(client, catalogue):
    dossier = file_dossier()
    txn = start(dossier)
    client.force_login(dossier.applicant)

    response = client.get(reverse("payments:return"), gateway_params(txn))

    assert response.status_code == 200
    assert "Waiting for the bank" in response.content.decode()
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.PENDING
    assert PaymentRequest.objects.get(pk=txn.request_id).status == RequestStatus.OPEN


def test_the_return_page_is_only_for_the_payer(client, catalogue):
    txn = start(file_dossier())
    client.force_login(CitizenFactory())
    assert client.get(reverse("payments:return"), gateway_params(txn)).status_code == 404


def test_a_late_success_after_local_expiry_is_still_recorded(client, catalogue):
    txn = start(file_dossier())
    Transaction.objects.filter(pk=txn.pk).update(status=TransactionStatus.EXPIRED, settled_at=timezone.now())

    assert ipn(client, gateway_params(txn))["RspCode"] == "00"

    txn.refresh_from_db()
    assert txn.status == TransactionStatus.SUCCEEDED
    assert PaymentRequest.objects.get(pk=txn.request_id).status == RequestStatus.PAID


def test_a_second_payment_of_a_paid_request_is_refunded_not_lost(client, catalogue):
    dossier = file_dossier()
    first, second = start(dossier), start(dossier)
    assert ipn(client, gateway_params(first))["RspCode"] == "00"

    assert ipn(client, gateway_params(second))["RspCode"] == "00"

    second.refresh_from_db()
    assert second.status == TransactionStatus.SUCCEEDED and Receipt.objects.filter(transaction=second).exists()
    refund = Refund.objects.get(transaction=second)
    assert refund.amount == second.amount and refund.reason.startswith("Thanh toán trùng")
    assert not Refund.objects.filter(transaction=first).exists()
    cost = costs.cost_of(dossier)  # the bill is paid once: the second payment and its refund net to nothing
    assert (cost.paid, cost.owed, cost.refunded) == (30000, 0, 0)


def test_paying_a_requested_amount_resumes_processing(client, catalogue):
    dossier = to_processing(file_dossier(place=None))
    PaymentRequest.objects.filter(dossier=dossier).update(status=RequestStatus.PAID)
    processing.request_payment(dossier=dossier, by=official("chuyenvien"), amount=50000)

    txn = start(dossier)
    assert ipn(client, gateway_params(txn))["RspCode"] == "00"

    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.events.last().action == "payment_received"


# --- The counter, exemptions ------------------------------------------------------------------------------


def test_the_cashier_records_a_cash_payment_with_a_receipt(catalogue):
    dossier = file_dossier()
    request = PaymentRequest.objects.get(dossier=dossier)

    txn = services.record_counter_payment(request=request, by=official("thuphi"), method="cash")

    assert (txn.gateway, txn.status, txn.amount) == (Gateway.COUNTER, TransactionStatus.SUCCEEDED, 30000)
    assert txn.receipt.number
    request.refresh_from_db()
    assert request.status == RequestStatus.PAID
    with pytest.raises(services.PaymentError):
        services.record_counter_payment(request=request, by=official("thuphi"))  # paid already


def test_only_a_cashier_of_the_agency_records_counter_payments(catalogue):
    request = PaymentRequest.objects.get(dossier=file_dossier())
    with pytest.raises(services.PaymentError, match="role"):
        services.record_counter_payment(request=request, by=official("chuyenvien"))


def test_a_request_that_cannot_be_paid_online_is_paid_at_the_counter_only(catalogue):
    dossier = file_dossier()
    PaymentRequest.objects.filter(dossier=dossier).update(online=False)  # as for a level 3 procedure
    request = PaymentRequest.objects.get(dossier=dossier)
    with pytest.raises(services.PaymentError, match="counter"):
        services.start_online_payment(
            request=request, by=dossier.applicant, return_url="http://testserver/", client_ip=""
        )
    assert not Transaction.objects.exists()


def test_an_exemption_keeps_its_reason_and_lowers_the_total(catalogue):
    dossier = file_dossier()
    request = PaymentRequest.objects.get(dossier=dossier)
    charge = request.lines.get(kind=LineKind.FEE)

    with pytest.raises(services.PaymentError):
        services.exempt_line(line=charge, by=official("thuphi"), reason=" ")
    services.exempt_line(line=charge, by=official("thuphi"), reason="Trẻ em thuộc hộ nghèo (NĐ 87/2020)")

    request.refresh_from_db()
    charge.refresh_from_db()
    assert request.amount == 22000 and charge.exempt and charge.exemption_reason.startswith("Trẻ em")
    services.exempt_line(line=request.lines.get(kind="postal"), by=official("thuphi"), reason="Miễn cước")
    request.refresh_from_db()
    assert (request.amount, request.status) == (0, RequestStatus.PAID)


# --- Refunds ------------------------------------------------------------------------------------------------


def test_a_paid_dossier_that_is_withdrawn_is_refunded(client, catalogue):
    dossier = file_dossier()
    txn = start(dossier)
    ipn(client, gateway_params(txn))

    processing.withdraw(dossier=dossier, by=official("tiepnhan"), reason="Công dân xin rút hồ sơ.")

    refund = Refund.objects.get(transaction=txn)
    assert (refund.status, refund.amount) == (RefundStatus.REQUESTED, 30000)
    # The citizen reads that it is being paid back, then paid back, not only "paid" (the page, the look-up and the
    # API said so), and not "paid back" while the refund is still under way.
    client.force_login(dossier.applicant)

    def said() -> str:
        page = client.get(dossier.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="vi").text
        return page.split('id="dossier-cost"')[1].split("</dd>")[0]

    assert (costs.cost_of(dossier).refunding, costs.cost_of(dossier).refunded) == (30000, 0)
    assert "30.000 đ đang được hoàn trả" in said() and "đã hoàn trả" not in said()
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.DONE)
    assert "30.000 đ đã hoàn trả" in said()
    api = client.get(f"/api/v1/dossiers/{dossier.code}/").json()
    assert (api["cost"]["refunded"], api["cost"]["refunding"]) == (30000, 0)


def test_a_payment_paid_back_in_part_is_paid_back_in_full_when_the_dossier_ends(client, catalogue):
    """The difference of a line exempted while a payment was under way was paid back; withdrawn, the dossier then
    kept the rest: a payment had one refund only."""
    dossier = file_dossier()
    txn = start(dossier)
    Transaction.objects.filter(pk=txn.pk).update(status=TransactionStatus.EXPIRED)  # given up on; the bank was late
    request = PaymentRequest.objects.get(dossier=dossier)
    services.exempt_line(line=request.lines.get(kind=LineKind.FEE), by=official("thuphi"), reason="Hộ nghèo")
    ipn(client, gateway_params(txn))
    assert list(Refund.objects.filter(transaction=txn).values_list("amount", flat=True)) == [8000]
    from pypdf import PdfReader

    from payments.receipts import render_receipt

    txn.refresh_from_db()
    receipt = " ".join(PdfReader(io.BytesIO(render_receipt(txn.receipt))).pages[0].extract_text().split())
    assert "nộp thừa so với số phải nộp (được hoàn trả) 8.000 đ" in receipt  # the lines add up to the total

    processing.withdraw(dossier=dossier, by=official("tiepnhan"), reason="Công dân xin rút hồ sơ.")

    assert sorted(Refund.objects.filter(transaction=txn).values_list("amount", flat=True)) == [8000, 22000]
    with pytest.raises(services.PaymentError, match="already been refunded"):  # never more than was paid
        services.refund_payment(txn=txn, by=official("thuphi"), reason="Thu trùng")


def test_a_counter_refund_is_paid_back_at_the_counter(catalogue):
    dossier = file_dossier()
    txn = services.record_counter_payment(
        request=PaymentRequest.objects.get(dossier=dossier), by=official("thuphi"), method="card", reference="POS-1"
    )
    processing.refuse(dossier=dossier, by=official("tiepnhan"), reason="Hồ sơ không thuộc thẩm quyền.")
    refund = Refund.objects.get(transaction=txn)

    assert services.send_refund(refund_id=refund.pk) == RefundStatus.AT_COUNTER
    services.refund_paid_at_counter(refund=refund, by=official("thuphi"))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.DONE


def test_an_open_request_of_a_refused_dossier_is_cancelled(catalogue):
    dossier = file_dossier()
    processing.refuse(dossier=dossier, by=official("tiepnhan"), reason="Không đủ điều kiện.")
    assert PaymentRequest.objects.get(dossier=dossier).status == RequestStatus.CANCELLED


def test_a_dossier_whose_processing_is_stopped_gets_its_payment_back_and_owes_nothing_more(client, catalogue):
    """Stopped, a dossier kept what was paid, and its open request still took online payments."""
    paid = to_processing(file_dossier())
    txn = services.record_counter_payment(
        request=PaymentRequest.objects.get(dossier=paid), by=official("thuphi"), method="cash"
    )
    unpaid = to_processing(file_dossier())

    for dossier in (paid, unpaid):
        processing.stop(dossier=dossier, by=official("lanhdao"), reason="Công dân không bổ sung hồ sơ.")

    assert Refund.objects.get(transaction=txn).amount == txn.amount
    request = PaymentRequest.objects.get(dossier=unpaid)
    assert request.status == RequestStatus.CANCELLED
    with pytest.raises(services.PaymentError, match="no longer awaited"):
        services.start_online_payment(request=request, by=unpaid.applicant, return_url="http://t/", client_ip="1.2.3.4")


# --- Receipts, pages, report ----------------------------------------------------------------------------------


def test_the_receipt_pdf_is_for_the_payer_and_the_agency(client, catalogue):
    dossier = file_dossier()
    txn = services.record_counter_payment(request=PaymentRequest.objects.get(dossier=dossier), by=official("thuphi"))
    url = txn.receipt.get_absolute_url()

    client.force_login(dossier.applicant)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    client.force_login(CitizenFactory())
    assert client.get(url).status_code == 404


def test_the_receipt_lists_the_line_items(catalogue):
    from pypdf import PdfReader

    dossier = file_dossier()
    txn = services.record_counter_payment(request=PaymentRequest.objects.get(dossier=dossier), by=official("thuphi"))
    receipt = render_and_store(txn.receipt.pk)
    with receipt.file.open("rb") as fh:
        text = " ".join(page.extract_text() for page in PdfReader(fh).pages)
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text.upper() and receipt.number in text
    assert "Postal fee" in text or "bưu" in text.lower()
    assert "30.000" in text


def test_the_dossier_page_shows_the_lines_the_payment_and_the_receipt(client, catalogue):
    dossier = file_dossier()
    client.force_login(dossier.applicant)
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert 'id="pay-link"' in page and "22,000 VND" in page

    txn = services.record_counter_payment(request=PaymentRequest.objects.get(dossier=dossier), by=official("thuphi"))
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert "Paid" in page and txn.receipt.get_absolute_url() in page and 'id="pay-link"' not in page


def test_the_cashiers_daily_report_lists_the_days_payments(client, catalogue):
    dossiers = [file_dossier() for _ in range(3)]
    for dossier in dossiers:
        services.record_counter_payment(request=PaymentRequest.objects.get(dossier=dossier), by=official("thuphi"))
    client.force_login(official("thuphi"))

    response = client.get(reverse("admin:payments_paymentrequest_report"), {"day": timezone.localdate().isoformat()})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 1 + 3 + 1
    assert rows[-1].endswith(",90000,")
    assert all(dossier.code in response.content.decode() for dossier in dossiers)

    # Cash paid back the same day leaves the drawer: the report subtracts it (it summed the refunded payment too).
    processing.refuse(dossier=dossiers[0], by=official("tiepnhan"), reason="Hồ sơ không thuộc thẩm quyền.")
    refund = Refund.objects.get(transaction__request__dossier=dossiers[0])
    assert services.send_refund(refund_id=refund.pk) == RefundStatus.AT_COUNTER
    services.refund_paid_at_counter(refund=refund, by=official("thuphi"))
    again = client.get(reverse("admin:payments_paymentrequest_report"), {"day": timezone.localdate().isoformat()})
    rows = again.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 1 + 3 + 1 + 1 and ",-30000," in rows[-2] and rows[-1].endswith(",60000,")


def test_the_payments_list_runs_a_constant_number_of_queries(client, catalogue):
    client.force_login(official("thuphi"))
    url = reverse("admin:payments_paymentrequest_changelist")
    file_dossier()
    assert client.get(url).status_code == 200  # the first request also reads the signed-in user, then remembered
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        file_dossier()
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        assert page.status_code == 200
    assert len(many) == len(few)
    amounts = re.findall(r'<td class="field-amount_shown">([^<]*)</td>', page.content.decode())
    assert amounts and all(re.fullmatch(r"\d{1,3}(\.\d{3})* đ", amount) for amount in amounts)  # not "300000"


# --- The sandbox is refused in production ---------------------------------------------------------------------


def test_production_settings_refuse_the_sandbox(settings):
    settings.PAYMENT_SANDBOX = True
    settings.SETTINGS_MODULE = "portal.settings.production"
    assert [error.id for error in check_payment_settings(None)] == ["payments.E001"]
    settings.PAYMENT_SANDBOX = False
    assert check_payment_settings(None) == []


def test_the_sandbox_pages_do_not_exist_when_it_is_off(client, settings, db):
    settings.PAYMENT_SANDBOX = False
    assert client.get(reverse("payments:sandbox_pay")).status_code == 404
    assert client.post(reverse("payments:sandbox_api"), "{}", content_type="application/json").status_code == 404


def test_a_card_payment_is_recorded_with_its_pos_slip_number(catalogue, settings):
    """A card payment went through with no slip number: the day's card takings could not be matched with the bank's."""
    settings.LANGUAGE_CODE = "vi"
    dossier = file_dossier()
    request = PaymentRequest.objects.get(dossier=dossier)

    with pytest.raises(services.PaymentError, match="số trên hóa đơn POS"):
        services.record_counter_payment(request=request, by=official("thuphi"), method="card", reference="  ")
    request.refresh_from_db()
    assert request.is_open and not request.transactions.exists()

    txn = services.record_counter_payment(request=request, by=official("thuphi"), method="card", reference="POS-2")
    assert txn.receipt.number and request.transactions.get().pk == txn.pk


@pytest.mark.parametrize("amount", ["abc", "1e5", ["1"], "9" * 30])
def test_the_sandbox_refuses_a_refund_amount_that_is_no_number_in_json(client, settings, db, amount):
    """A signed refund whose amount was no number answered an HTML 500 where the adapter reads JSON."""
    import json

    from payments import vnpay
    from payments.models import SandboxPayment

    settings.PAYMENT_SANDBOX = True
    SandboxPayment.objects.create(
        tmn_code=settings.VNPAY_TMN_CODE,
        txn_ref="SANDBOX1",
        amount="3000000",
        order_info="Thanh toan ho so",
        create_date="20261208100000",
        return_url="http://testserver/",
        transaction_no="14226112",
        transaction_status="00",
    )
    body = {
        "vnp_RequestId": "R1",
        "vnp_Version": "2.1.0",
        "vnp_Command": "refund",
        "vnp_TmnCode": settings.VNPAY_TMN_CODE,
        "vnp_TransactionType": "02",
        "vnp_TxnRef": "SANDBOX1",
        "vnp_Amount": amount,
        "vnp_TransactionNo": "14226112",
        "vnp_TransactionDate": "20261208100000",
        "vnp_CreateBy": "system",
        "vnp_CreateDate": "20261208100500",
        "vnp_IpAddr": "127.0.0.1",
        "vnp_OrderInfo": "Hoan tien",
    }
    body["vnp_SecureHash"] = vnpay.pipe_checksum(body, vnpay.REFUND_FIELDS, settings.VNPAY_HASH_SECRET)

    answer = client.post(reverse("payments:sandbox_api"), json.dumps(body), content_type="application/json")

    assert answer.status_code == 200 and answer.json()["vnp_ResponseCode"] == "03"
    assert SandboxPayment.objects.get(txn_ref="SANDBOX1").refunded == 0


def test_only_a_cashier_is_offered_to_mark_a_refund_paid_back_at_the_counter(client, catalogue):
    dossier = file_dossier()
    services.record_counter_payment(request=PaymentRequest.objects.get(dossier=dossier), by=official("thuphi"))
    processing.refuse(dossier=dossier, by=official("tiepnhan"), reason="Hồ sơ không thuộc thẩm quyền.")

    offered = {}
    for who in ("thuphi", "tiepnhan"):
        client.force_login(official(who))
        offered[who] = 'value="paid_back_at_counter"' in client.get(reverse("admin:payments_refund_changelist")).text

    assert offered == {"thuphi": True, "tiepnhan": False}
