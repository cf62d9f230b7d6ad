import pytest


@pytest.fixture
def site(live_server):
    """Base URL of the live test server, without a trailing slash."""
    return live_server.url
