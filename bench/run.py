"""Benchmarks: ``make bench`` (or ``.venv/bin/python bench/run.py``).

1. Breaks a product create down in-process (``bench/create.py``): where its
   time goes, from a bare ``create()`` to what the site does.
2. Starts the site in production mode under gunicorn on loopback
   (``bench/server.py``, with ``bench/settings.py``), measures closed-loop
   throughput with keep-alive connections (``bench/loadgen.py``) of
   ``/healthz``, a lesson page, the live-log poll when nothing changed, and
   the create POST against the same create with no receivers
   (``bench/baseline.py``), in alternating rounds; then errors at 16 and 64
   connections; stops the server whatever happens.
3. Prints a table and writes ``docs/benchmarks.md``.

Every page is reported as a ratio to ``/healthz`` measured on the same
server in the same run (measured first and last; the mean is the baseline).
The create is reported as a ratio to its baseline, round by round.
"""

import argparse
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import report
import scenarios
import server
from loadgen import Connection, Response, Result, build_request, run_load

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"
# The site's settings plus the baseline's URL (bench/baseline.py).
BENCH_SETTINGS = {"DJANGO_SETTINGS_MODULE": "bench.settings"}


class TimeLimitReached(Exception):
    pass


def _on_alarm(signum, frame):
    raise TimeLimitReached("the benchmark ran past --time-limit")


def _on_terminate(signum, frame):
    raise SystemExit(128 + signum)


def sanity_check(host: str, port: int, visitor: scenarios.Visitor) -> None:
    """One request of each kind, checked by hand, before any load."""
    connection = Connection(host, port)
    try:
        checks = [
            (build_request("GET", "/healthz", host), 200, b"ok"),
            (scenarios.get(scenarios.LESSON_PATH, host), 200, b"<h1"),
            (scenarios.live_poll(visitor, host), 204, b""),
        ]
        for raw, status, marker in checks:
            response = connection.request(raw)
            if response.status != status or marker not in response.body:
                line = raw.split(b"\r\n", 1)[0].decode()
                raise RuntimeError(f"{line} answered {response.status}, expected {status}")
        response = connection.request(scenarios.create_post(visitor, host, 1))
        if not is_product_added(response):
            raise RuntimeError(f"the create POST answered {response.status}: {response.body[:300]}")
        plain = scenarios.create_post(visitor, host, 2, scenarios.PLAIN_CREATE_PATH)
        response = connection.request(plain)
        if not is_plain_row(response):
            raise RuntimeError(f"the plain create answered {response.status}")
    finally:
        connection.close()


def is_product_added(response: Response) -> bool:
    """The site's create answered in place: new row, log entry, new version."""
    return (
        response.status == 200
        and b'hx-swap-oob="beforeend:#pg-list-products"' in response.body
        and b'hx-swap-oob="afterbegin:#pg-actions"' in response.body
        and b"Bench product" in response.body
    )


def is_plain_row(response: Response) -> bool:
    return response.status == 200 and b'<li class="pg-row" id="product-' in response.body


def make_visitors(host: str, port: int, count: int) -> list[scenarios.Visitor]:
    connection = Connection(host, port)
    try:
        return [scenarios.new_visitor(connection, host) for _ in range(count)]
    finally:
        connection.close()


def in_process_create(args) -> dict:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tutorial-bench-create-") as tmp:
        command = [
            sys.executable,
            str(Path(__file__).with_name("create.py")),
            "--json",
            "--profile",
            "--rounds",
            str(args.create_rounds),
        ]
        completed = subprocess.run(
            command,
            cwd=ROOT,
            env=server.production_env(Path(tmp)),
            capture_output=True,
            text=True,
            timeout=args.create_time_limit + 120,
            check=False,
        )
    if completed.returncode != 0:
        raise RuntimeError(f"bench/create.py failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the site; see bench/run.py.")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--high", type=int, default=64, help="connections for the error runs")
    parser.add_argument("--create-rounds", type=int, default=6, help="in-process batches")
    parser.add_argument("--sandboxes-per-run", type=int, default=48)
    parser.add_argument("--page-rounds", type=int, default=3, help="healthz/lesson/poll rounds")
    parser.add_argument(
        "--http-create-rounds", type=int, default=5, help="baseline/create pairs over HTTP"
    )
    parser.add_argument("--create-time-limit", type=float, default=120)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--time-limit", type=int, default=600, help="seconds for everything")
    args = parser.parse_args(argv)
    args.load_before = report.load_average()

    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_terminate)
    signal.alarm(args.time_limit)
    started = time.monotonic()
    try:
        print("In-process create benchmark (bench/create.py)…", flush=True)
        create = in_process_create(args)
        runs: dict[str, Result] = {}
        print("Starting gunicorn (production mode, 2 gthread workers × 4 threads)…", flush=True)
        with server.running_site(extra_env=BENCH_SETTINGS) as (url, pid, database):
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
            host_header = f"{host}:{port}"
            n, high = args.connections, args.high
            visitors = make_visitors(host, port, max(n, high) + 1)
            sanity_check(host, port, visitors[-1])

            # Enough fresh sandboxes (97 creates each) that no thread runs
            # out while measured; every run of creates gets its own.
            def create_source(path):
                pool = make_visitors(host, port, args.sandboxes_per_run)
                return scenarios.CreateSource(pool, host_header, path)

            print("  making fresh sandboxes for the create runs…", flush=True)
            create_rounds = [
                (
                    create_source(scenarios.PLAIN_CREATE_PATH),
                    create_source(scenarios.CREATE_PATH),
                )
                for _ in range(args.http_create_rounds)
            ]

            def load(name, source, connections, expect=None):
                print(f"  {name} ({connections} connections)…", flush=True)
                server.checkpoint(database)
                result = run_load(
                    name,
                    host,
                    port,
                    source,
                    connections=connections,
                    duration=args.duration,
                    warmup=args.warmup,
                    expect=expect,
                    cpu_probe=lambda: server.process_tree_cpu_seconds(pid),
                )
                runs[f"{name}@{connections}"] = result
                return result

            def status_is(code):
                return lambda response, code=code: response.status == code

            healthz = build_request("GET", "/healthz", host_header)
            lesson = scenarios.get(scenarios.LESSON_PATH, host_header)
            polls = [scenarios.live_poll(visitor, host_header) for visitor in visitors]

            def is_ok_text(response: Response) -> bool:
                return response.status == 200 and response.body == b"ok"

            # Each page against /healthz in the same round, round after round.
            for number in range(1, args.page_rounds + 1):
                load(f"healthz-{number}", lambda i: healthz, n, is_ok_text)
                load(f"lesson-{number}", lambda i: lesson, n, status_is(200))
                load(f"live-{number}", lambda i: polls[i], n, status_is(204))
            # The create and its baseline take turns, round after round, so
            # that drift and the machine's noise hit both alike.
            for number, (plain, site) in enumerate(create_rounds, start=1):
                load(f"plain-create-{number}", plain, n, is_plain_row)
                load(f"create-{number}", site, n, is_product_added)
            load("lesson", lambda i: lesson, high, status_is(200))
            load("live", lambda i: polls[i], high, status_is(204))
        signal.alarm(0)
    except TimeLimitReached as error:
        print(f"error: {error} ({args.time_limit}s); the server was stopped", file=sys.stderr)
        return 1

    summary = report.summarise(runs, create, args)
    print()
    print(report.text_table(summary))
    print(f"\n(took {time.monotonic() - started:.0f}s)")
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report.markdown(summary))
        print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
