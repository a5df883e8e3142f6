from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.events import DossierAction


class Event(models.TextChoices):
    """What the citizen is told about; each comes from one action on the dossier's timeline."""

    SUBMITTED = "submitted", _("Dossier submitted")
    ACCEPTED = "accepted", _("Dossier accepted")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    REFUSED = "refused", _("Dossier refused")
    PAYMENT_REQUESTED = "payment_requested", _("Payment requested")
    RESULT_READY = "result_ready", _("Result ready")
    RESULT_RETURNED = "result_returned", _("Result returned or posted")
    APOLOGY = "apology", _("Apology with a new date")
    STOPPED = "stopped", _("Processing stopped")
    WITHDRAWN = "withdrawn", _("Dossier withdrawn")
    POST_HANDED_OVER = "post_handed_over", _("Result handed over to the post office")
    POST_IN_TRANSIT = "post_in_transit", _("Result in transit by post")
    POST_DELIVERED = "post_delivered", _("Result delivered by post")
    POST_RETURNED = "post_returned", _("Result returned by the post office")


# DossierEvent.action → the event the citizen hears of. Internal steps (assign, forward, submit for approval,
# payment received, recall) and the citizen's own supplement send nothing.
ACTION_EVENTS: dict[DossierAction, str] = {
    DossierAction.SUBMIT: Event.SUBMITTED,
    DossierAction.ACCEPT: Event.ACCEPTED,
    DossierAction.REQUEST_SUPPLEMENT: Event.SUPPLEMENT_REQUESTED,
    DossierAction.REFUSE: Event.REFUSED,
    DossierAction.REQUEST_PAYMENT: Event.PAYMENT_REQUESTED,
    DossierAction.APPROVE: Event.RESULT_READY,
    DossierAction.RETURN_RESULT: Event.RESULT_RETURNED,
    DossierAction.APOLOGISE: Event.APOLOGY,
    DossierAction.STOP: Event.STOPPED,
    DossierAction.WITHDRAW: Event.WITHDRAWN,
    # Postal delivery of the result (timeline entries without a status change, written by the postal app).
    DossierAction.POST_HANDED_OVER: Event.POST_HANDED_OVER,
    DossierAction.POST_IN_TRANSIT: Event.POST_IN_TRANSIT,
    DossierAction.POST_DELIVERED: Event.POST_DELIVERED,
    DossierAction.POST_RETURNED: Event.POST_RETURNED,
}


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
DEFAULT_LANGUAGE = "vi"
