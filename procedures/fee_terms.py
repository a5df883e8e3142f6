"""How a fee item is charged, read from its description in the national database (``PHILEPHI.MOTA``).

``"Phí cấp bản sao ... nếu có yêu cầu: 8.000 đồng/bản"`` is charged per copy (``/bản``) and only when the
citizen asks for copies (``nếu có yêu cầu``). The importer stores both as ``FeeItem.per_unit`` and
``FeeItem.on_request``; pages name the unit (per copy, per page, ...).

Items of one channel are sometimes alternatives, not additions:

* a **reduced rate** for some people: ``"Sinh viên, người có công với cách mạng, thân nhân liệt sĩ: 100.000
  đồng/lần/người"`` beside the full ``"Phí cung cấp thông tin lý lịch tư pháp: 200.000 đồng/lần/người"``
  (``FeeItem.reduced_rate``: never billed with the full rate; the agency applies it on proof);
* the rate of **one case** of the procedure: ``"Đăng ký tạm trú theo danh sách nộp trực tuyến: 5.000 đồng/người"``
  beside ``"Đăng ký tạm trú (cá nhân, hộ gia đình) nộp trực tuyến: 7.000 đồng"`` (``FeeItem.case``: billed only
  to dossiers of that case; ``case_named``).
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


# Who a reduced rate is for, as such descriptions begin ("Sinh viên, người có công ...: 100.000 đồng"), or the words
# of a reduction anywhere ("được giảm 50%", "mức giảm").
_REDUCED_FOR = re.compile(
    r"^(?:sinh viên|học sinh|người có công|thân nhân|trẻ em|người cao tuổi|người khuyết tật|người thuộc hộ|hộ nghèo"
    r"|người dân tộc|đối tượng (?:được|ưu tiên|chính sách))"
)
_REDUCTION = re.compile(r"\bđược giảm\b|\bmức giảm\b|\bgiảm \d+\s*%")


def is_reduced_rate(description: str) -> bool:
    """A rate for some people instead of the full one: "Sinh viên, người có công ...: 100.000 đồng", "được giảm"."""
    text = _lower(description)
    return bool(_REDUCED_FOR.match(text) or _REDUCTION.search(text))


def case_named(description: str, cases: dict[int, str]) -> int | None:
    """The case (``{pk: name}``) whose name the description begins with, the longest when several do ("Đăng ký
    tạm trú theo danh sách ..." is that case's, not "Đăng ký tạm trú ..."'s); None when there is one case or none
    matches."""
    if len(cases) < 2:
        return None
    text = _plain(description)
    named = [(len(plain), pk) for pk, name in cases.items() if (plain := _plain(name)) and text.startswith(plain)]
    return max(named)[1] if named else None
