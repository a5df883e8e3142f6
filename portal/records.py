"""Texts the portal writes into its records, in the portal's language whatever the page that caused them.

A timeline note ("Received at the counter of …"), a payment's note or a refund's reason is stored once and read
later by the citizen, by officials, on notices and by the national portal. Written with ``gettext`` inside a
request, it took the language of whoever clicked: an official working in English left English notes on a
Vietnamese citizen's record, and a sweep wrote in whatever language its thread last served. ``recorded`` writes
them in ``LANGUAGE_CODE`` (Vietnamese). Mark the message with ``gettext_noop`` so it is still extracted for
translation; lazy values among the parameters (a status's label) are read in the same language. Texts built
elsewhere and stored as they are (the quote's lines, billed at submission) are built inside ``record_language()``.
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


@contextmanager
def record_language():
    with translation.override(settings.LANGUAGE_CODE):
        yield


def recorded(message: str, /, **params) -> str:
    with record_language():
        text = gettext(message)
        return text % {name: str(value) for name, value in params.items()} if params else text
