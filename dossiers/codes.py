"""Dossier codes ``<agency code>-<YYMMDD>-<NNNN>`` (Circular 01/2018, art. 19), never reused, race-free.

The only home of the code's format: how it is written (``format_dossier_code``), the one pattern every reader
checks it against (``DOSSIER_CODE_RE``: the public look-up, its API, the back office's search), how a typed or
scanned code is read (``normalise_code``), and how the next one is issued (``next_dossier_code``).

- ``<agency code>``: the receiving agency's electronic code (``procedures.models.AGENCY_CODE_PATTERN``);
- ``<YYMMDD>``: the day of submission, in Vietnam's calendar;
- ``<NNNN>``: the agency's sequence number of that day, from 1, written with four digits (``0001`` … ``9999``).
  The circular gives four digits; an agency that receives more than 9,999 dossiers in one day goes on with
  ``10000``, ``10001`` …: the number widens, never wraps round (a code is never reused) and never stops
  submissions. The pattern therefore takes exactly four digits, or five and more without a leading zero:
  every code issued here, and no spelling of the same number that was not.

One atomic upsert per code: concurrent submissions to the same agency on the same day queue on the counter row
and each gets the next number, on PostgreSQL and SQLite alike. A code the pattern would refuse (an agency whose
code is not in the national format) is never issued: the submission fails instead, with nothing saved.
"""

import re
from datetime import date

from django.utils.translation import gettext as _

from portal.counters import next_number
from portal.errors import DomainError
from procedures.models import AGENCY_CODE_PATTERN, Agency

from .models import DossierCodeCounter

SEQUENCE_DIGITS = 4
SEQUENCE_PATTERN = r"(?:\d{4}|[1-9]\d{4,})"  # 0001 … 9999, then 10000 … (never 00001: no code was issued so)
DOSSIER_CODE_RE = re.compile(rf"^{AGENCY_CODE_PATTERN}-\d{{6}}-{SEQUENCE_PATTERN}$")
CODE_EXAMPLE = "000.20.30.H56-261122-0001"


class DossierCodeUnavailable(DomainError):
    code = "dossier_code_unavailable"


def format_dossier_code(*, agency_code: str, day: date, number: int) -> str:
    """``000.20.30.H56``, 22 Nov 2026, 7 → ``000.20.30.H56-261122-0007``; 10000 → ``…-261122-10000``."""
    return f"{agency_code}-{day:%y%m%d}-{number:0{SEQUENCE_DIGITS}d}"


def normalise_code(raw: str) -> str:
    """Codes are typed by hand or scanned: spaces dropped, letters upper-cased."""
    return "".join((raw or "").split()).upper()


def is_dossier_code(code: str) -> bool:
    return bool(DOSSIER_CODE_RE.match(code))


def next_dossier_code(*, agency: Agency, day: date) -> str:
    number = next_number(DossierCodeCounter, agency=agency.pk, day=day)
    code = format_dossier_code(agency_code=agency.code, day=day, number=number)
    if not is_dossier_code(code):
        raise DossierCodeUnavailable(
            _(
                "No dossier code can be issued: the electronic code of %(agency)s (%(code)s) is not in the national "
                "format. Ask the portal's administrator to correct it."
            )
            % {"agency": agency.name, "code": agency.code}
        )
    return code
