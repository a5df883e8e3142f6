"""Django's PostgreSQL backend, with one change: how a kept connection is checked before reuse.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` on a kept connection before the first query of every request
(and the Celery workers follow the same rule around each task: ``portal.celery``), a round trip to PostgreSQL that
costs as much as a small page's own query. A connection that ran a query less than ``QUIET_SECONDS`` ago, had no
error since, and whose socket holds nothing to read, is used without it: a server that ends a connection (a
restart, ``pg_terminate_backend``, ``idle_session_timeout``) writes the reason to it before closing it, so its
socket is readable and the usual check runs, finds it dead and opens another. A connection idle for longer is
checked as before (a firewall may have dropped it in silence).
"""

import select
import time

from django.db.backends.postgresql import base

QUIET_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    used_at: float | None = None

    def create_cursor(self, name=None):
        self.used_at = time.monotonic()
        return super().create_cursor(name)

    def close_if_health_check_failed(self):
        if self.connection is not None and self.health_check_enabled and not self.health_check_done and self._quiet():
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _quiet(self) -> bool:
        if self.used_at is None or time.monotonic() - self.used_at >= QUIET_SECONDS or self.errors_occurred:
            return False
        try:
            fd = self.connection.fileno()
        except Exception:  # closed under us
            return False
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
        return not poller.poll(0)
