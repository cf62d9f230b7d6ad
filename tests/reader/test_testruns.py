"""Running a lesson's tests from its page: the runner and its views."""

import ast
import re
import subprocess
import threading
import tomllib
import venv
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from lessons import testruns
from lessons.models import TestOutcome, TestRun

pytestmark = pytest.mark.django_db


def defined_tests(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def test_start_run_refuses_a_lesson_without_tests():
    with pytest.raises(testruns.RunRefused) as refused:
        testruns.start_run("no-such-lesson")

    assert str(refused.value) == "There are no tests for a lesson called 'no-such-lesson'."
    assert TestRun.objects.count() == 0


def test_only_one_lesson_runs_at_a_time():
    first = testruns.start_run("senders")

    with pytest.raises(testruns.RunRefused) as refused:
        testruns.start_run("receivers")

    assert str(refused.value) == (
        "The tests of “senders” are running; one lesson runs at a time. Try again when they finish."
    )
    first.status = TestRun.Status.PASSED
    first.save()
    assert testruns.start_run("receivers").lesson_slug == "receivers"


def test_a_run_left_running_past_the_limit_no_longer_blocks(settings):
    settings.LESSON_TEST_TIMEOUT = 10
    abandoned = testruns.start_run("senders")
    TestRun.objects.filter(pk=abandoned.pk).update(
        started_at=timezone.now() - timedelta(seconds=41)
    )

    fresh = testruns.start_run("receivers")

    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.output_tail) == (TestRun.Status.ERROR, "Abandoned.")
    assert fresh.status == TestRun.Status.RUNNING


def test_a_real_run_stores_every_result_in_order_and_passes():
    run = testruns.start_run("senders")

    testruns.execute_run(run)

    run.refresh_from_db()
    outcomes = list(run.outcomes.values_list("position", "name", "outcome"))
    assert run.status == TestRun.Status.PASSED
    assert run.finished_at is not None
    assert [position for position, _, _ in outcomes] == list(range(1, len(outcomes) + 1))
    assert {outcome for _, _, outcome in outcomes} == {"passed"}
    expected = defined_tests(testruns.lesson_test_module("senders"))
    assert {name.split("[")[0] for _, name, _ in outcomes} == expected


def test_a_failing_test_is_reported_with_its_message(tmp_path, monkeypatch):
    (tmp_path / "test_broken_lesson.py").write_text(
        "def test_passes():\n    assert 1 + 1 == 2\n\n"
        "def test_fails():\n    assert [1, 2] == [2, 1]\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(testruns, "TESTS_DIR", tmp_path)
    run = testruns.start_run("broken-lesson")

    testruns.execute_run(run)

    run.refresh_from_db()
    assert run.status == TestRun.Status.FAILED
    assert list(run.outcomes.values_list("name", "outcome")) == [
        ("test_passes", "passed"),
        ("test_fails", "failed"),
    ]
    assert "assert [1, 2] == [2, 1]" in run.outcomes.get(name="test_fails").message


def test_a_run_is_stopped_at_the_time_limit(tmp_path, monkeypatch):
    (tmp_path / "test_slow_lesson.py").write_text(
        "import time\n\ndef test_quick():\n    pass\n\ndef test_slow():\n    time.sleep(60)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(testruns, "TESTS_DIR", tmp_path)
    run = testruns.start_run("slow-lesson")

    testruns.execute_run(run, timeout=3)

    run.refresh_from_db()
    assert run.status == TestRun.Status.TIMED_OUT
    assert list(run.outcomes.values_list("name", "outcome")) == [("test_quick", "passed")]


def python_without_pytest(directory) -> Path:
    """An interpreter with no pytest, like `make run`'s before it installed
    the lesson-tests extra."""
    venv.create(directory, with_pip=False)
    return directory / "bin" / "python"


def test_a_run_that_cannot_start_shows_why_outside_any_details(
    client, settings, monkeypatch, tmp_path
):
    settings.LOCAL_MODE = True
    python = python_without_pytest(tmp_path / "venv")
    monkeypatch.setattr(testruns, "PYTHON", str(python))
    run = testruns.start_run("senders")

    testruns.execute_run(run)

    run.refresh_from_db()
    assert (run.status, run.output_tail) == (
        TestRun.Status.ERROR,
        f"{python}: No module named pytest",
    )
    html = client.get(f"/lessons/senders/tests/{run.pk}/").content.decode()
    shown = re.sub(r"<details.*?</details>", "", html, flags=re.DOTALL)
    assert (
        '<div class="test-run__problem" role="alert">\n'
        "    <p>The tests could not run. pytest’s last lines:</p>\n"
        f"    <pre>{python}: No module named pytest</pre>"
    ) in shown


def test_a_silent_exit_before_any_test_still_says_what_happened(monkeypatch, tmp_path):
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setattr(testruns, "PYTHON", str(script))
    run = testruns.start_run("senders")

    testruns.execute_run(run)

    run.refresh_from_db()
    assert (run.status, run.output_tail) == (
        TestRun.Status.ERROR,
        "pytest exited with code 3 before reporting any test.",
    )


def test_make_run_installs_what_the_button_runs(tmp_path):
    """The README's `make run` installs pytest and pytest-django with the site."""
    plan = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", f"VENV={tmp_path}"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # The one pip install of the plan: --editable . or --editable '.[extra,...]'
    [extras] = re.findall(r"-m pip install .* --editable '?\.(?:\[([a-z,-]+)\])?'?\n", plan)
    project = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in filter(None, extras.split(",")):
        requirements += project["optional-dependencies"][extra]
    installed = {requirement.split("==")[0] for requirement in requirements}

    assert testruns.pytest_command("tests/lessons/test_senders.py")[1:4] == [
        "-m",
        "pytest",
        "tests/lessons/test_senders.py",
    ]
    assert {"pytest", "pytest-django"} <= installed


class TestViews:
    @pytest.fixture(autouse=True)
    def no_background_runs(self, monkeypatch):
        started = []
        monkeypatch.setattr(testruns, "execute_in_background", started.append)
        return started

    def test_run_button_starts_a_run_and_shows_it(self, client, settings, no_background_runs):
        settings.LOCAL_MODE = True

        response = client.post("/lessons/senders/tests/", HTTP_HX_REQUEST="true")

        run = TestRun.objects.get()
        assert response.status_code == 200
        assert no_background_runs == [run]
        html = response.content.decode()
        assert f'hx-get="/lessons/senders/tests/{run.pk}/" hx-trigger="every 1s"' in html
        assert "Running…" in html

    def test_status_shows_results_and_stops_polling_when_finished(self, client, settings):
        settings.LOCAL_MODE = True
        run = TestRun.objects.create(lesson_slug="senders", status=TestRun.Status.FAILED)
        TestOutcome.objects.create(run=run, position=1, name="test_a", outcome="passed")
        TestOutcome.objects.create(
            run=run, position=2, name="test_b", outcome="failed", message="assert 1 == 2"
        )

        html = client.get(f"/lessons/senders/tests/{run.pk}/").content.decode()

        assert "hx-trigger" not in html
        assert '<p class="test-run__status test-run__status--failed">\n    Failed' in html
        assert '<code class="test-run__name">test_a</code>' in html
        assert '<pre class="test-run__message scroll-box" tabindex="0">assert 1 == 2</pre>' in html
        # Finished: the final count, not "so far".
        assert '<span class="test-run__counts">2 tests: 1 failed, 1 passed</span>' in html

    def test_a_running_run_counts_its_results_so_far(self, client, settings):
        settings.LOCAL_MODE = True
        run = TestRun.objects.create(lesson_slug="senders")
        TestOutcome.objects.create(run=run, position=1, name="test_a", outcome="skipped")

        html = client.get(f"/lessons/senders/tests/{run.pk}/").content.decode()

        assert '<span class="test-run__counts">1 test so far</span>' in html

    def test_without_htmx_the_button_leads_to_the_runs_own_page(
        self, client, settings, no_background_runs
    ):
        settings.LOCAL_MODE = True

        response = client.post("/lessons/senders/tests/")

        run = TestRun.objects.get()
        assert no_background_runs == [run]
        assert (response.status_code, response["Location"]) == (
            302,
            f"/lessons/senders/tests/{run.pk}/",
        )

    def test_a_runs_own_page_offers_a_reload_until_it_has_finished(self, client, settings):
        settings.LOCAL_MODE = True
        run = TestRun.objects.create(lesson_slug="senders")
        TestOutcome.objects.create(run=run, position=1, name="test_a", outcome="passed")
        url = f"/lessons/senders/tests/{run.pk}/"

        html = client.get(url).content.decode()

        assert "<title>Tests for Senders · Django signals</title>" in html
        assert '<span class="test-run__counts">1 test so far</span>' in html
        assert f'<a href="{url}">Reload</a> to see the results that came in since.' in html

        run.status = TestRun.Status.PASSED
        run.save()
        html = client.get(url).content.decode()

        assert '<span class="test-run__counts">1 test: 1 passed</span>' in html
        assert "so far" not in html
        assert "Reload" not in html
        # The lesson page's poll still gets only the results.
        partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert partial.lstrip().startswith('<div class="test-run" data-status="passed">')

    def test_a_second_run_while_one_is_going_is_refused(self, client, settings):
        settings.LOCAL_MODE = True
        TestRun.objects.create(lesson_slug="receivers")

        response = client.post("/lessons/senders/tests/")
        partial = client.post("/lessons/senders/tests/", HTTP_HX_REQUEST="true")

        assert response.status_code == 409
        assert "The tests of “receivers” are running" in response.content.decode()
        assert "<title>Tests for Senders · Django signals</title>" in response.content.decode()
        assert partial.status_code == 409
        assert partial.content.decode().strip().startswith('<p class="pg-alert pg-alert--error"')

    def test_outside_local_mode_there_is_no_button_and_no_endpoint(self, client, settings):
        settings.LOCAL_MODE = False

        page = client.get("/lessons/senders/").content.decode()

        text = re.sub(r"<[^>]+>", "", page)
        assert "make test-lesson LESSON=senders" in text  # from the lesson's own text
        assert "Run on this machine" not in page
        assert client.post("/lessons/senders/tests/").status_code == 404
        assert TestRun.objects.count() == 0

    def test_unknown_lesson_or_another_lessons_run_is_a_404(self, client, settings):
        settings.LOCAL_MODE = True
        run = TestRun.objects.create(lesson_slug="receivers")

        assert client.post("/lessons/nope/tests/").status_code == 404
        assert client.get(f"/lessons/senders/tests/{run.pk}/").status_code == 404
        assert client.get("/lessons/senders/tests/").status_code == 405


def in_thread(work):
    """Run ``work`` in a new thread, as a worker process would: on its own
    connection, closed at the end. Returns what ``work`` returned."""
    results = []

    def target():
        try:
            results.append(work())
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return results[0]


@pytest.fixture
def connect_like_the_site(transactional_db, tmp_path):
    """Called first in each thread: connect it to a database that behaves
    like the site's.

    On PostgreSQL that is the test database itself. pytest-django's SQLite
    test database lives in memory with a shared cache, where SQLite locks
    table by table and fails at once ("database table is locked") instead
    of waiting for the write lock as the site's database file does; so on
    SQLite each thread connects to a file, migrated here.
    """
    test_database = connections["default"]
    if test_database.vendor != "sqlite":
        yield lambda: None
        return
    on_a_file = {**test_database.settings_dict, "NAME": str(tmp_path / "db.sqlite3")}

    def connect():
        connections["default"] = type(test_database)(on_a_file, "default")

    def migrate():
        connect()
        executor = MigrationExecutor(connections["default"])
        executor.migrate(executor.loader.graph.leaf_nodes("lessons"))

    in_thread(migrate)
    yield connect


def test_concurrent_starts_run_one_lesson_and_refuse_the_others(connect_like_the_site):
    """Three presses at the same instant, as from three worker processes."""
    barrier = threading.Barrier(3)
    answers = []

    def press(slug):
        connect_like_the_site()
        barrier.wait(timeout=10)
        try:
            answers.append(testruns.start_run(slug))
        except testruns.RunRefused as refusal:
            answers.append(str(refusal))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=press, args=(slug,))
        for slug in ("senders", "receivers", "post-save")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [started] = [answer for answer in answers if isinstance(answer, TestRun)]
    assert sorted(answer for answer in answers if isinstance(answer, str)) == 2 * [
        f"The tests of “{started.lesson_slug}” are running; one lesson runs at a time. "
        "Try again when they finish."
    ]

    def stored_runs():
        connect_like_the_site()
        return list(TestRun.objects.values_list("pk", "lesson_slug", "status"))

    assert in_thread(stored_runs) == [(started.pk, started.lesson_slug, TestRun.Status.RUNNING)]
