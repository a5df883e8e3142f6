"""How a fee item is charged, read from its description in the national database (``PHILEPHI.MOTA``).

``"Phí cấp bản sao ... nếu có yêu cầu: 8.000 đồng/bản"`` is charged per copy (``/bản``) and only when the
citizen asks for copies (``nếu có yêu cầu``). The importer stores both as ``FeeItem.per_unit`` and
``FeeItem.on_request``; pages name the unit (per copy, per page, ...).
"""

import re
import unicodedata

# The units a fee is counted in, as written after "đồng/" or "mỗi", with and without diacritics.
UNITS = {"bản": "copy", "ban": "copy", "trang": "page", "tờ": "sheet", "người": "person", "nguoi": "person"}
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_PER_UNIT = re.compile(rf"(?:/\s*|\bmỗi\s+|\bmoi\s+)({_UNIT})(?![\w])")
_ON_REQUEST = re.compile(
    r"(?:nếu|khi|trường hợp)\s+có\s+(?:yêu\s+cầu|nhu\s+cầu)|theo\s+yêu\s+cầu|\(\s*nếu\s+có\s*\)"
    r"|(?:neu|khi|truong hop)\s+co\s+(?:yeu\s+cau|nhu\s+cau)|theo\s+yeu\s+cau|\(\s*neu\s+co\s*\)"
)


def _lower(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").lower().split())


def _plain(text: str) -> str:
    """Lowercase without diacritics, punctuation kept: "Nếu có yêu cầu" → "neu co yeu cau"."""
    text = _lower(text).replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def unit_of(description: str) -> str:
    """``copy``, ``page``, ``sheet`` or ``person`` when the amount is per unit ("đồng/bản", "mỗi trang"); else ""."""
    text = _lower(description)
    match = _PER_UNIT.search(text)
    if match is None:  # typed without diacritics: "dong/ban", "moi trang" ("to" is left out: "tổ" folds to it)
        match = _PER_UNIT.search(_plain(description))
        if match is not None and match.group(1) not in ("ban", "trang", "nguoi"):
            match = None
    return UNITS[match.group(1)] if match else ""


def is_per_unit(description: str) -> bool:
    return bool(unit_of(description))


def is_on_request(description: str) -> bool:
    """Only when asked for: "nếu có yêu cầu", "khi có yêu cầu", "theo yêu cầu", "(nếu có)"."""
    return bool(_ON_REQUEST.search(_lower(description)) or _ON_REQUEST.search(_plain(description)))
