"""Helpers for tests of online filing: real file bytes and a complete birth-registration declaration."""

import io

from PIL import Image
from pypdf import PdfWriter

BIRTH = "1.001193"  # level 4, commune
MARRIAGE = "1.000894"  # level 3, commune
HAC_THANH = "000.20.30.H56"  # Ủy ban nhân dân phường Hạc Thành


def pdf_bytes(pages: int = 1, note: str = "", filler: int = 0) -> bytes:
    """A real PDF of blank A4 pages as pypdf writes it (the same bytes every time); ``note`` makes the bytes
    distinct, ``filler`` adds that many bytes as an attached file (a large scan)."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    if note:
        writer.add_metadata({"/Subject": note})
    if filler:
        unit = f"scan {note} ".encode()
        writer.add_attachment("filler.txt", (unit * (filler // len(unit) + 1))[:filler])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF_BYTES = pdf_bytes()


def image_bytes(kind: str = "PNG", size=(60, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def address(prefix: str, ward: str = "Hạc Thành", street: str = "12 Lê Lợi") -> dict:
    return {f"{prefix}_province": "38", f"{prefix}_ward": ward, f"{prefix}_street": street}


def birth_declaration(**overrides) -> dict:
    data = {
        "requester_name": "Nguyễn Văn An",
        "requester_id": "038090001234",
        **address("requester_address"),
        "requester_relation": "Cha",
        "child_name": "Nguyễn Minh Khôi",
        "child_sex": "Nam",
        "child_birth_date": "2026-11-01",
        "child_birth_place": "Bệnh viện Đa khoa tỉnh Thanh Hóa",
        "child_ethnicity": "Kinh",
        "child_nationality": "Việt Nam",
        "father_name": "Nguyễn Văn An",
        "father_birth_year": "1990",
        "father_ethnicity": "Kinh",
        "father_nationality": "Việt Nam",
        "mother_name": "Lê Thị Hoa",
        "mother_birth_year": "1992",
        "mother_ethnicity": "Kinh",
        "mother_nationality": "Việt Nam",
        **address("mother_address"),
        "copies": "1",
    }
    data.update(overrides)
    return data


def api_declaration(**overrides) -> dict:
    """The birth declaration as an API client sends it: addresses as objects, numbers as numbers."""
    flat = birth_declaration(**overrides)
    prefixes = ("requester_address", "mother_address")
    answers = {k: v for k, v in flat.items() if not k.startswith(prefixes)}
    for prefix in prefixes:
        answers[prefix] = {key: flat[f"{prefix}_{key}"] for key in ("province", "ward", "street")}
    answers["copies"] = int(flat["copies"])
    return answers
