"""Notifications: the outbox written with each status change, sending, retries, the sweep and delivery reports.

Reliability, in short:

* The messages are rows written in the transaction of the status change (``create_messages_for_event`` runs
  from ``post_save`` of the timeline row); a rolled-back change leaves none. One task for the change's rows
  (its email and its SMS) is enqueued after commit; if the broker is down then, the rows stay queued and the
  sweep, or the next task that catches up (below), sends them later.
* A task sends only after claiming the row with a conditional update (queued → sending), so two tasks for one
  row send once. A task redelivered after its worker died (same task id, thanks to ``acks_late`` and
  ``reject_on_worker_lost``) takes its own claim back and sends again.
* In a worker, the same claim also takes other rows that are queued and due, a few at a time, and the task
  sends them after its own (``deliver`` with ``until``): a backlog — after an outage, or a burst of status
  changes — goes out at the provider's pace rather than one Celery round trip per message, and the first task
  after an outage sends what the sweep would have found a minute later. The rows' own tasks find them sent.
* Sending is at-least-once: if a worker dies after the provider took the message but before the row says
  so, the message is sent again, with the same reference (SMS ``Idempotency-Key``, email ``Message-ID``),
  so a provider that dedupes on it delivers once. A row left sending longer than
  ``NOTIFICATIONS_STUCK_AFTER`` is sent again by the sweep, or failed once its attempts are used up.
* Temporary errors are retried with exponential backoff, at most ``NOTIFICATIONS_MAX_ATTEMPTS`` attempts;
  permanent ones fail at once. Failed rows show in the back office, which can resend them.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.template import Context, Engine, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dossiers.constants import Channel as DossierChannel
from dossiers.constants import DeliveryMethod
from dossiers.models import Dossier, DossierEvent
from portal import access
from portal.accounts.models import User

from . import defaults
from .backends import PermanentError, Senders, TemporaryError, backend_for
from .constants import ACTION_EVENTS, DEFAULT_LANGUAGE, LANGUAGES, Channel, Event, MessageStatus
from .models import Message, MessageTemplate, MessageTemplateVersion
from .text import sms_text

logger = logging.getLogger(__name__)

# Plain-text templates: nothing is escaped, and the context holds only strings.
_engine = Engine(autoescape=False, string_if_invalid="")

# Publishing a task when the broker is down must not hold the request long: the sweep sends the row later.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
MAX_RETRY_DELAY = 3600.0
DISABLED = object()

Q_, S_ = MessageStatus.QUEUED, MessageStatus.SENDING


# --- Writing the outbox --------------------------------------------------------------------------------


def _datetime(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y") if value else ""


def _date(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y") if value else ""


def message_context(dossier: Dossier, event: DossierEvent, language: str) -> dict[str, str]:
    """What a template may say, as plain strings (templates never reach model objects)."""
    applicant = dossier.applicant
    note = event.public_note.strip()
    with translation.override(language):
        status = str(dossier.get_status_display())
    separator = "." if language == "vi" else ","
    posted = dossier.delivery_method == DeliveryMethod.POST
    return {
        "portal": settings.PORTAL_NAME,
        "authority": settings.PORTAL_AUTHORITY,
        "citizen": applicant.full_name or applicant.username,
        "code": dossier.code or "",
        "procedure": dossier.procedure.name,
        "agency": dossier.agency.name,
        # Where the citizen pays and collects in person: the centre that received the dossier.
        "desk": (dossier.agency if dossier.received_by_id in (None, dossier.agency_id) else dossier.received_by).name,
        "acting": (access.agency_that_acted(dossier, event.actor) or dossier.agency).name,
        "status": status,
        "link": settings.PORTAL_URL.rstrip("/") + dossier.get_absolute_url(),
        "submitted_at": _datetime(dossier.submitted_at),
        "due_at": _datetime(dossier.due_at),
        "due_date": _date(dossier.due_at),
        "missing": note or dossier.supplement_request,
        "deadline": _datetime(dossier.supplement_deadline),
        "deadline_date": _date(dossier.supplement_deadline),
        "reason": note,
        "note": note,
        "amount": f"{event.data.get('amount') or 0:,}".replace(",", separator),
        "delivery": dossier.delivery_method,
        "delivery_address": dossier.delivery_address,
        "tracking": event.data.get("tracking_number", "") if posted else "",
        "new_due_at": _datetime(dossier.due_at),
        "new_due_date": _date(dossier.due_at),
    }


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    return _engine.from_string(source)


def render(version: MessageTemplateVersion, context: dict[str, str], channel: str) -> tuple[str, str]:
    """Subject (email only, one line) and text; SMS text transliterated, branded and cut to the part limit."""
    body = _compiled(version.body).render(Context(context)).strip()
    if channel == Channel.SMS:
        return "", sms_text(body, brand=settings.SMS_BRAND, max_parts=settings.SMS_MAX_PARTS)
    subject = " ".join(_compiled(version.subject).render(Context(context)).split())
    return subject[:255], body


def current_version(event: str, channel: str, language: str):
    """The template version to write with: the citizen's language, else Vietnamese; ``DISABLED`` or None."""
    wanted = list(dict.fromkeys([language, DEFAULT_LANGUAGE]))
    found = {t.language: t for t in MessageTemplate.objects.filter(event=event, channel=channel, language__in=wanted)}
    for code in wanted:
        template = found.get(code)
        if template is not None:
            if not template.enabled:
                return DISABLED
            return MessageTemplateVersion.objects.filter(template=template, version=template.version).first()
    return None


def addresses(user: User, dossier: Dossier) -> list[tuple[str, str]]:
    """(channel, address) pairs the citizen chose; whatever they have if none of those; else one empty one."""
    available = {Channel.EMAIL: user.email, Channel.SMS: user.phone or dossier.delivery_phone}
    wanted = {"email": [Channel.EMAIL], "sms": [Channel.SMS]}.get(user.notify_by, [Channel.EMAIL, Channel.SMS])
    chosen = [(channel, available[channel]) for channel in wanted if available[channel]]
    if not chosen:
        chosen = [(channel, address) for channel, address in available.items() if address]
    return chosen or [(wanted[0], "")]


def _compose(message: Message, context: dict[str, str]) -> Message | None:
    """Fill the message's text from the current template; a message that cannot be written is failed, visibly."""
    now = timezone.now()
    version = current_version(message.kind, message.channel, message.language)
    if version is DISABLED:
        return None
    if not message.recipient:
        error = _("The citizen has no email address or mobile number.")
    elif version is None:
        error = _("There is no message template for this event and channel.")
    else:
        message.template = version
        try:
            message.subject, message.body = render(version, context, message.channel)
            return message
        except Exception as exc:  # an edited template must never undo the status change
            logger.exception("Message template %s could not be rendered", version.pk)
            error = _("The message template could not be used: %(error)s") % {"error": exc}
    message.status, message.error, message.failed_at = MessageStatus.FAILED, str(error), now
    return message


def create_messages_for_event(*, event: DossierEvent) -> list[int]:
    """Write the outbox rows for one timeline entry, inside the caller's transaction; enqueue after commit."""
    kind = ACTION_EVENTS.get(event.action)
    if kind is None:
        return []
    dossier = event.dossier
    if kind == Event.SUBMITTED and dossier.channel == DossierChannel.COUNTER:
        # Registered at the desk with the citizen standing there: "filed, awaiting intake" would cross the desk's
        # decision (accepted, a supplement asked, refused), which they hear of next.
        return []
    citizen = dossier.applicant
    language = citizen.language if citizen.language in dict(LANGUAGES) else DEFAULT_LANGUAGE
    context = message_context(dossier, event, language)
    rows = []
    for channel, recipient in addresses(citizen, dossier):
        message = Message(
            dossier=dossier, event=event, kind=kind, channel=channel, recipient=recipient, language=language
        )
        message = _compose(message, context)
        if message is not None:
            rows.append(message)
    if not rows:
        return []
    with transaction.atomic():
        # The dedupe key (dossier, event, channel, recipient) makes a second write of the same event a no-op.
        Message.objects.bulk_create(rows, ignore_conflicts=True)
        # In the order written (the email, then the SMS), which is the order their one task sends them in.
        queued = list(Message.objects.filter(event=event, status=Q_).order_by("pk").values_list("pk", flat=True))
    if queued:
        transaction.on_commit(lambda: enqueue(queued))
    return queued


def enqueue(message_ids: list[int]) -> int:
    """Publish the send tasks: one for a status change's messages (its email and its SMS go out in one task),
    the sweep's in groups of ``NOTIFICATIONS_CATCH_UP``; returns how many messages were published. Never raises:
    rows left queued are picked up by the sweep (e.g. the broker was down at commit)."""
    from .tasks import send_message

    size = max(settings.NOTIFICATIONS_CATCH_UP, 1)
    published = 0
    for start in range(0, len(message_ids), size):
        group = tuple(message_ids[start : start + size])
        try:
            send_message.apply_async(group, retry_policy=PUBLISH_RETRY)
        except Exception:
            logger.warning("Could not enqueue messages %s; the outbox sweep will send them.", group, exc_info=True)
            break
        published += len(group)
    return published


# --- Sending -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # what the row became, or "skipped" when this call did not hold it
    retry_in: float | None = None
    refused: bool = False  # the provider refused this message for good (its address, its text)


def retry_delay(attempts: int) -> float:
    return min(settings.NOTIFICATIONS_RETRY_DELAY * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


# A condition that is always true and, evaluated, turns PostgreSQL's synchronous commit off for the transaction it
# runs in (``set_config(…, is_local => true)``); the setting is read when that transaction commits.
_ASYNC_COMMIT_SQL = "set_config('synchronous_commit', 'off', true) = 'off'"


def _committed_alone() -> bool:
    """The claim and the outcome of a send are single statements committed without waiting for the WAL flush
    (PostgreSQL's asynchronous commit, for that statement's own transaction only): about 15 % more messages per
    second on one disk from the commit, and no ``BEGIN``/``SET``/``COMMIT`` round trips, each statement being its
    own transaction. A database crash can lose the last fraction of a second of these writes, never corrupt them;
    the message then goes back to queued or sending, and the sweep sends it again with the same
    ``Idempotency-Key``/``Message-ID``, which the provider uses to deliver it once. Nothing else the worker or the
    web writes is committed this way, and inside a caller's transaction (a task run in-process) nothing changes."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _claim(message_ids: list[int], claim: str, due: int = 0) -> list[Message]:
    """Take rows and read them in one statement (``UPDATE … RETURNING``; PostgreSQL, SQLite ≥ 3.35): the rows
    ``message_ids`` that are queued (or are our own task's rows, redelivered), and up to ``due`` other queued rows
    that are due, oldest first, skipping rows another worker is taking (the queued rows' own index). Rows another
    caller holds, or that are done, are not taken."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Message._meta.db_table)
    taken, params = [], []
    if message_ids:
        listed = ", ".join(["%s"] * len(message_ids))
        taken.append(f"(id IN ({listed}) AND (status = %s OR (status = %s AND claimed_by = %s)))")
        params += [*message_ids, Q_, S_, claim]
    if due > 0:
        lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
        taken.append(
            f"(id IN (SELECT id FROM {table} WHERE status = %s AND next_attempt_at <= %s "  # noqa: S608
            f"ORDER BY next_attempt_at LIMIT %s{lock}) AND status = %s)"
        )
        params += [Q_, now, due, Q_]
    if not taken:
        return []
    alone = f" AND {_ASYNC_COMMIT_SQL}" if _committed_alone() else ""
    rows = Message.objects.raw(
        f"UPDATE {table} SET status = %s, claimed_by = %s, claimed_at = %s, attempts = attempts + 1, "  # noqa: S608
        f"updated_at = %s WHERE ({' OR '.join(taken)}){alone} RETURNING *",
        [S_, claim, now, now, *params],
    )
    order = {pk: index for index, pk in enumerate(message_ids)}
    return sorted(rows, key=lambda message: (order.get(message.pk, len(order)), message.next_attempt_at, message.pk))


def _attempt(message: Message, senders: Senders | None = None) -> tuple[Outcome, dict]:
    """Hand one claimed message to its provider (through ``senders``, a batch's backends, if given): the outcome
    and the fields that record it on the row."""
    try:
        backend = senders.for_channel(message.channel) if senders is not None else backend_for(message.channel)
        provider_id = backend.send(message)
    except PermanentError as exc:
        return Outcome(MessageStatus.FAILED, refused=True), {
            "status": MessageStatus.FAILED,
            "failed_at": timezone.now(),
            "error": str(exc),
        }
    except Exception as exc:
        if not isinstance(exc, TemporaryError):
            logger.exception("Unexpected error while sending message %s", message.pk)
        error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, TemporaryError) else str(exc)
        if message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            error = _("%(error)s (gave up after %(count)d attempts)") % {"error": error, "count": message.attempts}
            return Outcome(MessageStatus.FAILED), {
                "status": MessageStatus.FAILED,
                "failed_at": timezone.now(),
                "error": error,
            }
        delay = retry_delay(message.attempts)
        return Outcome(Q_, retry_in=delay), {
            "status": Q_,
            "next_attempt_at": timezone.now() + timedelta(seconds=delay),
            "error": error,
        }
    return Outcome(MessageStatus.SENT), {
        "status": MessageStatus.SENT,
        "sent_at": timezone.now(),
        "provider_id": provider_id[:128],
        "error": "",
    }


def _record(message_id: int, claim: str, fields: dict) -> None:
    """Write a send's outcome on the row, if this claim still holds it."""
    values = {"claimed_by": "", "updated_at": timezone.now(), **fields}
    params = [_FIELDS[name].get_db_prep_save(value, connection) for name, value in values.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            _record_sql(tuple(values), connection.vendor, _committed_alone()), [*params, message_id, S_, claim]
        )
        held = cursor.rowcount
    if not held:
        logger.warning("Message %s was taken over by the sweep while this task was sending it.", message_id)


_FIELDS = {field.name: field for field in Message._meta.concrete_fields}


@lru_cache(maxsize=32)
def _record_sql(names: tuple[str, ...], vendor: str, alone: bool) -> str:
    """The statement that records an outcome, written once per kind of outcome. It runs once for every message a
    worker sends, where the ORM's ``update()`` spent more time building the statement than the database running
    it (1.6 against 0.6 ms)."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(_FIELDS[name].column)} = %s" for name in names)
    return (
        f"UPDATE {quote(Message._meta.db_table)} SET {columns} "  # noqa: S608 - our table and columns
        f"WHERE id = %s AND status = %s AND claimed_by = %s{f' AND {_ASYNC_COMMIT_SQL}' if alone else ''}"
    )


def deliver(*, message_id: int, claim: str, until: float | None = None) -> Outcome:
    """Send one message if this caller can claim it (``claim``: the task id). Idempotent. See ``deliver_all``."""
    return deliver_all([message_id], claim=claim, until=until)[0]


def deliver_all(message_ids: list[int], *, claim: str, until: float | None = None) -> list[Outcome]:
    """Send the messages this caller can claim (``claim``: the task id), each whatever became of the others;
    their outcomes in order ("skipped" for one another caller had, or that is done). Idempotent.

    With ``until`` (a ``time.monotonic()`` deadline; a worker's send task gives one), the same statement also
    claims up to ``NOTIFICATIONS_CATCH_UP`` other messages that are queued and due — a backlog after an outage,
    or a burst of status changes — and they are sent after these, then more, until none is left or the time
    has passed (``catch_up``). Their own tasks, when they come, find them sent and skip, at the cost of one
    statement."""
    if not claim:
        raise ValueError("a claim (the task id) is required")
    batch = settings.NOTIFICATIONS_CATCH_UP if until is not None else 0
    claimed = _claim(message_ids, claim, batch)
    outcomes, go_on, _ = _send_claimed(claimed, claim, until, own=set(message_ids))
    if go_on and len(claimed) >= batch > 0:
        catch_up(claim=claim, until=until)
    return [outcomes.get(pk, Outcome("skipped")) for pk in message_ids]


def _send_claimed(
    messages: list[Message], claim: str, until: float | None, *, own: frozenset[int] | set[int] = frozenset()
) -> tuple[dict[int, Outcome], bool, int]:
    """Send claimed rows in order (``own`` first, each of them whatever became of the others), each outcome
    recorded as soon as it is known. A send that may succeed later stops the backlog (the provider is in trouble:
    back to one task's messages, with their retries), and so does ``until``; a permanent refusal (one address, one
    text) fails that message and the batch goes on. Rows claimed and not reached are
    given back, their attempt not counted. Returns the outcomes of ``own``, whether to go on, and how many were
    sent."""
    outcomes, sent, reached, go_on = {}, 0, 0, True
    senders = Senders()
    try:
        for message in messages:
            mine = message.pk in own
            if not mine and (not go_on or (until is not None and time.monotonic() >= until)):
                return outcomes, False, sent
            reached += 1
            outcome, fields = _attempt(message, senders)
            if mine:
                outcomes[message.pk] = outcome
            # Recorded at once, each on its own: a worker that dies later in the batch sends again only the
            # message it was sending (an email has no Idempotency-Key that the mail server would dedupe on).
            _record(message.pk, claim, fields)
            if outcome.status == MessageStatus.SENT:
                sent += 1
                continue
            senders.forget(message.channel)
            if outcome.refused:
                continue  # this message only (its address, its text): no sign that the provider is in trouble
            if outcome.retry_in is not None and not mine:
                _retry_later(message.pk, outcome.retry_in)
            go_on = False
        return outcomes, go_on, sent
    finally:
        _release([message.pk for message in messages[reached:]], claim)
        senders.close()


def _release(message_ids: list[int], claim: str) -> None:
    """Give back rows claimed but not sent (the attempt they were charged is not counted)."""
    if message_ids:
        Message.objects.filter(pk__in=message_ids, status=S_, claimed_by=claim).update(
            status=Q_, claimed_by="", attempts=F("attempts") - 1, updated_at=timezone.now()
        )


def catch_up(*, claim: str, until: float) -> int:
    """Send the queued messages that are due, ``NOTIFICATIONS_CATCH_UP`` per claim, until none is left, a send
    fails in a way that may pass (the provider in trouble), or ``until`` (``time.monotonic()``) has passed;
    returns how many were sent."""
    batch, count = settings.NOTIFICATIONS_CATCH_UP, 0
    while batch > 0 and time.monotonic() < until:
        messages = _claim([], claim, batch)
        _, go_on, sent = _send_claimed(messages, claim, until)
        count += sent
        if not go_on or len(messages) < batch:
            break
    return count


def _retry_later(message_id: int, delay: float) -> None:
    """A send task for this row in ``delay`` seconds (what ``self.retry`` does for a task's own message)."""
    from .tasks import send_message

    try:
        send_message.apply_async((message_id,), countdown=delay, retry_policy=PUBLISH_RETRY)
    except Exception:
        logger.warning("Could not schedule a retry of message %s; the outbox sweep will.", message_id, exc_info=True)


def _duration(seconds: int) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return ngettext("%(count)d minute", "%(count)d minutes", seconds // 60) % {"count": seconds // 60}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}


def sweep_outbox(*, now: datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Periodic: enqueue rows left queued (no task reached a worker) and time out rows stuck in sending."""
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.NOTIFICATIONS_STUCK_AFTER)
    due_before = now - timedelta(seconds=settings.NOTIFICATIONS_REQUEUE_AFTER)
    with transaction.atomic():
        stuck = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=S_, claimed_at__lt=stuck_before)
            .order_by("claimed_at")
            .values_list("pk", "attempts")[:batch]
        )
        again = [pk for pk, attempts in stuck if attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS]
        given_up = [pk for pk, attempts in stuck if attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS]
        waited = _duration(settings.NOTIFICATIONS_STUCK_AFTER)
        Message.objects.filter(pk__in=given_up, status=S_).update(
            status=MessageStatus.FAILED,
            failed_at=now,
            claimed_by="",
            updated_at=now,
            error=_("No outcome after %(duration)s of sending, and no attempts left.") % {"duration": waited},
        )
        Message.objects.filter(pk__in=again, status=S_).update(
            status=Q_,
            claimed_by="",
            next_attempt_at=now,
            updated_at=now,
            error=_("No outcome after %(duration)s of sending: sent again (the provider may have had it).")
            % {"duration": waited},
        )
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=Q_, next_attempt_at__lt=due_before)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:batch]
        )
        Message.objects.filter(pk__in=due).update(next_attempt_at=now, updated_at=now)
        ids = again + due
        if ids:
            transaction.on_commit(lambda: enqueue(ids))
    return {"requeued": len(due), "stuck": len(again), "failed": len(given_up)}


# --- The back office -----------------------------------------------------------------------------------


@transaction.atomic
def resend(*, message: Message) -> bool:
    """Send a failed message again (as a new send: the provider must not dedupe it against the first)."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != MessageStatus.FAILED:
        return False
    if not message.recipient or not message.body:
        # Never written (no address or no usable template at the time): write it now.
        dossier = message.dossier
        message.recipient = dict(addresses(dossier.applicant, dossier)).get(message.channel) or message.recipient
        message.status = Q_
        composed = _compose(message, message_context(dossier, message.event, message.language))
        if composed is None or message.status == MessageStatus.FAILED:
            return False
    message.status, message.attempts, message.resends = Q_, 0, message.resends + 1
    message.error, message.failed_at, message.provider_id, message.claimed_by = "", None, "", ""
    message.next_attempt_at = timezone.now()
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # the new address already has this message
        return False
    transaction.on_commit(lambda: enqueue([message.pk]))
    return True


@transaction.atomic
def save_template(*, template: MessageTemplate, by: User | None = None) -> MessageTemplate:
    """Save a template; a changed text becomes the next version (messages keep the version they used)."""
    previous = MessageTemplate.objects.select_for_update().filter(pk=template.pk).first() if template.pk else None
    changed = previous is None or (previous.subject, previous.body) != (template.subject, template.body)
    if changed:
        template.version = (previous.version if previous else 0) + 1
    template.save()
    if changed:
        MessageTemplateVersion.objects.create(
            template=template, version=template.version, subject=template.subject, body=template.body, created_by=by
        )
    return template


def install_default_templates() -> int:
    """Create the default templates that are missing (the data migration does the same on a new database)."""
    return defaults.install(MessageTemplate, MessageTemplateVersion)


# --- Delivery reports and preferences ------------------------------------------------------------------

DELIVERED = {"delivered", "delivrd"}
UNDELIVERED = {"failed", "undelivered", "undeliv", "rejected", "expired"}


@transaction.atomic
def record_delivery_report(*, provider_id: str, status: str, error: str = "") -> bool:
    """The provider's report on a sent message; False when no message has that id. Never goes backwards."""
    message = Message.objects.select_for_update().filter(provider_id=provider_id).exclude(provider_id="").first()
    if message is None:
        return False
    now = timezone.now()
    status = status.strip().lower()
    if status in DELIVERED and message.status == MessageStatus.SENT:
        message.status, message.delivered_at = MessageStatus.DELIVERED, now
        message.save(update_fields=["status", "delivered_at", "updated_at"])
    elif status in UNDELIVERED and message.status == MessageStatus.SENT:
        message.status, message.failed_at = MessageStatus.FAILED, now
        message.error = _("Not delivered: %(error)s") % {"error": (error or status)[:500]}
        message.save(update_fields=["status", "failed_at", "error", "updated_at"])
    return True


def update_preferences(*, user: User, notify_by: str, language: str) -> User:
    user.notify_by, user.language = notify_by, language
    user.save(update_fields=["notify_by", "language"])
    return user
