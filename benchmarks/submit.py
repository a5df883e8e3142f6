"""Benchmark: complete submissions through the API under gunicorn, three 5 MB scans each, into the file store.

Each simulated citizen (one keep-alive session per client thread) creates a draft of the demo catalogue's birth
registration, fills the declaration, uploads three 5 MB PDF scans, chooses delivery and submits. Prints
submissions per second, p50/p95 of a whole submission and of one upload, the upload bandwidth, and the peak
resident memory (VmHWM) of each gunicorn worker: uploads stream to a temporary file and on to storage, so the
peak should stay far below the bytes uploaded. Files go where the settings put them: the S3-compatible store with
``STORAGE_BACKEND=s3`` and the ``STORAGE_S3_*`` variables (as ``make test`` sets them), else local files::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dichvucong_bench STORAGE_BACKEND=s3 \\
        STORAGE_S3_ENDPOINT_URL=http://127.0.0.1:8333 STORAGE_S3_BUCKET=dichvucong STORAGE_S3_ACCESS_KEY=… \\
        STORAGE_S3_SECRET_KEY=… .venv/bin/python benchmarks/submit.py --submissions 60 --clients 6 --workers 4

The benchmark database gets the demo's agencies and catalogue if it lacks them (no demo accounts or dossiers).
With ``REDIS_URL`` set, a real Celery worker (``--render-workers`` processes) renders each submission's receipt
and sends its messages during the run, and the figure counts a submission only once its receipt is stored.
Peak memory is printed beside each web worker's resting size (measured before the load).
"""

import argparse
import io
import os
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.pages import start_server  # noqa: E402 - after the path is set
from tests.filing import api_declaration  # noqa: E402

MB = 1024 * 1024


def scan(size: int, seed: int) -> bytes:
    """A real one-page PDF carrying ``size`` bytes of filler as an attachment (what a large scan weighs)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    unit = f"scan {seed} ".encode()
    writer.add_attachment(f"scan-{seed}.txt", (unit * (size // len(unit) + 1))[:size])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def prepare(count: int) -> list[str]:
    """Citizens with API tokens (and the demo catalogue, if this database lacks it)."""
    from knox.models import AuthToken

    from portal.accounts.models import User
    from procedures.models import Procedure

    if not Procedure.objects.filter(code="1.001193").exists():
        from django.utils import timezone

        from portal import demo
        from procedures.calendar import seed_calendar

        demo.load_agencies()
        year = timezone.localdate().year
        seed_calendar([year - 1, year, year + 1])
        demo.load_catalogue()
    tokens = []
    for n in range(count):
        user, _created = User.objects.get_or_create(
            username=f"bench-submit-{n}",
            defaults={
                "full_name": "Nguyễn Văn Thử",
                "email": f"bench-submit-{n}@example.vn",
                "phone": f"+8498{n:07d}",
                "id_number": f"0380{n:08d}",
                "kind": "citizen",
            },
        )
        tokens.append(AuthToken.objects.create(user=user)[1])
    return tokens


class Citizen(threading.Thread):
    def __init__(self, base: str, tokens: list[str], files: list[bytes], lock: threading.Lock, results: dict):
        super().__init__()
        self.base, self.tokens, self.files, self.lock, self.results = base, tokens, files, lock, results

    def run(self):
        import requests

        session = requests.Session()
        declaration = api_declaration()
        while True:
            with self.lock:
                if not self.tokens:
                    return
                token = self.tokens.pop()
            session.headers["Authorization"] = f"Token {token}"
            began = time.perf_counter()
            draft = session.post(
                f"{self.base}/api/v1/drafts/", json={"procedure": "1.001193", "agency": "000.20.30.H56"}
            )
            draft.raise_for_status()
            draft = draft.json()
            url = f"{self.base}/api/v1/drafts/{draft['id']}/"
            session.put(url + "declaration/", json={"answers": declaration}).raise_for_status()
            uploads = []
            slots = [slot["id"] for slot in draft["required_documents"]][: len(self.files)]
            for slot, content in zip(slots, self.files, strict=False):
                started = time.perf_counter()
                response = session.post(
                    url + "documents/", data={"required_document": slot}, files={"file": ("scan.pdf", content)}
                )
                response.raise_for_status()
                uploads.append(time.perf_counter() - started)
            session.put(url + "delivery/", json={"method": "office"}).raise_for_status()
            submitted = session.post(url + "submit/", json={"confirm": True})
            ok = submitted.status_code == 201
            with self.lock:
                self.results["submissions"].append(time.perf_counter() - began)
                self.results["uploads"] += uploads
                self.results["bytes"] += sum(len(f) for f in self.files[: len(uploads)])
                self.results["errors"] += 0 if ok else 1


def warm_up(port: int, workers: int, token: str) -> None:
    """Before the resting size is read, every web worker has served the API a citizen uses: requests from
    ``2 × workers`` connections at once, so that no worker is left out (one at a time, a few take them all)."""

    def ask() -> None:
        for _ in range(4):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/drafts/", headers={"Authorization": f"Token {token}"}
            )
            urllib.request.urlopen(request).read()  # noqa: S310 - our own server on loopback

    threads = [threading.Thread(target=ask) for _ in range(2 * workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def worker_memory(server, field: str = "VmHWM") -> list[int]:
    """Resident memory (KiB) of each gunicorn worker (the children of the arbiter): peak (VmHWM) or now (VmRSS)."""
    peaks = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == server.pid and field in fields:
            peaks.append(int(fields[field].split()[0]))
    return peaks


def wait_for_receipts(count: int, timeout: float = 600) -> None:
    """Until the worker has stored the receipt of every benchmark submission."""
    from dossiers.constants import Status
    from dossiers.models import Dossier

    deadline = time.monotonic() + timeout
    submitted = Dossier.objects.filter(applicant__username__startswith="bench-submit-").exclude(status=Status.DRAFT)
    while submitted.filter(receipt="").exists() or submitted.count() < count:
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not render every receipt in time")
        time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--size", type=float, default=5, help="MB per scan (default 5)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--render-workers", type=int, default=2, help="Celery worker processes (0: none)")
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.core.files.storage import storages

    tokens = prepare(args.submissions)
    files = [scan(int(args.size * MB), n) for n in range(3)]
    worker = None
    if os.environ.get("REDIS_URL") and args.render_workers:
        from tests.notifications_support import CeleryWorker

        log = Path(os.environ.get("VAR_DIR", "/tmp")) / "bench-submit-worker.log"  # noqa: S108
        log.parent.mkdir(parents=True, exist_ok=True)
        worker = CeleryWorker(
            {"DJANGO_SETTINGS_MODULE": "benchmarks.settings", "SMS_BACKEND": "console", "EMAIL_URL": "consolemail://"},
            log_path=log,
            concurrency=args.render_workers,
        ).start()
    server = start_server(args.port, args.workers)
    warm_up(args.port, args.workers, tokens[0])
    resting = worker_memory(server, "VmRSS")
    base = f"http://127.0.0.1:{args.port}"
    results = {"submissions": [], "uploads": [], "bytes": 0, "errors": 0}
    lock = threading.Lock()
    print(f"storage: {type(storages['default']).__name__}; gunicorn {args.workers} workers; {args.clients} clients")
    try:
        began = time.perf_counter()
        clients = [Citizen(base, tokens, files, lock, results) for _ in range(args.clients)]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        peaks = worker_memory(server)
        if worker:
            wait_for_receipts(len(results["submissions"]))
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(10)
        if worker:
            worker.stop()
    done = sorted(results["submissions"])
    uploads = sorted(results["uploads"])

    def p95(values):
        return values[min(len(values) - 1, int(0.95 * len(values)))]

    print(
        f"submissions         {len(done)} in {elapsed:.1f} s = {len(done) / elapsed:.2f}/s"
        f" ({len(done) / elapsed * 60:.0f}/min), errors {results['errors']}"
    )
    print(f"whole submission    p50 {statistics.median(done):.2f} s   p95 {p95(done):.2f} s")
    print(f"one {args.size:g} MB upload    p50 {statistics.median(uploads):.2f} s   p95 {p95(uploads):.2f} s")
    megabytes = results["bytes"] / MB
    print(f"uploaded            {len(uploads)} files, {megabytes:.0f} MB at {megabytes / elapsed:.1f} MB/s")
    print(f"web worker resting  {', '.join(f'{p / 1024:.0f}' for p in sorted(resting))} MB")
    print(f"web worker peak     {', '.join(f'{p / 1024:.0f}' for p in sorted(peaks))} MB")
    print(f"render worker       {'receipts rendered and stored within the time above' if worker else 'none'}")
    if worker:
        from portal.pdf import subsets_fonts_with_harfbuzz

        slow = "fontTools (slow: install libharfbuzz-subset0)"
        print(f"receipt fonts       subset by {'HarfBuzz-Subset' if subsets_fonts_with_harfbuzz() else slow}")
    print(f"load average        {' '.join(f'{value:.2f}' for value in os.getloadavg())} (after the run)")


if __name__ == "__main__":
    main()
