"""Texts of Django's admin and model fields that Django's own Vietnamese catalogue does not translate yet; listed
here so that ``make messages`` keeps them in ours (the portal's catalogue is searched first)."""

from django.utils.translation import gettext_noop

STRINGS = [
    gettext_noop("- Select an option -"),  # the empty choice of a select (Django 6)
    gettext_noop("Show counts"),  # the admin filters' facet toggle
    gettext_noop("Hide counts"),
]
