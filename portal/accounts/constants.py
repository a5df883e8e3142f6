from django.db import models
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    OFFICIAL = "official", _("Official")


class Role(models.TextChoices):
    """An official's role inside their agency."""

    DESK = "desk", _("One-stop desk officer")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    CASHIER = "cashier", _("Cashier")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")
