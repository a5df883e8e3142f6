"""The back office's admin site: Django's, with a "view on site" shortcut that respects each agency's scope.

Django's own shortcut (``/quan-tri/r/<content type>/<id>/``) redirects any staff account to an object's public
URL, whether or not that account may see the object in the back office; for a dossier the redirect alone would
reveal its public id to an official of another agency. Here it answers only for objects the official's model
admin would show them, and 404 otherwise, exactly like the object's own change page.

An action's selection is read only as far as it can name rows: Django filters ``pk__in`` with the posted values as
they are, so one that is not an id of the model (``abc``, a NUL) made every list's actions answer 500. Such values
name no row and are dropped, as an id of a row that is gone is; with none left, Django says to select rows.

A list's date hierarchy (``?created_at__year=…&created_at__month=…``) names a year, month or day the list can show:
Django reads the values with ``int`` and builds the period's bounds, and a year past 9998 or too long for ``int``
made the list answer 500 (Django ticket #37357, fixed on Django's main branch, not in 6.1). A period that is no
date, or whose end is past the calendar, is treated as Django treats any filter it cannot apply: the list is shown
again unfiltered, with ``?e=1``.

A filter's value longer than any id (thirty digits) is treated the same way (``_filters_read_as_ids``).

Likewise an autocomplete field (``AutocompleteAdminMixin``): a refused form shown again looked up the values sent
as they were, and one that was not an id made the page answer 500 instead of saying "Select a valid choice".
"""

import calendar
from datetime import date, timedelta
from functools import wraps

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .params import is_key, number


class PortalAdminSite(admin.AdminSite):
    site_header = _("Dịch vụ công — back office")
    site_title = _("Dịch vụ công")
    index_title = _("Back office")

    def get_urls(self):
        own = path("r/<int:content_type_id>/<path:object_id>/", self.admin_view(self.view_on_site), name="view_on_site")
        return [own if getattr(url, "name", None) == "view_on_site" else url for url in super().get_urls()]

    def admin_view(self, view, cacheable=False):
        model_admin = getattr(view, "__self__", None)  # a model admin's own view, bound to it
        if isinstance(model_admin, admin.ModelAdmin):
            view = _selection_read_as_ids(view, model_admin.model)
            if model_admin.date_hierarchy:
                view = _period_read_as_dates(view, model_admin.date_hierarchy)
            if view.__name__ == "changelist_view":
                view = _filters_read_as_ids(view)
        return super().admin_view(view, cacheable)

    def view_on_site(self, request, content_type_id, object_id):
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_permission(request):
            raise Http404
        try:
            obj = model_admin.get_queryset(request).get(pk=object_id)
        except (model.DoesNotExist, ValidationError, ValueError):
            raise Http404 from None
        if not model_admin.has_view_permission(request, obj):
            raise Http404
        return shortcut(request, content_type_id, object_id)


def _selection_read_as_ids(view, model):
    """The view, given only the selected values that are ids of ``model`` (see the module's note)."""
    primary_key = model._meta.pk

    @wraps(view)
    def checked(request, *args, **kwargs):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME) if request.method == "POST" else []
        if selected and not all(is_key(primary_key, value) for value in selected):
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, [value for value in selected if is_key(primary_key, value)])
            request.POST = post
        return view(request, *args, **kwargs)

    return checked


# What a list's address may carry besides filters: the search, the ordering, the page, the error flag.
_NOT_FILTERS = frozenset({"q", "o", "p", "e", "_changelist_filters", "_to_field", "_popup"})


def _filters_read_as_ids(view):
    """The list, reached only with filter values an id can take: a number of more digits than any id (``?agency=``
    or ``?id__in=`` with thirty digits) is no filter the list can apply, and SQLite cannot even compare it (the list
    answered 500); it is shown again unfiltered with ``?e=1``, as Django does for any filter it cannot apply."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        for name, values in request.GET.lists():
            if name in _NOT_FILTERS:
                continue
            tokens = (token.strip() for value in values for token in value.split(","))
            if any(len(token) > 18 and token.isascii() and token.lstrip("-").isdigit() for token in tokens):
                return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return view(request, *args, **kwargs)

    return checked


def _period_read_as_dates(view, field: str):
    """The view, reached only with a date hierarchy period that is a date (see the module's note)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        parts = [request.GET.get(f"{field}__{part}") for part in ("year", "month", "day")]
        if any(part is not None for part in parts) and not _is_period(*parts):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return view(request, *args, **kwargs)

    return checked


def _is_period(year, month, day) -> bool:
    """Whether Django's date hierarchy can filter by this year (and month, and day): each an ASCII number, the day
    a day of the month, and the period's end (the next day, month or year) still a date."""
    if year is None:  # no period: a month or day alone is an ordinary filter, which Django checks itself
        return True
    texts = (year, month, day)
    values = [number(text) if text is not None else None for text in texts]
    if any(text is not None and value is None for text, value in zip(texts, values, strict=True)):
        return False
    year, month, day = values
    if month is None and day is not None:
        return False
    try:
        start = date(year, month or 1, day or 1)
        if day is not None:
            start + timedelta(days=1)
        elif month is not None:
            start + timedelta(days=calendar.monthrange(year, month)[1])
        else:
            start.replace(year=year + 1)
    except (ValueError, OverflowError):
        return False
    return True


class _AutocompleteOfKnownKeys:
    """Django's autocomplete widget, showing again only the values sent that can be keys of the related model (the
    form's own field says the others are not valid choices)."""

    def optgroups(self, name, value, attr=None):
        related = self.field.remote_field.model._meta
        key = related.get_field(getattr(self.field.remote_field, "field_name", None) or related.pk.name)
        return super().optgroups(name, [item for item in value if is_key(key, item)], attr)


class _AutocompleteSelect(_AutocompleteOfKnownKeys, AutocompleteSelect):
    pass


class _AutocompleteSelectMultiple(_AutocompleteOfKnownKeys, AutocompleteSelectMultiple):
    pass


class AutocompleteAdminMixin:
    """For a model admin or an inline whose ``autocomplete_fields`` must show a refused form again without failing
    (see the module's note). Every admin and inline with autocomplete fields uses it (a test checks)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _AutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)
