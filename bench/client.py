"""The benchmark's client side: visitors with a sandbox, and wrk runs.

The load itself comes from wrk (``bench/wrk.lua``), one connection per wrk
thread; Python only prepares sessions before a run and reads wrk's summary
after it. wrk's CPU time is taken from ``getrusage(RUSAGE_CHILDREN)`` around
the run, the server's from /proc, so each figure shows how much of the
machine the client took from the server.
"""

import html
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

SCENARIO = "signals-101"
LESSON_PATH = f"/lessons/{SCENARIO}/"
PLAYGROUND_PATH = f"/playground/{SCENARIO}/"
CREATE_PATH = f"/playground/{SCENARIO}/do/product-create/"
# The baseline: the same create with no receivers (bench/baseline.py).
PLAIN_CREATE_PATH = "/bench/plain-create/"
WRK_SCRIPT = Path(__file__).with_name("wrk.lua")

POLLER = re.compile(r'<div id="pg-poller"[^>]*>')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NEW_ROW = re.compile(r'<li class="pg-row" id="product-(\d+)"')
# What only the site's in-place create answer holds: the new log entry.
PRODUCT_ADDED = 'hx-swap-oob="afterbegin:#pg-actions"'


@dataclass
class Visitor:
    """A browser session with its own sandbox."""

    cookie: str
    csrf_token: str
    version: int  # the sandbox's version when the page was loaded
    live_path: str  # the page's poll: /playground/<slug>/live/?v=<version>&s=<token>


class Site:
    """Plain HTTP requests to the server under test, before and after the load."""

    def __init__(self, port: int):
        self.port = port

    def request(self, method, path, headers=None, body=None):
        """Return (status, headers, body text)."""
        # A connection each: gunicorn closes one left idle for 2 s.
        connection = HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode()
        finally:
            connection.close()

    def get(self, path: str, visitor: Visitor | None = None) -> tuple[int, str]:
        status, _, text = self.request("GET", path, {"Cookie": visitor.cookie} if visitor else {})
        return status, text

    def new_visitor(self) -> Visitor:
        """GET the playground without a cookie: Django makes a session and a sandbox."""
        status, headers, page = self.request("GET", PLAYGROUND_PATH)
        cookies = dict(
            value.split(";", 1)[0].split("=", 1) for value in headers.get_all("Set-Cookie") or []
        )
        poller, token = POLLER.search(page), CSRF_INPUT.search(page)
        if status != 200 or not {"sessionid", "csrftoken"} <= cookies.keys() or not poller:
            raise RuntimeError(f"GET {PLAYGROUND_PATH} answered {status} without a sandbox")
        live_path = re.search(r'hx-get="([^"]+)"', poller.group(0)).group(1)
        return Visitor(
            cookie=f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}",
            csrf_token=html.unescape(token.group(1)),
            version=int(re.search(r'data-version="(\d+)"', poller.group(0)).group(1)),
            live_path=html.unescape(live_path),
        )

    def post(self, visitor: Visitor, path: str, fields: dict, version: int | None):
        """A form POST as the page's htmx sends it, from a page showing
        ``version``; with no version, as a browser without JavaScript does
        (answered with a redirect)."""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": visitor.csrf_token, **fields})
        headers = {"Cookie": visitor.cookie, "Content-Type": "application/x-www-form-urlencoded"}
        if version is not None:
            headers |= {"HX-Request": "true", "HX-Target": "playground"}
            headers["X-Playground-Version"] = str(version)
        status, _, text = self.request("POST", path, headers, body)
        return status, text

    def create(self, visitor: Visitor, name: str, version: int, path=CREATE_PATH):
        fields = {
            "product-create-name": name,
            "product-create-price": "9.99",
            "product-create-stock": "7",
        }
        return self.post(visitor, path, fields, version)

    def full_sandbox(self, products: int, events: int) -> Visitor:
        """A visitor whose sandbox holds ``products`` products and a full log:
        creates (4 signals each) up to ``products``, then delete and create
        again the newest one (2 + 4 signals) until ``events`` signals were
        logged, so the log has been trimmed to its limit."""
        visitor = self.new_visitor()
        version, logged, newest = visitor.version, 0, None

        def act(status_text, signals):
            nonlocal version, logged
            status, text = status_text
            if status not in (200, 302):
                raise RuntimeError(f"filling a sandbox: answer {status}: {text[:300]}")
            version, logged = version + 1, logged + signals
            return text

        count = products - len(NEW_ROW.findall(self.get(PLAYGROUND_PATH, visitor)[1]))
        for n in range(count):
            newest = NEW_ROW.search(act(self.create(visitor, f"Full {n}", version), 4)).group(1)
        while logged < events:
            # Without htmx: a redirect, not the (big) panel.
            act(self.post(visitor, f"{PLAYGROUND_PATH}product/{newest}/delete/", {}, None), 2)
            created = act(self.create(visitor, f"Full again {logged}", version), 4)
            newest = NEW_ROW.search(created).group(1)
        return visitor


@dataclass
class Run:
    """What one wrk run measured."""

    name: str
    connections: int
    seconds: float
    requests: int
    status_errors: int  # answers outside 2xx/3xx
    socket_errors: int  # refused, reset, timed-out connections
    unexpected: int  # 2xx/3xx, but not the answer expected
    p50_ms: float
    p99_ms: float
    bytes: int
    failed: dict[str, int]  # how many answers of each status outside 2xx/3xx
    client_cpu: float  # wrk's CPU seconds
    server_cpu: float  # gunicorn's CPU seconds (all processes)

    @property
    def done(self) -> int:
        return self.requests - self.status_errors - self.unexpected

    @property
    def rps(self) -> float:
        return self.done / self.seconds

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors

    @property
    def client_share(self) -> float:
        """wrk's share of the machine's CPU during the run."""
        return self.client_cpu / (self.seconds * os.cpu_count())

    @property
    def server_ms(self) -> float:
        return 1000 * self.server_cpu / max(1, self.done)


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (make bench installs it: apt-get install wrk)")
    return wrk


def run_wrk(
    name: str,
    port: int,
    path: str,
    *,
    connections: int,
    duration: float,
    server_cpu,
    visitors: list[Visitor] = (),
    visitor_path=lambda visitor: "",
    post: str = "",
    htmx: bool = False,
    status: int | None = None,
    marker: str = "",
) -> Run:
    """wrk against ``path`` with one thread per connection; see bench/wrk.lua."""
    env = os.environ | {"BENCH_CONNECTIONS": str(connections)}
    env |= {"BENCH_POST": post} if post else {}
    env |= {"BENCH_HTMX": "1"} if htmx else {}
    env |= {"BENCH_STATUS": str(status)} if status else {}
    env |= {"BENCH_MARKER": marker} if marker else {}
    with tempfile.NamedTemporaryFile("w", suffix=".tsv") as lines:
        for visitor in visitors:
            token = urllib.parse.quote(visitor.csrf_token)
            row = (visitor_path(visitor), visitor.cookie, token, str(visitor.version))
            lines.write("\t".join(row) + "\n")
        lines.flush()
        if visitors:
            env["BENCH_VISITORS"] = lines.name
        command = [
            ensure_wrk(),
            f"--threads={connections}",
            f"--connections={connections}",
            f"--duration={duration:g}s",
            "--timeout=30s",
            f"--script={WRK_SCRIPT}",
            f"http://127.0.0.1:{port}{path}",
        ]
        cpu_before, server_before = resource.getrusage(resource.RUSAGE_CHILDREN), server_cpu()
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        cpu_after, server_after = resource.getrusage(resource.RUSAGE_CHILDREN), server_cpu()
    summary = next(
        (line for line in completed.stdout.splitlines() if line.startswith("BENCH ")), None
    )
    if completed.returncode != 0 or summary is None:
        raise RuntimeError(f"wrk failed for {name}:\n{completed.stdout}\n{completed.stderr}")
    figures = json.loads(summary.removeprefix("BENCH "))
    client_cpu = sum(
        getattr(cpu_after, field) - getattr(cpu_before, field) for field in ("ru_utime", "ru_stime")
    )
    return Run(
        name=name,
        connections=connections,
        client_cpu=client_cpu,
        server_cpu=server_after - server_before,
        **figures,
    )


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        # fields[1] is ppid, [11] utime, [12] stime (after the "comm" field).
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks
