"""The Celery application. Workers: ``celery -A portal worker``; beat: ``celery -A portal beat``.

Every task of the portal is a ``TransactionAwareTask`` (the app's task class):

* ``task.delay(...)`` inside a database transaction publishes after the commit, and not at all after a rollback:
  call sites never wrap it in ``transaction.on_commit`` by hand.
* Publishing never raises into the caller: if the broker is down, the error is logged and the work is left to
  the periodic sweeps, which find it from the database (queued messages, notices and receipts not yet rendered,
  refunds still requested). The request that changed the state answers as usual.
* ``raise self.retry(...)`` in a task run in-process (the local default without a broker) does not loop: the
  work is left to the same sweeps.
"""

import logging
import os
from functools import partial

from celery import Celery, Task, signals
from celery.exceptions import Ignore
from django.db import close_old_connections, transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

logger = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, OSError)


class TransactionAwareTask(Task):
    def apply_async(self, args=None, kwargs=None, **options):
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(partial(self._publish, args, kwargs, options))
            return None
        return self._publish(args, kwargs, options)

    def _publish(self, args, kwargs, options):
        try:
            return super().apply_async(args, kwargs, **options)
        except BROKER_ERRORS:
            logger.warning("Could not publish %s%s; the periodic sweep will do it.", self.name, args, exc_info=True)
            return None

    def retry(self, *args, **kwargs):
        if self.request.is_eager:  # in-process: nobody would run the retry later; the sweeps will
            logger.info("%s%s will be retried by the periodic sweep", self.name, self.request.args)
            return Ignore()
        return super().retry(*args, **kwargs)


app = Celery("portal", task_cls=TransactionAwareTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _connections_like_requests(sender=None, **kwargs) -> None:
    """Around a task, the database connections follow Django's rule for requests (``CONN_MAX_AGE``,
    ``CONN_HEALTH_CHECKS``): kept between tasks while young and healthy, closed when broken or too old, checked
    without a round trip when the previous task used them a moment ago (``portal.database``). Celery's own
    rule, closing them around every task, is switched off by ``CELERY_DB_REUSE_MAX`` in the settings. A task run
    in-process belongs to the caller's request and transaction: left alone."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()
