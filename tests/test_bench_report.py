"""The benchmark's report (bench/report.py) stays short and readable: one
line per kind of request, summary statistics only, whatever the runs held."""

import pytest

from bench import report
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
    return report.Summary(runs=runs, full_page_bytes=120_000, settings=SETTINGS)


def test_the_report_is_short_and_has_no_long_line(summary):
    text = report.markdown(summary)

    lines = text.splitlines()
    assert len(lines) < 120
    assert max(len(line) for line in lines) <= 200
    assert len(text) < 8000


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
