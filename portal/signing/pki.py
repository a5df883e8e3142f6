"""The DEMO public-key infrastructure: for `make run` and the tests only, never for real documents.

A root CA, an issuing CA, a timestamp authority and a CRL are created once in a folder (``SIGNATURE_DEMO_PKI_DIR``,
under ``VAR_DIR``); the seal certificate of an agency and the personal certificate of a leader are issued the first
time one is needed, so every demo agency and leader has one. Every name says "DEMO". Writing is idempotent: files
are written to a temporary name and renamed, and an existing file is never replaced (except the CRL, regenerated
when a certificate is revoked or when it is about to expire).

This module needs no Django: the test command uses it to fill a SoftHSM token before the tests start.
"""

import datetime as dt
import fcntl
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEMO = "DEMO"
COUNTRY = "VN"
VALID_YEARS = 10
LEAF_YEARS = 3
CRL_DAYS = 7


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(common_name: str, *, organisation: str = "", title: str = "", unit: str = "") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    if title:
        attributes.append(x509.NameAttribute(NameOID.TITLE, title))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _write_once(path: Path, data: bytes) -> bool:
    """Write ``path`` unless it exists (another process may have written it meanwhile: theirs is kept)."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    try:
        os.link(tmp, path)  # atomic and fails if the name exists: the first writer wins
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)
    return True


def _replace(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def slug(value: str) -> str:
    """A file-name-safe form of an agency code or a user name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("._") or "_"


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    chain: list[x509.Certificate]  # issuing CA, root

    def pkcs12(self, passphrase: bytes, friendly_name: str) -> bytes:
        encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
        return pkcs12.serialize_key_and_certificates(
            friendly_name.encode(), self.key, self.cert, self.chain, encryption
        )


class DemoPKI:
    """The demo PKI kept in ``folder``. ``DemoPKI(folder).ensure()`` creates what is missing."""

    def __init__(self, folder: str | Path, crl_url: str = ""):
        self.folder = Path(folder)
        self.crl_url = crl_url

    # --- files --------------------------------------------------------------------------------------------
    @property
    def root_cert_path(self) -> Path:
        return self.folder / "root-ca.pem"

    @property
    def issuing_cert_path(self) -> Path:
        return self.folder / "issuing-ca.pem"

    @property
    def tsa_cert_path(self) -> Path:
        return self.folder / "tsa.pem"

    @property
    def crl_path(self) -> Path:
        return self.folder / "issuing-ca.crl"

    @property
    def revoked_path(self) -> Path:
        return self.folder / "revoked.json"

    def seal_path(self, agency_code: str) -> Path:
        return self.folder / "seals" / f"{slug(agency_code)}.p12"

    def personal_path(self, username: str) -> Path:
        return self.folder / "people" / f"{slug(username)}.p12"

    def _load(self, stem: str) -> Issued:
        cert = x509.load_pem_x509_certificate((self.folder / f"{stem}.pem").read_bytes())
        key = serialization.load_pem_private_key((self.folder / f"{stem}.key").read_bytes(), password=None)
        return Issued(cert, key, [])

    # --- creation ------------------------------------------------------------------------------------------
    def ensure(self) -> "DemoPKI":
        """Create the CAs, the TSA and the CRL if missing (idempotent)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.root_cert_path.exists() and self.crl_path.exists() and not self._crl_expires_soon():
            return self
        # Several processes (web workers, the worker) may meet an empty folder at once: one creates, the others
        # wait and then find the set complete (mixing two sets' keys would make every signature fail to chain).
        with (self.folder / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.root_cert_path.exists():
                self._create_authorities()
            if not self.crl_path.exists() or self._crl_expires_soon():
                self.write_crl()
        return self

    def _create_authorities(self) -> None:
        now = _utcnow() - dt.timedelta(days=1)
        root_key, issuing_key, tsa_key = _key(), _key(), _key()
        root_name = _name(f"{DEMO} Dịch vụ công Root CA", organisation=f"{DEMO} PKI — không dùng thật")
        root = (
            self._builder(root_name, root_name, root_key.public_key(), now, VALID_YEARS * 366)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        issuing_name = _name(f"{DEMO} Dịch vụ công Issuing CA", organisation=f"{DEMO} PKI — không dùng thật")
        issuing = (
            self._builder(issuing_name, root_name, issuing_key.public_key(), now, VALID_YEARS * 365)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(issuing_key.public_key()), critical=False)
            .add_extension(_aki(root), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        tsa = (
            self._builder(
                _name(f"{DEMO} Dịch vụ công Timestamp Authority", organisation=f"{DEMO} PKI — không dùng thật"),
                issuing_name,
                tsa_key.public_key(),
                now,
                VALID_YEARS * 365 - 1,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(_leaf_usage(), critical=True)
            .add_extension(_aki(issuing), critical=False)
            .sign(issuing_key, hashes.SHA256())
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        # Keys first, certificates last: the root certificate's presence means the set is complete.
        for stem, cert, key in (
            ("tsa", tsa, tsa_key),
            ("issuing-ca", issuing, issuing_key),
            ("root-ca", root, root_key),
        ):
            _replace(self.folder / f"{stem}.key", _pem_key(key))
            _replace(self.folder / f"{stem}.pem", _pem_cert(cert))
        readme = (
            "DEMO PKI of the Dịch vụ công portal: for demonstrations and tests only. Nothing signed with it is valid.\n"
        )
        _write_once(self.folder / "README.txt", readme.encode())

    def _builder(self, subject, issuer, public_key, start, days) -> x509.CertificateBuilder:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
        )
        return builder

    def _issue(self, subject: x509.Name, *, days: int = LEAF_YEARS * 365, start: dt.datetime | None = None) -> Issued:
        issuing = self._load("issuing-ca")
        root = x509.load_pem_x509_certificate(self.root_cert_path.read_bytes())
        key = _key()
        start = start or (_utcnow() - dt.timedelta(minutes=5))
        builder = (
            self._builder(subject, issuing.cert.subject, key.public_key(), start, days)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_leaf_usage(non_repudiation=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(_aki(issuing.cert), critical=False)
        )
        if self.crl_url:
            point = x509.DistributionPoint([x509.UniformResourceIdentifier(self.crl_url)], None, None, None)
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        cert = builder.sign(issuing.key, hashes.SHA256())
        return Issued(cert, key, [issuing.cert, root])

    def seal(self, agency_code: str, agency_name: str, *, passphrase: bytes = b"") -> Path:
        """The agency's seal (PKCS#12 file), issued if missing."""
        self.ensure()
        path = self.seal_path(agency_code)
        if not path.exists():
            subject = _name(f"{DEMO} {agency_name}"[:64], organisation=f"{DEMO} {agency_name}"[:64], unit=agency_code)
            _write_once(path, self._issue(subject).pkcs12(passphrase, f"seal-{agency_code}"))
        return path

    def personal(self, username: str, full_name: str, title: str, agency_name: str, *, pin: bytes) -> Path:
        """A leader's personal certificate (PKCS#12 file protected by the leader's PIN), issued if missing."""
        self.ensure()
        path = self.personal_path(username)
        if not path.exists():
            subject = _name(
                f"{DEMO} {full_name}"[:64], organisation=f"{DEMO} {agency_name}"[:64], title=title[:64], unit=username
            )
            _write_once(path, self._issue(subject).pkcs12(pin, f"person-{username}"))
        return path

    def issue_to_file(self, path: Path, subject_cn: str, *, passphrase: bytes = b"", **options) -> Path:
        """Any other demo certificate (tests: an expired one, ``days=…, start=…``)."""
        self.ensure()
        issued = self._issue(_name(f"{DEMO} {subject_cn}"[:64], organisation=f"{DEMO} PKI"), **options)
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, issued.pkcs12(passphrase, subject_cn))
        return path

    # --- revocation ----------------------------------------------------------------------------------------
    def revoked(self) -> dict[str, str]:
        """Serial number (hex) → revocation time (ISO), of every revoked demo certificate."""
        if not self.revoked_path.exists():
            return {}
        return json.loads(self.revoked_path.read_text())

    def revoke(self, cert: x509.Certificate, when: dt.datetime | None = None) -> None:
        """Put the certificate on the CRL (and write the CRL again)."""
        self.ensure()
        revoked = self.revoked()
        revoked[format(cert.serial_number, "x")] = (when or _utcnow()).isoformat()
        _replace(self.revoked_path, json.dumps(revoked, indent=1).encode())
        self.write_crl()

    def write_crl(self) -> None:
        issuing = self._load("issuing-ca")
        now = _utcnow()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuing.cert.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=CRL_DAYS))
            .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
            .add_extension(_aki(issuing.cert), critical=False)
        )
        for serial, when in self.revoked().items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(serial, 16))
                .revocation_date(dt.datetime.fromisoformat(when))
                .build()
            )
        crl = builder.sign(issuing.key, hashes.SHA256())
        _replace(self.crl_path, crl.public_bytes(serialization.Encoding.DER))

    def _crl_expires_soon(self) -> bool:
        try:
            crl = x509.load_der_x509_crl(self.crl_path.read_bytes())
        except (OSError, ValueError):
            return True
        return crl.next_update_utc is None or crl.next_update_utc - _utcnow() < dt.timedelta(days=1)

    # --- reading -------------------------------------------------------------------------------------------
    def anchors_pem(self) -> bytes:
        return self.root_cert_path.read_bytes()

    def intermediates_pem(self) -> bytes:
        return self.issuing_cert_path.read_bytes()

    def tsa(self) -> tuple[bytes, bytes]:
        """(certificate PEM, key PEM) of the demo timestamp authority."""
        return self.tsa_cert_path.read_bytes(), (self.folder / "tsa.key").read_bytes()


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_usage(non_repudiation: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _aki(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key())


def random_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"
