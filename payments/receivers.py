"""What payments does when something happens to a dossier (``dossiers.events``), inside the transaction of the
change: requests and refunds are written with the status change or not at all."""

from dossiers.events import DossierAction, DossierChange, listen

from . import services


@listen(DossierAction.SUBMIT)
def bill_submission(change: DossierChange) -> None:
    services.bill_submission(change)


@listen(DossierAction.REQUEST_PAYMENT)
def bill_requested(change: DossierChange) -> None:
    services.bill_requested(change)


# A dossier that ends without a result gets its money back, and nothing more is asked: stopped processing too (a
# stopped dossier kept what was paid, and its open request still took online payments, each then paid back).
@listen(DossierAction.REFUSE, DossierAction.WITHDRAW, DossierAction.STOP)
def cancel_and_refund(change: DossierChange) -> None:
    services.cancel_and_refund(change)
