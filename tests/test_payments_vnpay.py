"""The VNPay 2.1.0 protocol against known answers computed outside this code.

Every expected hash below was computed with OpenSSL, not with the code under test, e.g.::

    printf '%s' 'vnp_Amount=1806000&...&vnp_Version=2.1.0' | openssl dgst -sha512 -hmac 'TESTSECRET...'

The parameters are the example of VNPay's 2.1.0 documentation (terminal DEMOV210, order 5, 18,060 VND).
"""

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from payments import services, vnpay
from payments.constants import RequestStatus, TransactionStatus
from payments.gateways import VNPayGateway
from payments.models import GatewayNotification, PaymentRequest, Receipt, Transaction

from .payments_support import file_dossier

SECRET = "TESTSECRETKEY0123456789ABCDEFGHIJ"
DOC_PARAMS = {
    "vnp_Version": "2.1.0",
    "vnp_Command": "pay",
    "vnp_TmnCode": "DEMOV210",
    "vnp_Amount": "1806000",
    "vnp_CurrCode": "VND",
    "vnp_TxnRef": "5",
    "vnp_OrderInfo": "Thanh toan don hang :5",
    "vnp_OrderType": "other",
    "vnp_Locale": "vn",
    "vnp_ReturnUrl": "https://domainmerchant.vn/ReturnUrl",
    "vnp_IpAddr": "127.0.0.1",
    "vnp_CreateDate": "20210801153333",
}
DOC_CANONICAL = (
    "vnp_Amount=1806000&vnp_Command=pay&vnp_CreateDate=20210801153333&vnp_CurrCode=VND&vnp_IpAddr=127.0.0.1"
    "&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+don+hang+%3A5&vnp_OrderType=other"
    "&vnp_ReturnUrl=https%3A%2F%2Fdomainmerchant.vn%2FReturnUrl&vnp_TmnCode=DEMOV210&vnp_TxnRef=5&vnp_Version=2.1.0"
)
# printf '%s' "$DOC_CANONICAL" | openssl dgst -sha512 -hmac 'TESTSECRETKEY0123456789ABCDEFGHIJ'
DOC_HASH = (
    "e3690afc136276cc05d43905004c3fad55f8b050cfd25b3d2195f71aadff0db4"
    "4421113a4c6bcdf605397a7616f1dca4206fae94fcb160a9104b76709436ec3a"
)
# The payment URL of the adapter for that order, with the expiry date it adds:
WITH_EXPIRY_CANONICAL = (
    "vnp_Amount=1806000&vnp_Command=pay&vnp_CreateDate=20210801153333&vnp_CurrCode=VND"
    "&vnp_ExpireDate=20210801154833&vnp_IpAddr=127.0.0.1&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+don+hang+%3A5"
    "&vnp_OrderType=other&vnp_ReturnUrl=https%3A%2F%2Fdomainmerchant.vn%2FReturnUrl&vnp_TmnCode=DEMOV210&vnp_TxnRef=5"
    "&vnp_Version=2.1.0"
)
# hmac.new(SECRET.encode(), WITH_EXPIRY_CANONICAL.encode(), hashlib.sha512).hexdigest(), the same with OpenSSL
WITH_EXPIRY_HASH = (
    "dd1a117146fca646f2cf6f9d64dd7f83968af44f12564f7dd516154919e1fe08"
    "a860648baa9a2e86d78df48431977fcaed1d8a703f9379b837149ab1bf0d2abc"
)
# The IPN VNPay would send for that order, paid with an NCB card:
# printf '%s' 'vnp_Amount=1806000&vnp_BankCode=NCB&vnp_BankTranNo=VNP13556880&vnp_CardType=ATM&vnp_OrderInfo=Thanh+toan+don+hang+%3A5&vnp_PayDate=20210801153530&vnp_ResponseCode=00&vnp_TmnCode=DEMOV210&vnp_TransactionNo=13556880&vnp_TransactionStatus=00&vnp_TxnRef=5' | openssl dgst -sha512 -hmac 'TESTSECRETKEY0123456789ABCDEFGHIJ'  # noqa: E501
IPN_PARAMS = {
    "vnp_Amount": "1806000",
    "vnp_BankCode": "NCB",
    "vnp_BankTranNo": "VNP13556880",
    "vnp_CardType": "ATM",
    "vnp_OrderInfo": "Thanh toan don hang :5",
    "vnp_PayDate": "20210801153530",
    "vnp_ResponseCode": "00",
    "vnp_TmnCode": "DEMOV210",
    "vnp_TransactionNo": "13556880",
    "vnp_TransactionStatus": "00",
    "vnp_TxnRef": "5",
    "vnp_SecureHash": (
        "8a8b5d5d0f351ff07933eee72471b9797999cb3f5e8c713d92bd0ef24a544d2a"
        "f7a2f3c6c1bb9684cc74334bf48c8283ae98b41e8c274319048e8436f27b764f"
    ),
    "vnp_SecureHashType": "HmacSHA512",
}
# printf '%s' 'req-0001|2.1.0|querydr|DEMOV210|5|20210801153333|20210801160000|127.0.0.1|Truy van GD 5' | openssl dgst -sha512 -hmac 'TESTSECRETKEY0123456789ABCDEFGHIJ'  # noqa: E501
QUERY_HASH = (
    "32706d8c7b2d6805bf9db3f817d39019ee44eaac515f0cad5897ff9e96633fef"
    "d621c93af51bf50a686f75e47456f31428555e184acb15db3689869642bfa24b"
)
# printf '%s' 'req-0002|2.1.0|refund|DEMOV210|02|5|1806000|13556880|20210801153333|thuphi|20210802090000|127.0.0.1|Hoan tien GD 5' | openssl dgst -sha512 -hmac 'TESTSECRETKEY0123456789ABCDEFGHIJ'  # noqa: E501
REFUND_HASH = (
    "6204a257bd327bbe382772bd602b647c78590b9acd9ebff5926451ed37a4e694"
    "80fe1cb2cd106c0356658cc570a443d634bc877fa6d5093227d402cb07470922"
)


def test_the_payment_url_is_signed_as_vnpay_documents_it():
    assert vnpay.query_string(DOC_PARAMS) == DOC_CANONICAL
    assert vnpay.sign_params(DOC_PARAMS, SECRET) == DOC_HASH
    url = vnpay.payment_url("https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", DOC_PARAMS, SECRET)
    assert url == f"https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{DOC_CANONICAL}&vnp_SecureHash={DOC_HASH}"


def test_the_adapter_builds_the_same_url_from_a_dossier_payment(settings):
    settings.VNPAY_ORDER_TYPE = "other"
    gateway = VNPayGateway(
        tmn_code="DEMOV210",
        hash_secret=SECRET,
        payment_url="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
        api_url="",
    )
    url = gateway.start(
        txn_ref="5",
        amount=18060,
        order_info="Thanh toan don hang :5",
        return_url="https://domainmerchant.vn/ReturnUrl",
        client_ip="127.0.0.1",
        locale="vi",
        created_at=datetime(2021, 8, 1, 8, 33, 33, tzinfo=UTC),  # 15:33:33 in GMT+7
        expires_at=datetime(2021, 8, 1, 8, 48, 33, tzinfo=UTC),
    )
    # The documented parameters plus the expiry date (15 minutes later, GMT+7), signed over all of them.
    assert (
        url
        == f"https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{WITH_EXPIRY_CANONICAL}&vnp_SecureHash={WITH_EXPIRY_HASH}"
    )
    assert all(value for _key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True))


def test_our_payment_url_never_sends_an_empty_parameter():
    # An optional parameter without a value (no bank chosen) is left out of the URL and of the hash: the URL is
    # exactly the documented one, whichever way the gateway would sign an empty value.
    url = vnpay.payment_url(
        "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", {**DOC_PARAMS, "vnp_BankCode": ""}, SECRET
    )
    assert url == f"https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{DOC_CANONICAL}&vnp_SecureHash={DOC_HASH}"
    assert "vnp_BankCode" not in url


def test_a_notification_signed_by_the_gateway_verifies():
    assert vnpay.verify_params(IPN_PARAMS, SECRET)
    assert vnpay.is_success(IPN_PARAMS)


def test_any_change_to_a_signed_notification_breaks_the_signature():
    for key, value in [("vnp_Amount", "1806100"), ("vnp_ResponseCode", "24"), ("vnp_TxnRef", "6")]:
        assert not vnpay.verify_params({**IPN_PARAMS, key: value}, SECRET)
    assert not vnpay.verify_params(IPN_PARAMS, "ANOTHERSECRET")
    assert not vnpay.verify_params({k: v for k, v in IPN_PARAMS.items() if k != "vnp_SecureHash"}, SECRET)


def test_success_needs_both_codes_to_be_00():
    assert not vnpay.is_success({**IPN_PARAMS, "vnp_TransactionStatus": "02"})
    assert not vnpay.is_success({**IPN_PARAMS, "vnp_ResponseCode": "24"})


def test_querydr_and_refund_checksums_are_the_pipe_joined_fields():
    query = {
        "vnp_RequestId": "req-0001",
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": "DEMOV210",
        "vnp_TxnRef": "5",
        "vnp_OrderInfo": "Truy van GD 5",
        "vnp_TransactionDate": "20210801153333",
        "vnp_CreateDate": "20210801160000",
        "vnp_IpAddr": "127.0.0.1",
    }
    assert vnpay.pipe_checksum(query, vnpay.QUERY_FIELDS, SECRET) == QUERY_HASH
    refund = {
        "vnp_RequestId": "req-0002",
        "vnp_Version": "2.1.0",
        "vnp_Command": "refund",
        "vnp_TmnCode": "DEMOV210",
        "vnp_TransactionType": "02",
        "vnp_TxnRef": "5",
        "vnp_Amount": "1806000",
        "vnp_OrderInfo": "Hoan tien GD 5",
        "vnp_TransactionNo": "13556880",
        "vnp_TransactionDate": "20210801153333",
        "vnp_CreateBy": "thuphi",
        "vnp_CreateDate": "20210802090000",
        "vnp_IpAddr": "127.0.0.1",
    }
    assert vnpay.pipe_checksum(refund, vnpay.REFUND_FIELDS, SECRET) == REFUND_HASH


def test_amounts_are_whole_dong_times_100_and_dates_gmt7():
    assert vnpay.to_vnp_amount(18060) == "1806000"
    assert vnpay.from_vnp_amount("1806000") == 18060
    assert vnpay.from_vnp_amount("1806050") is None  # not whole đồng
    assert vnpay.from_vnp_amount("abc") is None
    assert vnpay.format_date(datetime(2021, 8, 1, 17, 0, tzinfo=UTC)) == "20210802000000"


def test_ipn_answers_are_vnpays_codes_and_messages():
    assert vnpay.ipn_answer("00") == {"RspCode": "00", "Message": "Confirm Success"}
    assert vnpay.ipn_answer("97") == {"RspCode": "97", "Message": "Invalid signature"}


# --- An empty parameter in a callback: VNPay's samples sign it two ways -------------------------------------
#
# A QR payment confirmed without a bank transaction number: vnp_BankTranNo arrives empty. VNPay's PHP sample signs
# it as "vnp_BankTranNo="; its Java and .NET samples (and most client libraries) leave it out. Both are genuine.
# The transaction: 30,000 đ (the birth registration's fee and postal fee), reference QR_REF, terminal DEMOV210.
QR_REF = "2611220A1B2C3D4E5F6A7B8C9D"
QR_IPN = {
    "vnp_Amount": "3000000",
    "vnp_BankCode": "VNPAYQR",
    "vnp_BankTranNo": "",
    "vnp_CardType": "QRCODE",
    "vnp_OrderInfo": "Thanh toan ho so 5",
    "vnp_PayDate": "20261122153530",
    "vnp_ResponseCode": "00",
    "vnp_TmnCode": "DEMOV210",
    "vnp_TransactionNo": "14226112",
    "vnp_TransactionStatus": "00",
    "vnp_TxnRef": QR_REF,
}
QR_WITHOUT_EMPTY = (
    "vnp_Amount=3000000&vnp_BankCode=VNPAYQR&vnp_CardType=QRCODE&vnp_OrderInfo=Thanh+toan+ho+so+5"
    "&vnp_PayDate=20261122153530&vnp_ResponseCode=00&vnp_TmnCode=DEMOV210&vnp_TransactionNo=14226112"
    "&vnp_TransactionStatus=00&vnp_TxnRef=2611220A1B2C3D4E5F6A7B8C9D"
)
# hmac.new(SECRET.encode(), QR_WITHOUT_EMPTY.encode(), hashlib.sha512).hexdigest(), the same with OpenSSL
QR_HASH_WITHOUT_EMPTY = (
    "a2e380d8d4b0bb346bf619b6fd22e91b8ba8c3ee5674380699805d76dff993f3"
    "189f3c2cb3050e06aa54ca4ca947aee1a7b14124c3207079e934fe38acc58793"
)
QR_WITH_EMPTY = (
    "vnp_Amount=3000000&vnp_BankCode=VNPAYQR&vnp_BankTranNo=&vnp_CardType=QRCODE&vnp_OrderInfo=Thanh+toan+ho+so+5"
    "&vnp_PayDate=20261122153530&vnp_ResponseCode=00&vnp_TmnCode=DEMOV210&vnp_TransactionNo=14226112"
    "&vnp_TransactionStatus=00&vnp_TxnRef=2611220A1B2C3D4E5F6A7B8C9D"
)
# hmac.new(SECRET.encode(), QR_WITH_EMPTY.encode(), hashlib.sha512).hexdigest(), the same with OpenSSL
QR_HASH_WITH_EMPTY = (
    "b13c5d07442db3ead4613c506deae6876508323ef83845aa28a94b1a0d3f3a85"
    "1050f7dbb5ad58790549d117862454e63825b52965cf7ae4df4fb539a06463f8"
)
IPN = reverse("payments:ipn")


@pytest.fixture
def pending(catalogue, settings):
    """A real pending online payment of a filed dossier, under the reference and terminal of the vectors."""
    settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = "DEMOV210", SECRET
    dossier = file_dossier()
    request = PaymentRequest.objects.get(dossier=dossier, status=RequestStatus.OPEN)
    txn, _url = services.start_online_payment(
        request=request,
        by=dossier.applicant,
        return_url="http://testserver/thanh-toan/vnpay/ket-qua/",
        client_ip="1.2.3.4",
    )
    assert txn.amount == 30000
    Transaction.objects.filter(pk=txn.pk).update(txn_ref=QR_REF)
    txn.refresh_from_db()
    return txn


def test_a_callback_verifies_in_either_form_of_an_empty_parameter():
    assert vnpay.signed_forms(QR_IPN) == (QR_WITHOUT_EMPTY, QR_WITH_EMPTY)
    assert vnpay.verify_params({**QR_IPN, "vnp_SecureHash": QR_HASH_WITHOUT_EMPTY}, SECRET)
    assert vnpay.verify_params({**QR_IPN, "vnp_SecureHash": QR_HASH_WITH_EMPTY.upper()}, SECRET)
    # Filling in the empty value breaks both forms.
    assert not vnpay.verify_params({**QR_IPN, "vnp_BankTranNo": "VNP1", "vnp_SecureHash": QR_HASH_WITH_EMPTY}, SECRET)
    assert not vnpay.verify_params(
        {**QR_IPN, "vnp_BankTranNo": "VNP1", "vnp_SecureHash": QR_HASH_WITHOUT_EMPTY}, SECRET
    )
    assert not vnpay.verify_params({**QR_IPN, "vnp_SecureHash": QR_HASH_WITHOUT_EMPTY}, "ANOTHERSECRET")


def test_an_ipn_signed_without_the_empty_bank_transaction_number_confirms_the_payment(client, pending):
    response = client.get(IPN, {**QR_IPN, "vnp_SecureHash": QR_HASH_WITHOUT_EMPTY, "vnp_SecureHashType": "HmacSHA512"})

    assert response.json() == {"RspCode": "00", "Message": "Confirm Success"}
    pending.refresh_from_db()
    assert (pending.status, pending.gateway_confirmed, pending.gateway_transaction_no) == (
        TransactionStatus.SUCCEEDED,
        True,
        "14226112",
    )
    assert Receipt.objects.filter(transaction=pending).exists()
    assert PaymentRequest.objects.get(pk=pending.request_id).status == RequestStatus.PAID


def test_an_ipn_signed_with_the_empty_bank_transaction_number_confirms_the_payment(client, pending):
    response = client.get(IPN, {**QR_IPN, "vnp_SecureHash": QR_HASH_WITH_EMPTY})

    assert response.json() == {"RspCode": "00", "Message": "Confirm Success"}
    pending.refresh_from_db()
    assert pending.status == TransactionStatus.SUCCEEDED
    assert PaymentRequest.objects.get(pk=pending.request_id).status == RequestStatus.PAID


@pytest.mark.parametrize("signature", [QR_HASH_WITHOUT_EMPTY, QR_HASH_WITH_EMPTY])
@pytest.mark.parametrize(
    "tampered",
    [{"vnp_Amount": "3000100"}, {"vnp_BankTranNo": "VNP14226112"}, {"vnp_TransactionNo": "14226113"}],
)
def test_a_tampered_ipn_is_refused_in_either_form(client, pending, signature, tampered):
    response = client.get(IPN, {**QR_IPN, **tampered, "vnp_SecureHash": signature})

    assert response.json() == {"RspCode": "97", "Message": "Invalid signature"}
    pending.refresh_from_db()
    assert (pending.status, pending.gateway_confirmed) == (TransactionStatus.PENDING, False)
    assert PaymentRequest.objects.get(pk=pending.request_id).status == RequestStatus.OPEN


def test_a_hash_that_is_not_hex_is_an_invalid_signature_not_an_error(client, pending):
    assert client.get(IPN, {**QR_IPN, "vnp_SecureHash": "đ" * 128}).json()["RspCode"] == "97"
    assert not vnpay.verify_pipe({"vnp_SecureHash": "đ"}, vnpay.QUERY_RESPONSE_FIELDS, SECRET)


def test_the_return_page_accepts_a_result_signed_without_the_empty_parameter(client, pending):
    client.force_login(pending.request.dossier.applicant)

    response = client.get(reverse("payments:return"), {**QR_IPN, "vnp_SecureHash": QR_HASH_WITHOUT_EMPTY})

    assert response.status_code == 200  # not the 404 of an unsigned result
    assert response.context["txn"] == pending and response.context["claimed_success"]
    pending.refresh_from_db()
    assert pending.status == TransactionStatus.PENDING  # display only


def test_an_ipn_posted_with_a_nul_character_is_refused_and_kept_as_received(client, pending):
    response = client.post(IPN, {**QR_IPN, "vnp_OrderInfo": "Thanh toan\x00", "vnp_SecureHash": QR_HASH_WITH_EMPTY})

    assert response.json() == {"RspCode": "97", "Message": "Invalid signature"}
    logged = GatewayNotification.objects.get(source="ipn", txn_ref=QR_REF)
    assert logged.params["vnp_OrderInfo"] == "Thanh toan\\x00" and logged.answer == "97"
    pending.refresh_from_db()
    assert pending.status == TransactionStatus.PENDING


@pytest.mark.parametrize("pay_date", ["00010101000000", "99991231235959"])
def test_a_signed_ipn_with_a_gateway_time_out_of_this_world_still_confirms_the_payment(client, pending, pay_date):
    params = {**QR_IPN, "vnp_PayDate": pay_date}

    response = client.get(IPN, {**params, "vnp_SecureHash": vnpay.sign_params(params, SECRET)})

    assert response.json() == {"RspCode": "00", "Message": "Confirm Success"}
    pending.refresh_from_db()
    assert pending.status == TransactionStatus.SUCCEEDED and pending.paid_at is None  # not a date before Christ
    receipt = Receipt.objects.get(transaction=pending)
    assert receipt.issued_at.year >= 2026
