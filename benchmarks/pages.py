"""Benchmark: the pages citizens and officials load most, under gunicorn, each beside a bare-Django floor.

Run it on a database filled by ``benchmarks/generate.py``::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dichvucong_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python benchmarks/pages.py --workers 4 --clients 8 --seconds 10

For every page it first counts the SQL queries one request makes (in process, with the same settings), then
starts gunicorn (``benchmarks.wsgi``: the portal plus two floor views, with the production connection settings:
persistent connections with health checks) and drives, right before the page, the two fair floors — (a) a JSON
view with no database, (b) one primary-key query and a one-line template — and then the page, each from
``--clients`` keep-alive connections for ``--seconds`` with wrk (a C load generator; Debian package ``wrk``,
installed when missing and running as root). It prints requests per second, p50/p95/p99 latency, queries per
request and the page's throughput as a share of floor (b). The load generator runs on the same machine and takes
CPU from the server; the floors pay the same tax, which is why the ratio is the figure to compare between machines.
The machine's load average is printed with the figures.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


@dataclass
class Page:
    name: str
    path: str
    method: str = "GET"
    body: dict | None = None
    cookies: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    queries: int = 0
    status: int = 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive connections (default 16)")
    parser.add_argument("--seconds", type=float, default=10, help="load time per page (default 10)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", help="run only the pages whose name contains this text")
    return parser.parse_args()


def setup_django():
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database benchmarks/generate.py filled.")
    import django

    django.setup()


def build_pages() -> list[Page]:
    """Real pages with real arguments: the busiest agency's queue, a code that exists, a token that works."""
    from django.db.models import Count
    from django.test import Client
    from knox.models import get_token_model

    from dossiers.constants import Status
    from dossiers.models import Dossier
    from portal.accounts.models import User
    from procedures.models import Agency, Procedure

    busiest = (
        Dossier.objects.values("agency_id").annotate(n=Count("pk")).order_by("-n").values_list("agency_id", "n")[0]
    )
    agency_id, agency_dossiers = busiest
    agency_code = Agency.objects.get(pk=agency_id).code
    desk = User.objects.filter(agency_id=agency_id, role="desk").first()
    code = Dossier.objects.filter(agency_id=agency_id, status=Status.PROCESSING).values_list("code", flat=True)[0]
    procedure = Procedure.objects.order_by("-popularity").first()
    client = Client()
    client.force_login(desk)
    session = {"sessionid": client.cookies["sessionid"].value}
    _token_row, token = get_token_model().objects.create(user=desk)
    # The admin numbers pages from 1 in ?p= and lists 100 a page; past 10,000 rows it offers only the first 100.
    last_page = min(agency_dossiers, 10_000) // 100
    print(f"Busiest agency: {agency_dossiers:,} dossiers; signed in as {desk.username}; look-up code {code}")
    admin = "/quan-tri/dossiers/dossier/"
    api_auth = {"Authorization": f"Token {token}"}
    lookup = {"code": code, "id_number": "", "captcha_0": "benchmark", "captcha_1": "PASSED"}
    return [
        Page("home", "/"),
        Page("look-up form", "/tra-cuu/"),
        Page("look-up result", "/tra-cuu/", method="POST", body=lookup),
        Page("catalogue", "/thu-tuc/"),
        Page("catalogue search", "/thu-tuc/?" + urlencode({"q": "đăng ký khai sinh"})),
        Page("procedure page", procedure.get_absolute_url()),
        Page("queue: first page", admin, cookies=session),
        Page("queue: last page", f"{admin}?p={last_page}", cookies=session),
        Page("queue: status filter", f"{admin}?status__exact={Status.PROCESSING}", cookies=session),
        Page("queue: overdue", f"{admin}?due=overdue", cookies=session),
        Page("queue: search by code", f"{admin}?q={code}", cookies=session),
        Page("queues dashboard", f"{admin}bang-dieu-khien/", cookies=session),
        Page("admin index", "/quan-tri/", cookies=session),
        Page("statistics (all)", "/thong-ke/"),
        Page("statistics (agency)", f"/thong-ke/?agency={agency_code}"),
        Page("API procedures", "/api/v1/procedures/"),
        Page("API dossiers (official)", "/api/v1/dossiers/", headers=api_auth),
        Page("API statistics", "/api/v1/statistics/"),
    ]


def count_queries(pages: list[Page]) -> None:
    """Queries per request, measured in process on a warm cache (the second of two identical requests)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        client = Client(enforce_csrf_checks=False)
        for name, value in page.cookies.items():
            client.cookies[name] = value
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in page.headers.items()}
        send = client.post if page.method == "POST" else client.get
        send(page.path, page.body, **headers)
        with CaptureQueriesContext(connection) as captured:
            response = send(page.path, page.body, **headers)
        page.queries, page.status = len(captured), response.status_code


# wrk calls done() once at the end; latencies are in microseconds.
WRK_SCRIPT = """
wrk.method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
if body ~= "" then wrk.body = body end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, errors))
end
"""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is missing: apt-get install wrk")
    print("Installing wrk (Debian package)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)  # noqa: S607
    return shutil.which("wrk") or sys.exit("wrk did not install")


class Load:
    """wrk: ``clients`` keep-alive connections on two threads, requesting a page again and again."""

    def __init__(self, port: int, page: Page, clients: int, seconds: float):
        self.port, self.page, self.clients, self.seconds = port, page, clients, seconds

    def _request_parts(self, csrf: str | None):
        headers = {"Accept-Language": "vi", **self.page.headers}
        cookies = dict(self.page.cookies)
        body = ""
        if self.page.method == "POST":
            cookies["csrftoken"] = csrf
            headers["X-CSRFToken"] = csrf
            headers["Referer"] = f"http://127.0.0.1:{self.port}/"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(self.page.body)
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        return headers, body

    def run(self) -> dict:
        csrf = csrf_token(self.port) if self.page.method == "POST" else None
        headers, body = self._request_parts(csrf)
        # Check the answer once: wrk counts only non-2xx/3xx statuses as errors.
        status = probe(self.port, self.page, headers, body)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        command = [wrk_binary(), "-t2", f"-c{self.clients}", f"-d{self.seconds:g}s", "--timeout", "10s", "-s"]
        command.append(script.name)
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command.append(f"http://127.0.0.1:{self.port}{self.page.path}")
        env = {**os.environ, "BENCH_METHOD": self.page.method, "BENCH_BODY": body}
        try:
            output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
        finally:
            os.unlink(script.name)
        result = json.loads(re.search(r"^RESULT (.*)$", output, re.M).group(1))
        return {
            "rps": result["requests"] / result["seconds"],
            "p50": result["p50"],
            "p95": result["p95"],
            "p99": result["p99"],
            "errors": result["errors"] + (status != self.page.status),
        }


def probe(port: int, page: Page, headers: dict, body: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(page.method, page.path, body=body or None, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def csrf_token(port: int) -> str:
    """A CSRF cookie from the look-up form, as a browser would have it before posting."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/tra-cuu/")
    response = connection.getresponse()
    response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("csrftoken="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raise RuntimeError("the look-up form set no CSRF cookie")


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(gunicorn), "benchmarks.wsgi", f"--workers={workers}", f"--bind=127.0.0.1:{port}", "--log-level=warning"],
        cwd=BASE_DIR,
        env=env,
    )
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/_floor/1/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def main():
    args = parse_args()
    setup_django()
    pages = build_pages()
    if args.only:
        pages = [page for page in pages if args.only in page.name]
    count_queries(pages)
    server = start_server(args.port, args.workers)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"gunicorn: {args.workers} workers; wrk, {args.clients} connections for {args.seconds:g} s per page and")
    print(f"per floor; loopback; load average before the run: {load}\n")
    header = f"{'page':<26}{'status':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'queries':>9}"
    header += f"{'(a)/s':>9}{'(b)/s':>9}{'÷ (b)':>9}{'errors':>8}"
    print(header)
    print("-" * len(header))
    try:
        for page in pages:
            floor_a = Load(args.port, Page("floor a", "/_floor/json/", status=200), args.clients, args.seconds).run()
            floor_b = Load(args.port, Page("floor b", "/_floor/1/", status=200), args.clients, args.seconds).run()
            figures = Load(args.port, page, args.clients, args.seconds).run()
            print(
                f"{page.name:<26}{page.status:>7}{figures['rps']:>9.1f}{figures['p50']:>9.1f}{figures['p95']:>9.1f}"
                f"{figures['p99']:>9.1f}{page.queries:>9}{floor_a['rps']:>9.1f}{floor_b['rps']:>9.1f}"
                f"{figures['rps'] / floor_b['rps']:>9.2f}{figures['errors']:>8}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
