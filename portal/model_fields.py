"""Model fields shared by the apps.

``JSONField``: Django's, for a column that holds a value, never null (``blank=True`` with a ``default`` such as
``list`` or ``dict``). Django's form field reads an emptied box (or ``null``) as None, which the model then tries
to store in a NOT NULL column: the back office answered 500 when an official cleared a procedure's e-form or a
linked procedure's inputs. Here an empty box means the field's default (no fields, no inputs), as it does when
the row is created without one.
"""

from django import forms
from django.db import models


class _JSONFormField(forms.JSONField):
    def __init__(self, *, empty, **kwargs):
        self.empty = empty
        super().__init__(**kwargs)

    def to_python(self, value):
        result = super().to_python(value)
        return self.empty() if result is None and not self.disabled else result


class JSONField(models.JSONField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.null or not callable(self.default):
            raise ValueError("portal.model_fields.JSONField is for columns that are never null, with a default")

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": _JSONFormField, "empty": self.default, **kwargs})
