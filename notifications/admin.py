"""Back office: the message log (officials see their agency's, can resend failed ones) and the templates.

``MessageInline`` is for the dossier's page (``DossierAdmin.inlines``): the messages under the timeline.
"""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import access
from portal.paginator import LargeTableAdminMixin

from . import selectors, services
from .constants import MessageStatus
from .forms import MessageTemplateForm
from .models import Message, MessageTemplate, MessageTemplateVersion


@admin.display(description=_("status"), ordering="status")
def status_badge(message: Message):
    # Coloured by static/css/admin.css (the CSP allows no inline styles).
    return format_html('<strong class="message-{}">{}</strong>', message.status, message.get_status_display())


@admin.display(description=_("error"))
def short_error(message: Message) -> str:
    return Truncator(message.error).chars(120)


class MessageInline(admin.TabularInline):
    """The messages about one dossier, for the dossier's page in the back office."""

    model = Message
    fk_name = "dossier"
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("messages to the citizen")
    fields = [
        "created_at",
        "kind",
        "channel",
        "recipient",
        status_badge,
        "attempts",
        "sent_at",
        "delivered_at",
        short_error,
    ]
    readonly_fields = fields
    ordering = ["created_at", "pk"]

    def has_view_permission(self, request, obj=None):
        return access.in_back_office(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(LargeTableAdminMixin, access.AgencyScopedAdmin):
    list_display = ["created_at", "dossier_code", "kind", "channel", "recipient", status_badge, "attempts", short_error]
    list_filter = ["status", "channel", "kind", "language", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["dossier__code", "recipient", "provider_id"]
    search_help_text = _("Dossier code, email address, phone number (+84…) or the provider's message id.")
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    actions = ["resend"]
    fields = [
        "dossier",
        "kind",
        "channel",
        "recipient",
        "language",
        "template_version",
        "subject",
        "body",
        status_badge,
        "attempts",
        "resends",
        "next_attempt_at",
        "provider_id",
        "error",
        "created_at",
        "sent_at",
        "delivered_at",
        "failed_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.messages_visible_to(request.user).select_related("template__template")

    def has_resend_permission(self, request):
        return access.in_back_office(request.user)

    @admin.display(description=_("dossier"), ordering="dossier__code")
    def dossier_code(self, message: Message) -> str:
        return message.dossier.code or "—"

    @admin.display(description=_("template version"))
    def template_version(self, message: Message) -> str:
        return str(message.template) if message.template else "—"

    @admin.action(description=_("Resend the selected failed messages"), permissions=["resend"])
    def resend(self, request, queryset):
        resent = sum(services.resend(message=message) for message in queryset.filter(status=MessageStatus.FAILED))
        skipped = queryset.count() - resent
        if resent:
            self.message_user(
                request,
                ngettext("%(count)d message will be sent again.", "%(count)d messages will be sent again.", resent)
                % {"count": resent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was not resent: only failed messages with an address can be.",
                    "%(count)d messages were not resent: only failed messages with an address can be.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


class MessageTemplateVersionInline(admin.TabularInline):
    model = MessageTemplateVersion
    extra = 0
    can_delete = False
    fields = ["version", "subject", "body", "created_at", "created_by"]
    readonly_fields = fields
    verbose_name_plural = _("earlier versions")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["event", "channel", "language", "version", "enabled", "updated_at"]
    list_filter = ["channel", "language", "enabled", "event"]
    search_fields = ["subject", "body"]
    inlines = [MessageTemplateVersionInline]
    readonly_fields = ["version", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "event", "channel", "language"] if obj else fields

    def save_model(self, request, obj, form, change):
        services.save_template(template=obj, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # untick "send" instead: messages keep pointing at their version
