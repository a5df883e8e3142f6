from django.apps import AppConfig
from django.core import checks


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from knox.models import get_token_model

        from .accounts.backends import forget_user
        from .api_tokens import forget_token, forget_tokens_of
        from .pdf import check_font_subsetting

        checks.register(check_font_subsetting, checks.Tags.compatibility, deploy=True)
        # A remembered API token check is forgotten when the token or its user changes (portal.api_tokens).
        user = get_user_model()
        post_save.connect(forget_token, sender=get_token_model(), dispatch_uid="api-token-saved")
        post_delete.connect(forget_token, sender=get_token_model(), dispatch_uid="api-token-deleted")
        post_save.connect(forget_tokens_of, sender=user, dispatch_uid="api-token-user-saved")
        # So is a signed-in user's remembered row (portal.accounts.backends).
        post_save.connect(forget_user, sender=user, dispatch_uid="session-user-saved")
        post_delete.connect(forget_user, sender=user, dispatch_uid="session-user-deleted")
