"""The back office's admin site: Django's, with a "view on site" shortcut that respects each agency's scope.

Django's own shortcut (``/quan-tri/r/<content type>/<id>/``) redirects any staff account to an object's public
URL, whether or not that account may see the object in the back office; for a dossier the redirect alone would
reveal its public id to an official of another agency. Here it answers only for objects the official's model
admin would show them, and 404 otherwise, exactly like the object's own change page.

An action's selection is read only as far as it can name rows: Django filters ``pk__in`` with the posted values as
they are, so one that is not an id of the model (``abc``, a NUL) made every list's actions answer 500. Such values
name no row and are dropped, as an id of a row that is gone is; with none left, Django says to select rows.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _


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

    def is_id(value: str) -> bool:
        try:
            primary_key.get_prep_value(primary_key.to_python(value))
        except (ValidationError, ValueError, TypeError):
            return False
        return "\x00" not in value

    @wraps(view)
    def checked(request, *args, **kwargs):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME) if request.method == "POST" else []
        if selected and not all(is_id(value) for value in selected):
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, [value for value in selected if is_id(value)])
            request.POST = post
        return view(request, *args, **kwargs)

    return checked
