"""The payment receipt (biên lai thu phí, lệ phí) as a PDF: the agency, the payer, the line items, the payment."""

import segno
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal import issued
from portal.pdf import render_pdf

from .models import Receipt


def render_receipt(receipt: Receipt) -> bytes:
    txn = receipt.transaction
    request = txn.request
    dossier = request.dossier
    lines = list(request.lines.all())
    # Paid before a line was exempted: the lines add up to less than the payment, whose difference is paid back.
    overpaid = max(txn.amount - sum(line.due for line in lines), 0)
    with translation.override("vi"):  # an official document: always in Vietnamese
        html = render_to_string(
            "payments/pdf/receipt.html",
            {
                "receipt": receipt,
                "txn": txn,
                "request": request,
                "lines": lines,
                "overpaid": overpaid,
                "dossier": dossier,
                "agency": receipt.agency,
                "issued_at": timezone.localtime(receipt.issued_at),
                "paid_at": timezone.localtime(txn.paid_at or txn.settled_at or receipt.issued_at),
                "qr": segno.make(f"{receipt.number}|{dossier.code}|{txn.amount}", error="m").svg_data_uri(
                    scale=3, border=1
                ),
            },
        )
    return render_pdf(html)


RECEIPT = issued.DocumentKind(
    name="payments.receipt",
    model=Receipt,
    field="file",
    render=render_receipt,
    filename=lambda receipt: f"bien-lai-{receipt.number}.pdf",
    select_related=(
        "agency",
        "transaction__request__dossier__procedure",
        "transaction__request__dossier__agency",
        "transaction__request__dossier__applicant",
    ),
    should_have=Q(),
    issued_at="issued_at",
    sealed_by=lambda receipt: (receipt.agency, receipt.transaction.request.dossier.code),
    of_dossier="transaction__request__dossier_id",
    download_path=lambda receipt, dossier: reverse(
        "payments:receipt", kwargs={"public_id": dossier.public_id, "number": receipt.number}
    ),
    title=lambda receipt: _("Payment receipt %(number)s") % {"number": receipt.number},
)


def render_and_store(receipt_id: int) -> Receipt:
    """The receipt with its PDF, rendered and stored now if no task has yet."""
    return issued.store(RECEIPT, receipt_id)
