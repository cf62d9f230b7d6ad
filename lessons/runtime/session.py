"""The lesson tests' side of the browser runtime; this module runs in Pyodide.

The worker (``lessons/static/lessons/test-worker.mjs``, and the Node runner
that CI uses) unpacks the archives, then calls ``prepare()`` once, while the
learner reads, and ``run()`` each time they press "Run these tests".
``report`` is a JavaScript function; it receives each result as JSON, the
same dictionaries the server-side runner stores (``progress_plugin.result_of``).
"""

import contextlib
import gc
import io
import json
import os
import sys

BROWSER_SETTINGS = "lessons.runtime.settings"
PYTEST_INI = "browser-pytest.ini"
NOT_IN_BROWSER = "not_in_browser"
# Read by the exercises' learner fixture (lessons/exercises/conftest.py).
EXERCISE_CODE = "EXERCISE_CODE"


def prepare(test_module: str = "") -> None:
    """Import Django and pytest and set Django up, and collect ``test_module``
    once, quietly: the slow part of a first run, done while the learner reads."""
    os.environ["DJANGO_SETTINGS_MODULE"] = BROWSER_SETTINGS
    # Pyodide runs Python inside a running event loop; Django's ORM refuses
    # synchronous queries there unless told that this is safe (it is: one thread).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    # Imported now, so that the press itself is quick.
    import _pytest.python  # noqa: F401
    import pytest
    import pytest_django.plugin  # noqa: F401

    _keep_the_test_database()
    if test_module:
        # Imports the plugins, the conftest files and the test module, which
        # stay imported for the real run (see run()).
        with contextlib.redirect_stdout(io.StringIO()):
            pytest.main([test_module, "-c", PYTEST_INI, "--collect-only", "-q"])
    _keep_out_of_collections()


def _keep_the_test_database() -> None:
    """Make the test database once per page, not once per run.

    pytest-django builds the test database at the start of every pytest
    session (migrate, then the post_migrate receivers fill in content types
    and permissions) and drops it at the end: a third of a second run in
    WebAssembly. The database is in memory and the page's Python outlives
    its runs, so the first run builds it and later runs find it ready. Each
    run leaves it as it found it (a test's transaction is rolled back, a
    transactional test's flush puts the content types back), and a stopped
    run throws the whole Python away, database included. The Node runner
    runs every lesson's module in one interpreter this way, and CI checks
    their outcomes equal CPython's (tests/runtime/).
    """
    from django.test import utils

    built = None
    setup_databases = utils.setup_databases

    def setup_once(*args, **kwargs):
        nonlocal built
        if built is None:
            built = setup_databases(*args, **kwargs)
        return built

    utils.setup_databases = setup_once
    utils.teardown_databases = lambda *args, **kwargs: None


def _keep_out_of_collections() -> None:
    """Move every object alive now (Django, pytest, the imported tests) out
    of the garbage collector's view. pytest collects garbage at the end of
    each run, to report exceptions raised in ``__del__``; in WebAssembly,
    walking the whole heap took a fifth of a second run. What a run
    creates is still collected."""
    gc.freeze()


class Reporter:
    """A pytest plugin object: each result, and each test left to the server."""

    def __init__(self, report):
        self.report = report

    def send(self, result: dict) -> None:
        self.report(json.dumps(result))

    def pytest_collection_modifyitems(self, config, items):
        # Tests the browser cannot run are listed with their reason, never
        # silently dropped.
        kept, left = [], []
        for item in items:
            (left if item.get_closest_marker(NOT_IN_BROWSER) else kept).append(item)
        for item in left:
            reason = item.get_closest_marker(NOT_IN_BROWSER).args[0]
            module, _, name = item.nodeid.partition("::")
            self.send(
                {
                    "module": module,
                    "name": name,
                    "outcome": "not-in-browser",
                    "message": reason,
                    "seconds": 0,
                }
            )
        if left:
            config.hook.pytest_deselected(items=left)
            items[:] = kept

    def pytest_runtest_logreport(self, report):
        from lessons.progress_plugin import result_of

        if (result := result_of(report)) is not None:
            self.send(result)


def run(test_module: str, report, exercise_code: str | None = None) -> int:
    """Run one lesson's test module (or all of ``tests/lessons``), or an
    exercise's checks against ``exercise_code`` (a path to the learner's
    code, or ``solution``/``starter``); pytest's exit code.

    A second run in the same interpreter finds the test modules imported
    already and keeps them: the code cannot change while the page is open,
    and importing a module twice would connect its receivers twice. (The
    learner's code is imported afresh by each check: see
    ``lessons/exercises/conftest.py``.)
    """
    import pytest

    arguments = [test_module, "-c", PYTEST_INI, "-q", "-p", "no:cacheprovider"]
    if exercise_code is not None:
        os.environ[EXERCISE_CODE] = exercise_code
        # Every exercise's checks are a "checks.py": import each by its path.
        arguments.append("--import-mode=importlib")
    exit_code = pytest.main(arguments, plugins=[Reporter(report)])
    _keep_out_of_collections()
    return int(exit_code)


def stdlib_compiled_from_source() -> list[str]:
    """Standard modules imported so far that Python compiled from their
    source: the runtime ships bytecode for every one a lesson run imports
    (``bytecode.py``), so after the lesson tests this should be empty."""
    # json is a package of the standard library: its parent is the library.
    stdlib = os.path.dirname(json.__path__[0]) + "/"
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if (origin := getattr(getattr(module, "__spec__", None), "origin", None))
        and origin.startswith(stdlib)
        and origin.endswith(".py")
    )
