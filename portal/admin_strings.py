"""Texts of Django's admin, forms and model fields that Django's own Vietnamese catalogue does not translate yet; listed
here so that ``make messages`` keeps them in ours (the portal's catalogue is searched first)."""

from django.utils.translation import gettext_noop

STRINGS = [
    gettext_noop("- Select an option -"),  # the empty choice of a select (Django 6)
    gettext_noop("Show counts"),  # the admin filters' facet toggle
    gettext_noop("Hide counts"),
    gettext_noop("Toggle theme (current theme: auto)"),  # the admin header's theme switch
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Model name"),  # the admin index's table captions
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Filter by %(field_name)s"),  # the date hierarchy of admin lists
    gettext_noop("Null characters are not allowed."),  # forms' and the API's fields, given a NUL character
]
