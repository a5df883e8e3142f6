from django.db import models
from django.utils.translation import gettext_lazy as _


class AdministrativeLevel(models.IntegerChoices):
    """Tier of government. Codes follow the national database's ``CAPTHUCHIEN``."""

    PROVINCE = 1, _("Province")
    DISTRICT = 2, _("District")
    COMMUNE = 3, _("Commune")


class ServiceLevel(models.IntegerChoices):
    """Online service level (Decree 43/2011); 3 is "partial", 4 "full process" under Decree 42/2022."""

    INFORMATION = 1, _("Level 1: information")
    FORMS = 2, _("Level 2: downloadable forms")
    PARTIAL = 3, _("Level 3: partly online")
    FULL = 4, _("Level 4: fully online")


class Channel(models.IntegerChoices):
    """How a dossier reaches the agency (``KENH`` in the national package)."""

    IN_PERSON = 1, _("In person")
    ONLINE = 2, _("Online")
    POST = 3, _("By post")


class FeeKind(models.TextChoices):
    FEE = "fee", _("Fee (phí)")
    CHARGE = "charge", _("Charge (lệ phí)")


ONLINE_SUBMISSION_LEVEL = ServiceLevel.PARTIAL
TEMPLATE_DOWNLOAD_LEVEL = ServiceLevel.FORMS
