"""Reading one record of the national procedures database's JSON shape into plain values.

Nothing here touches the database: ``parse_record`` checks the whole record and returns a ``ParsedProcedure``,
or raises ``RecordError`` naming the field at fault. Each section of the record (identity, levels, field and
bodies, channels with their times and fees, cases with their documents and steps, legal basis, the rest) has
its own small reader.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from portal.text import fold

from .. import fee_terms
from ..constants import AdministrativeLevel, Channel, FeeKind, ServiceLevel
from ..models import PROCEDURE_CODE_VALIDATOR

LEVEL_BY_NAME = {
    "cap tinh": AdministrativeLevel.PROVINCE,
    "cap huyen": AdministrativeLevel.DISTRICT,
    "cap xa": AdministrativeLevel.COMMUNE,
}
CONDITIONAL_REMARKS = ("truong hop", "neu co", "doi voi", "neu")


class RecordError(Exception):
    """A record of the package cannot be imported; the message says why, in plain words."""


# --- What a record holds, as plain values ------------------------------------------------------------------


@dataclass
class ParsedFee:
    kind: str
    code: str
    amount: int
    description: str
    per_unit: bool = False  # "8.000 đồng/bản": times the quantity asked for
    on_request: bool = False  # "nếu có yêu cầu": only when asked for
    reduced_rate: bool = False  # "Sinh viên, ...: 100.000 đồng": instead of the full rate, on proof


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
    is_required: bool = True  # conditional documents ("trường hợp …", "nếu có") and "Xuất trình" are optional
    eform_replaces: bool = False  # the declaration that the e-form takes the place of online


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

    @property
    def at_province(self) -> bool:
        return AdministrativeLevel.PROVINCE in self.levels

    @property
    def at_district(self) -> bool:
        return AdministrativeLevel.DISTRICT in self.levels

    @property
    def at_commune(self) -> bool:
        return AdministrativeLevel.COMMUNE in self.levels


# --- Values: text, lists, counts, amounts, durations, dates ------------------------------------------------


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
        # "8.000 đồng", "8.000đ": the unit word first, or its "đ" alone would be taken and leave "ồng"
        value = re.sub(r"đồng|[.\s,đ]", "", unicodedata.normalize("NFC", value), flags=re.IGNORECASE)
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


# --- What a description says -------------------------------------------------------------------------------


def replaced_by_eform(name: str) -> bool:
    """The declaration itself, which online is the interactive e-form: "Tờ khai … theo mẫu (nộp trực tiếp) hoặc
    Mẫu hộ tịch điện tử tương tác … (nộp trực tuyến)"."""
    folded = fold(name)
    return folded.startswith(("to khai", "don ")) and ("nop truc tuyen" in folded or "dien tu tuong tac" in folded)


def document_required(name: str) -> bool:
    """Documents only some applicants need ("(trường hợp ...)", "nếu có") or only show ("Xuất trình") are optional."""
    folded = fold(name)
    remarks = [fold(remark) for remark in re.findall(r"\(([^)]*)\)", name)]
    return not (
        folded.startswith("xuat trinh")
        or "trong truong hop" in folded
        or "neu co" in folded
        or any(remark.startswith(CONDITIONAL_REMARKS) for remark in remarks)
    )


def fee_kind(description: str) -> str:
    """A charge (``lệ phí``) or a fee (``phí``), as the description names it; charges by default."""
    folded = f" {fold(description)} "
    if folded.startswith(" le phi "):
        return FeeKind.CHARGE
    if folded.startswith(" phi "):
        return FeeKind.FEE
    return FeeKind.FEE if " phi " in folded.replace(" le phi ", " ") else FeeKind.CHARGE


# --- Sections of a record ----------------------------------------------------------------------------------


def parse_identity(record: Mapping) -> tuple[str, str]:
    """The national code (``MaTTHC``) and the name (``TENTTHC``), both required."""
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
    return code, name


def parse_levels(record: Mapping) -> set[int]:
    """The administrative levels (``CAPTHUCHIEN``), by number or by name ("Cấp Huyện")."""
    levels: set[int] = set()
    for item in _list(record, "CAPTHUCHIEN"):
        raw = item.get("CAPTHUCHIEN")
        level = (
            raw if raw in AdministrativeLevel.values else LEVEL_BY_NAME.get(fold(_text(item.get("TENCAP"), "TENCAP")))
        )
        if level is None:
            raise RecordError(f"CAPTHUCHIEN {raw!r} ({item.get('TENCAP')!r}) is not province, district or commune")
        levels.add(int(level))
    return levels


def parse_field(record: Mapping) -> tuple[str, str]:
    """The name and code of the first field (``LINHVUCTHUCHIEN``), or empty strings."""
    fields_ = _list(record, "LINHVUCTHUCHIEN")
    if not fields_:
        return "", ""
    name = _text(fields_[0].get("TENLINHVUC"), "TENLINHVUC")
    code = _text(fields_[0].get("MALINHVUC"), "MALINHVUC")
    return name[:255], code[:32]


def parse_bodies(record: Mapping) -> list[tuple[str, str]]:
    """The implementing bodies (``COQUANTHUCHIEN``) as (agency code, name)."""
    return [
        (_text(item.get("MADONVI"), "MADONVI"), _text(item.get("TENDONVI"), "TENDONVI"))
        for item in _list(record, "COQUANTHUCHIEN")
    ]


def parse_fee(item: Mapping) -> ParsedFee:
    """One fee item (``PHILEPHI``): its kind and how it is charged are read from the description."""
    description = _text(item.get("MOTA"), "PHILEPHI.MOTA")
    return ParsedFee(
        kind=fee_kind(description),
        code=_text(item.get("MAPHILEPHI"), "MAPHILEPHI")[:32],  # FeeItem.code holds 32
        amount=_amount(item.get("SOTIEN")),
        description=description,
        per_unit=fee_terms.is_per_unit(description),
        on_request=fee_terms.is_on_request(description),
        reduced_rate=fee_terms.is_reduced_rate(description),
    )


def parse_options(record: Mapping) -> list[ParsedOption]:
    """Channels (``CACHTHUCTHUCHIEN``): one option per processing time (``THOIGIAN``), each with its fees."""
    options: list[ParsedOption] = []
    for item in _list(record, "CACHTHUCTHUCHIEN"):
        channel = item.get("KENH")
        if channel not in Channel.values:
            raise RecordError(f"KENH {channel!r} must be 1 (in person), 2 (online) or 3 (post)")
        for time in _list(item, "THOIGIAN"):
            options.append(
                ParsedOption(
                    channel=channel,
                    time_value=_duration(time.get("THOIGIANGIAIQUYET")),
                    time_unit=_text(time.get("DONVITINH"), "DONVITINH"),
                    description=_text(time.get("MOTA"), "THOIGIAN.MOTA"),
                    fees=[parse_fee(fee) for fee in _list(time, "PHILEPHI")],
                )
            )
    return options


def parse_document(item: Mapping) -> ParsedDocument:
    """One document of a case (``GIAYTO``); a name is required."""
    name = _text(item.get("TENGIAYTO"), "TENGIAYTO")
    if not name:
        raise RecordError("a document in THANHPHANHOSO has no TENGIAYTO (name)")
    return ParsedDocument(
        code=_text(item.get("MAGIAYTO"), "MAGIAYTO")[:32],  # RequiredDocument.code holds 32
        name=name,
        originals=_count(item.get("SOBANCHINH"), "SOBANCHINH"),
        copies=_count(item.get("SOBANSAO"), "SOBANSAO"),
        template_name=_text(item.get("TENMAUDON"), "TENMAUDON")[:255],
        is_required=document_required(name),
        eform_replaces=replaced_by_eform(name),
    )


def parse_cases(record: Mapping) -> dict[str, ParsedCase]:
    """Cases (``THANHPHANHOSO``) by name, in order, with their documents; rows of the same case are merged."""
    cases: dict[str, ParsedCase] = {}
    for item in _list(record, "THANHPHANHOSO"):
        name = _text(item.get("TRUONGHOP"), "TRUONGHOP")
        case = cases.setdefault(name, ParsedCase(name=name))
        case.documents.extend(parse_document(doc) for doc in _list(item, "GIAYTO"))
    return cases


def _step_targets(cases: dict[str, ParsedCase], case_name: str) -> list[ParsedCase]:
    """The cases a group of steps belongs to; a case only named in the steps is added."""
    if case_name in cases:
        return [cases[case_name]]
    if not case_name and cases:
        return list(cases.values())  # steps common to every case
    if "" in cases:
        return [cases[""]]  # documents were listed for all cases together
    return [cases.setdefault(case_name, ParsedCase(name=case_name))]


def parse_steps(record: Mapping, cases: dict[str, ParsedCase]) -> None:
    """Steps (``TRINHTUTHUCHIEN``), added to the cases they name (or to all of them when they name none)."""
    for item in _list(record, "TRINHTUTHUCHIEN"):
        case_name = _text(item.get("TRUONGHOP"), "TRUONGHOP")
        steps = [
            _text(step.get("TENTRINHTU"), "TENTRINHTU") for step in _list(item, "TRINHTU") if step.get("TENTRINHTU")
        ]
        for target in _step_targets(cases, case_name):
            target.steps.extend(steps)


def parse_law(item: Mapping) -> ParsedLaw:
    """One legal document (``CANCUPHAPLY``); its number is required."""
    number = _text(item.get("SOVANBAN"), "SOVANBAN")
    if not number:
        raise RecordError("a legal basis in CANCUPHAPLY has no SOVANBAN (number)")
    return ParsedLaw(
        number=number[:64],
        title=_text(item.get("TENVANBAN"), "TENVANBAN"),
        issued_on=_date(item.get("NGAYBANHANH")),
        issuer=_text(item.get("COQUANBANHANH"), "COQUANBANHANH")[:255],
    )


def parse_laws(record: Mapping) -> list[ParsedLaw]:
    return [parse_law(item) for item in _list(record, "CANCUPHAPLY")]


def parse_result(record: Mapping) -> str:
    """The results (``KETQUATHUCHIEN``), one per line."""
    results = [_text(item.get("TENKETQUA"), "TENKETQUA") for item in _list(record, "KETQUATHUCHIEN")]
    return "\n".join(result for result in results if result)


def parse_service_level(record: Mapping) -> int | None:
    """The online service level (``MUCDO``, 1 to 4), or None when the record does not say."""
    service_level = record.get("MUCDO")
    if service_level not in (None, "") and service_level not in ServiceLevel.values:
        raise RecordError(f"MUCDO {service_level!r} must be an online service level from 1 to 4")
    return service_level or None


def parse_unverified(record: Mapping) -> list[str]:
    """The fields the source could not confirm (``CHUA_XAC_MINH``)."""
    unverified = record.get("CHUA_XAC_MINH") or []
    if not isinstance(unverified, list):
        raise RecordError("CHUA_XAC_MINH must be a list of field names")
    return [str(x) for x in unverified]


def parse_record(record: Any) -> ParsedProcedure:
    """Check one record and return its values; raises ``RecordError`` at the first fault."""
    if not isinstance(record, Mapping):
        raise RecordError("a record must be a JSON object")
    code, name = parse_identity(record)
    levels = parse_levels(record)
    field_name, field_code = parse_field(record)
    bodies = parse_bodies(record)
    options = parse_options(record)
    cases = parse_cases(record)
    parse_steps(record, cases)
    if not cases:
        cases[""] = ParsedCase(name="")
    laws = parse_laws(record)
    result = parse_result(record)
    service_level = parse_service_level(record)
    unverified = parse_unverified(record)
    return ParsedProcedure(
        code=code,
        name=name,
        field_name=field_name,
        field_code=field_code,
        levels=levels,
        bodies=bodies,
        service_level=service_level,
        options=options,
        cases=list(cases.values()),
        laws=laws,
        result=result,
        requirements=_text(record.get("YEUCAU"), "YEUCAU"),
        source=_text(record.get("NGUON"), "NGUON"),
        unverified=unverified,
    )
