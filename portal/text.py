"""Vietnamese text helpers: a search key that ignores diacritics and case (the catalogue, people's names)."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z.]+")
_LOOSE_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")  # keep dots only inside codes such as 1.001193


def fold(text: str) -> str:
    """Fold Vietnamese text to lowercase ASCII words: ``"ĐĂNG KÝ Khai sinh"`` → ``"dang ky khai sinh"``."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_LOOSE_DOT.sub(" ", _NON_WORD.sub(" ", stripped.lower())).split())
