"""Put a key and its certificate from a PKCS#12 file on a PKCS#11 token (tests, demo, an agency's first set-up).

    python -m portal.signing.token --module /usr/lib/softhsm/libsofthsm2.so --token dvc-seals --pin 1234 \\
        --label seal-000.20.30.H56 seal.p12 [--passphrase ...]

The key is stored sensitive and not extractable; the certificate under the same label (what the ``pkcs11`` signer
looks for). Needs no Django: the test command runs it before the tests start.
"""

import argparse
import hashlib
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12


def _int(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")


def import_pkcs12(*, module: str, token: str, pin: str, label: str, data: bytes, passphrase: bytes | None) -> None:
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

    key, cert, _chain = pkcs12.load_key_and_certificates(data, passphrase or None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SystemExit("Only RSA keys are imported by this tool.")
    numbers = key.private_numbers()
    der = cert.public_bytes(serialization.Encoding.DER)
    key_id = hashlib.sha1(der).digest()[:8]  # noqa: S324 - an identifier, not a security function
    lib = pkcs11.lib(module)
    with lib.get_token(token_label=token).open(user_pin=pin, rw=True) as session:
        for old in session.get_objects({Attribute.LABEL: label}):
            old.destroy()
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                Attribute.KEY_TYPE: KeyType.RSA,
                Attribute.LABEL: label,
                Attribute.ID: key_id,
                Attribute.TOKEN: True,
                Attribute.PRIVATE: True,
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True,
                Attribute.MODULUS: _int(numbers.public_numbers.n),
                Attribute.PUBLIC_EXPONENT: _int(numbers.public_numbers.e),
                Attribute.PRIVATE_EXPONENT: _int(numbers.d),
                Attribute.PRIME_1: _int(numbers.p),
                Attribute.PRIME_2: _int(numbers.q),
                Attribute.EXPONENT_1: _int(numbers.dmp1),
                Attribute.EXPONENT_2: _int(numbers.dmq1),
                Attribute.COEFFICIENT: _int(numbers.iqmp),
            }
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.LABEL: label,
                Attribute.ID: key_id,
                Attribute.TOKEN: True,
                Attribute.VALUE: der,
                Attribute.SUBJECT: cert.subject.public_bytes(),
            }
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--pin", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--passphrase", default="")
    parser.add_argument("file")
    args = parser.parse_args(argv)
    with open(args.file, "rb") as handle:
        data = handle.read()
    import_pkcs12(
        module=args.module,
        token=args.token,
        pin=args.pin,
        label=args.label,
        data=data,
        passphrase=args.passphrase.encode() or None,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
