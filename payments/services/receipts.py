"""Receipts: one per successful payment, numbered per agency and year."""

from django.utils import timezone

from portal.counters import next_number

from ..models import Receipt, ReceiptCounter, Transaction


def next_receipt_number(*, agency, year: int) -> str:
    number = next_number(ReceiptCounter, agency=agency.pk, year=year)
    return f"BL{year % 100:02d}-{agency.code}-{number:06d}"


def issue_receipt(txn: Transaction) -> Receipt:
    """One receipt per successful payment, numbered per agency and year; the PDF is rendered after commit."""
    existing = Receipt.objects.filter(transaction=txn).first()
    if existing:
        return existing
    # The agency that took the money: the desk's (the receiving centre, for another agency's dossier) when an
    # official recorded it, else the competent agency (paid online, to its account).
    recorder = txn.recorded_by
    agency = recorder.agency if recorder is not None and recorder.agency_id else txn.request.dossier.agency
    receipt = Receipt.objects.create(
        transaction=txn, agency=agency, number=next_receipt_number(agency=agency, year=timezone.localdate().year)
    )
    from portal import issued

    from ..receipts import RECEIPT

    issued.issue(RECEIPT, receipt.pk)  # rendered after commit; or by the sweep if the broker is down
    return receipt
