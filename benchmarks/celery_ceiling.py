"""Celery's own ceiling on this machine: a worker app whose one task does nothing.

``benchmarks/notifications.py --ceiling`` drains a backlog of these with the same broker, pool, processes,
acknowledgement and prefetch settings as the portal's worker, right before it measures the notifications, so the
messages per second can be read as a share of what Celery itself does here. Nothing in the portal uses it.
"""

import os

from celery import Celery

app = Celery("ceiling", broker=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"))
app.conf.update(
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=int(os.environ.get("CELERY_WORKER_PREFETCH_MULTIPLIER", "1")),
    broker_connection_retry_on_startup=True,
    task_default_queue="ceiling",
)


@app.task(name="ceiling.noop")
def noop(number: int) -> None:
    return None
