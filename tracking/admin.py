"""Ratings in the back office: read-only, each official sees their own agency's."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal import access

from .models import Rating
from .selectors import ratings_of_agency


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["dossier_code", "agency", "score", "on_time", "attitude", "clarity", "created_at"]
    list_filter = ["score", "created_at"]
    search_fields = ["dossier__code"]
    list_select_related = ["dossier__agency", "dossier__procedure"]
    fields = ["dossier", "score", "on_time", "attitude", "clarity", "comment", "created_at"]
    readonly_fields = fields
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return access.in_back_office(request.user)

    def has_view_permission(self, request, obj=None):
        return access.in_back_office(request.user)

    def get_queryset(self, request):
        return ratings_of_agency(request.user)

    @admin.display(description=_("dossier"), ordering="dossier__code")
    def dossier_code(self, rating: Rating) -> str:
        return rating.dossier.code

    @admin.display(description=_("agency"), ordering="dossier__agency__name")
    def agency(self, rating: Rating) -> str:
        return rating.dossier.agency.name

    def has_add_permission(self, request) -> bool:
        return False  # citizens rate; officials only read

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
