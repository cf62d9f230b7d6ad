import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import close_caches
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, reset_queries
from django.dispatch.dispatcher import _make_id

# Django's own request receivers, in the order importing django.db and
# django.core.cache connects them, ahead of everything the site connects.
DJANGO_REQUEST_RECEIVERS = (
    (request_started, (reset_queries, close_old_connections)),
    (request_finished, (close_old_connections, close_caches)),
)


def django_request_receivers_first() -> None:
    """Put Django's own request receivers back in front, where a server
    process has them.

    Django's test client disconnects close_old_connections for the length of
    a request and connects it again, and CaptureQueriesContext does the same
    with reset_queries: each time, the receiver moves behind every other one
    (the playground's recorder included) for the rest of the test session.
    The request-signals lesson shows the order a real server has.
    """
    for signal, receivers in DJANGO_REQUEST_RECEIVERS:
        keys = [(_make_id(receiver), _make_id(None)) for receiver in receivers]
        with signal.lock:
            front = [entry for key in keys for entry in signal.receivers if entry[0] == key]
            signal.receivers = front + [e for e in signal.receivers if e not in front]
            signal.sender_receivers_cache.clear()


AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's source (pinned by package-lock.json), for tests that run it on a page."""
    if not AXE.is_file():
        message = f"axe-core is not installed at {AXE}; run `make node_modules/.installed`"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    """Where browser tests save the screenshots a person reviews after a run:
    ``screenshots/`` in pytest's temporary folder for this run
    (``/tmp/pytest-of-<user>/pytest-current/`` by default; pytest keeps the
    last three runs)."""
    return tmp_path_factory.mktemp("screenshots", numbered=False)


@pytest.fixture
def site(live_server, sandbox_outbox):
    """Base URL of the live test server, without a trailing slash. Its
    e-mail goes to the sandboxes' outboxes, as on the real site, and Django's
    request receivers run first, as on the real site."""
    django_request_receivers_first()
    return live_server.url


@pytest.fixture
def page(page):
    """pytest-playwright's page, left quiet after the test.

    Playground pages poll the server every second. Before the test database
    is flushed, every open page of the context goes to about:blank and any
    request still in flight gets a moment to finish, so a late poll cannot
    collide with the flush (on PostgreSQL, TRUNCATE waits for, and can
    deadlock with, a request's open statement).
    """
    yield page
    for open_page in page.context.pages:
        open_page.goto("about:blank")
    page.wait_for_timeout(300)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The site as ``make serve`` runs it (gunicorn, production mode, local
    mode off), one per test module: the browser runtime's tests and the
    exercises' run against it."""
    from bench.serving import Server, prepare_site, production_env

    folder = tmp_path_factory.mktemp("served")
    env = production_env(folder)
    prepare_site(env)
    server = Server("served", env, folder / "gunicorn.log")
    server.start()
    try:
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()
