"""Every exercise's checks pass with its reference solution and fail with its
starter: under CPython, and in the browser runtime (through Node, as in the
learner's browser).

Each side runs all the exercises in one pytest session per kind of code, so
the cost stays that of four runs whatever the number of exercises.
"""

import json
import os
import shutil
import subprocess
from collections import defaultdict

import pytest
from django.conf import settings

from lessons import testruns
from lessons.progress_plugin import MARKER

EXERCISES = sorted(
    path.relative_to(settings.BASE_DIR).as_posix()
    for path in settings.LESSONS_EXERCISES_DIR.glob("*/*/checks.py")
)


def outcomes_by_exercise(results: list[dict]) -> dict[str, list[str]]:
    by_exercise = defaultdict(list)
    for result in results:
        by_exercise[result["module"]].append(result["outcome"])
    return dict(by_exercise)


def cpython_results(code: str, *checks: str) -> list[dict]:
    """Each check's result (``progress_plugin.result_of``) when the checks in
    ``checks`` (paths, options) run against ``code`` under CPython."""
    finished = subprocess.run(
        testruns.pytest_command(*checks, "--import-mode=importlib"),
        cwd=settings.BASE_DIR,
        env={
            **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
            "EXERCISE_CODE": code,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode in (0, 1), finished.stdout[-4000:] + finished.stderr[-2000:]
    lines = [line for line in finished.stdout.splitlines() if line.startswith(MARKER)]
    return [json.loads(line.removeprefix(MARKER)) for line in lines]


def in_cpython(code: str) -> dict[str, list[str]]:
    return outcomes_by_exercise(cpython_results(code, *EXERCISES))


def node_results(code: str, *checks: str) -> list[dict]:
    """The same, in the browser runtime, through Node (needs ``built_runtime``)."""
    if shutil.which("node") is None:
        pytest.fail("Node.js is required for the browser runtime's tests (apt-get install nodejs)")
    finished = subprocess.run(
        ["node", "lessons/runtime/node_run.mjs", *checks],
        cwd=settings.BASE_DIR,
        env={**os.environ, "EXERCISE_CODE": code},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    *results, _compiled = [json.loads(line) for line in finished.stdout.splitlines()]
    return results


def in_node(code: str) -> dict[str, list[str]]:
    return outcomes_by_exercise(node_results(code, *EXERCISES))


def check_counts() -> dict[str, int]:
    """How many checks each exercise defines (its test_… functions)."""
    counts = {}
    for checks in EXERCISES:
        text = (settings.BASE_DIR / checks).read_text()
        counts[checks] = sum(line.startswith("def test_") for line in text.splitlines())
    return counts


def assert_solutions_pass(outcomes: dict[str, list[str]]) -> None:
    assert {checks: len(found) for checks, found in outcomes.items()} == check_counts()
    failing = {checks: found for checks, found in outcomes.items() if set(found) != {"passed"}}
    assert failing == {}


def assert_starters_fail(outcomes: dict[str, list[str]]) -> None:
    assert {checks: len(found) for checks, found in outcomes.items()} == check_counts()
    passing = sorted(checks for checks, found in outcomes.items() if "failed" not in found)
    assert passing == []


def test_every_lesson_has_an_exercise_and_there_are_twenty_or_more():
    from lessons.catalog import get_catalog

    lessons = {checks.split("/")[2] for checks in EXERCISES}

    assert lessons == {lesson.slug for lesson in get_catalog()}
    assert len(EXERCISES) >= 20


def test_every_solution_passes_its_checks_under_cpython():
    assert_solutions_pass(in_cpython("solution"))


def test_every_starter_fails_a_check_under_cpython():
    assert_starters_fail(in_cpython("starter"))


@pytest.mark.front_end
def test_every_solution_passes_its_checks_in_the_browser_runtime(built_runtime):
    assert_solutions_pass(in_node("solution"))


@pytest.mark.front_end
def test_every_starter_fails_a_check_in_the_browser_runtime(built_runtime):
    assert_starters_fail(in_node("starter"))
