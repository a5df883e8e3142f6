"""Verification of a signed PDF: who signed it, when, intact or not, trusted, revoked; for which dossier.

Used by the public page ``/xac-minh/`` and the tests. It reads the bytes it is given and keeps nothing.
"""

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints

from . import sign

logger = logging.getLogger(__name__)

# Verdicts, worst first: the document's verdict is its worst signature's.
VALID = "valid"
NOT_INTACT = "not_intact"
REVOKED = "revoked"
EXPIRED = "expired"
UNTRUSTED = "untrusted"
NO_SIGNATURE = "no_signature"
NOT_PDF = "not_pdf"
TOO_LARGE = "too_large"

VERDICTS = {
    VALID: _("Valid: the document is intact and signed with a certificate the portal trusts."),
    NOT_INTACT: _("Not intact: the document was changed after it was signed."),
    REVOKED: _("Revoked: the signing certificate has been revoked."),
    EXPIRED: _("Expired: the signing certificate was not valid when the document was signed."),
    UNTRUSTED: _("Not trusted: the document was signed with a key that does not chain to the portal's trust anchors."),
    NO_SIGNATURE: _("No digital signature: this PDF is not signed."),
    NOT_PDF: _("Not a PDF: only PDF files can be verified."),
    TOO_LARGE: _("The file is too large to verify."),
}
_ORDER = [NOT_INTACT, REVOKED, EXPIRED, UNTRUSTED, VALID]


@dataclass
class SignatureReport:
    field: str
    signer: str
    organisation: str
    title: str
    serial: str
    signed_at: datetime | None
    timestamped: bool
    intact: bool
    trusted: bool
    revoked_at: datetime | None
    valid_then: bool
    verdict: str
    reason: str = ""

    @property
    def is_seal(self) -> bool:
        return self.field.startswith(sign.SEAL_FIELD)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def verdict_text(self) -> str:
        return str(VERDICTS[self.verdict])


@dataclass
class Report:
    verdict: str
    signatures: list[SignatureReport] = field(default_factory=list)
    dossier_code: str = ""
    covers_whole_file: bool = False

    @property
    def verdict_text(self) -> str:
        return str(VERDICTS[self.verdict])

    @property
    def ok(self) -> bool:
        return self.verdict == VALID


def _name_part(cert: asn1_x509.Certificate, key: str) -> str:
    value = cert.subject.native.get(key, "")
    return value[-1] if isinstance(value, list) else value


def _revoked_at(cert: asn1_x509.Certificate) -> datetime | None:
    """When the certificate was revoked, by the CRLs the portal keeps (whatever the time of signing)."""
    for crl in sign.crls():
        if crl.issuer != cert.issuer:
            continue
        for entry in crl["tbs_cert_list"]["revoked_certificates"] or []:
            if entry["user_certificate"].native == cert.serial_number:
                return entry["revocation_date"].native
    return None


def _dossier_code(text: str) -> str:
    from dossiers.codes import DOSSIER_CODE_RE

    pattern = DOSSIER_CODE_RE.pattern.strip("^$")
    match = re.search(pattern, text or "")
    return match.group(0) if match else ""


def verify(data: bytes) -> Report:
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        return Report(NOT_PDF)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # whatever a damaged or hostile file makes the parser raise: not a readable PDF
        logger.info("Unreadable PDF given for verification: %r", error)
        return Report(NOT_PDF)
    if not signatures:
        return Report(NO_SIGNATURE)
    context = sign.validation_context()
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
    reports, code = [], ""
    for embedded in signatures:
        reports.append(_check(embedded, context, usage))
        code = code or _dossier_code(reports[-1].reason)
    verdict = min((r.verdict for r in reports), key=_ORDER.index)
    whole = bool(signatures) and all(r.intact for r in reports)
    return Report(verdict, reports, code, whole)


def _check(embedded, context, usage) -> SignatureReport:
    reason = str(embedded.sig_object.get("/Reason", ""))
    try:
        status = validate_pdf_signature(
            embedded, signer_validation_context=context, ts_validation_context=context, key_usage_settings=usage
        )
    except Exception as error:  # a damaged signature container or byte range: not intact, whatever the cause
        logger.info("Signature %s could not be validated: %r", embedded.field_name, error)
        try:
            cert = embedded.signer_cert
        except Exception:  # no signer certificate in the signature at all: nobody to name
            return SignatureReport(
                embedded.field_name, "", "", "", "", None, False, False, False, None, False, NOT_INTACT, reason
            )
        return SignatureReport(
            embedded.field_name, _name_part(cert, "common_name"), _name_part(cert, "organization_name"),
            _name_part(cert, "title"), format(cert.serial_number, "x"), None, False, False, False,
            _revoked_at(cert), False, NOT_INTACT, reason,
        )  # fmt: skip
    cert = status.signing_cert
    ts = status.timestamp_validity
    signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
    intact = bool(status.intact and status.valid and status.docmdp_ok is not False)
    if ts is not None and not (ts.intact and ts.valid):
        intact = False
    revoked_at = _revoked_at(cert) or (status.revocation_details.revocation_date if status.revoked else None)
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    valid_then = signed_at is not None and not_before <= signed_at <= not_after
    trusted = bool(status.trusted)
    if not trusted and valid_then and not revoked_at and ts is not None:
        # Expired since, but valid at the timestamp: validate again as of that moment.
        again = validate_pdf_signature(
            embedded,
            signer_validation_context=sign.validation_context(moment=signed_at),
            ts_validation_context=context,
            key_usage_settings=usage,
        )
        trusted = bool(again.trusted)
    if not intact:
        verdict = NOT_INTACT
    elif revoked_at:
        verdict = REVOKED
    elif not valid_then:
        verdict = EXPIRED
    elif not trusted:
        verdict = UNTRUSTED
    else:
        verdict = VALID
    return SignatureReport(
        field=embedded.field_name,
        signer=_name_part(cert, "common_name"),
        organisation=_name_part(cert, "organization_name"),
        title=_name_part(cert, "title"),
        serial=format(cert.serial_number, "x"),
        signed_at=signed_at,
        timestamped=ts is not None,
        intact=intact,
        trusted=trusted,
        revoked_at=revoked_at,
        valid_then=valid_then,
        verdict=verdict,
        reason=reason,
    )
