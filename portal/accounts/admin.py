from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.paginator import LargeTableAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(LargeTableAdminMixin, BaseUserAdmin):  # hundreds of thousands of citizens
    list_display = ["username", "full_name", "email", "phone", "kind", "agency", "role", "is_staff", "is_active"]
    list_filter = ["kind", "role", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "full_name", "email", "phone", "id_number"]
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
