"""JSON from outside (the API's bodies, the national portal's deliveries, the SMS gateway's reports), read in one place.

JSON can carry text that nothing downstream can hold: an unpaired surrogate (``"\\ud800"``, which UTF-8 cannot
encode, so neither the database nor the response could be written) and the NUL character (``"\\u0000"``, which
PostgreSQL refuses in text and in ``jsonb``). Both are refused here, where the body is read, so that no view meets
them later as a 500. A surrogate pair (``"\\ud83d\\ude00"``) is one character once read, and is accepted.

The API's parsers are here too: a body they cannot read is refused in the caller's language.
"""

import json
import re

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableText(ValueError):
    """The JSON is well formed but holds a NUL character or an unpaired surrogate."""


def loads(body: bytes | str):
    """``json.loads``, refusing what cannot be stored; every error is a ``ValueError``."""
    try:
        data = json.loads(body)
    except RecursionError:  # thousands of nested brackets (the API's parser refuses them the same way)
        raise ValueError("nested too deeply") from None
    check(data)
    return data


def check(data) -> None:
    """Raise ``UnstorableText`` if a key or a text anywhere in ``data`` holds a NUL or an unpaired surrogate."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                raise UnstorableText(value.encode("utf-8", "backslashreplace").decode()[:80])
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def _unreadable(cause: BaseException | None) -> str:
    """Why a body is not JSON, in the caller's language (REST framework's text is English: "JSON parse error - …")."""
    if isinstance(cause, json.JSONDecodeError):
        return _("The body is not valid JSON (line %(line)s, column %(column)s).") % {
            "line": cause.lineno,
            "column": cause.colno,
        }
    if isinstance(cause, UnicodeDecodeError):
        return _("The body is not text in UTF-8.")
    return _("The body is not valid JSON.")  # NaN or Infinity, which JSON does not have


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what cannot be stored with the API's 400 (``parse_error``), and saying in the
    caller's language where a body that is not JSON breaks."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError as error:
            raise ParseError(_unreadable(error.__context__)) from None
        except RecursionError:  # a few kilobytes of "[[[[…" exhaust the decoder's stack: no API body nests so deep
            raise ParseError(_("The body is nested too deeply.")) from None
        try:
            check(data)
        except UnstorableText:
            raise ParseError(
                _("The body contains characters the portal does not accept (a NUL character or a broken one).")
            ) from None
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser (the API's uploads), its refusal of a body that is not multipart in the caller's
    language (REST framework's text is English: "Multipart form parse error - Invalid boundary …")."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(_("The body is not valid multipart/form-data.")) from None
