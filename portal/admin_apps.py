"""django.contrib.admin, with the portal's own admin site as the default one (see portal.admin_site)."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"
