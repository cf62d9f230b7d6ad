"""The benchmark's report (bench/report.py) stays short and readable: one
line per kind of request, summary statistics only, whatever the runs held."""

import pytest

from bench import report
from bench.browser_runtime import Trial
from bench.client import Run

# req/s of one round of each kind: (key, connections, requests per second).
ROUND = [
    ("healthz", 16, 3000),
    ("lesson", 16, 2700),
    ("live", 16, 2600),
    ("live-orm", 16, 2100),
    ("full", 16, 200),
    ("new", 16, 250),
    ("baseline", 16, 400),
    ("create", 16, 300),
]
SETTINGS = {
    "duration": 5.0,
    "connections": 16,
    "high": 64,
    "page_rounds": 3,
    "create_rounds": 5,
    "load_before": "1.00 1.00 1.00",
    "load_after": "2.00 1.50 1.20",
}


def run(key: str, connections: int, rps: float, round_number: int) -> Run:
    seconds = 5.0
    requests = int(rps * seconds * (1 + round_number / 100))
    return Run(
        name=key,
        connections=connections,
        seconds=seconds,
        requests=requests,
        status_errors=0,
        socket_errors=0,
        unexpected=0,
        p50_ms=5.25,
        p99_ms=17.5,
        failed={},
        bytes=requests * 1000,
        client_cpu=1.2,
        server_cpu=requests * 0.0006,
    )


# What a cold first run of the lesson's tests in the browser downloads, but
# the page's polls (path: bytes on the wire).
COLD_FILES = {
    "/lessons/signals-101/": 40_000,
    "/static/runtime/packages-0123456789ab.zip": 5_300_000,
    "/static/runtime/pyodide-0123456789ab/pyodide.asm.wasm": 3_500_000,
    "/static/runtime/pyodide-0123456789ab/python_stdlib.zip": 2_500_000,
    "/static/runtime/project-0123456789ab.zip": 300_000,
    "/static/runtime/pyodide-0123456789ab/pyodide.asm.mjs": 260_000,
    "/static/django_htmx/htmx.js": 17_000,
    "/static/tutorial/site.css": 3_000,
}
# Three trials: the bytes of the page's polls, then seconds in Trial's order:
# bare Pyodide (empty cache, cached), the site's Pyodide (the same), press to
# the first result (cold), press to done (first and second run), press to
# the first result (warm: at once, and once prepared).
TRIALS = [
    (5_400, 2.5, 2.0, 1.0, 0.6, 7.5, 10.0, 1.0, 3.0, 1.0),
    (6_400, 2.6, 2.1, 1.3, 0.7, 7.8, 10.0, 1.4, 3.36, 1.26),
    (4_400, 2.4, 1.9, 1.2, 0.76, 6.0, 12.0, 1.2, 4.75, 0.95),
]


def trial(polls: int, *seconds: float) -> Trial:
    return Trial(COLD_FILES | {"/playground/signals-101/live/": polls}, 53_000, *seconds)


@pytest.fixture
def summary() -> report.Summary:
    """A representative run: 3 page rounds, 5 create rounds, two error runs,
    each of some thousands of requests."""
    runs: dict[str, list[Run]] = {}
    for number in range(5):
        for key, connections, rps in ROUND:
            page = key in ("healthz", "lesson", "live", "live-orm", "full", "new")
            if number < 3 or not page:
                runs.setdefault(key, []).append(run(key, connections, rps, number))
    runs["lesson@high"] = [run("lesson@high", 64, 2800, 0)]
    runs["live@high"] = [run("live@high", 64, 2700, 0)]
    return report.Summary(
        runs=runs,
        full_page_bytes=120_000,
        settings=SETTINGS,
        runtime=[trial(*figures) for figures in TRIALS],
    )


def test_the_report_is_short_and_has_no_long_line(summary):
    text = report.markdown(summary)

    lines = text.splitlines()
    # The browser runtime's section (its tables have fixed rows) took it past 150 lines.
    assert len(lines) < 160
    assert max(len(line) for line in lines) <= 200
    assert len(text) < 9000


def test_the_console_table_is_one_line_per_kind_of_request(summary):
    lines = report.text(summary).splitlines()

    throughput = lines[: lines.index("")]
    assert len(throughput) == 2 + len(summary.runs)  # a header and its rule


def test_the_report_shows_each_target_with_its_figure(summary):
    text = report.markdown(summary)

    assert "| Lesson page ÷ /healthz (median of 3) | 0.90 | ≥ 0.8 | met |" in text
    assert (
        "| Create ÷ the same create with no receivers (median of 5) | 0.75 | ≥ 0.7 | met |" in text
    )
    assert "| Full sandbox page size | 120 KB | < 300 KB | met |" in text
    assert "All targets are met." in text


def test_a_missed_target_is_named_at_the_top(summary):
    summary.full_page_bytes = 4_400_000

    text = report.markdown(summary)

    assert "Not met: Full sandbox page size (4400 KB)." in text.splitlines()[4]


def test_errors_show_their_http_statuses(summary):
    summary.runs["create"][1].status_errors = 12
    summary.runs["create"][1].failed = {"500": 9, "409": 3}

    text = report.markdown(summary)

    assert "| Errors, create (16 writers) | 12 (500: 9, 409: 3) | 0 | NOT met |" in text


def test_the_report_shows_what_plain_sql_buys_beside_the_orm(summary):
    text = report.markdown(summary)

    section = text[text.index("## What plain SQL buys") : text.index("## The SQLite backend")]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows == [
        "| poll | ÷ healthz, median (range) | server CPU ms/req |",
        "| plain SQL (the site) | 0.87 (0.87–0.87) | 0.60 |",
        "| the ORM | 0.70 (0.70–0.70) | 0.60 |",
    ]


def test_a_new_sandboxs_page_is_shown_beside_the_full_one(summary):
    text = report.markdown(summary)

    pages = "| GET /playground/signals-101/ ("
    rows = [line for line in text.splitlines() if line.startswith(pages)]
    assert [row.split(" | ")[:4] for row in rows] == [
        ["| GET /playground/signals-101/ (a full sandbox)", "16", "202", "0.07 (0.07–0.07)"],
        ["| GET /playground/signals-101/ (a new sandbox)", "16", "252", "0.08 (0.08–0.08)"],
    ]


def test_the_report_shows_the_browser_runtimes_targets(summary):
    text = report.markdown(summary)

    rows = [line for line in text.splitlines() if "browser" in line or line.startswith("| …")]
    assert rows[:3] == [
        "| Tests in the browser: bytes of a cold first run (median of 3)"
        " | 11.93 MB | ≤ 12 MB | met |",
        "| … first result, warm, pressed at once ÷ bare Pyodide (median of 3)"
        " | 1.60 | ≤ 2.0 | met |",
        "| … second run ÷ the first, press to done (median of 3) | 10 % | ≤ 15 % | met |",
    ]


def test_the_browser_runtimes_times_are_shown_with_their_ratios(summary):
    text = report.markdown(summary)

    header = "| signals-101 in the browser | seconds, median (range) | ratio, median (range) |"
    table = text.splitlines()[text.splitlines().index(header) + 2 :][:9]
    assert table == [
        "| bare Pyodide as npm ships it, loadPyodide(): empty cache | 2.50 (2.40–2.60) | – |",
        "| bare Pyodide as npm ships it: files cached | 2.00 (1.90–2.10) | – |",
        "| Pyodide as the site serves it, stdlib compiled: empty cache (÷ bare)"
        " | 1.20 (1.00–1.30) | 0.50 (0.40–0.50) |",
        "| Pyodide as the site serves it, stdlib compiled: files cached (÷ bare)"
        " | 0.70 (0.60–0.76) | 0.33 (0.30–0.40) |",
        "| press → first result, cold (÷ bare, empty cache)"
        " | 7.50 (6.00–7.80) | 3.00 (2.50–3.00) |",
        "| press → first result, warm, pressed at once (÷ bare, cached)"
        " | 3.36 (3.00–4.75) | 1.60 (1.50–2.50) |",
        "| press → first result, warm, prepared while reading (÷ bare, cached)"
        " | 1.00 (0.95–1.26) | 0.50 (0.50–0.60) |",
        "| press → done, first run | 10.00 (10.00–12.00) | – |",
        "| press → done, second run (÷ the first) | 1.20 (1.00–1.40) | 0.10 (0.10–0.14) |",
    ]


def test_the_biggest_downloads_of_the_median_cold_run_are_listed(summary):
    rows = report.bytes_rows(summary.runtime)

    # The median of 11,925,400, 11,926,400 and 11,924,400 bytes: the first trial.
    assert rows == [
        ["/static/runtime/packages-0123456789ab.zip", "5,300"],
        ["/static/runtime/pyodide-0123456789ab/pyodide.asm.wasm", "3,500"],
        ["/static/runtime/pyodide-0123456789ab/python_stdlib.zip", "2,500"],
        ["/static/runtime/project-0123456789ab.zip", "300"],
        ["/static/runtime/pyodide-0123456789ab/pyodide.asm.mjs", "260"],
        ["/lessons/signals-101/", "40"],
        ["3 other paths", "25"],
        ["total", "11,925"],
        ["a warm visit's total (the runtime from the cache)", "53"],
    ]


def test_a_runtime_over_its_budget_is_named_at_the_top(summary):
    for trial in summary.runtime:
        trial.files["/static/runtime/packages-0123456789ab.zip"] += 500_000

    text = report.markdown(summary)

    assert text.splitlines()[4] == (
        "Not met: Tests in the browser: bytes of a cold first run (median of 3) (12.43 MB)."
    )


def test_the_runtime_part_alone_prints_its_own_targets(summary):
    lines = report.runtime_text(summary.runtime).splitlines()

    targets = lines[lines.index("") + 1 :]
    targets = targets[targets.index("") + 1 :]
    assert [line.split("  ")[0] for line in targets[2:]] == [
        "Tests in the browser: bytes of a cold first run (median of 3)",
        "… first result, warm, pressed at once ÷ bare Pyodide (median of 3)",
        "… second run ÷ the first, press to done (median of 3)",
    ]
    assert [line.split()[-1] for line in targets[2:]] == ["met", "met", "met"]
