import pytest


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
    e-mail goes to the sandboxes' outboxes, as on the real site."""
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
