"""Helpers for the payment and postal tests: a dossier filed for real, and the gateway's signed callbacks."""

import uuid

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import processing, services
from dossiers.constants import DeliveryMethod
from dossiers.models import Dossier
from payments import vnpay
from payments.models import Transaction
from portal.accounts.models import User
from procedures.eforms import EForm
from procedures.models import Agency, Procedure

from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH, PDF_BYTES, birth_declaration

# A structured address in Thanh Hóa (province 38, the portal's own: the "within the province" postal zone).
HAC_THANH_PLACE = {
    "province_code": 38,
    "province": "Tỉnh Thanh Hóa",
    "ward_code": 0,
    "ward": "Phường Hạc Thành",
    "street": "12 Lê Lợi",
    "text": "12 Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa",
}
HANOI_PLACE = {**HAC_THANH_PLACE, "province_code": 1, "province": "Thành phố Hà Nội", "text": "1 Tràng Tiền, Hà Nội"}


def official(username: str) -> User:
    return User.objects.get(username=username)


def file_dossier(
    *,
    citizen: User | None = None,
    place: dict | None = HAC_THANH_PLACE,
    code: str = BIRTH,
    method: str | None = None,
    pay_on_delivery: bool = False,
) -> Dossier:
    """A level 4 birth registration filed online by ``citizen``; the result by post to ``place`` (None: at the office,
    or ``method``), paying the postman on delivery if asked."""
    citizen = citizen or CitizenFactory(email=f"congdan-{uuid.uuid4().hex[:10]}@example.vn")
    procedure = Procedure.objects.get(code=code)
    dossier = services.start_draft(
        procedure=procedure, applicant=citizen, agency=Agency.objects.get(code=HAC_THANH), case=procedure.cases.get()
    )
    form = EForm(birth_declaration(), spec=procedure.eform)
    assert form.is_valid(), form.errors
    services.save_declaration(dossier=dossier, data=form.to_json())
    for slot in dossier.case.documents.filter(is_required=True):
        services.attach_document(dossier=dossier, required_document=slot, upload=SimpleUploadedFile("a.pdf", PDF_BYTES))
    if place is not None and method in (None, DeliveryMethod.POST):
        services.choose_delivery(
            dossier=dossier,
            method=DeliveryMethod.POST,
            place=place,
            phone="0912345678",
            pay_on_delivery=pay_on_delivery,
        )
    elif method is not None:
        services.choose_delivery(dossier=dossier, method=method, pay_on_delivery=pay_on_delivery)
    dossier, _ = services.submit_dossier(dossier=dossier, by=citizen)
    return dossier


def pay_at_counter(dossier: Dossier) -> Dossier:
    """What the dossier owes, paid in cash at the counter (a result is held until paid)."""
    from payments import services as payments
    from payments.constants import RequestStatus
    from payments.models import PaymentRequest

    request = PaymentRequest.objects.filter(dossier=dossier, status=RequestStatus.OPEN).first()
    if request is not None:
        payments.record_counter_payment(request=request, by=official("thuphi"))
    return dossier


def to_processing(dossier: Dossier) -> Dossier:
    processing.accept(dossier=dossier, by=official("tiepnhan"))
    return processing.assign(dossier=dossier, by=official("tiepnhan"), handler=official("chuyenvien"))


def to_result_ready(dossier: Dossier) -> Dossier:
    """Approved, with a signed result attached (a result the citizen receives online is never approved without)."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .filing import PDF_BYTES

    dossier = to_processing(dossier)
    processing.submit_for_approval(dossier=dossier, by=official("chuyenvien"), leader=official("lanhdao"))
    result = SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")
    return processing.approve(dossier=dossier, by=official("lanhdao"), result=result, pin=settings.SIGNATURE_DEMO_PIN)


def gateway_params(
    txn: Transaction,
    *,
    response: str = "00",
    status: str = "00",
    amount: int | None = None,
    secret: str | None = None,
) -> dict[str, str]:
    """What VNPay sends to the IPN and return URLs for ``txn``, signed (by default with the merchant's secret)."""
    params = {
        "vnp_Amount": vnpay.to_vnp_amount(txn.amount if amount is None else amount),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14226112",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": f"Thanh toan ho so {txn.request.dossier.code}",
        "vnp_PayDate": "20261122153530",
        "vnp_ResponseCode": response,
        "vnp_TmnCode": settings.VNPAY_TMN_CODE,
        "vnp_TransactionNo": "14226112",
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": txn.txn_ref,
    }
    params["vnp_SecureHash"] = vnpay.sign_params(params, secret or settings.VNPAY_HASH_SECRET)
    return params


def seed_tariff() -> None:
    """The default postal tariff of the migration (live-server tests empty the tables between tests)."""
    import importlib

    from postal.models import Tariff

    defaults = importlib.import_module("postal.migrations.0002_default_tariff").DEFAULT_TARIFF
    for zone, rows in defaults.items():
        for max_weight, amount in rows:
            Tariff.objects.get_or_create(zone=zone, max_weight=max_weight, defaults={"amount": amount})
