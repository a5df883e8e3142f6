from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.admin_site import AutocompleteAdminMixin
from portal.paginator import LargeTableAdminMixin
from portal.text import fold

from .models import User


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """Django's form for setting a user's password, its warning in the page's language: Django joins its translated
    help text to an English warning when it is imported, so the whole text stayed in one language, half English."""

    usable_password_help_text = format_lazy(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        auth_forms.SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


@admin.register(User)
class UserAdmin(LargeTableAdminMixin, AutocompleteAdminMixin, BaseUserAdmin):  # hundreds of thousands of citizens
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "full_name", "email", "phone", "kind", "agency", "role", "is_staff", "is_active"]
    list_filter = ["kind", "role", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "email", "phone", "id_number"]  # and the name, with or without diacritics:
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "email", "email_verified_at", "phone", "id_number"]}),
        (_("Agency"), {"fields": ["kind", "agency", "role"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        name = fold(search_term)
        if name:
            found |= queryset.filter(name_key__contains=name)
        return found, may_have_duplicates

    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "full_name",
                    "email",
                    "phone",
                    "kind",
                    "agency",
                    "role",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]


class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """django-axes' failed sign-ins. Its action "Clean up expired attempts" reads the time of the sign-in being
    checked, which a back-office request does not have (it answered 500); the time of the click is given instead."""

    def cleanup_expired_attempts(self, request, queryset):
        if getattr(request, "axes_attempt_time", None) is None:
            request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)

    cleanup_expired_attempts.short_description = AxesAccessAttemptAdmin.cleanup_expired_attempts.short_description


if admin.site.is_registered(AccessAttempt):  # django-axes registers its own unless AXES_ENABLE_ADMIN is off
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)
