"""Where signing keys come from: a registry of backends chosen by ``SIGNATURE_BACKEND``.

* ``pkcs11``: a PKCS#11 token (an agency's HSM or a USB token): ``SIGNATURE_PKCS11_MODULE`` (the vendor's
  ``.so``), the seals' token (``SIGNATURE_PKCS11_TOKEN_LABEL`` or ``SIGNATURE_PKCS11_SLOT``) and PIN
  (``SIGNATURE_PKCS11_PIN``), the seal's key label (``SIGNATURE_PKCS11_SEAL_KEY_LABEL``, ``{agency}`` is the agency
  code); a leader's own token is ``SIGNATURE_PKCS11_PERSONAL_TOKEN_LABEL`` (``{username}``), opened with the PIN the
  leader types at approval.
* ``pkcs12``: PKCS#12 files in ``SIGNATURE_PKCS12_DIR`` (development): ``seals/<agency code>.p12`` (passphrase
  ``SIGNATURE_PKCS12_PASSPHRASE``) and ``people/<username>.p12`` (the leader's PIN).
* ``demo``: PKCS#12 files of the DEMO PKI (``portal.signing.pki``), issued on first use. Refused in production.
"""

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .errors import SigningError, SigningNotConfigured, WrongPin

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Agency:
    code: str
    name: str


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str
    title: str
    agency: Agency


class Backend:
    name = ""

    def seal(self, agency: Agency) -> Signer:
        raise NotImplementedError

    def personal(self, person: Person, pin: str) -> Signer:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the backend keeps open (sessions)."""


_backends: dict[str, Callable[[], Backend]] = {}


def register(name: str):
    def wrap(cls):
        cls.name = name
        _backends[name] = cls
        return cls

    return wrap


_lock = threading.Lock()
_current: dict[tuple, Backend] = {}


def _fingerprint() -> tuple:
    return tuple(
        getattr(settings, name, None)
        for name in (
            "SIGNATURE_BACKEND",
            "SIGNATURE_DEMO_PKI_DIR",
            "SIGNATURE_PKCS12_DIR",
            "SIGNATURE_PKCS11_MODULE",
            "SIGNATURE_PKCS11_TOKEN_LABEL",
            "SIGNATURE_PKCS11_SLOT",
            "SIGNATURE_PKCS11_PIN",
        )
    )


def backend() -> Backend:
    """The configured backend, one per process (kept: a PKCS#11 session or a loaded seal is reused)."""
    name = settings.SIGNATURE_BACKEND
    if not name:
        raise SigningNotConfigured(_("Digital signing is not configured on this portal."))
    if name not in _backends:
        raise SigningNotConfigured(f"Unknown SIGNATURE_BACKEND {name!r}: one of {sorted(_backends)}.")
    key = _fingerprint()
    with _lock:
        if key not in _current:
            for old in _current.values():
                old.close()
            _current.clear()
            _current[key] = _backends[name]()
        return _current[key]


def reset() -> None:
    """Forget the loaded keys and sessions (tests change the settings)."""
    with _lock:
        for old in _current.values():
            old.close()
        _current.clear()


def _asn1_cert(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class KeptKeySigner(SimpleSigner):
    """A ``SimpleSigner`` that keeps its key loaded: pyHanko parses the key again for every signature, and OpenSSL
    checks an RSA key on every load (about 35 ms, most of a seal's cost)."""

    def __init__(self, *, key, **kwargs):
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko.sign.general import get_pyca_cryptography_hash

        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)["algorithm"].native
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, rsa.RSAPrivateKey) and mechanism in ("rsassa_pkcs1v15", f"{digest_algorithm}_rsa"):
            return self._key.sign(data, PKCS1v15(), digest)
        if isinstance(self._key, ec.EllipticCurvePrivateKey) and "ecdsa" in mechanism:
            return self._key.sign(data, ec.ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)


def signer_from_pkcs12(data: bytes, passphrase: bytes | None) -> SimpleSigner:
    """A pyHanko signer from a PKCS#12 file; ``WrongPin`` if the passphrase does not open it."""
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase or None)
    except ValueError:
        raise WrongPin(_("The PIN is wrong: the signing key could not be opened.")) from None
    if key is None or cert is None:
        raise SigningError(_("The key file holds no signing key."))
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeptKeySigner(
        key=key,
        signing_cert=_asn1_cert(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in chain or []]),
    )


@register("pkcs12")
class Pkcs12Backend(Backend):
    def __init__(self):
        self.folder = Path(settings.SIGNATURE_PKCS12_DIR)
        self._seals: dict[str, Signer] = {}

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise SigningNotConfigured(_("No signing key is configured for %(name)s.") % {"name": path.stem}) from None

    def seal_file(self, agency: Agency) -> Path:
        from .pki import slug

        return self.folder / "seals" / f"{slug(agency.code)}.p12"

    def personal_file(self, person: Person) -> Path:
        from .pki import slug

        return self.folder / "people" / f"{slug(person.username)}.p12"

    def seal(self, agency: Agency) -> Signer:
        if agency.code not in self._seals:
            passphrase = settings.SIGNATURE_PKCS12_PASSPHRASE.encode()
            self._seals[agency.code] = signer_from_pkcs12(self._read(self.seal_file(agency)), passphrase)
        return self._seals[agency.code]

    def personal(self, person: Person, pin: str) -> Signer:
        if not pin:
            raise WrongPin(_("Enter the PIN of your signing key."))
        return signer_from_pkcs12(self._read(self.personal_file(person)), pin.encode())


@register("demo")
class DemoBackend(Pkcs12Backend):
    """The DEMO PKI: every agency and leader gets a demo certificate the first time one is needed."""

    def __init__(self):
        from .pki import DemoPKI

        self.pki = DemoPKI(settings.SIGNATURE_DEMO_PKI_DIR).ensure()
        self.folder = self.pki.folder
        self._seals = {}

    def seal_file(self, agency: Agency) -> Path:
        return self.pki.seal(agency.code, agency.name)

    def personal_file(self, person: Person) -> Path:
        return self.pki.personal(
            person.username,
            person.full_name,
            person.title,
            person.agency.name,
            pin=settings.SIGNATURE_DEMO_PIN.encode(),
        )


@register("pkcs11")
class Pkcs11Backend(Backend):
    """Keys on a PKCS#11 token. The seals' session is opened once per process and reused."""

    def __init__(self):
        self.module = settings.SIGNATURE_PKCS11_MODULE
        if not self.module:
            raise SigningNotConfigured("SIGNATURE_PKCS11_MODULE is not set.")
        self._session = None
        self._seals: dict[str, Signer] = {}
        self._lock = threading.Lock()

    def _open(self, *, token_label: str, slot: int | None, pin: str):
        from pkcs11 import exceptions as p11_errors
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import open_pkcs11_session

        try:
            return open_pkcs11_session(
                self.module,
                slot_no=slot,
                token_criteria=TokenCriteria(label=token_label) if token_label else None,
                user_pin=pin,
            )
        except p11_errors.PinIncorrect:
            raise WrongPin(_("The PIN is wrong: the signing token refused it.")) from None
        except p11_errors.PinLocked:
            raise SigningError(_("The signing token is locked after too many wrong PINs.")) from None
        except Exception as error:  # module missing, token absent, device unplugged or HSM down
            logger.warning("PKCS#11 token %r not available: %r", token_label or slot, error)
            raise SigningError(
                _("The signing token is not available (%(reason)s). Check that it is connected and try again.")
                % {"reason": type(error).__name__}
            ) from None

    def _signer(self, session, label: str) -> Signer:
        from pyhanko.sign.pkcs11 import PKCS11Signer

        return PKCS11Signer(session, cert_label=label, key_label=label, other_certs_to_pull=None)

    def seal(self, agency: Agency) -> Signer:
        with self._lock:
            if self._session is None:
                self._session = self._open(
                    token_label=settings.SIGNATURE_PKCS11_TOKEN_LABEL,
                    slot=settings.SIGNATURE_PKCS11_SLOT,
                    pin=settings.SIGNATURE_PKCS11_PIN,
                )
            if agency.code not in self._seals:
                label = settings.SIGNATURE_PKCS11_SEAL_KEY_LABEL.format(agency=agency.code)
                self._seals[agency.code] = self._signer(self._session, label)
            return self._seals[agency.code]

    def personal(self, person: Person, pin: str) -> Signer:
        if not pin:
            raise WrongPin(_("Enter the PIN of your signing key."))
        session = self._open(
            token_label=settings.SIGNATURE_PKCS11_PERSONAL_TOKEN_LABEL.format(username=person.username),
            slot=None,
            pin=pin,
        )
        label = settings.SIGNATURE_PKCS11_PERSONAL_KEY_LABEL.format(username=person.username)
        return self._signer(session, label)

    def close(self) -> None:
        if self._session is not None:
            with contextlib.suppress(Exception):  # closing a session of a token that went away
                self._session.close()
            self._session = None
            self._seals.clear()
