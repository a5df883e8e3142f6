"""Django's sessions (``cached_db`` with the shared cache, ``db`` without one), with the cookie's key checked first.

Django checks only a key's length, and a cookie can carry any character: a quoted cookie with an octal escape
(``sessionid="abcdefgh\\000"``) reaches the store as a key with a NUL, and every page answered 500 when PostgreSQL
refused it. A key Django could not have made is no session at all: the visitor is anonymous, as with an expired
one, and gets a new key when a session is needed. Keys and stored sessions are unchanged (same cache prefix).
"""

import string

_KEY_CHARACTERS = frozenset(string.ascii_lowercase + string.digits)  # Django's VALID_KEY_CHARS


def valid_key(key) -> bool:
    """8 to 40 of Django's key characters (it makes 32; the column holds 40)."""
    return isinstance(key, str) and 8 <= len(key) <= 40 and set(key) <= _KEY_CHARACTERS


class StrictKey:
    def _validate_session_key(self, key):
        return valid_key(key)
