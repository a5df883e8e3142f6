"""The national catalogue pulled through the existing importer (``procedures.importers``): the list of procedures
(``LayDanhSachTTHC``), each procedure (``LayThuTuc``, the national package's shape), plus fields and agencies.

The importer keeps its idempotence (keyed by national code) and its error report; a procedure the portal fails to
give is reported the same way, with its code and the portal's message.
"""

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from procedures.importers import ImportReport, import_package
from procedures.models import Agency, Field
from procedures.selectors import catalogue_changed

from . import client

logger = logging.getLogger(__name__)


@dataclass
class PullReport:
    imported: ImportReport
    fetch_errors: list[tuple[str, str]] = field(default_factory=list)  # (code, reason)
    fields: int = 0
    agencies: int = 0

    @property
    def errors(self) -> list[tuple[str, str]]:
        return self.fetch_errors + [(code, reason) for _position, code, reason in self.imported.errors]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict:
        return {
            "created": len(self.imported.created),
            "updated": len(self.imported.updated),
            "rejected": len(self.errors),
            "fields": self.fields,
            "agencies": self.agencies,
        }


def _update_fields(rows: list[dict]) -> int:
    count = 0
    for row in rows:
        code = str(row.get("MALINHVUC") or row.get("MaLinhVuc") or "").strip()
        name = str(row.get("TENLINHVUC") or row.get("TenLinhVuc") or "").strip()
        if not code or not name:
            continue
        try:
            with transaction.atomic():
                Field.objects.update_or_create(name=name, defaults={"code": code[:32]})
        except IntegrityError:
            continue
        count += 1
    return count


def _update_agencies(rows: list[dict]) -> int:
    """Names of the agencies we already have, by electronic code (new agencies are set up in the back office)."""
    count = 0
    for row in rows:
        code = str(row.get("MACOQUAN") or row.get("MaCoQuan") or "").strip()
        name = str(row.get("TENCOQUAN") or row.get("TenCoQuan") or "").strip()
        if code and name:
            count += Agency.objects.filter(code=code).exclude(name=name).update(name=name[:255])
    if count:
        catalogue_changed()  # a bulk update sends no signal: pages and names kept under the catalogue's version
    return count


def pull(*, portal=None) -> PullReport:
    portal = portal or client.adapter()
    listed = portal.procedures()
    records, fetch_errors = [], []
    for entry in listed:
        code = str(entry.get("MATTHC") or entry.get("MaTTHC") or "").strip()
        if not code:
            fetch_errors.append(("?", "LayDanhSachTTHC: an entry without MATTHC"))
            continue
        try:
            record = portal.procedure(code)
        except client.InterconnectionError as exc:
            fetch_errors.append((code, f"LayThuTuc: {exc.message}"))
            continue
        if not isinstance(record, dict):
            fetch_errors.append((code, "LayThuTuc: no procedure in the answer"))
            continue
        record.setdefault("MaTTHC", code)
        records.append(record)
    report = PullReport(imported=import_package(records), fetch_errors=fetch_errors)
    for what, fetch, update in (
        ("fields", portal.fields, _update_fields),
        ("agencies", portal.agencies, _update_agencies),
    ):
        try:
            setattr(report, what, update(fetch()))
        except client.InterconnectionError as exc:
            report.fetch_errors.append((what, exc.message))
    return report
