"""Linked procedure groups (liên thông, Decree 63/2024/NĐ-CP) defined as data, and the reads their pages need.

A group file (``procedures/demo/groups.json``) lists groups; each names its procedures in order, the agency that
processes a part when it is not the receiving centre, the part it needs first and the declaration fields that part
passes on when its result is ready::

    {"groups": [{"code": "khai-sinh-thuong-tru-bhyt", "name": "…", "description": "…", "eform": [...],
                 "members": [{"procedure": "1.001193"},
                             {"procedure": "1.004222", "agency": "000.23.30.H56", "needs": "1.001193",
                              "inputs": {"so_dang_ky_khai_sinh": "result_reference",
                                         "applicant_name": "form:child_name"}}]}]}

Loading is idempotent: a group is keyed by its code and a member by its procedure; members no longer listed are
removed. The whole file is checked before anything is saved. How a filing of a group is received and processed
lives in ``dossiers/linked.py``.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from . import routing
from .eforms import validate_spec
from .models import Agency, Procedure, ProcedureGroup, ProcedureGroupMember

RESULT_REFERENCE = "result_reference"
FORM_PREFIX = "form:"


def check_inputs(inputs) -> None:
    """``{"target field": "result_reference" | "form:<field of the needed part>"}``."""
    if not isinstance(inputs, dict):
        raise ValidationError("inputs must be an object")
    for target, source in inputs.items():
        if not isinstance(target, str) or not target:
            raise ValidationError(f"input field name {target!r} is not valid")
        if source != RESULT_REFERENCE and not (
            isinstance(source, str) and source.startswith(FORM_PREFIX) and source[len(FORM_PREFIX) :]
        ):
            raise ValidationError(f"input {target!r}: {source!r} is neither result_reference nor form:<field>")


def _checked(definition: dict) -> dict:
    """The group definition with its procedures and agencies looked up; ValidationError naming the problem."""
    code = definition.get("code", "")
    if not code or not definition.get("name"):
        raise ValidationError(f"group {code!r}: a code and a name are required")
    validate_spec(definition.get("eform", []))
    members = definition.get("members") or []
    if len(members) < 2:
        raise ValidationError(f"group {code}: a linked group has at least two procedures")
    seen: dict[str, dict] = {}
    for row in members:
        procedure = Procedure.objects.filter(code=row.get("procedure", "")).first()
        if procedure is None:
            raise ValidationError(f"group {code}: no procedure {row.get('procedure')!r} in the catalogue")
        if procedure.code in seen:
            raise ValidationError(f"group {code}: procedure {procedure.code} is listed twice")
        agency = None
        if row.get("agency"):
            agency = Agency.objects.filter(code=row["agency"]).first()
            if agency is None:
                raise ValidationError(f"group {code}: no agency {row['agency']!r}")
            if not routing.handles(agency, procedure):
                raise ValidationError(f"group {code}: {agency.code} does not handle {procedure.code}")
        needs = row.get("needs") or None
        if needs is not None and needs not in seen:
            raise ValidationError(f"group {code}: {procedure.code} needs {needs!r}, which is not listed before it")
        inputs = row.get("inputs") or {}
        check_inputs(inputs)
        if inputs and needs is None:
            raise ValidationError(f"group {code}: {procedure.code} receives inputs but needs no other part")
        seen[procedure.code] = {"procedure": procedure, "agency": agency, "needs": needs, "inputs": inputs}
    return {**definition, "members": list(seen.values())}


@transaction.atomic
def load_groups(path: Path | str) -> int:
    """Create or update the groups defined in ``path``; returns how many were loaded."""
    definitions = json.loads(Path(path).read_text(encoding="utf-8"))["groups"]
    checked = [_checked(definition) for definition in definitions]
    for definition in checked:
        group, _created = ProcedureGroup.objects.update_or_create(
            code=definition["code"],
            defaults={
                "name": definition["name"],
                "description": definition.get("description", ""),
                "eform": definition.get("eform", []),
                "is_published": definition.get("is_published", True),
            },
        )
        by_code: dict[str, ProcedureGroupMember] = {}
        for position, row in enumerate(definition["members"]):
            procedure = row["procedure"]
            member, _created = ProcedureGroupMember.objects.update_or_create(
                group=group,
                procedure=procedure,
                defaults={
                    "position": position,
                    "agency": row["agency"],
                    "needs": by_code[row["needs"]] if row["needs"] else None,
                    "inputs": row["inputs"],
                },
            )
            by_code[procedure.code] = member
        stale = group.members.exclude(pk__in=[m.pk for m in by_code.values()])
        stale.update(needs=None)
        ProcedureGroupMember.objects.filter(needs__in=stale).update(needs=None)
        stale.delete()
    return len(checked)


def published_groups() -> QuerySet[ProcedureGroup]:
    return ProcedureGroup.objects.filter(is_published=True).prefetch_related("members__procedure", "members__agency")


def groups_of(procedure: Procedure) -> QuerySet[ProcedureGroup]:
    """The published groups ``procedure`` is part of (its page offers to file them together)."""
    return ProcedureGroup.objects.filter(is_published=True, members__procedure=procedure).distinct()
