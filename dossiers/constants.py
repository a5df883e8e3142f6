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


class Channel(models.TextChoices):
    """How the dossier reached the agency (public statistics count the online share)."""

    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")
    POST = "post", _("By post")
    NATIONAL_PORTAL = "national", _("Through the national public service portal")


class DigitisationExemption(models.TextChoices):
    """Papers received at the counter that are not turned into electronic copies at intake (Circular
    03/2025/TT-VPCP, art. 5)."""

    SHOWN_ONLY = "shown", _("Only shown for comparison")
    INTERNAL_VERIFICATION = "verification", _("Result of an internal verification")
    CONFIDENTIAL = "confidential", _("Confidential document")
    ALREADY_ELECTRONIC = "electronic", _("Already submitted electronically")


class DocumentKind(models.TextChoices):
    PDF = "application/pdf", "PDF"
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


class Stage(models.TextChoices):
    """Where a dossier in processing (status 4) stands inside the agency."""

    NONE = "", _("—")
    PROCESSING = "processing", _("Being processed")
    APPROVAL = "approval", _("Awaiting approval")


class Timeliness(models.TextChoices):
    AHEAD = "ahead", _("Ahead of time")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class NoticeKind(models.TextChoices):
    """Documents the agency issues (numbers of the national forms)."""

    ACCEPTANCE = "01", _("Receipt and appointment slip (form 01)")
    SUPPLEMENT = "02", _("Request to supplement the dossier (form 02)")
    REFUSAL = "03", _("Refusal to accept the dossier (form 03)")
    APOLOGY = "04", _("Apology and new appointment date (form 04)")
    STOP = "05", _("Notice of stopped processing (form 05)")
    RESULT = "KQ", _("Notice that the result is ready")
    CONTROL = "KS", _("Process control slip")


class SupplementExpiry(models.TextChoices):
    REFUSE = "refuse", _("Refuse the dossier")
    STOP = "stop", _("Stop processing")
