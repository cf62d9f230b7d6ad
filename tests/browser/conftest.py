import pytest


@pytest.fixture
def site(live_server):
    """Base URL of the live test server, without a trailing slash."""
    return live_server.url


def pytest_collection_modifyitems(items):
    # Everything in this folder drives a browser: mark it so `-m browser`
    # (and `-m "not browser"`) select it.
    for item in items:
        if "/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
