"""Every change to payments: requests, online and counter payments, the gateway's notifications, reconciliation,
receipts and refunds. One function each, in a transaction, on locked rows, one module per concern:

* ``billing``: payment requests (at submission, at the agency's request), exemptions, a request marked paid;
* ``online``: paying through the gateway, its signed notification (IPN) and the citizen's return;
* ``counter``: cash or card at the agency's counter;
* ``collection``: what the postman collected on delivery of the result (BCCI collect-on-delivery);
* ``reconciliation``: asking the gateway about payments without a final answer;
* ``receipts``: one numbered receipt per successful payment;
* ``refunds``: money given back, through the gateway or at the counter.

Money is never lost, doubled or faked (see ``online`` for how a payment is settled). Callers use the names
below (``from payments import services; services.record_counter_payment(...)``).

Lock order. Every path that touches a dossier and its money takes the row locks in one order, so that two of them
at the same moment wait for each other instead of deadlocking:

1. the dossier (``Dossier``, ``SELECT … FOR UPDATE OF`` the dossier only);
2. its shipment, when the path concerns one (``postal.Shipment``: posting the result, a postal status, the
   postman's collection);
3. its payment request(s);
4. the transaction (one payment);
5. then rows only these paths write: refunds, receipts and the receipt counter.

The IPN and reconciliation find the transaction without a lock, then lock its dossier, its request and it
(``base.lock_transaction``); a counter payment, an exemption, the postman's collection and a refund by hand start
from the dossier too (``base.lock_request``, ``base.lock_dossier``); the dossier's own actions (refuse, withdraw,
return the result, payment received) lock the dossier in ``dossiers.processing`` before payments' listeners
lock the requests and the transactions. Nothing locks a request or a transaction before its dossier.
"""

from .base import ENDED, PaymentError, why_no_cashier
from .billing import bill_requested, bill_submission, cancel_and_refund, collection_for, exempt_line
from .collection import COLLECTED_ON_DELIVERY, record_collection_on_delivery
from .counter import record_counter_payment
from .online import handle_notification, new_txn_ref, order_info, read_return, start_online_payment
from .receipts import issue_receipt, next_receipt_number
from .reconciliation import reconcile, reconcile_one
from .refunds import refund_paid_at_counter, refund_payment, resend_requested_refunds, send_refund, why_not_refund

__all__ = [
    "COLLECTED_ON_DELIVERY",
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
    "record_collection_on_delivery",
    "record_counter_payment",
    "refund_paid_at_counter",
    "refund_payment",
    "resend_requested_refunds",
    "send_refund",
    "start_online_payment",
    "why_no_cashier",
    "why_not_refund",
]
