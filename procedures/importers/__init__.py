"""Import procedure packages in the national procedures database's JSON shape.

One record per procedure (``MaTTHC``, ``TENTTHC``, ``CAPTHUCHIEN``, ``LINHVUCTHUCHIEN``, ``COQUANTHUCHIEN``,
``CACHTHUCTHUCHIEN``, ``THANHPHANHOSO``, ``TRINHTUTHUCHIEN``, ``CANCUPHAPLY``, ``KETQUATHUCHIEN``, ``YEUCAU``).
Each record is validated fully before anything is written and imported in its own transaction, keyed by its
national code: importing the same package again updates records in place and never duplicates them. A bad
record is reported with its position, code and reason; the others are imported all the same. A record still
published at district level ("Cấp huyện", gone since 1 July 2025) is imported, flagged ``district_legacy`` and given
the level of its district rule (``procedures.routing.level_for_district_record``); the report lists it.

- ``parsing``: one record to plain dataclasses (``ParsedProcedure`` …), checked, with no database access;
- ``saving``: a ``ParsedProcedure`` synced into the catalogue's models in one transaction;
- ``package``: reading a package file and importing its records one by one into an ``ImportReport``.
"""

from .package import ImportReport, import_package, load_package
from .parsing import (
    ParsedCase,
    ParsedDocument,
    ParsedFee,
    ParsedLaw,
    ParsedOption,
    ParsedProcedure,
    RecordError,
    document_required,
    fee_kind,
    parse_record,
    replaced_by_eform,
)
from .saving import save_procedure

_replaced_by_eform = replaced_by_eform  # its name before the split, still imported by tests

__all__ = [
    "ImportReport",
    "ParsedCase",
    "ParsedDocument",
    "ParsedFee",
    "ParsedLaw",
    "ParsedOption",
    "ParsedProcedure",
    "RecordError",
    "document_required",
    "fee_kind",
    "import_package",
    "load_package",
    "parse_record",
    "replaced_by_eform",
    "save_procedure",
]
