"""The task base (portal.celery.TransactionAwareTask): publish after commit, never raise a broker error into the
caller, and leave an in-process retry to the sweeps instead of looping."""

import logging

import pytest
from celery import shared_task
from django.db import transaction

from portal.celery import app

from .notifications_support import celery_broker

pytestmark = pytest.mark.django_db(transaction=True)

CALLS: list[int] = []


@shared_task(bind=True, name="tests.task_base.record")
def record(self, value: int) -> int:
    CALLS.append(value)
    return value


@shared_task(bind=True, name="tests.task_base.always_retries", max_retries=None)
def always_retries(self) -> None:
    CALLS.append(-1)
    raise self.retry(countdown=1)


@pytest.fixture
def eager():
    CALLS.clear()
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_task_published_in_a_transaction_runs_after_the_commit(eager):
    with transaction.atomic():
        record.delay(1)
        assert CALLS == []  # not yet: the change it follows may still roll back
    assert CALLS == [1]


def test_a_rolled_back_transaction_publishes_nothing(eager):
    with pytest.raises(RuntimeError), transaction.atomic():
        record.delay(2)
        raise RuntimeError("the change is undone")
    assert CALLS == []


def test_an_in_process_retry_does_not_loop(eager):
    always_retries.delay()

    assert CALLS == [-1]  # ran once; the sweeps pick the work up from the database


def test_a_broker_that_is_down_is_logged_not_raised(caplog):
    CALLS.clear()
    caplog.set_level(logging.WARNING, logger="portal.celery")
    with celery_broker("redis://127.0.0.1:1/0"):  # nothing listens there
        assert record.delay(3) is None

    assert CALLS == [] and "the periodic sweep will do it" in caplog.text


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("portal.tasks.render_issued", "documents"),
        ("portal.tasks.sweep_issued", "documents"),  # renders what is missing in the task itself
        ("notifications.tasks.send_message", "celery"),
        ("notifications.tasks.sweep_outbox", "celery"),
        ("payments.tasks.send_refund", "celery"),
    ],
)
def test_pdfs_and_messages_are_published_to_separate_queues(task, queue):
    """What renders PDFs waits in its own queue (``test_notifications_delivery`` shows an SMS overtaking a burst of
    receipts); a worker started without ``--queues`` takes from both."""
    assert app.amqp.router.route({}, task)["queue"].name == queue
    assert {q.name for q in app.amqp.queues.consume_from.values()} == {"celery", "documents"}
