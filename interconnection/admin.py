"""Back office: each dossier's sync with the national portal (filtered by state and agency: the failed syncs by
agency, with resend) and the status mapping (identity by default)."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import access

from . import services
from .constants import SyncState
from .models import DossierSync, StatusMapping


@admin.display(description=_("sync state"), ordering="state")
def state_badge(sync: DossierSync):
    return format_html('<strong class="sync-{}">{}</strong>', sync.state, sync.get_state_display())


@admin.display(description=_("last answer"))
def short_answer(sync: DossierSync) -> str:
    return Truncator(sync.last_message).chars(120)


@admin.register(DossierSync)
class DossierSyncAdmin(access.AgencyScopedAdmin):
    list_display = ["dossier_code", "agency", state_badge, "known", "attempts", "last_code", short_answer, "updated_at"]
    list_filter = ["state", "dossier__agency", ("updated_at", admin.DateFieldListFilter)]
    list_select_related = ["dossier__agency"]
    search_fields = ["dossier__code"]
    ordering = ["-updated_at", "-pk"]
    actions = ["resend"]
    fields = [
        "dossier",
        state_badge,
        "known",
        "attempts",
        "resends",
        "next_attempt_at",
        "last_code",
        "last_message",
        "last_sent_at",
        "synced_at",
        "failed_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def has_resend_permission(self, request):
        return access.in_back_office(request.user)

    @admin.display(description=_("dossier"), ordering="dossier__code")
    def dossier_code(self, sync: DossierSync) -> str:
        return sync.dossier.code or "—"

    @admin.display(description=_("competent agency"), ordering="dossier__agency__name")
    def agency(self, sync: DossierSync) -> str:
        return sync.dossier.agency.name

    @admin.action(description=_("Send the selected failed syncs again"), permissions=["resend"])
    def resend(self, request, queryset):
        resent = sum(services.resend(sync=sync) for sync in queryset.filter(state=SyncState.FAILED))
        skipped = queryset.count() - resent
        if resent:
            self.message_user(
                request,
                ngettext("%(count)d dossier will be sent again.", "%(count)d dossiers will be sent again.", resent)
                % {"count": resent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d dossier was not resent: only failed syncs can be.",
                    "%(count)d dossiers were not resent: only failed syncs can be.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(StatusMapping)
class StatusMappingAdmin(admin.ModelAdmin):
    """Which national status each of ours is sent as (identity by default); a status without a row is not sent and
    the dossier's sync fails, naming it."""

    list_display = ["status", "portal_status"]
    list_editable = ["portal_status"]
    ordering = ["status"]
