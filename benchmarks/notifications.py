"""Benchmark: status-change notifications through a real Celery worker, end to end.

Pushes N status changes (10,000 by default: "request payment", each writing one outbox message in its
transaction) from a few producer threads, lets a real ``celery -A portal worker`` process send them to a local
HTTP SMS gateway (and/or an SMTP listener), and prints the messages per second and the latency from the status
change to the provider's acceptance (p50, p95, max).

It needs a PostgreSQL server and ``redis-server`` on the PATH (the Debian packages ``make test`` uses). It
creates its own database next to the one ``DATABASE_URL`` names and drops it afterwards; Redis is the one
``REDIS_URL`` names, or a throwaway one it starts::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dichvucong .venv/bin/python benchmarks/notifications.py
    .venv/bin/python benchmarks/notifications.py --count 2000 --concurrency 4 --producers 8 --channel both
    .venv/bin/python benchmarks/notifications.py --count 3000 --rate 300   # latency at an offered rate

``--rate`` makes the status changes first (their producers could not reach such rates on the same cores), then
publishes the send tasks to the running worker at that rate, as each commit would, and measures from the moment
each message is offered (made due, just before its task is published).

It is not part of the test suite and asserts nothing but that every message was sent.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="status changes to push (default 10000)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2, as deployed)")
    parser.add_argument("--producers", type=int, default=4, help="threads making status changes (default 4)")
    parser.add_argument("--channel", choices=["sms", "email", "both"], default="sms", help="default sms")
    parser.add_argument(
        "--backlog", action="store_true", help="make every status change first, then start the worker (its drain rate)"
    )
    parser.add_argument(
        "--ceiling", action="store_true", help="first measure Celery's no-op ceiling with the same worker settings"
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="make every status change first, then offer their messages to the running worker at this many per "
        "second (publishing each send task as the commit would) and measure the latency from publication",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    return parser.parse_args()


def bench_database(url: str) -> tuple[str, str]:
    """(URL of a new benchmark database on the same server, its name)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("DATABASE_URL must point at a PostgreSQL server")
    name = (parts.path.lstrip("/") or "dichvucong") + "_bench_notifications"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def serve_gateway(pipe) -> None:
    """The SMS gateway in a process of its own (not under the producers' GIL): sends its URL, serves until told
    to stop, then sends what it received and the CPU time it used (it shares the machine with the worker)."""
    import resource

    sys.path.insert(0, str(BASE_DIR))
    from tests.notifications_support import SmsGateway

    gateway = SmsGateway(keep_alive=True).start()
    pipe.send(gateway.url)
    pipe.recv()
    gateway.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    pipe.send((len(gateway.requests), len(gateway.delivered), usage.ru_utime + usage.ru_stime))


class GatewayProcess:
    def __init__(self):
        self.pipe, child = multiprocessing.get_context("spawn").Pipe()
        self.process = multiprocessing.get_context("spawn").Process(target=serve_gateway, args=(child,), daemon=True)
        self.process.start()
        self.url = self.pipe.recv()
        self.requests = self.delivered = 0
        self.cpu_seconds = 0.0

    def stop(self) -> None:
        if not self.process.is_alive():
            return
        self.pipe.send("stop")
        self.requests, self.delivered, self.cpu_seconds = self.pipe.recv()
        self.process.join(10)


def celery_ceiling(count: int, concurrency: int, work: Path) -> float:
    """Tasks per second a worker with the portal's settings drains when each task does nothing."""
    import redis

    from benchmarks.celery_ceiling import noop
    from tests.notifications_support import CeleryWorker, wait_for

    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    broker.delete("ceiling")
    for number in range(count):
        noop.delay(number)
    worker = CeleryWorker(
        {"CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"]},
        log_path=work / "ceiling.log",
        concurrency=concurrency,
        app="benchmarks.celery_ceiling",
    )
    worker.start()
    try:
        started, left = time.monotonic(), broker.llen("ceiling")  # counted from the moment the worker is ready
        wait_for(
            lambda: broker.llen("ceiling") == 0 and broker.hlen("unacked") == 0,
            timeout=120,
            interval=0.02,
            message="the no-op tasks to be drained",
        )
        return left / (time.monotonic() - started)
    finally:
        worker.stop()


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> None:
    args = parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (see the docstring).")
    db_url, db_name = bench_database(os.environ["DATABASE_URL"])
    with admin_connection(db_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
        conn.execute(f'CREATE DATABASE "{db_name}"')

    work = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings.base",
        DATABASE_URL=db_url,
        VAR_DIR=str(work / "var"),
        CONN_MAX_AGE="60",
    )
    redis_server = None
    if not os.environ.get("REDIS_URL"):
        from tests.notifications_support import RedisServer

        redis_server = RedisServer(work).start()
        os.environ["REDIS_URL"] = redis_server.url
    os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])

    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connection

    from tests.notifications_support import (
        GATEWAY_API_KEY,
        CeleryWorker,
        SmtpListener,
        dossier_in,
        make_citizen,
        make_office,
        wait_for,
    )

    print(f"Preparing {args.count} dossiers in {db_name} ...", flush=True)
    call_command("migrate", verbosity=0)
    from dossiers import processing
    from dossiers.constants import Status
    from dossiers.models import Dossier
    from notifications.models import Message

    office = make_office()
    citizen = make_citizen(notify_by=args.channel)
    from django.db import transaction

    with transaction.atomic():
        ids = [dossier_in(office, citizen, Status.PROCESSING).pk for _ in range(args.count)]

    gateway = GatewayProcess()
    smtp = SmtpListener().start()

    def produce(share: list[int]) -> None:
        try:
            for pk in share:
                processing.request_payment(dossier=Dossier(pk=pk), by=office.specialist, amount=8000)
        finally:
            connection.close()

    def push() -> float:
        print(f"Pushing {args.count} status changes from {args.producers} threads ...", flush=True)
        started = time.monotonic()
        threads = [threading.Thread(target=produce, args=(ids[i :: args.producers],)) for i in range(args.producers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started

    def offer(message_ids: list[int], published: dict[int, float]) -> None:
        """Publish one send task per message at ``args.rate`` per second, through the outbox's own ``enqueue``.

        The messages whose time has come are made due together, in one statement (as their status changes would
        have committed, each in its own request), then their tasks are published one by one: one statement per
        message here held this single publishing process to about 260 a second, below the rates asked for."""
        from django.utils import timezone

        from notifications.services import enqueue

        started, index = time.monotonic(), 0
        while index < len(message_ids):
            now = time.monotonic()
            reached = min(len(message_ids), int((now - started) * args.rate) + 1)
            if reached <= index:
                time.sleep(started + index / args.rate - now)
                continue
            batch = message_ids[index:reached]
            offered = time.time()  # before they are due: a task catching up may send one before its own task is out
            published.update(dict.fromkeys(batch, offered))
            # Due from now: a task catching up sends only messages already offered, never one the run has not
            # reached yet.
            Message.objects.filter(pk__in=batch).update(next_attempt_at=timezone.now())
            for pk in batch:
                enqueue([pk])
            index = reached

    ceiling = celery_ceiling(args.count, args.concurrency, work) if args.ceiling else None
    produced = push() if (args.backlog or args.rate) else None
    published: dict[int, float] = {}
    if args.rate:
        from datetime import timedelta

        from django.db.models import F

        from portal.celery import app

        app.control.purge()  # the tasks the commits published: offered again below, at the rate asked for
        Message.objects.update(next_attempt_at=F("next_attempt_at") + timedelta(days=1))  # until offered
    worker = CeleryWorker(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.base",
            "DATABASE_URL": db_url,
            "REDIS_URL": os.environ["REDIS_URL"],
            "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
            "SMS_BACKEND": "http",
            "SMS_GATEWAY_URL": gateway.url,
            "SMS_GATEWAY_API_KEY": GATEWAY_API_KEY,
        },
        log_path=work / "worker.log",
        concurrency=args.concurrency,
    ).start()
    expected = args.count * (2 if args.channel == "both" else 1)
    try:
        started, started_at = time.monotonic(), time.time()
        done_before = Message.objects.filter(status__in=["sent", "failed"]).count()  # the worker is already at it
        if args.rate:
            offer(list(Message.objects.order_by("pk").values_list("pk", flat=True)), published)
        elif not args.backlog:
            produced = push()
        wait_for(
            lambda: Message.objects.filter(status__in=["sent", "failed"]).count() >= expected,
            timeout=max(120, args.count / 10),
            interval=0.5,
            message="every message to be sent",
        )
        drained = time.monotonic() - started
        # A task whose message another task's catching up already sent still passes through the worker (and
        # skips): the queue is empty, and the worker ready for new work, only once those have gone too.
        broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
        wait_for(
            lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0,
            timeout=120,
            interval=0.02,
            message="the send tasks to be drained",
        )
        emptied = time.time() - started_at
    finally:
        worker.stop()
        gateway.stop()
        smtp.stop()

    rows = list(Message.objects.values_list("pk", "status", "created_at", "sent_at"))
    if args.rate:  # latency from publication, not from the status change made before the run
        from datetime import UTC, datetime

        rows = [(pk, status, datetime.fromtimestamp(published[pk], UTC), done) for pk, status, _, done in rows]
    sent = [(created, done) for _, status, created, done in rows if status == "sent"]
    failed = len(rows) - len(sent)
    latencies = sorted((done - created).total_seconds() * 1000 for created, done in sent)
    if args.backlog:  # to the last send, not to the poll that saw it (up to half a second later)
        drained = max(done for _, done in sent).timestamp() - started_at
    span = (max(done for _, done in sent) - min(created for created, _ in sent)).total_seconds()
    print()
    print(f"load average        {' '.join(f'{value:.2f}' for value in os.getloadavg())} (after the run)")
    print(f"status changes      {args.count} in {produced:.1f} s ({args.count / produced:.0f}/s)")
    print(f"messages sent       {len(sent)} ({failed} failed); {args.channel}, {args.concurrency} worker processes")
    if args.backlog:
        print(
            f"worker drain        {(len(sent) - done_before) / drained:.0f} messages/s "
            f"({len(sent) - done_before} queued messages in {drained:.1f} s)"
        )
        print(
            f"queue empty         {(len(sent) - done_before) / emptied:.0f} messages/s "
            f"(the last send task, sending or skipping, done {emptied:.1f} s after the start)"
        )
    else:
        if args.rate:
            print(f"offered             {args.rate:.0f} messages/s, published to the running worker")
        first = "first publication" if args.rate else "first status change"
        print(f"throughput          {len(sent) / span:.0f} messages/s ({first} to last send: {span:.1f} s)")
        print(f"latency p50         {percentile(latencies, 0.50):.0f} ms")
        print(f"latency p95         {percentile(latencies, 0.95):.0f} ms")
        print(f"latency max         {latencies[-1]:.0f} ms")
        print(f"wall time           {drained:.1f} s")
    if ceiling:
        done = (len(sent) - done_before) / drained if args.backlog else len(sent) / span
        share = done / ceiling
        print(f"Celery's ceiling    {ceiling:.0f} no-op tasks/s, same worker settings: messages at {share:.0%} of it")
    print(
        f"gateway received    {gateway.requests} requests, delivered {gateway.delivered} SMS (its own process, "
        f"{gateway.cpu_seconds:.1f} CPU-seconds: {gateway.cpu_seconds / drained / (os.cpu_count() or 1):.0%} of "
        f"the machine over the {drained:.1f} s)"
    )
    print(f"SMTP received       {len(smtp.messages)} emails")

    connection.close()
    if redis_server:
        redis_server.stop()
    if not args.keep:
        with admin_connection(db_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')


if __name__ == "__main__":
    main()
