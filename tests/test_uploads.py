"""Uploads are what they claim to be: a PDF opens in a PDF parser with a page, an image's size in pixels is sane,
and whatever the bytes, a bad file is refused with a message naming it (a 4xx, never a 500) and nothing is stored."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse
from django.utils import translation
from knox.models import AuthToken
from pypdf import PdfWriter

from dossiers import services
from dossiers.constants import DocumentKind
from dossiers.models import Dossier
from dossiers.uploads import check_upload
from procedures.models import Agency, Procedure

from .factories import CitizenFactory
from .filing import BIRTH, HAC_THANH, image_bytes

# --- Files, built here byte by byte or with pypdf ---


@pytest.fixture(autouse=True)
def in_english():
    """The messages checked here are the English source texts (the suite's default language is Vietnamese)."""
    with translation.override("en"):
        yield


def real_pdf(pages: int = 1, **encryption) -> bytes:
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    if encryption:
        writer.encrypt(algorithm="RC4-128", **encryption)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_of_objects(*objects: bytes, trailer: bytes = b"") -> bytes:
    """A well-formed PDF (header, numbered objects, exact cross-reference table) around the given objects."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R%s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


CATALOG = b"<</Type/Catalog/Pages 2 0 R>>"
PDF_WITH_HTML = (
    b"%PDF-1.4\n<!DOCTYPE html><html><body><script>fetch('/ho-so/').then(r => r.text()).then(alert)</script>"
    b"</body></html>\n"
)
# The /Encrypt dictionary of AES-256 (revision 6) with hashes no password matches: opening it needs a password.
AES_ENCRYPTED_PDF = pdf_of_objects(
    CATALOG,
    b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
    b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
    b"<</Filter/Standard/V 5/R 6/Length 256/P -3904/O <%s>/U <%s>/OE <%s>/UE <%s>/Perms <%s>"
    b"/CF<</StdCF<</CFM/AESV3/AuthEvent/DocOpen/Length 32>>>>/StmF/StdCF/StrF/StdCF>>"
    % (b"ab" * 48, b"cd" * 48, b"ef" * 32, b"01" * 32, b"23" * 16),
    trailer=b"/Encrypt 4 0 R/ID[<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>]",
)
NO_PAGES_PDF = pdf_of_objects(CATALOG, b"<</Type/Pages/Kids[]/Count 0>>")
# A page tree whose only node lists itself as its kid, ninety thousand times over: it leads to no page.
LOOPING_PAGE_TREE_PDF = pdf_of_objects(CATALOG, b"<</Type/Pages/Count 1/Kids[" + b"2 0 R " * 90_000 + b"]>>")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims the given size, with almost no pixel data: tiny on disk, huge once decoded."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00"))
        + png_chunk(b"IEND", b"")
    )


BOMB_PNG = png_claiming(30_000, 30_000)  # 900 million pixels: Pillow raises DecompressionBombError
LARGE_PNG = png_claiming(10_000, 10_000)  # 100 million: over Pillow's limit, under twice it (only a warning)

DAMAGED = "is damaged or is not a real PDF file"
ENCRYPTED = "is protected by a password or encryption"
TOO_MANY_PIXELS = "is too large in pixels"


def check(content: bytes, name: str = "scan.pdf") -> str:
    return check_upload(SimpleUploadedFile(name, content), already_stored=0)


def refusal(content: bytes, name: str = "scan.pdf") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check(content, name)
    return caught.value


# --- check_upload, one file at a time ---


def test_a_real_pdf_is_accepted():
    assert check(real_pdf()) == DocumentKind.PDF
    assert check(real_pdf(pages=3)) == DocumentKind.PDF


def test_a_real_pdf_spooled_to_disk_is_accepted(settings):
    """Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE arrive as temporary files; the parser reads them as a stream."""
    upload = TemporaryUploadedFile("ban-quet.pdf", "application/pdf", 0, None)
    upload.write(real_pdf(pages=2))
    upload.size = upload.tell()
    upload.seek(0)

    assert check_upload(upload, already_stored=0) == DocumentKind.PDF
    assert upload.tell() == 0  # left at its start for hashing and storing
    upload.close()


def test_a_pdf_header_followed_by_html_and_script_is_refused():
    error = refusal(PDF_WITH_HTML, "to-khai.pdf")

    assert error.code == "pdf_damaged"
    assert error.messages == [f"“to-khai.pdf” {DAMAGED}. Save or scan it again as a PDF."]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(real_pdf()[: len(real_pdf()) // 2], id="truncated"),
        pytest.param(real_pdf()[:-40], id="cut-before-its-end"),
        pytest.param(NO_PAGES_PDF, id="no-page"),
        pytest.param(LOOPING_PAGE_TREE_PDF, id="looping-page-tree"),
        pytest.param(b"%PDF-", id="header-only"),
        pytest.param(b"%PDF-1.7\n" + bytes(range(256)) * 40, id="binary-noise"),
    ],
)
def test_a_broken_pdf_is_refused_as_damaged(content):
    error = refusal(content)

    assert error.code == "pdf_damaged"
    assert DAMAGED in error.messages[0]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(real_pdf(user_password="bi-mat"), id="user-password"),
        pytest.param(real_pdf(user_password="", owner_password="chu-so-huu"), id="owner-password-only"),
        pytest.param(AES_ENCRYPTED_PDF, id="aes-256"),
    ],
)
def test_an_encrypted_pdf_is_refused_with_its_own_message(content):
    error = refusal(content, "giay-chung-sinh.pdf")

    assert error.code == "pdf_encrypted"
    assert error.messages[0].startswith(f"“giay-chung-sinh.pdf” {ENCRYPTED}")
    assert DAMAGED not in error.messages[0]


@pytest.mark.parametrize("content", [BOMB_PNG, LARGE_PNG], ids=["30000x30000", "10000x10000"])
def test_an_image_claiming_too_many_pixels_is_refused(content):
    error = refusal(content, "anh.png")

    assert len(BOMB_PNG) < 100
    assert error.code == "image_too_large"
    assert error.messages[0].startswith(f"“anh.png” {TOO_MANY_PIXELS}")


def test_real_images_are_still_accepted_and_broken_ones_refused():
    assert check(image_bytes("PNG"), "anh.png") == DocumentKind.PNG
    assert check(image_bytes("JPEG"), "anh.jpg") == DocumentKind.JPEG
    broken = bytearray(image_bytes("PNG"))
    broken[30] ^= 0xFF  # the header's checksum no longer matches it

    assert refusal(bytes(broken), "anh.png").code == "type"
    assert refusal(b"\xff\xd8\xff\xe0 and nothing else", "anh.jpg").code == "type"


# --- Through the citizen's filing page and the API: a 4xx with the message, nothing stored ---

BAD_FILES = [
    pytest.param("to-khai.pdf", PDF_WITH_HTML, DAMAGED, id="pdf-with-html"),
    pytest.param("to-khai.pdf", real_pdf()[:200], DAMAGED, id="truncated-pdf"),
    pytest.param("to-khai.pdf", real_pdf(user_password="bi-mat"), ENCRYPTED, id="encrypted-pdf"),
    pytest.param("anh.png", BOMB_PNG, TOO_MANY_PIXELS, id="bomb-png"),
]


@pytest.fixture
def draft(catalogue) -> Dossier:
    procedure = Procedure.objects.get(code=BIRTH)
    return services.start_draft(
        procedure=procedure, applicant=CitizenFactory(), agency=Agency.objects.get(code=HAC_THANH), case=None
    )


def stored_files(dossier: Dossier) -> list[str]:
    try:
        _folders, files = default_storage.listdir(f"dossiers/{dossier.public_id}/")
    except FileNotFoundError:  # the local file system has no folder until a first file
        return []
    return files


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_the_filing_page_refuses_a_bad_file_with_its_message(client, draft, name, content, message):
    client.force_login(draft.applicant)
    slot = draft.case.documents.order_by("position").first()

    response = client.post(
        reverse("dossiers:documents", kwargs={"public_id": draft.public_id}),
        {f"document-{slot.pk}": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert f"“{name}” {message}" in response.content.decode()
    assert not draft.documents.exists()
    assert stored_files(draft) == []


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_the_api_refuses_a_bad_file_with_its_message(client, draft, name, content, message):
    _token, key = AuthToken.objects.create(user=draft.applicant)
    slot = draft.case.documents.order_by("position").first()

    response = client.post(
        f"/api/v1/drafts/{draft.public_id}/documents/",
        {"required_document": slot.pk, "file": SimpleUploadedFile(name, content)},
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert len(body["fields"]["file"]) == 1 and body["fields"]["file"][0].startswith(f"“{name}” {message}")
    assert not draft.documents.exists()
    assert stored_files(draft) == []


def test_the_api_and_the_page_still_take_a_real_pdf(client, draft):
    _token, key = AuthToken.objects.create(user=draft.applicant)
    first, second = draft.case.documents.order_by("position")[:2]
    client.force_login(draft.applicant)

    page = client.post(
        reverse("dossiers:documents", kwargs={"public_id": draft.public_id}),
        {f"document-{first.pk}": SimpleUploadedFile("giay-1.pdf", real_pdf())},
    )
    api = client.post(
        f"/api/v1/drafts/{draft.public_id}/documents/",
        {"required_document": second.pk, "file": SimpleUploadedFile("giay-2.pdf", real_pdf(pages=2))},
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    assert page.status_code == 302
    assert api.status_code == 201 and api.json()["content_type"] == "application/pdf"
    assert draft.documents.count() == 2 and len(stored_files(draft)) == 2
