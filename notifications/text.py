"""SMS text: Vietnamese transliterated to plain ASCII, cut to whole SMS parts.

Carriers take brand-name SMS in the GSM 7-bit alphabet. Letters lose their diacritics (``Hồ sơ đã được tiếp
nhận`` → ``Ho so da duoc tiep nhan``, ``Đ`` → ``D``), case is kept, typographic punctuation becomes its ASCII
twin, and characters that cost two septets (``[]{}|~^\\``) are replaced so each character is one. A message of
up to 160 characters is one SMS; a longer one is sent as concatenated parts of 153 characters (7 go to the
header that joins them).
"""

import unicodedata

SINGLE_PART = 160
CONCATENATED_PART = 153

_REPLACEMENTS = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "`": "'",
        "–": "-",
        "—": "-",
        "−": "-",
        "…": "...",
        "•": "-",
        "·": "-",
        "→": "->",
        "№": "No.",
        "\u00a0": " ",
        "[": "(",
        "]": ")",
        "{": "(",
        "}": ")",
        "|": "/",
        "\\": "/",
        "~": "-",
        "^": "",
    }
)


def transliterate(text: str) -> str:
    """Plain ASCII with the case kept: ``"ĐĂNG KÝ Khai sinh"`` → ``"DANG KY Khai sinh"``."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_REPLACEMENTS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in stripped.translate(_REPLACEMENTS) if " " <= ch <= "~" or ch == "\n")


def sms_parts(text: str) -> int:
    if len(text) <= SINGLE_PART:
        return 1
    return -(-len(text) // CONCATENATED_PART)


def sms_text(body: str, *, brand: str, max_parts: int) -> str:
    """The SMS as sent: brand name in front, ASCII, one line, at most ``max_parts`` parts (cut with "...")."""
    text = " ".join(transliterate(body).split())
    if brand:
        text = f"{transliterate(brand).strip()}: {text}"
    limit = SINGLE_PART if max_parts <= 1 else CONCATENATED_PART * max_parts
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text
