"""A package: a file of records, imported one record at a time, each in its own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..constants import AdministrativeLevel
from ..models import Procedure
from ..routing import level_for_district_record
from .parsing import RecordError, parse_record
from .saving import save_procedure


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (position, code, reason)
    # Records still published at district level ("Cấp huyện"): imported, flagged, and at their rule's level.
    district: list[tuple[str, AdministrativeLevel]] = field(default_factory=list)  # (code, level assigned)

    @property
    def ok(self) -> bool:
        return not self.errors


def load_package(path: Path | str) -> list[Any]:
    """Read a package file: a JSON list of records, or an object holding them under ``data``/``items``."""
    with open(path, encoding="utf-8-sig") as fh:
        payload = json.load(fh)
    if isinstance(payload, Mapping):
        for key in ("data", "items", "result"):
            if isinstance(payload.get(key), list):
                return payload[key]
        return [payload]
    if not isinstance(payload, list):
        raise RecordError("the package must be a JSON list of procedure records")
    return payload


def import_package(records: Iterable[Any]) -> ImportReport:
    """Parse and save each record; a bad record is reported with its position, code and reason, not saved."""
    report = ImportReport()
    for position, record in enumerate(records, start=1):
        code = record.get("MaTTHC", "") if isinstance(record, Mapping) else ""
        try:
            parsed = parse_record(record)
            created = save_procedure(parsed=parsed)
        except RecordError as exc:
            report.errors.append((position, str(code or "?"), str(exc)))
            continue
        (report.created if created else report.updated).append(parsed.code)
        if parsed.at_district:
            procedure = Procedure.objects.select_related("field").get(code=parsed.code)
            report.district.append((parsed.code, level_for_district_record(procedure)))
    return report
