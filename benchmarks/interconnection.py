"""Benchmark: dossier changes synchronised with the national portal through a real Celery worker, end to end.

Makes N dossier changes (2,000 by default: on N/2 dossiers in processing, "request payment" then a timeline entry,
each writing one outbox row in its transaction) from a few producer threads, lets a real ``celery -A portal
worker`` process send them (``DongBoHoSoMC`` then ``CapNhatTienDoHoSoMC``, at most one request in flight per
dossier) to the local fake national portal (tests/peers/national_portal.py, started here as a separate process),
and prints the dossier changes synchronised per second (target: 50/s) and the latency from the change to the
portal's acceptance.

It needs a PostgreSQL server and Redis, as benchmarks/notifications.py: it creates its own database next to the
one ``DATABASE_URL`` names and drops it afterwards::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dichvucong REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python benchmarks/interconnection.py --count 2000

It is not part of the test suite and asserts nothing but that every change reached the fake portal.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.notifications import admin_connection, percentile  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="dossier changes to make (default 2000)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2, as deployed)")
    parser.add_argument("--producers", type=int, default=4, help="threads making changes (default 4)")
    parser.add_argument(
        "--backlog", action="store_true", help="make every change first, then start the worker (its drain rate)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    args = parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL (see the docstring).")
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(os.environ["DATABASE_URL"])
    db_name = (parts.path.lstrip("/") or "dichvucong") + "_bench_interconnection"
    db_url = urlunsplit(parts._replace(path=f"/{db_name}"))
    with admin_connection(db_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
        conn.execute(f'CREATE DATABASE "{db_name}"')

    work = Path(tempfile.mkdtemp(prefix="bench-interconnection-"))
    port = free_port()
    fake = subprocess.Popen(  # noqa: S603
        [sys.executable, str(BASE_DIR / "tests" / "peers" / "national_portal.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    fake_url = f"http://127.0.0.1:{port}"
    portal_env = {
        "NATIONAL_PORTAL_URL": fake_url,
        "NATIONAL_PORTAL_USERNAME": "benchmark",
        "NATIONAL_PORTAL_PASSWORD": "benchmark",
        "NATIONAL_PORTAL_UNIT_CODE": "000.00.00.T56",
    }
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings.base",
        DATABASE_URL=db_url,
        VAR_DIR=str(work / "var"),
        CONN_MAX_AGE="60",
        **portal_env,
    )
    os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from tests.notifications_support import CeleryWorker, dossier_in, make_citizen, make_office, wait_for

    print(f"Preparing {args.count // 2} dossiers in {db_name} ...", flush=True)
    call_command("migrate", verbosity=0)
    from dossiers import processing
    from dossiers.constants import Status
    from dossiers.models import Dossier
    from interconnection.models import SyncChange

    office = make_office()
    citizen = make_citizen(email="", phone="", notify_by="email")  # no messages to send: the worker only syncs
    with transaction.atomic():
        ids = [dossier_in(office, citizen, Status.PROCESSING).pk for _ in range(max(args.count // 2, 1))]
    SyncChange.objects.all().delete()  # the factory's own rows: only the benchmark's changes are measured

    def produce(share: list[int]) -> None:
        try:
            for pk in share:
                processing.request_payment(dossier=Dossier(pk=pk), by=office.specialist, amount=8000)
                processing.log_event(dossier=Dossier(pk=pk), action="post_in_transit", by=office.specialist)
        finally:
            connection.close()

    changes = len(ids) * 2

    def make_changes() -> float:
        print(f"Making {changes} dossier changes from {args.producers} threads ...", flush=True)
        started = time.monotonic()
        threads = [threading.Thread(target=produce, args=(ids[i :: args.producers],)) for i in range(args.producers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started

    produced = make_changes() if args.backlog else None
    worker = CeleryWorker(
        {"DJANGO_SETTINGS_MODULE": "portal.settings.base", "DATABASE_URL": db_url, **portal_env},
        log_path=work / "worker.log",
        concurrency=args.concurrency,
    ).start()
    try:
        started = time.monotonic()
        if not args.backlog:
            produced = make_changes()
        wait_for(
            lambda: (
                not SyncChange.objects.filter(sent_at__isnull=True).exists() and SyncChange.objects.count() >= changes
            ),
            timeout=max(120, changes / 5),
            interval=0.5,
            message="every change to reach the national portal",
        )
        drained = time.monotonic() - started
    finally:
        worker.stop()
    with urllib.request.urlopen(fake_url + "/_control/received", timeout=10) as response:  # noqa: S310 - local
        received = json.loads(response.read())
    fake.terminate()
    fake.wait(timeout=10)

    rows = list(SyncChange.objects.values_list("created_at", "sent_at"))
    latencies = sorted((sent - created).total_seconds() * 1000 for created, sent in rows)
    span = (max(sent for _, sent in rows) - min(created for created, _ in rows)).total_seconds()
    calls = {}
    for call in received:
        calls[call["service"]] = calls.get(call["service"], 0) + 1
    print()
    print(f"dossier changes     {changes} in {produced:.1f} s ({changes / produced:.0f}/s made)")
    print(f"synchronised        {len(rows)} changes, {args.concurrency} worker processes")
    if args.backlog:
        rate = len(rows) / drained
        print(f"worker drain        {rate:.0f} dossier changes/s ({len(rows)} changes in {drained:.1f} s)")
    else:
        print(f"throughput          {len(rows) / span:.0f} dossier changes/s (first change to last send: {span:.1f} s)")
        print(f"latency p50         {percentile(latencies, 0.50):.0f} ms")
        print(f"latency p95         {percentile(latencies, 0.95):.0f} ms")
        print(f"latency max         {latencies[-1]:.0f} ms")
    print(f"wall time           {drained:.1f} s")
    print(f"portal received     {', '.join(f'{n} {service}' for service, n in sorted(calls.items()))}")

    connection.close()
    if not args.keep:
        with admin_connection(db_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')


if __name__ == "__main__":
    main()
