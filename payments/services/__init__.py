"""Every change to payments: requests, online and counter payments, the gateway's notifications, reconciliation,
receipts and refunds. One function each, in a transaction, on locked rows, one module per concern:

* ``billing``: payment requests (at submission, at the agency's request), exemptions, a request marked paid;
* ``online``: paying through the gateway, its signed notification (IPN) and the citizen's return;
* ``counter``: cash or card at the agency's counter;
* ``reconciliation``: asking the gateway about payments without a final answer;
* ``receipts``: one numbered receipt per successful payment;
* ``refunds``: money given back, through the gateway or at the counter.

Money is never lost, doubled or faked (see ``online`` for how a payment is settled). Callers use the names
below (``from payments import services; services.record_counter_payment(...)``).
"""

from .base import ENDED, PaymentError
from .billing import bill_requested, bill_submission, cancel_and_refund, collection_for, exempt_line
from .counter import record_counter_payment
from .online import handle_notification, new_txn_ref, order_info, read_return, start_online_payment
from .receipts import issue_receipt, next_receipt_number
from .reconciliation import reconcile, reconcile_one
from .refunds import refund_paid_at_counter, refund_payment, resend_requested_refunds, send_refund

__all__ = [
    "ENDED",
    "PaymentError",
    "bill_requested",
    "bill_submission",
    "cancel_and_refund",
    "collection_for",
    "exempt_line",
    "handle_notification",
    "issue_receipt",
    "new_txn_ref",
    "next_receipt_number",
    "order_info",
    "read_return",
    "reconcile",
    "reconcile_one",
    "record_counter_payment",
    "refund_paid_at_counter",
    "refund_payment",
    "resend_requested_refunds",
    "send_refund",
    "start_online_payment",
]
