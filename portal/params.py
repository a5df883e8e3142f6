"""Numbers and keys read from what a visitor sends (query parameters, filter values, posted ids): one rule each.

``str.isdigit`` is true for characters ``int`` cannot read ("²") and for other scripts' digits ("١"), and a long
enough number overflows PostgreSQL's bigint: each answered 500 where a filter or an id was read that way. Here only
ASCII digits, at most 18 of them, are a number; anything else is no number (the filter is not applied, the id names
nothing).
"""

from django.core.exceptions import ValidationError


def number(value) -> int | None:
    """The whole number ``value`` spells in ASCII digits (below 10**18), or None."""
    text = value if isinstance(value, str) else str(value if value is not None else "")
    if 0 < len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None


def is_key(field, value) -> bool:
    """Whether ``value`` can be looked up in the model field ``field`` (an id, a code) without the database
    refusing it: ``"abc"`` for an integer id, or text with a NUL, would make the query itself fail."""
    text = str(value)
    if "\x00" in text:
        return False
    try:
        value = field.to_python(text)
        field.run_validators(value)  # an integer id within the database's range (a 30-digit "id" answered 500)
        field.get_prep_value(value)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True
