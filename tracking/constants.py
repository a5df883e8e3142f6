"""Words the look-up page shows citizens: plain explanations of each status and of each step of the timeline."""

from django.utils.translation import gettext_lazy as _

from dossiers.constants import Status

STATUS_EXPLANATIONS = {
    Status.SUBMITTED: _("The agency has received your dossier online and will check it."),
    Status.ACCEPTED: _("The agency has accepted your dossier and set the date the result is due."),
    Status.REFUSED: _("The agency did not accept the dossier. The reason is in the timeline below."),
    Status.PROCESSING: _("The agency is processing the dossier."),
    Status.SUPPLEMENT_REQUESTED: _(
        "The agency needs more documents or information. The time it waits does not count against its deadline."
    ),
    Status.PAYMENT_REQUESTED: _("Fees or charges must be paid before the agency can go on."),
    Status.WITHDRAWN: _("The dossier was withdrawn at the applicant's request."),
    Status.STOPPED: _("The agency stopped processing the dossier. The reason is in the timeline below."),
    Status.RESULT_READY: _("The result is ready."),
    Status.RETURNED: _("The result has been handed over. The dossier is complete."),
}

# What each action means to the citizen. Actions not listed here (hand-overs between officials) stay out of the
# public timeline unless the agency wrote a message to the citizen with them.
TIMELINE_LABELS = {
    "submit": _("Dossier submitted online"),
    "accept": _("Accepted by the agency"),
    "refuse": _("Not accepted"),
    "request_supplement": _("The agency asked for a supplement"),
    "supplement": _("Supplement sent to the agency"),
    "assign": _("Processing started"),
    "request_payment": _("Payment requested"),
    "payment_received": _("Payment received"),
    "approve": _("Result ready"),
    "recall": _("The result is being corrected"),
    "return_result": _("Result handed over"),
    "stop": _("Processing stopped"),
    "withdraw": _("Dossier withdrawn"),
    "apologise": _("The agency apologised and set a new date"),
    "route": _("Sent to the competent agency"),
    "prerequisite_done": _("The linked procedure it waited for is done"),
}
