"""Benchmarks: ``make bench`` (``.venv/bin/python -m bench.run``).

Starts the site in production mode under gunicorn on loopback
(``bench/serving.py``, with ``bench/settings.py``). wrk (``bench/client.py``,
``bench/wrk.lua``) then measures, in alternating rounds so that the
machine's drift hits every figure alike:

- ``/healthz``, a lesson page, the live poll when nothing changed, and the
  page of a full sandbox (100 products, a full log), each as a ratio to
  ``/healthz`` in the same round;
- the create POST against the same create with no receivers
  (``bench/baseline.py``), with its errors: 16 connections are 16
  concurrent writers to one SQLite file;
- errors of the lesson page and the poll at 64 connections.

Then Chromium runs a lesson's tests in the browser (``bench/browser_runtime.py``):
bytes of a cold first run, and its times against bare Pyodide's.
``--only runtime`` measures that part alone and prints it.

Prints the report and writes ``docs/benchmarks.md`` (``bench/report.py``).
"""

import argparse
import contextlib
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench import browser_runtime, client, report, serving
from bench.client import Site

DEFAULT_OUTPUT = serving.ROOT / "docs" / "benchmarks.md"
# A full sandbox: the most products it may hold, and the log's limit.
FULL_PRODUCTS, FULL_EVENTS = 100, 500


@contextlib.contextmanager
def running_site(folder: Path):
    """A production-mode server on the benchmark's settings; stopped on exit."""
    stock = browser_runtime.stock_static(folder / "stock-static")
    env = serving.production_env(
        folder, DJANGO_SETTINGS_MODULE="bench.settings", BENCH_STOCK_STATIC=str(stock)
    )
    serving.prepare_site(env)
    server = serving.Server("site", env, folder / "gunicorn.log")
    try:
        server.start()
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()
        if failures := server.error_lines():
            print(f"The server logged {len(failures)} lines of errors; the last:", file=sys.stderr)
            print(*failures[-10:], sep="\n  ", file=sys.stderr)


def checkpoint(server: serving.Server) -> None:
    """Fold the write-ahead log into the database file before a run, so that
    no run pays for the writes of the one before it."""
    with contextlib.closing(sqlite3.connect(server.env["SQLITE_PATH"], timeout=30)) as database:
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def sanity_check(site: Site, visitor: client.Visitor) -> None:
    """One request of each kind, checked by hand, before any load."""
    checks = [
        (site.get("/healthz"), 200, "ok"),
        (site.get(client.LESSON_PATH), 200, "<h1"),
        (site.get(visitor.live_path, visitor), 204, ""),
        (site.create(visitor, "Bench check", visitor.version), 200, client.PRODUCT_ADDED),
        (site.create(visitor, "Plain", visitor.version + 1, client.PLAIN_CREATE_PATH), 200, ""),
    ]
    for (status, text), expected, marker in checks:
        if status != expected or marker not in text:
            raise RuntimeError(f"a sanity check answered {status}, expected {expected} {marker!r}")


def wait_until_idle(server: serving.Server, timeout: float = 60) -> None:
    """Wait until the server has finished the work of the run before: wrk
    stops sending when its time is up, but requests already accepted are
    still served, and a slow page's backlog slowed the next run's /healthz
    to a third of its speed. Idle: under 2 % of a core over a quarter second
    (one clock tick of CPU or less)."""
    deadline = time.monotonic() + timeout
    before = client.process_tree_cpu_seconds(server.process.pid)
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = client.process_tree_cpu_seconds(server.process.pid)
        if now - before <= 0.01:
            return
        before = now
    raise RuntimeError(f"the server was still busy {timeout:.0f} s after a run")


def measure_runtime(server: serving.Server, trials: int) -> list[browser_runtime.Trial]:
    print(f"  lesson tests in the browser ({trials} trials)…", flush=True)
    return browser_runtime.measure(server.url, trials)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the site; see bench/run.py.")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--high", type=int, default=64, help="connections for the error runs")
    parser.add_argument("--page-rounds", type=int, default=5)
    parser.add_argument("--create-rounds", type=int, default=5)
    # Connections are not served alike: a fast one may make several times the
    # average number of creates, so each has 8 sandboxes of 97 creates to fill.
    parser.add_argument("--sandboxes", type=int, default=128, help="fresh ones per create run")
    parser.add_argument("--runtime-trials", type=int, default=3, help="of the browser runtime")
    parser.add_argument(
        "--only",
        choices=["runtime"],
        help="measure only the browser runtime; prints, writes nothing",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--time-limit", type=int, default=900, help="seconds for everything")
    args = parser.parse_args(argv)
    load_before = report.load_average()
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("error: the benchmark ran past --time-limit"))
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    signal.alarm(args.time_limit)
    started = time.monotonic()
    if args.only == "runtime":
        with (
            tempfile.TemporaryDirectory(prefix="tutorial-bench-") as tmp,
            running_site(Path(tmp)) as server,
        ):
            trials = measure_runtime(server, args.runtime_trials)
        print()
        print(report.runtime_text(trials))
        print(f"\n(took {time.monotonic() - started:.0f}s)")
        return 0
    runs: dict[str, list[client.Run]] = {}
    n = args.connections

    with (
        tempfile.TemporaryDirectory(prefix="tutorial-bench-") as tmp,
        running_site(Path(tmp)) as server,
    ):

        def load(key, path, connections=n, **options):
            print(f"  {key} ({connections} connections)…", flush=True)
            wait_until_idle(server)
            checkpoint(server)
            cpu = lambda: client.process_tree_cpu_seconds(server.process.pid)  # noqa: E731
            run = client.run_wrk(
                key,
                server.port,
                path,
                connections=connections,
                duration=args.duration,
                server_cpu=cpu,
                **options,
            )
            runs.setdefault(key, []).append(run)

        site = Site(server.port)
        visitors = [site.new_visitor() for _ in range(args.high)]
        sanity_check(site, site.new_visitor())
        print("Filling a sandbox (100 products, a full log)…", flush=True)
        full = site.full_sandbox(FULL_PRODUCTS, FULL_EVENTS)
        status, page = site.get(client.PLAYGROUND_PATH, full)
        if status != 200:
            raise RuntimeError(f"the full sandbox's page answered {status}")
        full_page_bytes = len(page.encode())
        # A sandbox as a learner first meets it: what any page of the
        # playground costs before it holds anything of theirs.
        fresh = site.new_visitor()

        def page_path(visitor):
            return client.PLAYGROUND_PATH

        def poll(key="live", connections=n, path=lambda visitor: visitor.live_path):
            live = {"visitors": visitors[:connections], "visitor_path": path}
            load(key, "/", connections, htmx=True, status=204, **live)

        def poll_with_the_orm(visitor):
            return visitor.live_path.replace("/live/", "/orm/live/", 1)

        for _ in range(args.page_rounds):
            load("healthz", "/healthz")
            load("lesson", client.LESSON_PATH)
            poll()
            poll("live-orm", path=poll_with_the_orm)
            load("full", "/", visitors=[full], visitor_path=page_path, status=200)
            load("new", "/", visitors=[fresh], visitor_path=page_path, status=200)
        for _ in range(args.create_rounds):
            for name, path, marker in (
                ("baseline", client.PLAIN_CREATE_PATH, 'class="pg-row"'),
                ("create", client.CREATE_PATH, client.PRODUCT_ADDED),
            ):
                pool = [site.new_visitor() for _ in range(args.sandboxes)]
                options = {"post": path, "status": 200, "marker": marker}
                load(name, path, visitors=pool, **options)
        load("lesson@high", client.LESSON_PATH, args.high)
        poll("live@high", args.high)
        wait_until_idle(server)
        trials = measure_runtime(server, args.runtime_trials)
    signal.alarm(0)

    summary = report.Summary(
        runs=runs,
        full_page_bytes=full_page_bytes,
        runtime=trials,
        settings=vars(args) | {"load_before": load_before, "load_after": report.load_average()},
    )
    print()
    print(report.text(summary))
    print(f"\n(took {time.monotonic() - started:.0f}s)")
    if not args.no_write:
        args.output.write_text(report.markdown(summary))
        print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
