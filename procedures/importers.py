"""Import procedure packages in the national procedures database's JSON shape.

One record per procedure (``MaTTHC``, ``TENTTHC``, ``CAPTHUCHIEN``, ``LINHVUCTHUCHIEN``, ``COQUANTHUCHIEN``,
``CACHTHUCTHUCHIEN``, ``THANHPHANHOSO``, ``TRINHTUTHUCHIEN``, ``CANCUPHAPLY``, ``KETQUATHUCHIEN``, ``YEUCAU``).
Each record is validated fully before anything is written and imported in its own transaction, keyed by its
national code: importing the same package again updates records in place and never duplicates them. A bad
record is reported with its position, code and reason; the others are imported all the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from . import fee_terms
from .constants import AdministrativeLevel, Channel, FeeKind, ServiceLevel
from .models import (
    PROCEDURE_CODE_VALIDATOR,
    Agency,
    FeeItem,
    Field,
    FormTemplate,
    LegalDocument,
    Procedure,
    ProcedureCase,
    ProcedureStep,
    ProcessingOption,
    RequiredDocument,
)
from .text import fold

LEVEL_BY_NAME = {
    "cap tinh": AdministrativeLevel.PROVINCE,
    "cap huyen": AdministrativeLevel.DISTRICT,
    "cap xa": AdministrativeLevel.COMMUNE,
}
WORKING_DAY_UNITS = {"ngay", "ngay lam viec"}


class RecordError(Exception):
    """A record of the package cannot be imported; the message says why, in plain words."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (position, code, reason)

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
    report = ImportReport()
    for position, record in enumerate(records, start=1):
        code = record.get("MaTTHC", "") if isinstance(record, Mapping) else ""
        try:
            parsed = parse_record(record)
            with transaction.atomic():
                created = _save(parsed)
        except RecordError as exc:
            report.errors.append((position, str(code or "?"), str(exc)))
            continue
        (report.created if created else report.updated).append(parsed.code)
    return report


# --- Parsing: from the national shape to plain values, with every check done before writing ----------


@dataclass
class ParsedFee:
    kind: str
    code: str
    amount: int
    description: str
    per_unit: bool = False  # "8.000 đồng/bản": times the quantity asked for
    on_request: bool = False  # "nếu có yêu cầu": only when asked for


@dataclass
class ParsedOption:
    channel: int
    time_value: Decimal | None
    time_unit: str
    description: str
    fees: list[ParsedFee]


@dataclass
class ParsedDocument:
    code: str
    name: str
    originals: int
    copies: int
    template_name: str


@dataclass
class ParsedCase:
    name: str
    documents: list[ParsedDocument] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)


@dataclass
class ParsedLaw:
    number: str
    title: str
    issued_on: date | None
    issuer: str


@dataclass
class ParsedProcedure:
    code: str
    name: str
    field_name: str
    field_code: str
    levels: set[int]
    bodies: list[tuple[str, str]]  # (agency code, name)
    service_level: int | None
    options: list[ParsedOption]
    cases: list[ParsedCase]
    laws: list[ParsedLaw]
    result: str
    requirements: str
    source: str
    unverified: list[str]


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise RecordError(f"{what} must be text")
    return " ".join(value.split()) if "\n" not in value else value.strip()


def _list(record: Mapping, key: str) -> list[Mapping]:
    value = record.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise RecordError(f"{key} must be a list of objects")
    return value


def _count(value: Any, what: str) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RecordError(f"{what} must be a whole number, got {value!r}") from None
    if number < 0 or (isinstance(value, float) and number != value):
        raise RecordError(f"{what} must be a whole number ≥ 0, got {value!r}")
    return number


def _amount(value: Any) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, str):
        value = re.sub(r"[.\s,đ]|đồng", "", value, flags=re.IGNORECASE)
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise RecordError(f"SOTIEN must be an amount in VND, got {value!r}") from None
    if amount < 0 or amount != amount.to_integral_value():
        raise RecordError(f"SOTIEN must be a whole, non-negative number of VND, got {value!r}")
    return int(amount)


def _duration(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise RecordError(f"THOIGIANGIAIQUYET must be a number, got {value!r}") from None
    if number < 0 or number >= 100000:
        raise RecordError(f"THOIGIANGIAIQUYET is out of range: {value!r}")
    return number.quantize(Decimal("0.1"))


def _date(value: Any) -> date | None:
    text = _text(value, "NGAYBANHANH")
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text[:10], fmt).date()  # noqa: DTZ007 - a calendar date, not a time
        except ValueError:
            continue
    raise RecordError(f"NGAYBANHANH must be a date such as 20/11/2014, got {text!r}")


CONDITIONAL_REMARKS = ("truong hop", "neu co", "doi voi", "neu")


def _replaced_by_eform(name: str) -> bool:
    """The declaration itself, which online is the interactive e-form: "Tờ khai … theo mẫu (nộp trực tiếp) hoặc
    Mẫu hộ tịch điện tử tương tác … (nộp trực tuyến)"."""
    folded = fold(name)
    return folded.startswith(("to khai", "don ")) and ("nop truc tuyen" in folded or "dien tu tuong tac" in folded)


def _document_required(name: str) -> bool:
    """Documents only some applicants need ("(trường hợp ...)", "nếu có") or only show ("Xuất trình") are optional."""
    folded = fold(name)
    remarks = [fold(remark) for remark in re.findall(r"\(([^)]*)\)", name)]
    return not (
        folded.startswith("xuat trinh")
        or "trong truong hop" in folded
        or "neu co" in folded
        or any(remark.startswith(CONDITIONAL_REMARKS) for remark in remarks)
    )


def _fee_kind(description: str) -> str:
    """A charge (``lệ phí``) or a fee (``phí``), as the description names it; charges by default."""
    folded = f" {fold(description)} "
    if folded.startswith(" le phi "):
        return FeeKind.CHARGE
    if folded.startswith(" phi "):
        return FeeKind.FEE
    return FeeKind.FEE if " phi " in folded.replace(" le phi ", " ") else FeeKind.CHARGE


def parse_record(record: Any) -> ParsedProcedure:
    if not isinstance(record, Mapping):
        raise RecordError("a record must be a JSON object")
    code = _text(record.get("MaTTHC"), "MaTTHC")
    if not code:
        raise RecordError("MaTTHC (the national code) is missing")
    try:
        PROCEDURE_CODE_VALIDATOR(code)
    except ValidationError:
        raise RecordError(f"MaTTHC {code!r} is not a national procedure code such as 1.001193") from None
    name = _text(record.get("TENTTHC"), "TENTTHC")
    if not name:
        raise RecordError("TENTTHC (the procedure name) is missing")

    levels: set[int] = set()
    for item in _list(record, "CAPTHUCHIEN"):
        raw = item.get("CAPTHUCHIEN")
        level = raw if raw in AdministrativeLevel.values else LEVEL_BY_NAME.get(fold(_text(item.get("TENCAP"), "")))
        if level is None:
            raise RecordError(f"CAPTHUCHIEN {raw!r} ({item.get('TENCAP')!r}) is not province, district or commune")
        levels.add(int(level))

    fields_ = _list(record, "LINHVUCTHUCHIEN")
    field_name = _text(fields_[0].get("TENLINHVUC"), "TENLINHVUC") if fields_ else ""
    field_code = _text(fields_[0].get("MALINHVUC"), "MALINHVUC") if fields_ else ""

    bodies = [
        (_text(item.get("MADONVI"), "MADONVI"), _text(item.get("TENDONVI"), "TENDONVI"))
        for item in _list(record, "COQUANTHUCHIEN")
    ]

    options: list[ParsedOption] = []
    for item in _list(record, "CACHTHUCTHUCHIEN"):
        channel = item.get("KENH")
        if channel not in Channel.values:
            raise RecordError(f"KENH {channel!r} must be 1 (in person), 2 (online) or 3 (post)")
        for time in _list(item, "THOIGIAN"):
            fees = []
            for fee in _list(time, "PHILEPHI"):
                description = _text(fee.get("MOTA"), "PHILEPHI.MOTA")
                fees.append(
                    ParsedFee(
                        kind=_fee_kind(description),
                        code=_text(fee.get("MAPHILEPHI"), "MAPHILEPHI"),
                        amount=_amount(fee.get("SOTIEN")),
                        description=description,
                        per_unit=fee_terms.is_per_unit(description),
                        on_request=fee_terms.is_on_request(description),
                    )
                )
            options.append(
                ParsedOption(
                    channel=channel,
                    time_value=_duration(time.get("THOIGIANGIAIQUYET")),
                    time_unit=_text(time.get("DONVITINH"), "DONVITINH"),
                    description=_text(time.get("MOTA"), "THOIGIAN.MOTA"),
                    fees=fees,
                )
            )

    cases: dict[str, ParsedCase] = {}
    for item in _list(record, "THANHPHANHOSO"):
        case = cases.setdefault(_text(item.get("TRUONGHOP"), "TRUONGHOP"), ParsedCase(name=""))
        case.name = _text(item.get("TRUONGHOP"), "TRUONGHOP")
        for doc in _list(item, "GIAYTO"):
            doc_name = _text(doc.get("TENGIAYTO"), "TENGIAYTO")
            if not doc_name:
                raise RecordError("a document in THANHPHANHOSO has no TENGIAYTO (name)")
            case.documents.append(
                ParsedDocument(
                    code=_text(doc.get("MAGIAYTO"), "MAGIAYTO"),
                    name=doc_name,
                    originals=_count(doc.get("SOBANCHINH"), "SOBANCHINH"),
                    copies=_count(doc.get("SOBANSAO"), "SOBANSAO"),
                    template_name=_text(doc.get("TENMAUDON"), "TENMAUDON")[:255],
                )
            )
    for item in _list(record, "TRINHTUTHUCHIEN"):
        case_name = _text(item.get("TRUONGHOP"), "TRUONGHOP")
        steps = [
            _text(step.get("TENTRINHTU"), "TENTRINHTU") for step in _list(item, "TRINHTU") if step.get("TENTRINHTU")
        ]
        if case_name in cases:
            targets = [cases[case_name]]
        elif not case_name and cases:
            targets = list(cases.values())  # steps common to every case
        elif "" in cases:
            targets = [cases[""]]  # documents were listed for all cases together
        else:
            targets = [cases.setdefault(case_name, ParsedCase(name=case_name))]
        for target in targets:
            target.steps.extend(steps)
    if not cases:
        cases[""] = ParsedCase(name="")

    laws = []
    for item in _list(record, "CANCUPHAPLY"):
        number = _text(item.get("SOVANBAN"), "SOVANBAN")
        if not number:
            raise RecordError("a legal basis in CANCUPHAPLY has no SOVANBAN (number)")
        laws.append(
            ParsedLaw(
                number=number[:64],
                title=_text(item.get("TENVANBAN"), "TENVANBAN"),
                issued_on=_date(item.get("NGAYBANHANH")),
                issuer=_text(item.get("COQUANBANHANH"), "COQUANBANHANH")[:255],
            )
        )

    results = [_text(item.get("TENKETQUA"), "TENKETQUA") for item in _list(record, "KETQUATHUCHIEN")]
    service_level = record.get("MUCDO")
    if service_level not in (None, "") and service_level not in ServiceLevel.values:
        raise RecordError(f"MUCDO {service_level!r} must be an online service level from 1 to 4")
    unverified = record.get("CHUA_XAC_MINH") or []
    if not isinstance(unverified, list):
        raise RecordError("CHUA_XAC_MINH must be a list of field names")

    return ParsedProcedure(
        code=code,
        name=name,
        field_name=field_name[:255],
        field_code=field_code[:32],
        levels=levels,
        bodies=bodies,
        service_level=service_level or None,
        options=options,
        cases=list(cases.values()),
        laws=laws,
        result="\n".join(r for r in results if r),
        requirements=_text(record.get("YEUCAU"), "YEUCAU"),
        source=_text(record.get("NGUON"), "NGUON"),
        unverified=[str(x) for x in unverified],
    )


# --- Writing: upsert keyed by natural keys, so re-import updates in place ------------------------------


def _processing_days(options: list[ParsedOption]) -> Decimal | None:
    days = [o.time_value for o in options if o.time_value is not None and fold(o.time_unit) in WORKING_DAY_UNITS]
    return min(days) if days else None


def _sync_children(model, existing, wanted: list[dict], **parent) -> list:
    """Update rows in order of position, create missing ones, delete the surplus. Returns the rows."""
    by_position = {row.position: row for row in existing}
    rows = []
    for position, values in enumerate(wanted):
        row = by_position.pop(position, None)
        if row is None:
            row = model.objects.create(position=position, **parent, **values)
        else:
            changed = [k for k, v in values.items() if getattr(row, k) != v]
            for key in changed:
                setattr(row, key, values[key])
            if changed:
                row.save(update_fields=changed)
        rows.append(row)
    if by_position:
        model.objects.filter(pk__in=[row.pk for row in by_position.values()]).delete()
    return rows


def _save(parsed: ParsedProcedure) -> bool:
    field_obj = None
    if parsed.field_name:
        field_obj, _ = Field.objects.get_or_create(name=parsed.field_name, defaults={"code": parsed.field_code})
        if parsed.field_code and field_obj.code != parsed.field_code:
            field_obj.code = parsed.field_code
            field_obj.save(update_fields=["code"])

    procedure = Procedure.objects.select_for_update().filter(code=parsed.code).first()
    created = procedure is None
    if created:
        procedure = Procedure(code=parsed.code)
    procedure.name = parsed.name
    procedure.field = field_obj
    procedure.at_province = AdministrativeLevel.PROVINCE in parsed.levels
    procedure.at_district = AdministrativeLevel.DISTRICT in parsed.levels
    procedure.at_commune = AdministrativeLevel.COMMUNE in parsed.levels
    procedure.implementing_bodies = "\n".join(name for _, name in parsed.bodies if name)
    if parsed.service_level:
        procedure.service_level = parsed.service_level
    procedure.processing_days = _processing_days(parsed.options)
    procedure.requirements = parsed.requirements
    procedure.result = parsed.result
    procedure.source = parsed.source
    procedure.unverified = parsed.unverified
    procedure.full_clean(exclude=["field", "agencies", "legal_basis"], validate_unique=False)
    procedure.save()

    agency_codes = [code for code, _ in parsed.bodies if code]
    if agency_codes:
        procedure.agencies.add(*Agency.objects.filter(code__in=agency_codes))

    laws = []
    for law in parsed.laws:
        obj, _ = LegalDocument.objects.update_or_create(
            number=law.number, defaults={"title": law.title, "issued_on": law.issued_on, "issuer": law.issuer}
        )
        laws.append(obj)
    procedure.legal_basis.set(laws)

    options = _sync_children(
        ProcessingOption,
        procedure.options.all(),
        [
            {
                "channel": o.channel,
                "time_value": o.time_value,
                "time_unit": o.time_unit[:64],
                "description": o.description,
            }
            for o in parsed.options
        ],
        procedure=procedure,
    )
    # Positions are unique per channel; _sync_children numbers them per procedure, which also satisfies that.
    for option, parsed_option in zip(options, parsed.options, strict=True):
        _sync_children(
            FeeItem,
            option.fees.all(),
            [
                # The quantity field is the portal's own (an e-form field name): set in the back office, kept here.
                {
                    "kind": f.kind,
                    "code": f.code,
                    "amount": f.amount,
                    "description": f.description,
                    "per_unit": f.per_unit,
                    "on_request": f.on_request,
                }
                for f in parsed_option.fees
            ],
            option=option,
        )

    templates = {}
    for case in parsed.cases:
        for doc in case.documents:
            if doc.template_name and doc.template_name not in templates:
                templates[doc.template_name], _ = FormTemplate.objects.get_or_create(
                    procedure=procedure, name=doc.template_name
                )
    cases = _sync_children(
        ProcedureCase, procedure.cases.all(), [{"name": c.name} for c in parsed.cases], procedure=procedure
    )
    for case, parsed_case in zip(cases, parsed.cases, strict=True):
        _sync_children(
            RequiredDocument,
            case.documents.all(),
            [
                {
                    "code": d.code,
                    "name": d.name,
                    "originals": d.originals,
                    "copies": d.copies,
                    "is_required": _document_required(d.name),
                    "eform_replaces": _replaced_by_eform(d.name),
                    "form_template": templates.get(d.template_name),
                }
                for d in parsed_case.documents
            ],
            case=case,
        )
        _sync_children(ProcedureStep, case.steps.all(), [{"description": s} for s in parsed_case.steps], case=case)
    return created
