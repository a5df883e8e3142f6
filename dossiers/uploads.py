"""Checks on uploaded scans: the type is decided by the content, never by the file name.

The magic bytes say what a file claims to be; the file is then opened by a real parser (pypdf, Pillow) to
show that it is one. Nothing an uploader sends may raise past ``check_upload``: every parser failure becomes a
``ValidationError`` naming the file, so a bad file is a 400 with a message, never a 500.
"""

import hashlib
import io
import logging
import warnings
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .constants import DocumentKind

logger = logging.getLogger(__name__)

SIGNATURES = [
    (b"%PDF-", DocumentKind.PDF),
    (b"\xff\xd8\xff", DocumentKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", DocumentKind.PNG),
]

# A PDF needs only its first page found. pypdf's own limits bound every object it reads; walking the page tree
# to the first page (rather than listing every page) keeps a file with a huge or looping tree cheap to refuse.
PDF_PAGE_TREE_MAX_NODES = 64

PDF_ENCRYPTED = "encrypted"
PDF_DAMAGED = "damaged"
IMAGE_UNREADABLE = "unreadable"
IMAGE_TOO_MANY_PIXELS = "too_many_pixels"


def sniff(upload: UploadedFile) -> str | None:
    """The document kind the bytes say, or None. Leaves the file at its start."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _first_page_found(reader) -> bool:
    """Whether the page tree leads to a page, visiting at most ``PDF_PAGE_TREE_MAX_NODES`` nodes."""
    from pypdf.generic import ArrayObject, DictionaryObject

    pending = [reader.root_object["/Pages"]]
    for _visit in range(PDF_PAGE_TREE_MAX_NODES):
        if not pending:
            return False
        node = pending.pop().get_object()
        if not isinstance(node, DictionaryObject):
            continue
        node_type = node.get("/Type")
        if node_type == "/Page" or (node_type is None and "/Kids" not in node):
            return True
        kids = node.get("/Kids")
        kids = kids.get_object() if kids is not None else None
        if isinstance(kids, ArrayObject):
            pending.extend(reversed(kids[:PDF_PAGE_TREE_MAX_NODES]))  # depth first, first kid on top
    return False


def _pdf_problem(upload: UploadedFile) -> str | None:
    """None when pypdf opens the file unprotected and finds a page; else what is wrong with it.

    pypdf reads the stream (seeking to the cross-reference table and the objects it needs), so an upload spooled
    to a temporary file is not loaded whole into memory. ``strict=False`` lets it repair the small faults real
    scanners leave; what it cannot repair, and any exception it raises on a hostile file, counts as damaged.
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted:
            return PDF_ENCRYPTED
        if not _first_page_found(reader):
            return PDF_DAMAGED
    except (FileNotDecryptedError, DependencyError):  # DependencyError: AES, which only encrypted files use
        return PDF_ENCRYPTED
    except Exception:  # any parser failure on any input is the uploader's file, not our fault
        return PDF_DAMAGED
    finally:
        upload.seek(0)
    return None


def _image_problem(upload: UploadedFile) -> str | None:
    """None when Pillow reads the image's structure and its size in pixels is within Pillow's bomb limit."""
    from PIL import Image

    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Between the limit and twice it Pillow only warns; a scan never needs that many pixels.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
                    return IMAGE_TOO_MANY_PIXELS
                image.verify()  # parses the structure without decoding every pixel
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return IMAGE_TOO_MANY_PIXELS
    except Exception:  # UnidentifiedImageError, OSError, SyntaxError, struct.error…: not a readable image
        return IMAGE_UNREADABLE
    finally:
        upload.seek(0)
    return None


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
    if kind is None:
        raise _not_a_scan(name)
    if kind == DocumentKind.PDF:
        problem = _pdf_problem(upload)
        if problem == PDF_ENCRYPTED:
            raise ValidationError(
                _(
                    "“%(name)s” is protected by a password or encryption, so the agency could not open it. "
                    "Save or scan it again without protection."
                )
                % {"name": name},
                code="pdf_encrypted",
            )
        if problem == PDF_DAMAGED:
            raise ValidationError(
                _("“%(name)s” is damaged or is not a real PDF file. Save or scan it again as a PDF.") % {"name": name},
                code="pdf_damaged",
            )
        return kind
    problem = _image_problem(upload)
    if problem == IMAGE_TOO_MANY_PIXELS:
        raise ValidationError(
            _(
                "“%(name)s” is too large in pixels to be a scan. Scan or save it again at a lower resolution "
                "(300 dpi is enough)."
            )
            % {"name": name},
            code="image_too_large",
        )
    if problem == IMAGE_UNREADABLE:
        raise _not_a_scan(name)
    return kind


def _not_a_scan(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is not a PDF, JPEG or PNG file (whatever its name says). Scan or save it as one of these.")
        % {"name": name},
        code="type",
    )


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


# A paper document is rarely more than a few dozen pages; a scan of hundreds is a mistake (or a hostile file).
MAX_PAGES = 200


def combine_scans(uploads: Sequence[UploadedFile], *, already_stored: int = 0) -> tuple[bytes, int]:
    """The pages of ``uploads`` (PDFs, JPEG or PNG images, in order) as one PDF, and its number of pages.

    Each file passes the citizen's upload checks first (``check_upload``: its type from its content, its
    size); a file that fails raises that ValidationError, naming it."""
    from PIL import Image, ImageOps
    from pypdf import PdfReader, PdfWriter

    if not uploads:
        raise ValidationError(_("Choose the scanned pages of the document."), code="required")
    writer = PdfWriter()
    total = already_stored
    for upload in uploads:
        kind = check_upload(upload, already_stored=total)
        total += upload.size
        upload.seek(0)
        try:
            if kind == DocumentKind.PDF:
                writer.append(PdfReader(upload, strict=False))
            else:
                with Image.open(upload) as image:
                    page = ImageOps.exif_transpose(image).convert("RGB")
                    dpi = image.info.get("dpi", (300, 300))[0] or 300
                    buffer = io.BytesIO()
                    page.save(buffer, format="PDF", resolution=float(dpi))
                buffer.seek(0)
                writer.append(PdfReader(buffer))
        except Exception:  # a file the checks let through but that cannot be read to the end
            logger.info("Could not combine %r", upload.name, exc_info=True)
            raise ValidationError(
                _("“%(name)s” could not be read to the end. Scan or save it again.") % {"name": upload.name},
                code="unreadable",
            ) from None
        if len(writer.pages) > MAX_PAGES:
            raise ValidationError(
                _("A document may have at most %(max)s pages.") % {"max": MAX_PAGES}, code="too_many_pages"
            )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue(), len(writer.pages)
