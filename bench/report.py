"""Ratios, targets, the console table and ``docs/benchmarks.md``."""

import datetime
import importlib.metadata
import os
import platform
import re
import statistics
from dataclasses import dataclass, field

from loadgen import Result

LESSON_TARGET = 0.8
LIVE_TARGET = 0.8
CREATE_TARGET = 0.7


@dataclass
class Target:
    name: str
    figure: str
    goal: str
    met: bool


@dataclass
class Summary:
    when: str
    machine: dict[str, str]
    settings: dict[str, str]
    runs: dict[str, Result]
    baseline: float
    rows: list[dict]
    create: dict
    pages: dict = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    return {
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Django": importlib.metadata.version("Django"),
        "gunicorn": importlib.metadata.version("gunicorn"),
    }


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def numbered(runs: dict[str, Result], name: str, connections: int) -> list[Result]:
    """The runs ``name-1``, ``name-2``… at ``connections``, in order."""
    found, number = [], 1
    while (result := runs.get(f"{name}-{number}@{connections}")) is not None:
        found.append(result)
        number += 1
    return found


def summarise(runs: dict[str, Result], create: dict, args) -> Summary:
    n, high = args.connections, args.high
    healthz = numbered(runs, "healthz", n)
    baseline = statistics.median(result.rps for result in healthz)
    baseline_ms = statistics.median(1000 * r.server_cpu / max(1, r.ok) for r in healthz)
    rows = []
    for key, result in runs.items():
        server_ms = 1000 * result.server_cpu / result.ok if result.ok else 0.0
        rows.append(
            {
                "key": key,
                "result": result,
                "ratio": result.rps / baseline if baseline else 0.0,
                "server_ms": server_ms,
                "cost_ratio": baseline_ms / server_ms if server_ms else 0.0,
            }
        )
    page_ratios = {
        page: [r.rps / h.rps for h, r in zip(healthz, numbered(runs, page, n), strict=True)]
        for page in ("lesson", "live")
    }
    lesson_ratio = statistics.median(page_ratios["lesson"])
    live_ratio = statistics.median(page_ratios["live"])
    rounds = list(zip(numbered(runs, "plain-create", n), numbered(runs, "create", n), strict=True))
    create_ratio = statistics.median(site.rps / plain.rps for plain, site in rounds)
    targets = [
        Target(
            f"Lesson page vs /healthz (median of {len(healthz)} rounds)",
            f"{lesson_ratio:.2f}",
            f"≥ {LESSON_TARGET}",
            lesson_ratio >= LESSON_TARGET,
        ),
        Target(
            f"Live poll, nothing changed (204) vs /healthz (median of {len(healthz)} rounds)",
            f"{live_ratio:.2f}",
            f"≥ {LIVE_TARGET}",
            live_ratio >= LIVE_TARGET,
        ),
        Target(
            "Create action (all receivers, recorded and logged) vs the same create "
            f"with no receivers (median of {len(rounds)} rounds)",
            f"{create_ratio:.2f}",
            f"≥ {CREATE_TARGET}",
            create_ratio >= CREATE_TARGET,
        ),
    ]
    for page in ("lesson", "live"):
        for connections, results in (
            (n, numbered(runs, page, n)),
            (high, [runs[f"{page}@{high}"]]),
        ):
            errors = sum(result.errors for result in results)
            http = sum(result.http_errors for result in results)
            connection = sum(result.connection_errors for result in results)
            targets.append(
                Target(
                    f"Errors, {'lesson page' if page == 'lesson' else 'live poll'}, "
                    f"{connections} connections",
                    f"{errors} ({http} HTTP, {connection} connection)",
                    "0",
                    errors == 0,
                )
            )
    return Summary(
        when=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=machine() | {"load average at start": args.load_before, "at end": load_average()},
        settings={
            "duration": f"{args.duration:g} s measured per run, after {args.warmup:g} s warm-up",
            "connections": f"{n} (error runs also at {high})",
            "server": "gunicorn tutorial.wsgi as `make serve` runs it (2 workers, gthread, "
            "4 threads, tutorial/gunicorn_conf.py), DJANGO_DEBUG=0, the site's settings plus "
            "the baseline's URL (bench/settings.py), SQLite (WAL) in a temporary directory",
            "client": "bench/loadgen.py: closed loop, one keep-alive HTTP/1.1 connection per "
            "thread, same machine",
        },
        runs=runs,
        baseline=baseline,
        rows=rows,
        create={**create, "ratio": create_ratio, "round_pairs": rounds},
        pages={"ratios": page_ratios, "healthz": healthz},
        targets=targets,
    )


LABELS = {
    "healthz": "/healthz",
    "lesson": "/lessons/signals-101/",
    "live": "/playground/signals-101/live/?v=N (204)",
    "plain-create": "POST /bench/plain-create/ (baseline: no receivers)",
    "create": "POST /playground/signals-101/do/product-create/",
}


def _label(key: str) -> tuple[str, str]:
    name, connections = key.rsplit("@", 1)
    base, _, number = name.rpartition("-")
    if number.isdigit():
        return f"{LABELS[base]}, round {number}", connections
    return LABELS[name], connections


def _throughput_rows(summary: Summary) -> list[list[str]]:
    rows = []
    for row in summary.rows:
        result: Result = row["result"]
        label, connections = _label(row["key"])
        rows.append(
            [
                label,
                connections,
                f"{result.ok}",
                f"{result.rps:.0f}",
                f"{row['ratio']:.2f}",
                f"{1000 * result.percentile(0.5):.1f}",
                f"{1000 * result.percentile(0.99):.1f}",
                f"{result.http_errors}",
                f"{result.connection_errors}",
                f"{result.unexpected}",
                f"{row['server_ms']:.2f}",
                f"{row['cost_ratio']:.2f}",
                f"{100 * result.client_cpu / result.duration:.0f}%",
            ]
        )
    return rows


THROUGHPUT_HEADER = [
    "request",
    "conns",
    "done",
    "req/s",
    "÷ healthz",
    "p50 ms",
    "p99 ms",
    "HTTP err",
    "conn err",
    "unexpected",
    "server CPU ms/req",
    "healthz CPU ÷ this",
    "client CPU",
]

CREATE_LABELS = {
    "plain": "plain Product.objects.create(), no receivers (baseline)",
    "service": "services.product_create() (adds the room check), no receivers",
    "receivers": "+ the lesson receivers, recorder disconnected",
    "recorded": "+ the recorder (observer, sys.monitoring), log not stored",
    "instrumented": "performing.perform(): + storing the log and e-mails (what the site does)",
}


def _create_rows(summary: Summary) -> list[list[str]]:
    variants = summary.create["variants"]
    plain = variants["plain"]["per_second"]
    return [
        [
            CREATE_LABELS[name],
            f"{figures['creations']}",
            f"{figures['per_second']:.0f}",
            f"{figures['ms_per_create']:.3f}",
            f"{figures['queries_per_create']}",
            f"{figures['per_second'] / plain:.3f}",
        ]
        for name, figures in variants.items()
    ]


CREATE_HEADER = ["way of creating a product", "creations", "per s", "ms each", "queries", "÷ plain"]


ROUND_HEADER = [
    "round",
    "baseline req/s",
    "create req/s",
    "create ÷ baseline",
    "CPU ms/req, baseline",
    "CPU ms/req, create",
]


def _round_rows(summary: Summary) -> list[list[str]]:
    rows = []
    for number, (plain, site) in enumerate(summary.create["round_pairs"], start=1):
        rows.append(
            [
                str(number),
                f"{plain.rps:.0f}",
                f"{site.rps:.0f}",
                f"{site.rps / plain.rps:.2f}",
                f"{1000 * plain.server_cpu / max(1, plain.ok):.2f}",
                f"{1000 * site.server_cpu / max(1, site.ok):.2f}",
            ]
        )
    return rows


def _text(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return "\n".join(lines)


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _target_rows(summary: Summary) -> list[list[str]]:
    return [
        [target.name, target.figure, target.goal, "met" if target.met else "NOT met"]
        for target in summary.targets
    ]


TARGET_HEADER = ["target", "measured", "goal", "result"]


def text_table(summary: Summary) -> str:
    notes = [f"{row['key']}: {row['result'].note}" for row in summary.rows if row["result"].note]
    parts = [
        f"Throughput ({summary.settings['duration']}); /healthz = "
        f"{summary.baseline:.0f} req/s (median of its rounds)",
        _text(THROUGHPUT_HEADER, _throughput_rows(summary)),
        "",
        "Create action against its baseline, round by round",
        _text(ROUND_HEADER, _round_rows(summary)),
        "",
        "Where a create's time goes, in-process (bench/create.py; not a target)",
        _text(CREATE_HEADER, _create_rows(summary)),
        "",
        "Targets",
        _text(TARGET_HEADER, _target_rows(summary)),
    ]
    if notes:
        parts += ["", "Notes:", *notes]
    return "\n".join(parts)


def _profile_excerpt(profile: str, lines: int = 22) -> str:
    """The cumulative-time listing of the project's own functions."""
    block = profile.split("Ordered by: internal time", 1)[0]
    kept = [
        line
        for line in block.splitlines()
        if re.search(r"ncalls|/(playground|bench)/|dispatcher\.py|base\.py:\d+\(save", line)
    ]
    return "\n".join(kept[:lines])


def markdown(summary: Summary) -> str:
    machine_lines = "\n".join(f"- {key}: {value}" for key, value in summary.machine.items())
    settings_lines = "\n".join(f"- {key}: {value}" for key, value in summary.settings.items())
    healthz_rates = ", ".join(f"{result.rps:.0f}" for result in summary.pages["healthz"])
    page_rounds = "; ".join(
        f"{page}: " + ", ".join(f"{ratio:.2f}" for ratio in ratios)
        for page, ratios in summary.pages["ratios"].items()
    )
    create = summary.create
    failed = [target for target in summary.targets if not target.met]
    verdict = (
        "All targets are met."
        if not failed
        else "Not met: " + "; ".join(f"{target.name} ({target.figure})" for target in failed) + "."
    )
    return f"""# Benchmarks

Measured {summary.when} with:

```sh
make bench
```

(which runs `.venv/bin/python bench/run.py`; the code is in `bench/`).

{verdict}

## Machine

{machine_lines}

## Set-up

{settings_lines}

Every page is a ratio to `/healthz` on the same server in the same run, measured in
rounds: `/healthz`, the lesson page and the live poll one after another, then again. Each
round gives each page its own ratio, and the target takes the median of the rounds
({page_rounds}). `/healthz` ran at {healthz_rates} req/s; the "÷ healthz" column below
divides by their median, {summary.baseline:.0f} req/s. The client shares the machine's
{summary.machine["cores"]} cores with the server, so absolute numbers are low and the
client's own CPU use is shown; the ratios are what the targets are about. The machine is
shared and its throughput swings from run to run by tens of percent, which is why every
figure is taken in alternating rounds; the CPU cost per request beside each run is the
steadier number.

The live poll sends each connection's own session, whose sandbox already exists, with
the version read from the page's `#pg-poller` element; only `204` counts as done.

The create POST is what the page's htmx sends: the form's fields, the CSRF token and
cookie, `HX-Request: true`, and the sandbox version the page shows. Only the in-place
answer (the new row, log entry and e-mail, with `HX-Reswap: none`) counts as done. Its
baseline, `POST /bench/plain-create/` (`bench/baseline.py`, served only by the benchmark's
settings), is the same request with the signals taken out: the same middleware, session,
CSRF check, sandbox and rate limit, the same form and room check, and the same new row in
the answer, but the row is written with `bulk_create()`, so no save receiver runs and
nothing is recorded, logged or e-mailed. Each connection moves to a fresh sandbox before
one would hold 100 products, so no "limit reached" answer is ever counted. The two take
turns, round after round, and SQLite's write-ahead log is checkpointed before every run.

## Targets

{_markdown(TARGET_HEADER, _target_rows(summary))}

## Throughput

{_markdown(THROUGHPUT_HEADER, _throughput_rows(summary))}

"done" counts answers completed inside the measured window with the expected status.
"unexpected" are 2xx/3xx answers with another status than expected (for example a poll
answering 200); "HTTP err" are answers outside 2xx/3xx; "conn err" are refused, reset or
timed-out connections. "server CPU ms/req" is gunicorn's CPU time (all processes) per done
request.

## Create action against its baseline

{_markdown(ROUND_HEADER, _round_rows(summary))}

The target is the median of the rounds: {create["ratio"]:.2f} (goal ≥ {CREATE_TARGET}).

## Where a create's time goes (in-process)

Not a target: a breakdown that explains the figure above. `bench/create.py` creates
products in fresh sandboxes ({create["rounds"]} batches of {create["batch"] - 1} timed
creations per way, taking turns batch by batch) against a temporary SQLite database with
the production settings, from a bare `create()` to what the site's action does (without
the request around it):

{_markdown(CREATE_HEADER, _create_rows(summary))}

Where the site's way spends its time (cProfile, cumulative, the project's functions and
Django's save and signal dispatch):

```
{_profile_excerpt(create.get("profile", ""))}
```
"""
