"""Kept database connections, checked without a round trip when they were just used.

Django checks a kept connection (``CONN_HEALTH_CHECKS``) before the first query of every request, and the Celery
workers follow the same rule around each task (``portal.celery``): one ``SELECT 1`` on each, a round trip to
PostgreSQL that costs as much as a small page's own query. A connection that served the previous request or task a
moment ago, with no error, and whose socket holds nothing to read, is used without it: a server that ends a
connection (a restart, ``pg_terminate_backend``, ``idle_session_timeout``) writes the reason to it before closing
it, so its socket is readable and the usual check runs, finds it dead and opens another. A connection idle longer
than ``QUIET_SECONDS`` is checked as before (a firewall may have dropped it in silence).
"""

import select
import time

from django.db import connections

QUIET_SECONDS = 5.0


def mark_used(**kwargs) -> None:
    """After a request or a task: remember when each open connection was last used."""
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            conn.portal_used_at = now


def trust_quiet_connections(**kwargs) -> None:
    """Before a request or a task, after Django's own rule (``close_old_connections``) ran: skip the health check
    of each connection that was used less than ``QUIET_SECONDS`` ago without an error and has nothing waiting on
    its socket."""
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        used_at = getattr(conn, "portal_used_at", None)
        if used_at is not None and now - used_at < QUIET_SECONDS and _quiet(conn):
            conn.health_check_done = True


def _quiet(conn) -> bool:
    if conn.vendor != "postgresql" or conn.connection is None or conn.errors_occurred or conn.in_atomic_block:
        return False
    try:
        fd = conn.connection.fileno()
    except Exception:  # closed under us
        return False
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return not poller.poll(0)
