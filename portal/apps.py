from django.apps import AppConfig
from django.core import checks


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        from .pdf import check_font_subsetting

        checks.register(check_font_subsetting, checks.Tags.compatibility, deploy=True)
