"""Real components for the notification tests: a Redis server, a Celery worker process, an SMTP listener and an
HTTP SMS gateway, each started on a free local port and stopped by the test that started it."""

import contextlib
import email
import email.policy
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import redis
from aiosmtpd.controller import Controller
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
GATEWAY_API_KEY = "test-gateway-key"
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    predicate, *, timeout: float = 20.0, interval: float = 0.05, message: str = "condition", error=AssertionError
):
    """Poll ``predicate`` until it returns something truthy, and return that; raise ``error`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise error(f"timed out after {timeout:g} s waiting for {message}")


def database_url_for_subprocesses() -> str:
    """The URL of pytest-django's test database, for processes started by the tests."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4: the parent's pid
            children.append(int(entry.name))
    return children


# --- Redis ----------------------------------------------------------------------------------------------


class RedisServer:
    """A throwaway redis-server that a test can stop and start again on the same port (nothing persisted)."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = str(directory)
        self.process = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(  # noqa: S603
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)

        def answers():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_for(answers, timeout=10, message="redis-server to answer")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (the producer) at another broker, then back."""
    from portal.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = url
    app._after_fork()  # drops the pooled connections to the previous broker
    try:
        yield app
    finally:
        app.conf.broker_url = previous
        app._after_fork()


# --- Celery worker ---------------------------------------------------------------------------------------


class CeleryWorker:
    """``celery -A portal worker`` in a subprocess (prefork, two processes), with its log in a file."""

    def __init__(self, env: dict[str, str], *, log_path: Path, concurrency: int = 2, app: str = "portal"):
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", **env}
        self.app = app
        self.concurrency = concurrency
        self.log_path = log_path
        self.process = None

    def start(self) -> "CeleryWorker":
        self.log_path.write_text("")
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(  # noqa: S603
            [
                *(sys.executable, "-m", "celery", "-A", self.app, "worker", "--pool=prefork", "--loglevel=INFO"),
                *(f"--concurrency={self.concurrency}", f"--hostname=notify-{uuid.uuid4().hex[:8]}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._ready, timeout=60, interval=0.1, message=f"the Celery worker (log: {self.log_path})")
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the Celery worker exited:\n{self.output()[-3000:]}")
        return " ready." in self.output()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def pool_processes(self) -> list[int]:
        return child_pids(self.process.pid)

    def kill_pool_processes(self) -> list[int]:
        """SIGKILL the processes that run tasks (as the OOM killer would); the main process stays."""
        killed = self.pool_processes()
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        return killed

    def stop(self) -> None:
        if self.process is None:
            return
        children = self.pool_processes()
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: unacknowledged tasks go back to the queue
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.log.close()
        self.process = None


# --- SMTP -------------------------------------------------------------------------------------------------


class _Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}  # address → SMTP answer, e.g. "550 5.1.1 No such user"
        self.sessions: list[int] = []  # for each message, the SMTP session (connection) it came in

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.sessions.append(id(session))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpListener:
    """A real SMTP server (aiosmtpd) keeping what it receives."""

    def __init__(self):
        self.port = free_port()
        self.mailbox = _Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.mailbox.messages

    def start(self) -> "SmtpListener":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def clear(self) -> None:
        self.mailbox.messages.clear()
        self.mailbox.envelopes.clear()
        self.mailbox.sessions.clear()
        self.mailbox.refuse.clear()

    def to(self, address: str):
        return [m for m in self.messages if address in m["To"]]


# --- SMS gateway ------------------------------------------------------------------------------------------


class SmsGateway:
    """An HTTP SMS gateway as the HTTP backend expects one: JSON in, ``{"message_id"}`` out.

    Like real providers it dedupes on ``Idempotency-Key``: a repeated request gets the first answer and is not
    delivered again. ``fail_with`` lists statuses to answer with first (e.g. ``[503, 503]``; ``0`` answers that
    request as usual, so ``[0, 503]`` fails only the second); ``hold`` makes the
    next request wait (after it was received and delivered) until ``release()``.
    """

    def __init__(self, *, keep_alive: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/sms"
        self.requests: list[dict] = []  # every request that reached the gateway
        self.delivered: dict[str, dict] = {}  # Idempotency-Key → the SMS handed to the carrier
        self.fail_with: list[int] = []
        self.holding = threading.Event()  # set while a request is held
        self._hold = False
        self._release = threading.Event()
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps connections open, as real gateways do (the benchmark); the tests close each one, so
            # that the worker process holding a connection to the gateway is the one sending (tests/test_multinode).
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
            disable_nagle_algorithm = True  # headers and body go in two writes: no delayed-ACK stall between them

            def log_message(self, *args):
                pass

            def do_POST(self):
                gateway._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True

    def start(self) -> "SmsGateway":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.delivered.clear()
            self.fail_with.clear()
        self._hold = False
        self.holding.clear()
        self._release.clear()

    def hold_next(self) -> None:
        self._release.clear()
        self._hold = True

    def release(self) -> None:
        self._release.set()

    def texts_to(self, phone: str) -> list[str]:
        return [sms["text"] for sms in self.delivered.values() if sms["to"] == phone]

    def _answer(self, handler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client has gone (its worker was killed)

    def _handle(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length) or b"{}")
        key = handler.headers.get("Idempotency-Key", "")
        with self.lock:
            self.requests.append(
                {"headers": {k.lower(): v for k, v in handler.headers.items()}, "body": body, "at": time.monotonic()}
            )
            if handler.headers.get("X-API-Key") != GATEWAY_API_KEY:
                return self._answer(handler, 401, {"error": "bad API key"})
            failing = self.fail_with.pop(0) if self.fail_with else 0
            if failing:
                return self._answer(handler, failing, {"error": "try again later"})
            if not body.get("to") or not body.get("text"):
                return self._answer(handler, 400, {"error": "to and text are required"})
            if key not in self.delivered:
                self.delivered[key] = {**body, "message_id": f"gw-{uuid.uuid4().hex[:12]}"}
            answer = {"message_id": self.delivered[key]["message_id"]}
            hold, self._hold = self._hold, False
        if hold:
            self.holding.set()
            self._release.wait(timeout=30)
        self._answer(handler, 200, answer)


# --- Data -------------------------------------------------------------------------------------------------

_codes = iter(range(1, 1_000_000))


def make_office():
    """An agency with a procedure (5 working days) and one official per role; the default templates."""
    from types import SimpleNamespace

    from notifications.services import install_default_templates
    from portal.accounts.constants import Role
    from portal.accounts.services import create_official

    from .factories import AgencyFactory, ProcedureFactory

    install_default_templates()  # a transactional test's flush removes what the data migration seeded
    agency = AgencyFactory(code="000.99.01.T56", name="Ủy ban nhân dân xã Thử Nghiệm")
    procedure = ProcedureFactory(name="Đăng ký khai sinh", processing_days=5)
    procedure.agencies.add(agency)
    people = {
        role: create_official(
            username=f"notify_{role}",
            full_name=f"Cán bộ {role}",
            email=f"notify_{role}@example.gov.vn",
            agency=agency,
            role=role,
            password="MatKhau@2026",
        )
        for role in (Role.DESK, Role.SPECIALIST, Role.LEADER)
    }
    return SimpleNamespace(
        agency=agency,
        procedure=procedure,
        desk=people[Role.DESK],
        specialist=people[Role.SPECIALIST],
        leader=people[Role.LEADER],
    )


def make_citizen(**fields):
    from .factories import CitizenFactory

    n = next(_codes)
    values = {"email": f"cong.dan{n}@example.vn", "phone": f"+8491{n:07d}", "notify_by": "both", "language": "vi"}
    return CitizenFactory(**{**values, **fields})


def dossier_in(office, applicant, status: int, **fields):
    """``tests.factories.dossier_in`` at ``office``, submitted at 08:00 on Monday 9 March 2026."""
    from datetime import UTC, datetime

    from . import factories

    fields.setdefault("submitted_at", datetime(2026, 3, 9, 1, 0, tzinfo=UTC))
    return factories.dossier_in(status, office.agency, procedure=office.procedure, applicant=applicant, **fields)
