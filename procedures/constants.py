from django.db import models
from django.utils.translation import gettext_lazy as _


class AdministrativeLevel(models.IntegerChoices):
    """Tier of government. Codes follow the national database's ``CAPTHUCHIEN``."""

    PROVINCE = 1, _("Province")
    DISTRICT = 2, _("District")
    COMMUNE = 3, _("Commune")


# Two-tier local government since 1 July 2025 (Decree 118/2025/NĐ-CP): the levels the portal offers. DISTRICT stays
# above for old data (a record's "Cấp huyện", agencies of before the reform) and is never offered.
CURRENT_LEVELS = (AdministrativeLevel.PROVINCE, AdministrativeLevel.COMMUNE)


def current_level_choices() -> list[tuple[int, str]]:
    return [(level.value, level.label) for level in CURRENT_LEVELS]


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
