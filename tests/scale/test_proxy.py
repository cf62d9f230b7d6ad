"""A real reverse proxy in front of gunicorn: per-address limits follow the client.

Every request reaches gunicorn from the proxy's address. With
``TUTORIAL_TRUSTED_PROXIES=1`` the new-sandbox limit counts the address the
proxy adds to X-Forwarded-For, so two visitors behind it get a bucket each;
with the default (0), a header the client forges is ignored and the limit
counts the connection's own address.

The visitors connect from different loopback addresses (all of 127/8 is this
machine), without cookies, so every request asks for a new sandbox.
"""

import http.client
import shutil
from pathlib import Path

import pytest

from bench.serving import prepare_site, production_env
from tests.scale.conftest import (
    HTTP_TIMEOUT,
    PAGE,
)


@pytest.fixture(scope="module")
def prepared_site(tmp_path_factory):
    """A migrated SQLite database and collected static files, made once."""
    folder = tmp_path_factory.mktemp("proxied-site")
    env = production_env(
        folder,
        SQLITE_PATH=str(folder / "db.sqlite3"),
        PLAYGROUND_NEW_SANDBOXES_PER_HOUR="1",
    )
    prepare_site(env)
    return env


@pytest.fixture
def site(prepared_site, tmp_path):
    """The prepared site with a copy of its database of this test's own, so
    no test sees another's rate limit counts."""
    database = tmp_path / "db.sqlite3"
    shutil.copyfile(prepared_site["SQLITE_PATH"], database)
    wal = Path(prepared_site["SQLITE_PATH"] + "-wal")
    if wal.exists():  # normally folded into the file when migrate closed it
        shutil.copyfile(wal, f"{database}-wal")
    return {**prepared_site, "SQLITE_PATH": str(database)}


def status_from(source: str, server, headers: dict[str, str] | None = None) -> int:
    """GET the scenario page from the loopback address ``source``."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=HTTP_TIMEOUT, source_address=(source, 0)
    )
    try:
        connection.request("GET", PAGE, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def serve_behind_a_proxy(env, start_server, start_proxy):
    app = start_server("app", env)
    app.wait_until_healthy()
    proxy = start_proxy("proxy", app)
    proxy.wait_until_healthy()
    return app, proxy


def test_with_a_trusted_proxy_two_clients_get_separate_buckets(site, start_server, start_proxy):
    env = {**site, "TUTORIAL_TRUSTED_PROXIES": "1"}
    app, proxy = serve_behind_a_proxy(env, start_server, start_proxy)

    statuses = [
        status_from("127.0.0.2", proxy),
        status_from("127.0.0.2", proxy),
        status_from("127.0.0.3", proxy),
        # What a client forges stays left of what the proxy adds.
        status_from("127.0.0.3", proxy, {"X-Forwarded-For": "198.51.100.9"}),
    ]

    assert statuses == [200, 429, 200, 429]
    assert not [line for line in app.error_lines() if "Traceback" in line], app.log_tail()


def test_without_trusted_proxies_a_forged_header_is_ignored(site, start_server, start_proxy):
    app, proxy = serve_behind_a_proxy(site, start_server, start_proxy)

    # Through the proxy every request counts against its address, 127.0.0.1...
    through_the_proxy = [
        status_from("127.0.0.4", proxy, {"X-Forwarded-For": "203.0.113.1"}),
        status_from("127.0.0.5", proxy, {"X-Forwarded-For": "203.0.113.2"}),
    ]
    # ...and straight to gunicorn, against the client's own.
    direct = [
        status_from("127.0.0.6", app, {"X-Forwarded-For": "203.0.113.3"}),
        status_from("127.0.0.6", app, {"X-Forwarded-For": "203.0.113.4"}),
    ]

    assert (through_the_proxy, direct) == ([200, 429], [200, 429])
