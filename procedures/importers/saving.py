"""Writing a parsed record into the catalogue, keyed by natural keys so that importing again updates in place.

The procedure is found by its national code, fields by name, legal documents by number; cases, processing
options, fees, documents and steps by their position under their parent: rows are updated, missing ones
created and surplus ones deleted. What the back office adds of its own (a fee's quantity field, the agencies
linked by hand, a template's file) is kept.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from portal.text import fold

from .. import fee_terms, routing
from ..models import (
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
from .parsing import ParsedCase, ParsedOption, ParsedProcedure

WORKING_DAY_UNITS = {"ngay", "ngay lam viec"}


def processing_days(options: list[ParsedOption]) -> Decimal | None:
    """The shortest processing time published in working days, used for deadlines. A time of 0 is how the national
    data writes "Không quy định thời hạn giải quyết" (no time limit): no deadline, not one at the moment of intake."""
    days = [o.time_value for o in options if o.time_value and fold(o.time_unit) in WORKING_DAY_UNITS]
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


def _save_field(parsed: ParsedProcedure) -> Field | None:
    if not parsed.field_name:
        return None
    field_obj, _ = Field.objects.get_or_create(name=parsed.field_name, defaults={"code": parsed.field_code})
    if parsed.field_code and field_obj.code != parsed.field_code:
        field_obj.code = parsed.field_code
        field_obj.save(update_fields=["code"])
    return field_obj


def _save_procedure(parsed: ParsedProcedure, field_obj: Field | None) -> tuple[Procedure, bool]:
    procedure = Procedure.objects.select_for_update().filter(code=parsed.code).first()
    created = procedure is None
    if created:
        procedure = Procedure(code=parsed.code)
    procedure.name = parsed.name
    procedure.field = field_obj
    # A record still saying "Cấp huyện" is imported, flagged, and given the level of its district rule; at_district
    # keeps the record's word (history, never offered). Re-importing it once it no longer says so clears the flag.
    procedure.at_district = procedure.district_legacy = parsed.at_district
    if parsed.at_district:
        for name, value in routing.district_record_flags(procedure).items():
            setattr(procedure, name, value)
    else:
        procedure.at_province = parsed.at_province
        procedure.at_commune = parsed.at_commune
    procedure.implementing_bodies = "\n".join(name for _, name in parsed.bodies if name)
    if parsed.service_level:
        procedure.service_level = parsed.service_level
    procedure.processing_days = processing_days(parsed.options)
    procedure.requirements = parsed.requirements
    procedure.result = parsed.result
    procedure.source = parsed.source
    procedure.unverified = parsed.unverified
    procedure.full_clean(exclude=["field", "agencies", "legal_basis"], validate_unique=False)
    procedure.save()
    return procedure, created


def _save_agencies_and_laws(procedure: Procedure, parsed: ParsedProcedure) -> None:
    """Agencies named by code are linked (never unlinked: the back office links its own); the legal basis is set."""
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


def _save_options(procedure: Procedure, parsed_options: list[ParsedOption]) -> None:
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
            for o in parsed_options
        ],
        procedure=procedure,
    )
    # Positions are unique per channel; _sync_children numbers them per procedure, which also satisfies that.
    for option, parsed_option in zip(options, parsed_options, strict=True):
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
                    "reduced_rate": f.reduced_rate,
                }
                for f in parsed_option.fees
            ],
            option=option,
        )


def _save_templates(procedure: Procedure, parsed_cases: list[ParsedCase]) -> dict[str, FormTemplate]:
    """The form templates the documents name, by name (created empty: the back office uploads the file)."""
    templates: dict[str, FormTemplate] = {}
    for case in parsed_cases:
        for doc in case.documents:
            if doc.template_name and doc.template_name not in templates:
                templates[doc.template_name], _ = FormTemplate.objects.get_or_create(
                    procedure=procedure, name=doc.template_name
                )
    return templates


def _save_cases(procedure: Procedure, parsed_cases: list[ParsedCase]) -> None:
    templates = _save_templates(procedure, parsed_cases)
    cases = _sync_children(
        ProcedureCase, procedure.cases.all(), [{"name": c.name} for c in parsed_cases], procedure=procedure
    )
    for case, parsed_case in zip(cases, parsed_cases, strict=True):
        _sync_children(
            RequiredDocument,
            case.documents.all(),
            [
                {
                    "code": d.code,
                    "name": d.name,
                    "originals": d.originals,
                    "copies": d.copies,
                    "is_required": d.is_required,
                    "eform_replaces": d.eform_replaces,
                    "form_template": templates.get(d.template_name),
                }
                for d in parsed_case.documents
            ],
            case=case,
        )
        _sync_children(ProcedureStep, case.steps.all(), [{"description": s} for s in parsed_case.steps], case=case)


def link_fees_to_cases(procedure: Procedure) -> None:
    """Each fee item whose description names one of the procedure's cases is billed to that case only
    (``fee_terms.case_named``); the others to every case."""
    cases = dict(procedure.cases.values_list("pk", "name"))
    for item in FeeItem.objects.filter(option__procedure=procedure):
        case_id = fee_terms.case_named(item.description, cases)
        if item.case_id != case_id:
            item.case_id = case_id
            item.save(update_fields=["case"])


@transaction.atomic
def save_procedure(*, parsed: ParsedProcedure) -> bool:
    """Create or update the procedure and everything under it; True when it was created."""
    field_obj = _save_field(parsed)
    procedure, created = _save_procedure(parsed, field_obj)
    _save_agencies_and_laws(procedure, parsed)
    _save_options(procedure, parsed.options)
    _save_cases(procedure, parsed.cases)
    link_fees_to_cases(procedure)
    return created
