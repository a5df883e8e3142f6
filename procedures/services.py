"""Writes to the catalogue that are more than saving one row."""

from django.db import transaction

from .models import Field, Procedure


@transaction.atomic
def rename_field(*, field: Field, name: str) -> Field:
    """Rename a field and refresh the search text of its procedures, which include the field's name."""
    field.name = name
    field.save(update_fields=["name"])
    for procedure in Procedure.objects.filter(field=field).select_related("field").select_for_update(of=("self",)):
        procedure.save(update_fields=["search_text"])
    return field
