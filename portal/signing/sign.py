"""PAdES signatures with pyHanko: the agency's seal on every issued document, a leader's visible signature.

Baseline B-T (the signature carries an RFC 3161 timestamp) always; B-LT (``SIGNATURE_LEVEL=B-LT``, the default) when
the certificates' validation data (chain and CRLs) can be embedded in the document's security store.
"""

import asyncio
import contextlib
import dataclasses
import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from . import signers as backends
from .errors import SigningError, SigningNotConfigured

logger = logging.getLogger(__name__)

SEAL_FIELD = "DauCoQuan"  # the agency's seal
PERSONAL_FIELD = "ChuKyLanhDao"  # the leader's signature


def enabled() -> bool:
    return bool(settings.SIGNATURE_BACKEND)


# --- Trust and revocation data ---------------------------------------------------------------------------------

_trust = threading.local()


def _pem_certs(data: bytes) -> list[asn1_x509.Certificate]:
    from asn1crypto import pem

    if not pem.detect(data):
        return [asn1_x509.Certificate.load(data)]
    return [asn1_x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(data, multiple=True)]


def _demo():
    from .pki import DemoPKI

    if not hasattr(_trust, "demo") or _trust.demo_dir != settings.SIGNATURE_DEMO_PKI_DIR:
        _trust.demo, _trust.demo_dir = (
            DemoPKI(settings.SIGNATURE_DEMO_PKI_DIR).ensure(),
            settings.SIGNATURE_DEMO_PKI_DIR,
        )
    return _trust.demo


def _uses_demo() -> bool:
    return settings.SIGNATURE_BACKEND == "demo" or settings.SIGNATURE_DEMO_TRUSTED


def _files() -> tuple[list[Path], list[Path], list[Path]]:
    anchors = [Path(p) for p in settings.SIGNATURE_TRUST_ANCHORS]
    others = [Path(p) for p in settings.SIGNATURE_INTERMEDIATES]
    revocation = [Path(p) for p in settings.SIGNATURE_CRLS]
    if _uses_demo():
        demo = _demo()
        anchors.append(demo.root_cert_path)
        others.append(demo.issuing_cert_path)
        revocation.append(demo.crl_path)
    return anchors, others, revocation


def _material() -> dict:
    """Anchors, intermediates and CRLs, read again only when a file changes (a revocation shows at once)."""
    anchors, others, revocation = _files()
    key = tuple((str(p), p.stat().st_mtime_ns if p.exists() else 0) for p in [*anchors, *others, *revocation])
    if getattr(_trust, "material_key", None) != key:
        _trust.material = {
            "anchors_pem": b"".join(p.read_bytes() for p in anchors if p.exists()),
            "anchors": [c for p in anchors if p.exists() for c in _pem_certs(p.read_bytes())],
            "others": [c for p in others if p.exists() for c in _pem_certs(p.read_bytes())],
            "crls": [asn1_crl.CertificateList.load(p.read_bytes()) for p in revocation if p.exists()],
        }
        _trust.material_key = key
    return _trust.material


def anchors_pem() -> bytes:
    """The PEM certificates the portal's signatures chain to (``SIGNATURE_TRUST_ANCHORS``, or the DEMO root)."""
    return _material()["anchors_pem"]


def crls() -> list[asn1_crl.CertificateList]:
    return _material()["crls"]


def validation_context(*, moment: datetime | None = None, for_signing: bool = False) -> ValidationContext:
    material = _material()
    return ValidationContext(
        trust_roots=material["anchors"],
        other_certs=material["others"],
        crls=material["crls"],
        allow_fetching=settings.SIGNATURE_FETCH_REVOCATION,
        revocation_mode="hard-fail" if for_signing else "soft-fail",
        moment=moment,
        retroactive_revinfo=moment is not None,
    )


# --- Timestamps ---------------------------------------------------------------------------------------------------


def timestamper() -> timestamps.TimeStamper:
    """The RFC 3161 timestamp authority at ``SIGNATURE_TSA_URL``; without one, the DEMO authority in-process."""
    if settings.SIGNATURE_TSA_URL:
        return timestamps.HTTPTimeStamper(settings.SIGNATURE_TSA_URL, timeout=settings.SIGNATURE_TSA_TIMEOUT)
    if not _uses_demo():
        raise SigningNotConfigured("Set SIGNATURE_TSA_URL: a timestamp authority is required outside the demo.")
    if getattr(_trust, "tsa_dir", None) != settings.SIGNATURE_DEMO_PKI_DIR:
        from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder_data
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        pki = _demo()
        cert_pem, key_pem = pki.tsa()
        _trust.tsa = DemoTimeStamper(
            tsa_cert=_pem_certs(cert_pem)[0],
            tsa_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
            certs_to_embed=SimpleCertificateStore.from_certs([load_cert_from_pemder(str(pki.issuing_cert_path))]),
        )
        _trust.tsa_dir = settings.SIGNATURE_DEMO_PKI_DIR
    return _trust.tsa


class DemoTimeStamper(timestamps.DummyTimeStamper):
    """The DEMO timestamp authority, in-process (RFC 3161 tokens signed by the demo TSA certificate). Keeps its
    key loaded, as ``signers.KeptKeySigner`` does."""

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime):
        from asn1crypto import cms, core
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko.sign import general

        if not hasattr(self, "_key"):  # parsed once: asn1crypto builds these slowly
            self._key = serialization.load_der_private_key(self.tsa_key.dump(), password=None)
            self._cert_attr = general.simple_cms_attribute(
                "signing_certificate", general.as_signing_certificate(self.tsa_cert)
            ).dump()
            self._type_attr = general.simple_cms_attribute("content_type", "tst_info").dump()
        algorithm = general.get_pyca_cryptography_hash(md_algorithm)
        digest = hashes.Hash(algorithm)
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute.load(self._type_attr),
                general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                cms.CMSAttribute.load(self._cert_attr),
                general.simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        return self._key.sign(signed_attrs.dump(), PKCS1v15(), algorithm), signed_attrs


# --- Signing ------------------------------------------------------------------------------------------------------


def _outside_any_event_loop(call):
    """``call()``, in a thread of its own when this one runs an asyncio event loop: pyHanko's ``sign_pdf`` starts
    one with ``asyncio.run``, which refuses to run inside another (an ASGI worker, or a browser driven from the
    same thread) and failed the approval with "RuntimeError"."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _sign(
    pdf: bytes,
    signer: signers.Signer,
    *,
    field: str,
    reason: str,
    location: str,
    name: str = "",
    box: tuple[int, int, int, int] | None = None,
    stamp_style=None,
    stamp_params: dict | None = None,
) -> bytes:
    embed = settings.SIGNATURE_LEVEL.upper() == "B-LT"
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name or None,
        embed_validation_info=embed,
        validation_context=validation_context(for_signing=True) if embed else None,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        existing = {f[0] for f in fields.enumerate_sig_fields(writer.prev, filled_status=None)}
        if field in existing:  # sealed again (a copy sealed once already): a field of its own
            field = f"{field}{len(existing) + 1}"
            meta = dataclasses.replace(meta, field_name=field)
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            timestamper=timestamper(),
            stamp_style=stamp_style,
            new_field_spec=fields.SigFieldSpec(field, box=box, on_page=-1) if box else fields.SigFieldSpec(field),
        )
        # Room for the signature container, so pyHanko need not sign once more to measure it.
        out = _outside_any_event_loop(
            lambda: pdf_signer.sign_pdf(
                writer, appearance_text_params=stamp_params or None, bytes_reserved=settings.SIGNATURE_BYTES_RESERVED
            )
        )
    except SigningError:
        raise
    except PdfReadError as error:
        raise SigningError(_("The file is not a PDF that can be signed: %(error)s") % {"error": error}) from None
    except (PathBuildingError, PathValidationError) as error:
        logger.error("Signing certificate does not validate: %s", error)
        raise SigningError(
            _("The signing certificate is not valid (expired, revoked or not trusted): %(error)s") % {"error": error}
        ) from None
    except (PyHankoSigningError, OSError) as error:
        logger.error("Signing failed: %r", error)
        raise SigningError(_("The document could not be signed: %(error)s") % {"error": error}) from None
    except Exception as error:  # a PKCS#11 device that went away mid-operation raises its own errors
        logger.exception("Signing failed")
        raise SigningError(_("The document could not be signed: %(error)s") % {"error": type(error).__name__}) from None
    return out.getvalue()


def _reason(text: str, dossier_code: str) -> str:
    """The signature's reason, in Vietnamese (official documents are), with the dossier code the verifier shows."""
    with translation.override("vi"):
        if dossier_code:
            return _("%(reason)s (dossier %(code)s)") % {"reason": text, "code": dossier_code}
        return str(text)


def seal(pdf: bytes, *, agency_code: str, agency_name: str, dossier_code: str = "") -> bytes:
    """The agency's seal (an invisible PAdES signature with a timestamp) on a PDF the portal issues."""
    with translation.override("vi"):
        reason = _reason(_("Issued by %(agency)s") % {"agency": agency_name}, dossier_code)
    try:
        signer = backends.backend().seal(backends.Agency(agency_code, agency_name))
        return _sign(pdf, signer, field=SEAL_FIELD, reason=reason, location=settings.PORTAL_AUTHORITY, name=agency_name)
    except SigningError:
        backends.reset()  # a token that went away: the next seal opens a new session
        raise


def sign_personal(
    pdf: bytes,
    *,
    username: str,
    full_name: str,
    title: str,
    agency_code: str,
    agency_name: str,
    pin: str,
    dossier_code: str = "",
    verify_url: str = "",
    when: datetime | None = None,
) -> bytes:
    """A leader's visible signature on the last page: name, position, agency, time, and a QR code to verify it."""
    person = backends.Person(username, full_name, title, backends.Agency(agency_code, agency_name))
    signer = backends.backend().personal(person, pin)
    when = timezone.localtime(when or timezone.now())
    with translation.override("vi"):  # the signature box is part of the official document
        reason = _reason(_("Approved and signed the result"), dossier_code)
        text = "\n".join(
            [
                _("Digitally signed by: %(name)s") % {"name": full_name},
                f"{title} — {agency_name}"[:90],
                _("Time: %(when)s") % {"when": when.strftime("%H:%M:%S %d/%m/%Y")},
            ]
        )
    style, params = _stamp_style(text.replace("%", "%%"), verify_url)
    try:
        return _sign(
            pdf,
            signer,
            field=PERSONAL_FIELD,
            reason=reason,
            location=agency_name,
            name=full_name,
            box=(300, 30, 570, 110),
            stamp_style=style,
            stamp_params=params,
        )
    finally:
        session = getattr(signer, "pkcs11_session", None)
        if session is not None:  # the leader's token is opened for this signature only
            with contextlib.suppress(Exception):
                session.close()


def _stamp_style(text: str, url: str):
    from pyhanko import stamp
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle

    from portal.pdf import FONT_DIR

    if not hasattr(_trust, "font"):
        _trust.font = GlyphAccumulatorFactory(str(FONT_DIR / "BeVietnamPro-Regular.ttf"))
    box = TextBoxStyle(font=_trust.font, font_size=7, leading=9)
    if url:
        return stamp.QRStampStyle(stamp_text=text, text_box_style=box, border_width=1), {"url": url}
    return stamp.TextStampStyle(stamp_text=text, text_box_style=box, border_width=1), {}
