"""Digital signatures: the agency's seal on issued documents, the leader's signature on the result, verification.

Every signature the portal makes is checked by two implementations: pyHanko's validator (``portal.signing.verify``)
and poppler's ``pdfsig``. The keys come from the DEMO PKI (files), and from a SoftHSM token (a real PKCS#11 module)
that the test command initialises (``scripts/test.d/signing.sh``).
"""

import io
import os
import shutil
import subprocess
import sys
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from dossiers import processing
from dossiers.constants import Status
from dossiers.models import Dossier
from dossiers.receipts import RECEIPT
from portal import issued
from portal.signing import sign, signers, verify
from portal.signing.pki import DemoPKI

from .filing import PDF_BYTES
from .payments_support import file_dossier, official, to_processing

pytestmark = pytest.mark.django_db

HAC_THANH_NAME = "Ủy ban nhân dân phường Hạc Thành"


@pytest.fixture
def own_pki(settings, tmp_path):
    """A DEMO PKI of this test's own (revoking in it touches no other test)."""
    settings.SIGNATURE_BACKEND = "demo"
    settings.SIGNATURE_DEMO_PKI_DIR = str(tmp_path / "pki")
    yield DemoPKI(settings.SIGNATURE_DEMO_PKI_DIR).ensure()
    signers.reset()


def pdfsig(data: bytes, tmp_path) -> str:
    """poppler's pdfsig on ``data``, with an NSS database that trusts the portal's anchors (``certutil``)."""
    nss = tmp_path / "nss"
    if not nss.exists():
        nss.mkdir()
        certutil = shutil.which("certutil") or "/usr/bin/certutil"
        subprocess.run([certutil, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True)  # noqa: S603
        anchors = tmp_path / "anchors.pem"
        anchors.write_bytes(sign.anchors_pem())
        add = [certutil, "-A", "-d", f"sql:{nss}", "-n", "portal-anchor", "-t", "CT,C,C", "-i", str(anchors)]
        subprocess.run(add, check=True, capture_output=True)  # noqa: S603
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    command = [shutil.which("pdfsig") or "/usr/bin/pdfsig", "-nssdir", f"sql:{nss}", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout  # noqa: S603


def flip_one_byte(data: bytes) -> bytes:
    """One byte changed in what the signature covers: a digit of the first page's size (the file still parses)."""
    position = data.index(b"842", data.index(b"/MediaBox")) + 2
    changed = bytearray(data)
    changed[position] = ord("3")
    return bytes(changed)


def submitted_dossier() -> Dossier:
    return file_dossier(place=None)


# --- Issued documents ---------------------------------------------------------------------------------------------


def test_an_issued_receipt_is_sealed_by_its_agency_and_both_validators_accept_it(own_pki, tmp_path):
    dossier = submitted_dossier()

    data = issued.store(RECEIPT, dossier.pk).receipt.read()

    report = verify.verify(data)
    assert report.verdict == verify.VALID, report
    [seal] = report.signatures
    assert seal.is_seal and seal.intact and seal.trusted and seal.timestamped and not seal.revoked
    assert seal.signer == f"DEMO {dossier.receiving_centre.name}"[:64]
    assert report.dossier_code == dossier.code
    checked = pdfsig(data, tmp_path)
    assert "Signature is Valid." in checked, checked
    assert "Certificate is Trusted." in checked, checked  # poppler (NSS) builds the chain to the anchor too
    assert "ETSI.CAdES.detached" in checked  # PAdES
    assert dossier.receiving_centre.code in checked


def test_the_seal_is_pades_b_lt_with_a_timestamp_and_the_validation_data_embedded(own_pki):
    data = sign.seal(PDF_BYTES, agency_code="000.20.30.H56", agency_name=HAC_THANH_NAME, dossier_code="")

    reader = PdfReader(io.BytesIO(data))
    dss = reader.trailer["/Root"]["/DSS"]
    assert dss["/Certs"] and dss["/CRLs"]  # B-LT: chain and CRL in the document security store
    [field] = [f for f in reader.get_fields().values() if f.get("/FT") == "/Sig"]
    assert field["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"
    assert verify.verify(data).signatures[0].timestamped  # B-T: an RFC 3161 timestamp


def test_one_changed_byte_makes_the_document_not_intact(own_pki, tmp_path):
    data = sign.seal(PDF_BYTES, agency_code="000.20.30.H56", agency_name=HAC_THANH_NAME)

    tampered = flip_one_byte(data)

    report = verify.verify(tampered)
    assert report.verdict == verify.NOT_INTACT
    assert not report.signatures[0].intact
    assert "Signature is Valid." not in pdfsig(tampered, tmp_path)


def test_a_revoked_certificate_is_reported_revoked(own_pki):
    data = sign.seal(PDF_BYTES, agency_code="000.20.30.H56", agency_name=HAC_THANH_NAME)
    assert verify.verify(data).verdict == verify.VALID

    _key, seal_cert, _chain = pkcs12.load_key_and_certificates(own_pki.seal_path("000.20.30.H56").read_bytes(), None)
    own_pki.revoke(seal_cert)

    report = verify.verify(data)
    assert report.verdict == verify.REVOKED
    assert report.signatures[0].revoked_at is not None


def test_a_key_the_portal_does_not_trust_is_not_trusted(own_pki, settings, tmp_path):
    stranger = DemoPKI(tmp_path / "stranger").ensure()
    stranger_seal = stranger.seal("000.20.30.H56", HAC_THANH_NAME).read_bytes()
    settings.SIGNATURE_LEVEL = "B-T"  # the stranger's chain cannot be validated by the portal, so no B-LT
    data = sign._sign(
        PDF_BYTES, signers.signer_from_pkcs12(stranger_seal, None), field=sign.SEAL_FIELD, reason="", location=""
    )

    report = verify.verify(data)

    assert report.verdict == verify.UNTRUSTED
    assert report.signatures[0].intact and not report.signatures[0].trusted


def test_a_certificate_expired_before_signing_is_reported(own_pki, settings, tmp_path):
    from datetime import UTC, datetime

    expired = own_pki.issue_to_file(
        tmp_path / "expired.p12", "Hết hạn", start=datetime.now(UTC) - timedelta(days=400), days=30
    )
    settings.SIGNATURE_LEVEL = "B-T"
    data = sign._sign(
        PDF_BYTES,
        signers.signer_from_pkcs12(expired.read_bytes(), None),
        field=sign.SEAL_FIELD,
        reason="",
        location="",
    )

    report = verify.verify(data)

    assert report.verdict == verify.EXPIRED
    assert not report.signatures[0].valid_then


def test_an_unsigned_pdf_and_a_file_that_is_no_pdf_get_their_verdicts(own_pki):
    assert verify.verify(PDF_BYTES).verdict == verify.NO_SIGNATURE
    assert verify.verify(b"GIF89a not a pdf").verdict == verify.NOT_PDF
    assert verify.verify(b"%PDF-1.7 broken").verdict in (verify.NOT_PDF, verify.NO_SIGNATURE)


# --- The leader approves and signs ---------------------------------------------------------------------------------


def at_approval() -> Dossier:
    dossier = to_processing(file_dossier(place=None))
    processing.submit_for_approval(dossier=dossier, by=official("chuyenvien"), leader=official("lanhdao"))
    return Dossier.objects.select_related("agency").get(pk=dossier.pk)


def result_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("ket-qua.pdf", PDF_BYTES, content_type="application/pdf")


def test_the_leader_approves_and_signs_the_result_in_one_step(own_pki, tmp_path):
    dossier = at_approval()
    leader = official("lanhdao")

    processing.approve(dossier=dossier, by=leader, result=result_upload(), pin=settings.SIGNATURE_DEMO_PIN)

    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    data = dossier.result_file.read()
    report = verify.verify(data)
    assert report.verdict == verify.VALID, report
    personal, seal = report.signatures
    assert personal.signer == f"DEMO {leader.full_name}" and not personal.is_seal and personal.title
    assert seal.is_seal and seal.signer == f"DEMO {dossier.agency.name}"[:64]
    assert report.dossier_code == dossier.code
    checked = pdfsig(data, tmp_path)
    assert checked.count("Signature is Valid.") == 2, checked
    assert checked.count("Certificate is Trusted.") == 2, checked
    # The visible signature box: on the last page, with the leader's name
    reader = PdfReader(io.BytesIO(data))
    widget = [f for f in reader.get_fields().values() if f.get("/T") == sign.PERSONAL_FIELD]
    assert widget and reader.pages[-1]["/Annots"]


def test_a_wrong_pin_leaves_the_dossier_as_it_was_and_says_why(own_pki):
    dossier = at_approval()
    version = dossier.version

    with pytest.raises(processing.ResultNotSigned, match="PIN"):
        processing.approve(dossier=dossier, by=official("lanhdao"), result=result_upload(), pin="000000")

    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.version == version and not dossier.result_file
    assert not dossier.events.filter(action="approve").exists()


def test_a_scanned_paper_result_is_sealed_by_the_agency(own_pki):
    dossier = at_approval()

    processing.approve(dossier=dossier, by=official("lanhdao"), result=result_upload(), result_scanned=True)

    dossier.refresh_from_db()
    report = verify.verify(dossier.result_file.read())
    assert report.verdict == verify.VALID
    assert [s.is_seal for s in report.signatures] == [True]


def test_a_token_that_is_down_refuses_the_approval(settings):
    settings.SIGNATURE_BACKEND = "pkcs11"
    settings.SIGNATURE_PKCS11_MODULE = "/nonexistent/libpkcs11-hsm.so"
    settings.SIGNATURE_DEMO_TRUSTED = True
    signers.reset()
    dossier = at_approval()

    with translation.override("en"), pytest.raises(processing.ResultNotSigned, match="not available"):
        processing.approve(dossier=dossier, by=official("lanhdao"), result=result_upload(), pin="1234")

    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and not dossier.result_file
    signers.reset()


def test_the_back_office_form_signs_or_tells_the_leader_why_not(own_pki, client):
    dossier = at_approval()
    client.force_login(official("lanhdao"))
    url = reverse("admin:dossiers_dossier_action", args=[dossier.pk, "approve"])

    page = client.get(url)
    assert 'name="pin"' in page.content.decode()
    refused = client.post(url, {"version": dossier.version, "result": result_upload(), "pin": "999999"}, follow=True)
    assert "PIN" in refused.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING

    client.post(url, {"version": dossier.version, "result": result_upload(), "pin": settings.SIGNATURE_DEMO_PIN})
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    assert verify.verify(dossier.result_file.read()).verdict == verify.VALID


# --- PKCS#11 (SoftHSM, started by the test command) ----------------------------------------------------------------

PKCS11 = {key: os.environ.get(f"SIGNATURE_TEST_PKCS11_{key}", "") for key in ("MODULE", "TOKEN", "PIN", "PKI")}


@pytest.fixture
def softhsm(settings):
    if not all(PKCS11.values()):
        pytest.skip("no SoftHSM token: run through scripts/test.sh (scripts/test.d/signing.sh sets it up)")
    settings.SIGNATURE_BACKEND = "pkcs11"
    settings.SIGNATURE_PKCS11_MODULE = PKCS11["MODULE"]
    settings.SIGNATURE_PKCS11_TOKEN_LABEL = PKCS11["TOKEN"]
    settings.SIGNATURE_PKCS11_PIN = PKCS11["PIN"]
    settings.SIGNATURE_DEMO_PKI_DIR = PKCS11["PKI"]  # the certificates on the token come from this DEMO PKI
    settings.SIGNATURE_DEMO_TRUSTED = True
    signers.reset()
    yield
    signers.reset()


def test_a_seal_on_a_pkcs11_token_signs_issued_documents(softhsm, tmp_path):
    dossier = submitted_dossier()
    assert dossier.receiving_centre.code == os.environ["SIGNATURE_TEST_PKCS11_AGENCY"]

    data = issued.store(RECEIPT, dossier.pk).receipt.read()

    assert isinstance(signers.backend(), signers.Pkcs11Backend)
    report = verify.verify(data)
    assert report.verdict == verify.VALID, report
    assert "Signature is Valid." in pdfsig(data, tmp_path)


def test_the_leader_signs_with_the_pin_of_their_own_pkcs11_token(softhsm):
    dossier = at_approval()
    leader_pin = os.environ["SIGNATURE_TEST_PKCS11_LEADER_PIN"]

    with pytest.raises(processing.ResultNotSigned, match="PIN"):
        processing.approve(dossier=dossier, by=official("lanhdao"), result=result_upload(), pin=leader_pin + "9")
    processing.approve(dossier=dossier, by=official("lanhdao"), result=result_upload(), pin=leader_pin)

    dossier.refresh_from_db()
    report = verify.verify(dossier.result_file.read())
    assert report.verdict == verify.VALID and len(report.signatures) == 2


# --- The verification page and the trust anchors --------------------------------------------------------------------


def test_the_verification_page_shows_signer_time_integrity_and_dossier(own_pki, client):
    dossier = submitted_dossier()
    data = issued.store(RECEIPT, dossier.pk).receipt.read()

    page = client.post(reverse("signing:verify"), {"document": SimpleUploadedFile("x.pdf", data)})

    text = page.content.decode()
    assert page.status_code == 200
    assert str(verify.VERDICTS[verify.VALID]) in text
    assert dossier.code in text and dossier.receiving_centre.name in text
    assert reverse("v1:signing-trust-anchors") in text


@pytest.mark.parametrize(
    ("content", "verdict", "status"),
    [
        (PDF_BYTES, verify.NO_SIGNATURE, 200),
        (b"PK\x03\x04 a zip, not a pdf", verify.NOT_PDF, 200),
    ],
)
def test_the_verification_page_answers_bad_input_with_a_verdict(own_pki, client, content, verdict, status):
    page = client.post(reverse("signing:verify"), {"document": SimpleUploadedFile("x.pdf", content)})

    assert page.status_code == status
    assert str(verify.VERDICTS[verdict]) in page.content.decode()


def test_a_tampered_upload_is_not_intact_on_the_page(own_pki, client):
    data = flip_one_byte(sign.seal(PDF_BYTES, agency_code="000.20.30.H56", agency_name=HAC_THANH_NAME))

    page = client.post(reverse("signing:verify"), {"document": SimpleUploadedFile("x.pdf", data)})

    assert str(verify.VERDICTS[verify.NOT_INTACT]) in page.content.decode()


def test_a_huge_upload_is_refused_unread(own_pki, client, settings):
    settings.SIGNATURE_VERIFY_MAX_SIZE = 100_000

    page = client.post(reverse("signing:verify"), {"document": SimpleUploadedFile("x.pdf", b"%PDF-" + b"0" * 300_000)})

    assert page.status_code == 413
    assert str(verify.VERDICTS[verify.TOO_LARGE]) in page.content.decode()


def test_the_verification_page_is_rate_limited_like_the_look_up(own_pki, client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.SIGNATURE_VERIFY_RATE = "2/10m"
    upload = lambda: {"document": SimpleUploadedFile("x.pdf", PDF_BYTES)}  # noqa: E731

    answers = [client.post(reverse("signing:verify"), upload()).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    cache.clear()


def test_the_qr_code_in_the_signature_opens_the_verification_of_the_stored_result(own_pki, client):
    dossier = at_approval()
    processing.approve(dossier=dossier, by=official("lanhdao"), result=result_upload(), pin=settings.SIGNATURE_DEMO_PIN)
    from portal.signing.links import verification_url

    url = verification_url(dossier).removeprefix(settings.PORTAL_URL.rstrip("/"))

    page = client.get(url)

    assert page.status_code == 200
    text = page.content.decode()
    assert str(verify.VERDICTS[verify.VALID]) in text and dossier.code in text
    assert official("lanhdao").full_name in text
    assert client.get(reverse("signing:verify") + "?ho-so=00000000-0000-0000-0000-000000000000").status_code == 404


def test_the_trust_anchors_are_served_as_pem(own_pki, client):
    response = client.get(reverse("v1:signing-trust-anchors"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-pem-file")
    assert response.content == own_pki.anchors_pem()
    assert (
        x509.load_pem_x509_certificates(response.content)[0].subject
        == x509.load_pem_x509_certificate(own_pki.root_cert_path.read_bytes()).subject
    )


# --- Configuration ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SIGNATURE_BACKEND": "demo"}, "DEMO PKI"),
        ({"SIGNATURE_BACKEND": "pkcs11"}, "SIGNATURE_TSA_URL"),
    ],
)
def test_production_refuses_the_demo_pki_and_signing_without_a_timestamp_authority(env, message):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": "x" * 64,
        "ALLOWED_HOSTS": "dichvucong.example.vn",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
    )
    assert done.returncode != 0 and message in done.stderr


def test_pdfsig_and_certutil_are_installed():
    assert shutil.which("pdfsig"), "poppler-utils provides pdfsig, the second validator"
    assert shutil.which("certutil"), "libnss3-tools provides certutil, which gives pdfsig the trust anchors"


# --- Delivered online -----------------------------------------------------------------------------------------------


def returned_online_with_signed_result() -> Dossier:
    from dossiers.constants import DeliveryMethod

    dossier = to_processing(file_dossier(place=None, method=DeliveryMethod.ONLINE))
    processing.submit_for_approval(dossier=dossier, by=official("chuyenvien"), leader=official("lanhdao"))
    processing.approve(dossier=dossier, by=official("lanhdao"), result=result_upload(), pin=settings.SIGNATURE_DEMO_PIN)
    if processing.held_reason(Dossier.objects.get(pk=dossier.pk)):
        from .payments_support import pay_at_counter

        pay_at_counter(dossier)
    processing.return_result(dossier=dossier, by=official("tiepnhan"))
    return Dossier.objects.get(pk=dossier.pk)


def test_the_signed_result_reaches_the_citizen_page_the_api_and_the_look_up(own_pki, client):
    from .test_tracking import look_up

    dossier = returned_online_with_signed_result()
    assert dossier.result_signed_at is not None
    client.force_login(dossier.applicant)

    page = client.get(dossier.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Electronic result, digitally signed" in page and f"?ho-so={dossier.public_id}" in page

    detail = client.get(f"/api/v1/dossiers/{dossier.code}/").json()
    downloads = {row["kind"]: row for row in detail["downloads"]}
    assert downloads["result"]["signed"] and downloads["dossiers.receipt"]["signed"]
    result = client.get(downloads["result"]["url"])
    assert verify.verify(b"".join(result.streaming_content)).verdict == verify.VALID
    # The receipt, the notices (01, the result notice) and the payment receipt when fees were paid
    assert {"dossiers.receipt", "dossiers.notice", "result"} <= set(downloads)
    receipt = client.get(downloads["dossiers.receipt"]["url"])
    assert verify.verify(b"".join(receipt.streaming_content)).verdict == verify.VALID

    client.logout()
    answer = look_up(client, dossier.code, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Electronic result, digitally signed" in answer  # vi: "Kết quả điện tử đã ký số"


def test_an_issued_document_whose_seal_fails_is_not_stored(settings):
    from portal.signing.errors import SigningError

    dossier = submitted_dossier()
    settings.SIGNATURE_BACKEND = "pkcs11"
    settings.SIGNATURE_PKCS11_MODULE = "/nonexistent/libpkcs11-hsm.so"
    settings.SIGNATURE_DEMO_TRUSTED = True
    signers.reset()

    with pytest.raises(SigningError):  # the task retries on it (portal/tasks.py), the sweep tries again
        issued.store(RECEIPT, dossier.pk)

    assert not Dossier.objects.get(pk=dossier.pk).receipt
    signers.reset()


def test_the_timestamp_authority_is_a_configured_url(own_pki, settings):
    """Production's path: an RFC 3161 authority over HTTP (here the DEMO one, served on a free port)."""
    import threading

    from portal.signing.tsa_server import make_server

    server = make_server(own_pki.folder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SIGNATURE_TSA_URL = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        data = sign.seal(PDF_BYTES, agency_code="000.20.30.H56", agency_name=HAC_THANH_NAME)
    finally:
        server.shutdown()

    report = verify.verify(data)
    assert report.verdict == verify.VALID and report.signatures[0].timestamped


def test_a_signature_without_its_signers_certificate_is_not_intact_not_a_server_error(own_pki, client):
    """The format allows a signature that leaves its certificate out; verifying one answered 500 to anyone."""
    import re

    from asn1crypto import cms

    data = sign.seal(PDF_BYTES, agency_code="000.20.30.H56", agency_name=HAC_THANH_NAME)
    contents = re.search(rb"/Contents <([0-9a-fA-F]+)>", data)
    signed_data = cms.ContentInfo.load(bytes.fromhex(contents.group(1).decode()), strict=False)
    signed_data["content"]["certificates"] = cms.CertificateSet([])
    stripped = signed_data.dump(force=True).hex().encode()
    stripped += b"0" * (len(contents.group(1)) - len(stripped))  # the same length: the byte range still holds
    no_certificate = data[: contents.start(1)] + stripped + data[contents.end(1) :]

    report = verify.verify(no_certificate)
    page = client.post(
        reverse("signing:verify"),
        {"document": SimpleUploadedFile("ket-qua.pdf", no_certificate, content_type="application/pdf")},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert report.verdict == verify.NOT_INTACT and report.signatures[0].signer == ""
    assert page.status_code == 200
