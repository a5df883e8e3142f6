"""Writes to the catalogue that are more than saving one row."""

from django.db import transaction
from django.db.models import Q

from . import routing
from .constants import AdministrativeLevel
from .models import Field, Procedure


@transaction.atomic
def rename_field(*, field: Field, name: str) -> Field:
    """Rename a field and refresh the search text of its procedures, which include the field's name."""
    field.name = name
    field.save(update_fields=["name"])
    for procedure in Procedure.objects.filter(field=field).select_related("field").select_for_update(of=("self",)):
        procedure.save(update_fields=["search_text"])
    return field


@transaction.atomic
def apply_district_rules() -> list[tuple[str, AdministrativeLevel]]:
    """Give every procedure published at district level the level of its rule now (after a rule changed).

    Idempotent: a procedure already at its rule's level is left alone. A procedure with ``at_district`` that was
    imported before the flag existed is flagged too. Returns the (code, level) of the procedures that changed."""
    changed = []
    legacy = Procedure.objects.filter(Q(district_legacy=True) | Q(at_district=True)).select_related("field")
    for procedure in legacy.select_for_update(of=("self",)).order_by("code"):
        flags = {"district_legacy": True, "at_district": True, **routing.district_record_flags(procedure)}
        fields = [name for name, value in flags.items() if getattr(procedure, name) != value]
        if not fields:
            continue
        for name in fields:
            setattr(procedure, name, flags[name])
        procedure.save(update_fields=fields)
        changed.append((procedure.code, routing.level_for_district_record(procedure)))
    return changed
