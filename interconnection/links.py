"""Links the national portal follows to fetch a dossier's files: signed, expiring, never public.

A link names one file (a scan of the dossier, or its result) by kind and row id, signed with the project's secret
(``TimestampSigner``, its own salt) and valid ``NATIONAL_PORTAL_FILE_LINK_DAYS``; the view checks the signature and
the age before serving the file, as an attachment no shared cache keeps.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "interconnection.file-link"
DOCUMENT, RESULT = "d", "r"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def token_for(kind: str, pk: int) -> str:
    return _signer().sign(f"{kind}.{pk}")


def file_url(kind: str, pk: int) -> str:
    path = reverse("interconnection:file", kwargs={"token": token_for(kind, pk)})
    return settings.PORTAL_URL.rstrip("/") + path


def read(token: str) -> tuple[str, int]:
    """The (kind, id) a token names; ``signing.BadSignature`` (or ``SignatureExpired``) when it is not ours or is
    too old."""
    value = _signer().unsign(token, max_age=settings.NATIONAL_PORTAL_FILE_LINK_DAYS * 24 * 3600)
    kind, _, pk = value.partition(".")
    if kind not in (DOCUMENT, RESULT) or not pk.isdigit():
        raise signing.BadSignature("unknown link")
    return kind, int(pk)
