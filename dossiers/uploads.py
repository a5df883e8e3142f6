"""Checks on uploaded scans: the type is decided by the content (magic bytes), never by the file name."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .constants import DocumentKind

SIGNATURES = [
    (b"%PDF-", DocumentKind.PDF),
    (b"\xff\xd8\xff", DocumentKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", DocumentKind.PNG),
]


def sniff(upload: UploadedFile) -> str | None:
    """The document kind the bytes say, or None. Leaves the file at its start."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _image_is_readable(upload: UploadedFile) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()  # parses the structure without decoding every pixel
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    finally:
        upload.seek(0)
    return True


def check_upload(upload: UploadedFile, *, already_stored: int) -> str:
    """Return the sniffed content type or raise ValidationError saying, with the file name, what is wrong."""
    name = upload.name or _("the file")
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if upload.size > settings.DOSSIER_MAX_FILE_SIZE:
        raise ValidationError(
            _("“%(name)s” is %(size)s; a file may be at most %(max)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "max": filesizeformat(settings.DOSSIER_MAX_FILE_SIZE),
            },
            code="too_large",
        )
    if already_stored + upload.size > settings.DOSSIER_MAX_TOTAL_SIZE:
        raise ValidationError(
            _("“%(name)s” would take the dossier over its limit of %(max)s in all; make the scans smaller.")
            % {"name": name, "max": filesizeformat(settings.DOSSIER_MAX_TOTAL_SIZE)},
            code="dossier_too_large",
        )
    kind = sniff(upload)
    if kind is None or (kind != DocumentKind.PDF and not _image_is_readable(upload)):
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file (whatever its name says). Scan or save it as one of these.")
            % {"name": name},
            code="type",
        )
    return kind


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
