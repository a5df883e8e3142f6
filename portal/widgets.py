"""Form widgets of our own."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


class LongSelect(forms.Select):
    """A ``<select>`` whose options are written directly rather than through one template each.

    The catalogue and statistics filters list every agency of the province (hundreds of options): rendering each
    option through Django's option template was most of those pages' time. Same markup, flat choices only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(item) for item in self.format_value(value)}
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = " selected" if option_value in chosen else ""
            options.append(
                f'<option value="{conditional_escape(option_value)}"{selected}>{conditional_escape(label)}</option>'
            )
        return mark_safe(f"<select{flatatt(final)}>{''.join(options)}</select>")  # noqa: S308 - every part escaped
