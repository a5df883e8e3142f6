from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.IntegerChoices):
    """Dossier statuses with the national portal's numbers (they are what interconnection uses)."""

    DRAFT = 0, _("Draft")
    SUBMITTED = 1, _("Submitted, awaiting intake")
    ACCEPTED = 2, _("Accepted")
    REFUSED = 3, _("Not accepted")
    PROCESSING = 4, _("Processing")
    SUPPLEMENT_REQUESTED = 5, _("Supplement requested")
    PAYMENT_REQUESTED = 6, _("Payment requested")
    WITHDRAWN = 7, _("Withdrawn")
    STOPPED = 8, _("Processing stopped")
    RESULT_READY = 9, _("Result ready")
    RETURNED = 10, _("Result returned")


TERMINAL_STATUSES = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED})


class DeliveryMethod(models.TextChoices):
    """How the citizen receives the result."""

    OFFICE = "office", _("Collect at the office")
    ONLINE = "online", _("Online (electronic result)")
    POST = "post", _("By public postal service (BCCI)")


class DocumentKind(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"
