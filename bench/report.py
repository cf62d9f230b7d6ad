"""Ratios, targets, the console table and ``docs/benchmarks.md``.

Only summary statistics are printed (medians, a p99, totals), one line per
kind of request, so the report stays short however long the runs were.
"""

import datetime
import importlib.metadata
import os
import platform
import statistics
from dataclasses import dataclass, field

from bench.browser_runtime import Trial
from bench.client import Run

LESSON_TARGET = 0.8
LIVE_TARGET = 0.8
CREATE_TARGET = 0.7
FULL_PAGE_TARGET = 0.05
FULL_PAGE_BYTES = 300_000
# The lesson tests in the browser (issue 12).
RUNTIME_BYTES = 12_000_000
RUNTIME_WARM_TARGET = 2.0
RUNTIME_SECOND_RUN_SHARE = 0.15

LABELS = {
    "healthz": "GET /healthz",
    "lesson": "GET /lessons/signals-101/",
    "live": "GET /playground/signals-101/live/ (204, nothing changed)",
    "live-orm": "… the same poll, its version read with the ORM",
    "full": "GET /playground/signals-101/ (a full sandbox)",
    "new": "GET /playground/signals-101/ (a new sandbox)",
    "baseline": "POST /bench/plain-create/ (no receivers)",
    "create": "POST /playground/signals-101/do/product-create/",
    "lesson@high": "GET /lessons/signals-101/",
    "live@high": "GET /playground/signals-101/live/ (204)",
}


@dataclass
class Target:
    name: str
    figure: str
    goal: str
    met: bool


@dataclass
class Summary:
    runs: dict[str, list[Run]]
    full_page_bytes: int
    settings: dict
    runtime: list[Trial]
    when: str = field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    )

    def ratios(self, key: str, against: str = "healthz") -> list[float]:
        """``key``'s throughput over ``against``'s, round by round."""
        pairs = zip(self.runs[against], self.runs[key], strict=True)
        return [run.rps / base.rps if base.rps else 0.0 for base, run in pairs]

    def ratio(self, key: str, against: str = "healthz") -> float:
        return statistics.median(self.ratios(key, against))

    def errors(self, key: str) -> int:
        return sum(run.errors + run.unexpected for run in self.runs[key])

    def failed(self, *keys: str) -> dict[str, int]:
        """How many answers of each status outside 2xx/3xx the runs of ``keys`` had."""
        counts: dict[str, int] = {}
        for run in (run for key in keys for run in self.runs[key]):
            for status, count in run.failed.items():
                counts[status] = counts.get(status, 0) + count
        return counts

    def described_errors(self, key: str) -> str:
        """ "0", or the count with its HTTP statuses: "12 (500: 9, 409: 3)"."""
        statuses = ", ".join(f"{status}: {count}" for status, count in self.failed(key).items())
        return f"{self.errors(key)} ({statuses})" if statuses else str(self.errors(key))

    @property
    def targets(self) -> list[Target]:
        def at_least(name, key, goal, against="healthz"):
            figure = self.ratio(key, against)
            rounds = len(self.runs[key])
            return Target(
                f"{name} (median of {rounds})", f"{figure:.2f}", f"≥ {goal}", figure >= goal
            )

        high = self.settings["high"]
        targets = [
            at_least("Lesson page ÷ /healthz", "lesson", LESSON_TARGET),
            at_least("Live poll, nothing changed ÷ /healthz", "live", LIVE_TARGET),
            at_least("Full sandbox page ÷ /healthz", "full", FULL_PAGE_TARGET),
            Target(
                "Full sandbox page size",
                f"{self.full_page_bytes / 1000:.0f} KB",
                f"< {FULL_PAGE_BYTES // 1000} KB",
                self.full_page_bytes < FULL_PAGE_BYTES,
            ),
            at_least(
                "Create ÷ the same create with no receivers", "create", CREATE_TARGET, "baseline"
            ),
        ]
        for key, what in (
            ("lesson", "lesson page"),
            ("live", "live poll"),
            ("create", "create (16 writers)"),
            ("lesson@high", f"lesson page, {high} connections"),
            ("live@high", f"live poll, {high} connections"),
        ):
            errors = self.errors(key)
            targets.append(Target(f"Errors, {what}", self.described_errors(key), "0", errors == 0))
        return targets + runtime_targets(self.runtime)


def median_trial(trials: list[Trial]) -> Trial:
    """The trial whose cold first run moved the median number of bytes."""
    return sorted(trials, key=lambda trial: trial.cold_bytes)[(len(trials) - 1) // 2]


def runtime_ratios(trials: list[Trial]) -> dict[str, list[float]]:
    """Each trial's ratios: its first results against bare Pyodide in the same
    cache state, its second run against its first."""
    return {
        "site_cold": [trial.site_bare_cold / trial.bare_cold for trial in trials],
        "site_warm": [trial.site_bare_warm / trial.bare_warm for trial in trials],
        "cold": [trial.cold_first / trial.bare_cold for trial in trials],
        "warm": [trial.warm_first / trial.bare_warm for trial in trials],
        "prepared": [trial.prepared_first / trial.bare_warm for trial in trials],
        "second": [trial.second_done / trial.cold_done for trial in trials],
    }


def runtime_targets(trials: list[Trial]) -> list[Target]:
    of = f"(median of {len(trials)})"
    cold_bytes = median_trial(trials).cold_bytes
    ratios = runtime_ratios(trials)
    # The stricter warm figure: pressed at once, the page does all its work
    # after the press (prepared while reading, it has done most before).
    warm = statistics.median(ratios["warm"])
    second = statistics.median(ratios["second"])
    return [
        Target(
            f"Tests in the browser: bytes of a cold first run {of}",
            f"{cold_bytes / 1e6:.2f} MB",
            f"≤ {RUNTIME_BYTES / 1e6:g} MB",
            cold_bytes <= RUNTIME_BYTES,
        ),
        Target(
            f"… first result, warm, pressed at once ÷ bare Pyodide {of}",
            f"{warm:.2f}",
            f"≤ {RUNTIME_WARM_TARGET}",
            warm <= RUNTIME_WARM_TARGET,
        ),
        Target(
            f"… second run ÷ the first, press to done {of}",
            f"{100 * second:.0f} %",
            f"≤ {100 * RUNTIME_SECOND_RUN_SHARE:.0f} %",
            second <= RUNTIME_SECOND_RUN_SHARE,
        ),
    ]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine(summary: Summary) -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), cpu)
    return {
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "software": f"{platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}, Django {importlib.metadata.version('Django')}, "
        f"gunicorn {importlib.metadata.version('gunicorn')}",
        "load average": f"{summary.settings['load_before']} at start, "
        f"{summary.settings['load_after']} at end",
    }


THROUGHPUT_HEADER = [
    "request",
    "conns",
    "req/s (median)",
    "÷ healthz, median (range)",
    "p50 ms",
    "p99 ms",
    "errors",
    "server CPU ms/req",
    "client CPU",
]


def throughput_rows(summary: Summary) -> list[list[str]]:
    rows = []
    for key, runs in summary.runs.items():
        against = "baseline" if key == "create" else "healthz"
        ratios = "" if key.startswith("baseline") or "@" in key else summary.ratios(key, against)
        rows.append(
            [
                LABELS[key],
                str(runs[0].connections),
                f"{statistics.median(run.rps for run in runs):.0f}",
                spread(ratios),
                f"{statistics.median(run.p50_ms for run in runs):.1f}",
                f"{max(run.p99_ms for run in runs):.1f}",
                summary.described_errors(key),
                f"{statistics.median(run.server_ms for run in runs):.2f}",
                f"{100 * statistics.median(run.client_share for run in runs):.0f}%",
            ]
        )
    return rows


def sql_rows(summary: Summary) -> list[list[str]]:
    return [
        [
            label,
            spread(summary.ratios(key)),
            f"{statistics.median(run.server_ms for run in summary.runs[key]):.2f}",
        ]
        for key, label in (("live", "plain SQL (the site)"), ("live-orm", "the ORM"))
    ]


def spread(ratios: list[float]) -> str:
    """The median of a figure's rounds, and how far they ranged."""
    if not ratios:
        return "–"
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"


RUNTIME_HEADER = ["signals-101 in the browser", "seconds, median (range)", "ratio, median (range)"]


def runtime_rows(trials: list[Trial]) -> list[list[str]]:
    def seconds(name):
        return spread([getattr(trial, name) for trial in trials])

    ratios = runtime_ratios(trials)
    return [
        ["bare Pyodide as npm ships it, loadPyodide(): empty cache", seconds("bare_cold"), "–"],
        ["bare Pyodide as npm ships it: files cached", seconds("bare_warm"), "–"],
        [
            "Pyodide as the site serves it, stdlib compiled: empty cache (÷ bare)",
            seconds("site_bare_cold"),
            spread(ratios["site_cold"]),
        ],
        [
            "Pyodide as the site serves it, stdlib compiled: files cached (÷ bare)",
            seconds("site_bare_warm"),
            spread(ratios["site_warm"]),
        ],
        [
            "press → first result, cold (÷ bare, empty cache)",
            seconds("cold_first"),
            spread(ratios["cold"]),
        ],
        [
            "press → first result, warm, pressed at once (÷ bare, cached)",
            seconds("warm_first"),
            spread(ratios["warm"]),
        ],
        [
            "press → first result, warm, prepared while reading (÷ bare, cached)",
            seconds("prepared_first"),
            spread(ratios["prepared"]),
        ],
        ["press → done, first run", seconds("cold_done"), "–"],
        [
            "press → done, second run (÷ the first)",
            seconds("second_done"),
            spread(ratios["second"]),
        ],
    ]


BYTES_HEADER = ["cold first run: what came over the wire", "KB"]
BIGGEST_FILES = 6


def bytes_rows(trials: list[Trial]) -> list[list[str]]:
    trial = median_trial(trials)
    biggest = sorted(trial.files.items(), key=lambda item: item[1], reverse=True)
    rest = biggest[BIGGEST_FILES:]
    return [
        *([path, kilobytes(size)] for path, size in biggest[:BIGGEST_FILES]),
        [f"{len(rest)} other paths", kilobytes(sum(size for _, size in rest))],
        ["total", kilobytes(trial.cold_bytes)],
        ["a warm visit's total (the runtime from the cache)", kilobytes(trial.warm_bytes)],
    ]


def kilobytes(size: int) -> str:
    return f"{size / 1000:,.0f}"


TARGET_HEADER = ["target", "measured", "goal", "result"]


def target_rows(targets: list[Target]) -> list[list[str]]:
    return [[t.name, t.figure, t.goal, "met" if t.met else "NOT met"] for t in targets]


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [header, ["-" * width for width in widths], *rows]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in lines)


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def text(summary: Summary) -> str:
    return "\n\n".join(
        [
            _text_table(THROUGHPUT_HEADER, throughput_rows(summary)),
            _text_table(RUNTIME_HEADER, runtime_rows(summary.runtime)),
            _text_table(BYTES_HEADER, bytes_rows(summary.runtime)),
            _text_table(TARGET_HEADER, target_rows(summary.targets)),
        ]
    )


def runtime_text(trials: list[Trial]) -> str:
    """The browser runtime's part alone (``--only runtime``)."""
    return "\n\n".join(
        [
            _text_table(RUNTIME_HEADER, runtime_rows(trials)),
            _text_table(BYTES_HEADER, bytes_rows(trials)),
            _text_table(TARGET_HEADER, target_rows(runtime_targets(trials))),
        ]
    )


def markdown(summary: Summary) -> str:
    failed = [target for target in summary.targets if not target.met]
    verdict = (
        "All targets are met."
        if not failed
        else "Not met: " + "; ".join(f"{target.name} ({target.figure})" for target in failed) + "."
    )
    machine_lines = "\n".join(f"- {key}: {value}" for key, value in machine(summary).items())
    settings = summary.settings
    return f"""# Benchmarks

Measured {summary.when} with `make bench` (the code is in `bench/`).

{verdict}

{machine_lines}

## Targets

{_markdown_table(TARGET_HEADER, target_rows(summary.targets))}

## How it is measured

`make bench` serves the site as `make serve` does (gunicorn with
`tutorial/gunicorn_conf.py`, `DJANGO_DEBUG=0`, SQLite in WAL mode in a
temporary directory), plus one URL, the create's baseline (`bench/settings.py`).
[wrk](https://github.com/wg/wrk) sends the load: {settings["connections"]} keep-alive
connections ({settings["high"]} for the second error check), {settings["duration"]:g} s
per run, on the same {os.cpu_count()} cores as the server, so the client's CPU
share is shown beside each figure. Every figure is a ratio within one run:
`/healthz`, the lesson page, the live poll and the pages of a full and of a
new sandbox take turns for {settings["page_rounds"]} rounds, the create and its baseline for
{settings["create_rounds"]}, and each target is the median of its rounds.

- The live poll is each connection's own session asking for its sandbox's
  current version; only a `204` counts.
- The full sandbox holds 100 products and a log filled to its limit
  (500 events); its page is {summary.full_page_bytes / 1000:.0f} KB. A new
  sandbox's page (the scenario's example data, an empty log) is the floor
  under it: what the panel costs before a learner has done anything.
- The create POST is what the page's htmx sends (session cookie, CSRF token,
  `HX-Request`, the version the page shows, a new product name each time);
  only the in-place answer counts. Its baseline, `bench/baseline.py`, is the
  same request with the signals taken out: the same middleware, form, room
  check and new row, but written with `bulk_create()`, so no receiver runs
  and nothing is recorded, logged or e-mailed. Each connection moves to a
  fresh sandbox before one would hold 100 products. The site's create runs
  with everything the log collects, the SQL among the signals included
  (`playground/sql_log.py`).

"errors" counts answers outside 2xx/3xx, failed connections and answers that
were not the one expected; "server CPU" is gunicorn's (all processes) per
request; "client CPU" is wrk's share of the machine during the run.

## Throughput

{_markdown_table(THROUGHPUT_HEADER, throughput_rows(summary))}

## Lesson tests in the browser

"Run these tests" runs a lesson's pytest module in the browser, in Pyodide
in a Web Worker. Headless Chromium (`bench/browser_runtime.py`), {len(summary.runtime)} times:
a new profile (empty cache) opens `/lessons/signals-101/`, presses the button
until the run is done and presses again; a new page in that profile (files
cached) presses as soon as it has loaded; another presses once the page has
prepared Python, as it does while a learner who has run tests before reads
the lesson (the warm target is the press at once: the page then does all
its work after the press). A press starts when the pointer enters the
button. The yardstick: `loadPyodide()` of Pyodide as npm ships it, on the
lesson page, in a new profile just before the cold run, and after the warm
visit in its profile. The site serves Pyodide with its standard library
compiled to bytecode for the modules a test session imports
(`lessons/runtime/bytecode.py`), so its own `loadPyodide()` is faster than
the yardstick's; a faster first run also raises the second run's share of
it. Bytes: headers and compressed bodies, the worker's requests and the
page's own included.

{_markdown_table(RUNTIME_HEADER, runtime_rows(summary.runtime))}

{_markdown_table(BYTES_HEADER, bytes_rows(summary.runtime))}

## What plain SQL buys

The code a learner can reach is ordinary Django; plain SQL stays only where
this report shows what it buys, measured both ways in the same rounds. One
place keeps it: the live poll's version lookup (`panels.current_version`),
against the same poll reading the version with
`Sandbox.objects.filter(pk=…).values_list("version", flat=True).first()`
(`bench/baseline.py`):

{_markdown_table(["poll", "÷ healthz, median (range)", "server CPU ms/req"], sql_rows(summary))}

The log, the outbox, the in-place create answer and the SQLite backend,
hand-made until 2026-12-01, are plain Django now.

## The SQLite backend

Until 2026-12-01 the site ran SQLite through a backend of its own
(`tutorial/sqlite/`), which retried a locked write every 50 µs–1 ms instead
of SQLite's busy handler's 1–100 ms naps. `make bench` then served the site
twice, with it and with Django's own backend (same `IMMEDIATE` transactions,
20 s busy timeout and WAL), and ran the create rounds on both: 16 concurrent
writers, 5–6 rounds a run, three runs on a busy 2-core machine:

| backend | create ÷ baseline, by run | creates/s, by run | lock errors (HTTP 500) |
|---|---|---|---|
| busy retry (`tutorial/sqlite/`) | 0.85, 0.75, 0.84 | 157, 201, 206 | 0 |
| Django's own | 0.81, 0.71, 0.64 | 180, 178, 212 | 0 |

The site's own creates ran as fast either way, with no lock errors either
way; the ratio's gap came from the baseline, a plain insert, which ran
faster on Django's backend. It bought nothing, so the site uses Django's
backend with those options (`tutorial/settings.py`).
"""
