"""The lesson tests give the same outcomes in the browser runtime as under CPython.

The browser runtime is run through Node (lessons/runtime/node_run.mjs): the
same Pyodide files, archives and worker steps a learner's browser gets, with
no browser. CPython runs the same modules in a pytest subprocess. Both sides
use SQLite of their own, so the PostgreSQL run leaves this module out.
"""

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from lessons import testruns
from lessons.progress_plugin import MARKER

pytestmark = pytest.mark.front_end

BASE_DIR = Path(settings.BASE_DIR)
LESSON_MODULES = sorted(
    path.relative_to(BASE_DIR).as_posix()
    for path in (BASE_DIR / "tests" / "lessons").glob("test_*.py")
)


# Run again at the end, in the same interpreter: a second press on a page.
AGAIN = "tests/lessons/test_signals_101.py"


@pytest.fixture(scope="module")
def in_node_with_a_second_run(built_runtime):
    if shutil.which("node") is None:
        pytest.fail("Node.js is required for the browser runtime's tests (apt-get install nodejs)")
    finished = subprocess.run(
        ["node", "lessons/runtime/node_run.mjs", *LESSON_MODULES, AGAIN],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    *results, last = [json.loads(line) for line in finished.stdout.splitlines()]
    again = sum(result["module"] == AGAIN for result in results) // 2
    return results[:-again], results[-again:], last["stdlibCompiledFromSource"]


@pytest.fixture(scope="module")
def in_node(in_node_with_a_second_run):
    return in_node_with_a_second_run[0]


@pytest.fixture(scope="module")
def in_cpython():
    finished = subprocess.run(
        # As "Run on this machine" runs them, less those the browser leaves out.
        testruns.pytest_command(*LESSON_MODULES, "-m", "not not_in_browser"),
        cwd=BASE_DIR,
        # Its own throwaway SQLite test database, as the browser has.
        env={name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stdout[-4000:]
    lines = [line for line in finished.stdout.splitlines() if line.startswith(MARKER)]
    return [json.loads(line.removeprefix(MARKER)) for line in lines]


def outcomes(results):
    return {(result["module"], result["name"]): result["outcome"] for result in results}


def test_every_browser_runnable_lesson_test_has_the_same_outcome_as_under_cpython(
    in_node, in_cpython
):
    in_browser = [result for result in in_node if result["outcome"] != "not-in-browser"]

    assert outcomes(in_browser) == outcomes(in_cpython)
    # Each test reported once, in both.
    assert len(in_browser) == len(outcomes(in_browser))
    assert Counter(outcomes(in_cpython).values())["passed"] >= 300


def test_the_lesson_tests_compile_no_standard_module_from_source(in_node_with_a_second_run):
    # Each would cost every learner's browser its compile time again
    # (lessons/runtime/bytecode.py: add it to the probe).
    assert in_node_with_a_second_run[2] == []


def test_a_second_run_in_the_same_interpreter_gives_the_same_outcomes(in_node_with_a_second_run):
    first_runs, second_run, _compiled = in_node_with_a_second_run

    assert len(second_run) == 64
    assert outcomes(second_run) == outcomes(
        [result for result in first_runs if result["module"] == AGAIN]
    )


def test_the_tests_left_to_the_server_are_listed_with_their_reason(in_node):
    left = [result for result in in_node if result["outcome"] == "not-in-browser"]

    assert left, "no test is marked not_in_browser"
    assert all(result["message"].strip() for result in left)
    assert (
        "tests/lessons/test_delete_signals.py",
        "test_in_autocommit_the_file_goes_when_delete_commits",
    ) in outcomes(left)


def test_at_least_80_percent_of_the_lesson_tests_run_in_the_browser(in_node):
    counts = Counter(result["outcome"] == "not-in-browser" for result in in_node)

    assert counts[False] / (counts[False] + counts[True]) >= 0.8


def per_lesson(results):
    """{lesson slug: (runs in the browser, tests in all)}."""
    table = {}
    for result in results:
        slug = Path(result["module"]).stem.removeprefix("test_").replace("_", "-")
        runs, total = table.get(slug, (0, 0))
        table[slug] = (runs + (result["outcome"] != "not-in-browser"), total + 1)
    return table


def test_the_readme_prints_each_lessons_count(in_node):
    readme = (BASE_DIR / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (\d+) of (\d+) \|$", readme, re.M)

    assert {slug: (int(runs), int(total)) for slug, runs, total in rows} == per_lesson(in_node)
