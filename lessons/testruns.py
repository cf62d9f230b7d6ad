"""Run one lesson's tests from the lesson page (local mode only).

``start_run`` records a new run, refusing a second one while any run is in
progress; ``execute_run`` runs pytest in a subprocess and stores each test's
result as it arrives; both are small and testable without a browser. The
view starts ``execute_run`` in a background thread, and the page polls the
stored results, so the state lives in the database, never in the thread.
"""

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from lessons.models import TestOutcome, TestRun
from lessons.progress_plugin import MARKER

TESTS_DIR = Path(settings.BASE_DIR) / "tests" / "lessons"
# The interpreter that runs pytest: the server's own, so the tests see the
# same packages. `make run` installs pytest into it (the lesson-tests extra).
PYTHON = sys.executable


class RunRefused(Exception):
    """A run that cannot start: unknown lesson, or another run in progress."""


def lesson_test_module(slug: str) -> Path:
    return TESTS_DIR / f"test_{slug.replace('-', '_')}.py"


def _stale_after() -> timedelta:
    # A run still "running" well past the limit lost its worker (a restart,
    # say); it must not block every later run.
    return timedelta(seconds=settings.LESSON_TEST_TIMEOUT + 30)


def start_run(slug: str) -> TestRun:
    """Record a new run of ``slug``'s tests, if none is in progress.

    The database decides: a unique constraint allows one running row
    (``TestRun.Meta``), so of two starts at the same instant, in any two
    processes, the second one's INSERT fails and it is refused.
    """
    if not lesson_test_module(slug).is_file():
        raise RunRefused(f"There are no tests for a lesson called {slug!r}.")
    try:
        with transaction.atomic():
            # A stale run gives up its place before the new one takes it.
            TestRun.objects.filter(
                status=TestRun.Status.RUNNING, started_at__lt=timezone.now() - _stale_after()
            ).update(
                status=TestRun.Status.ERROR, finished_at=timezone.now(), output_tail="Abandoned."
            )
            return TestRun.objects.create(lesson_slug=slug)
    except IntegrityError:
        running = TestRun.objects.filter(status=TestRun.Status.RUNNING).first()
        lesson = f"“{running.lesson_slug}”" if running else "another lesson"
        raise RunRefused(
            f"The tests of {lesson} are running; one lesson runs at a time. "
            "Try again when they finish."
        ) from None


def pytest_command(*tests: str) -> list[str]:
    """pytest on ``tests`` (paths, and options such as ``-m``), each result
    printed as a JSON line by the progress plugin."""
    return [
        PYTHON,
        "-m",
        "pytest",
        *tests,
        "-p",
        "lessons.progress_plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:playwright",
        "-q",
        # The project's addopts select the browser; lesson tests need none.
        "-o",
        "addopts=--strict-markers",
    ]


def execute_run(run: TestRun, *, timeout: float | None = None) -> TestRun:
    """Run pytest for ``run`` and store each result as it is reported."""
    timeout = settings.LESSON_TEST_TIMEOUT if timeout is None else timeout
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)  # pyproject.toml names it
    # Lesson tests build a throwaway SQLite test database of their own; on
    # PostgreSQL they would fight the running site (or suite) over its name.
    environment.pop("DATABASE_URL", None)
    tail: list[str] = []
    position = 0
    with subprocess.Popen(
        pytest_command(str(lesson_test_module(run.lesson_slug))),
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        # The timer kills pytest at the limit; reading stdout then ends.
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            for line in process.stdout:
                if line.startswith(MARKER):
                    result = json.loads(line[len(MARKER) :])
                    del result["module"]  # one run is one module
                    position += 1
                    TestOutcome.objects.create(run=run, position=position, **result)
                elif line.strip():
                    tail = [*tail[-39:], line.rstrip("\n")]
            process.wait()
        finally:
            timer.cancel()
    timed_out = process.returncode < 0
    failed = TestOutcome.objects.filter(run=run).exclude(outcome__in=["passed", "skipped"])
    if timed_out:
        run.status = TestRun.Status.TIMED_OUT
    elif position == 0:
        run.status = TestRun.Status.ERROR
    elif process.returncode == 0 and not failed.exists():
        run.status = TestRun.Status.PASSED
    else:
        run.status = TestRun.Status.FAILED
    if run.status == TestRun.Status.ERROR and not tail:
        tail = [f"pytest exited with code {process.returncode} before reporting any test."]
    run.finished_at = timezone.now()
    run.output_tail = "\n".join(tail)
    run.save(update_fields=["status", "finished_at", "output_tail"])
    return run


def execute_in_background(run: TestRun) -> threading.Thread:
    def work():
        try:
            execute_run(run)
        except Exception as error:  # the page must learn the run ended
            TestRun.objects.filter(pk=run.pk).update(
                status=TestRun.Status.ERROR, finished_at=timezone.now(), output_tail=str(error)
            )
        finally:
            # This thread's connection dies with it: close it now.
            connections.close_all()

    thread = threading.Thread(target=work, name=f"lesson-tests-{run.pk}", daemon=True)
    thread.start()
    return thread
