"""The VNPay 2.1.0 protocol against known answers computed outside this code.

Every expected hash below was computed with OpenSSL, not with the code under test, e.g.::

    printf '%s' 'vnp_Amount=1806000&...&vnp_Version=2.1.0' | openssl dgst -sha512 -hmac 'TESTSECRET...'

The parameters are the example of VNPay's 2.1.0 documentation (terminal DEMOV210, order 5, 18,060 VND).
"""

from datetime import UTC, datetime

from payments import vnpay
from payments.gateways import VNPayGateway

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
    with_expiry = {**DOC_PARAMS, "vnp_ExpireDate": "20210801154833"}
    assert url.endswith("&vnp_SecureHash=" + vnpay.sign_params(with_expiry, SECRET))
    assert "vnp_Amount=1806000&" in url and "vnp_CreateDate=20210801153333&" in url
    assert "vnp_ExpireDate=20210801154833&" in url


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
