"""Fixtures shared by every test: browser set-up and the receiver-leak guard,
and the sandbox and ``run`` fixtures of the playground and lesson tests.

Django is not set up yet when pytest loads this file: fixtures import the
project's modules when they run.
"""

import os
import shutil
from pathlib import Path

import pytest

# pytest-django's live server runs in a thread while Playwright's sync API
# drives an event loop in the test thread; Django would otherwise refuse the
# ORM calls the server makes, mistaking them for calls from async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROWSER_TESTS = Path(__file__).parent / "browser"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The machine has no outside network; these stop Chromium from trying.
# The benchmark (bench/browser_runtime.py) launches it the same way.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def pytest_collection_modifyitems(items):
    """Mark the browser tests and run them last.

    Playwright's sync API keeps an asyncio event loop running in the main
    thread from the first browser test on; Django's ``Signal.send()`` with
    async receivers refuses to run under a running loop, so every other test
    must run before the browser starts.
    """
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: BROWSER_TESTS in item.path.parents)


def find_chromium() -> str | None:
    """Debian's Chromium, or the browser named by $CHROMIUM_PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).is_file() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


def missing_browser_outcome(environ) -> tuple[str, str]:
    """What to do without Chromium: skip locally, fail in CI."""
    where = environ.get("CHROMIUM_PATH") or " or ".join(CHROMIUM_CANDIDATES)
    message = f"Chromium not found at {where}; install Debian's chromium package"
    if environ.get("CI") == "true":
        return "fail", f"{message} (CI=true requires the browser tests to run)"
    return "skip", message


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium: Playwright cannot download its own here."""
    executable = find_chromium()
    if executable is None:
        outcome, message = missing_browser_outcome(os.environ)
        if outcome == "fail":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": list(CHROMIUM_ARGS),
    }


@pytest.fixture
def sandbox(db):
    """A fresh sandbox with the example records (seeded without signals)."""
    from playground.sandboxes import create_sandbox

    return create_sandbox()


@pytest.fixture
def run(sandbox, request):
    """Perform ``call`` as one logged action on ``sandbox``, as the views do,
    and return what was stored for it (a ``tests.playground.logged.Logged``).

    The scenario defaults to the test module's ``SCENARIO`` (a lesson test
    module names its lesson's), else none.
    """
    from playground.models import LogEntry
    from playground.performing import perform
    from tests.playground.logged import last_action

    def run_action(call, label: str = "test action", *, scenario: str | None = None):
        if scenario is None:
            scenario = getattr(request.module, "SCENARIO", "")
        newest = LogEntry.objects.filter(sandbox=sandbox).order_by("-pk").first()
        outcome = perform(sandbox, label, call, scenario=scenario)
        logged = last_action(sandbox)
        # Exactly one new action, and it is this one.
        assert newest is None or logged.entry.pk > newest.pk
        added = LogEntry.objects.filter(sandbox=sandbox, pk__gt=getattr(newest, "pk", 0))
        assert added.count() == 1
        assert (logged.entry.label, logged.entry.scenario) == (label, scenario)
        logged.outcome = outcome
        return logged

    return run_action


@pytest.fixture(autouse=True)
def no_leaked_receivers():
    """Fail any test that leaves a receiver connected to a watched signal."""
    from tests.receiver_guard import leaks, snapshot

    before = snapshot()
    yield
    leaked = leaks(before, snapshot())
    if leaked:
        pytest.fail("Test left receivers connected:\n  " + "\n  ".join(leaked), pytrace=False)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached log entry markup: ids come round
    again once a test's transaction rolls back."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def generous_rate_limits():
    """Tests create many sandboxes from one address, act fast and upload
    images; the rate limit and storage budget tests set their own limits
    (the ``settings`` fixture, on top of these). Once for the whole run:
    each change of a setting calls every ``setting_changed`` receiver."""
    from django.test import override_settings

    with override_settings(
        PLAYGROUND_ACTIONS_PER_MINUTE=10_000,
        PLAYGROUND_NEW_SANDBOXES_PER_HOUR=10_000,
        PLAYGROUND_IMAGE_BYTES_PER_HOUR=2**30,
    ):
        yield


@pytest.fixture(autouse=True)
def still_rate_limit_clock(monkeypatch):
    """Rate limits count in fixed windows of the wall clock: a test whose
    requests straddled a minute's end saw its count start again (a flake
    found in CI). Each test counts in the moment it started; tests that are
    about windows pass their own ``now``."""
    from playground import ratelimit

    started = ratelimit.clock()
    monkeypatch.setattr(ratelimit, "clock", lambda: started)


@pytest.fixture
def sandbox_outbox(settings):
    """E-mail goes to the sandboxes' outboxes, as on the site.

    Django's test set-up swaps every mailer for the locmem backend, whose
    ``mail.outbox`` pytest-django's ``mailoutbox`` fixture reads. Tests of
    what the playground's Outbox shows put the site's own mailers back."""
    from tutorial import settings as site_settings

    settings.MAILERS = site_settings.MAILERS


@pytest.fixture(scope="session")
def built_runtime():
    """The browser runtime's manifest, if it was built from this working tree
    (the tests that run lesson tests or exercises in it through Node)."""
    import json

    from lessons.runtime import build

    if not build.MANIFEST.is_file():
        pytest.fail("The browser runtime is not built: run `make runtime`.")
    manifest = json.loads(build.MANIFEST.read_text())
    fresh = f"runtime/project-{build.content_hash(build.project_archive())}.zip"
    assert manifest["project"] == fresh, "The browser runtime is stale: run `make runtime`."
    return manifest
