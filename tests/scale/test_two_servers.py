"""Two production servers, one PostgreSQL: a visitor's sandbox follows them.

All playground state (the session, the sandbox, its records and log) lives
in the database, so two gunicorn servers in front of one PostgreSQL database
must serve one visitor interchangeably, and a change made through one server
must reach a page polling the other within the one-second poll.
"""

import html
import os
import secrets
import time
import urllib.parse

import psycopg
import pytest
from psycopg import sql

from bench.serving import prepare_site, production_env
from tests.scale.conftest import (
    LIVE,
    Visitor,
    created_label,
    product_pk,
)

POLL_INTERVAL = 0.1  # seconds between polls of the live view
POLL_LIMIT = 5.0  # give up polling after this long
LIVE_WITHIN = 1.5  # a change must show on the other server within this long


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if urllib.parse.urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        pytest.skip("needs DATABASE_URL=postgres://… (the suite runs on SQLite)")
    return url


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


@pytest.fixture
def scale_database():
    """A fresh database of this test's own on the suite's PostgreSQL server,
    dropped at the end even when the test fails."""
    url = postgres_url()
    name = f"scale_{secrets.token_hex(6)}"
    admin_url = with_database(url, "postgres")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
            # FORCE: a server that was killed may leave a connection behind.
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def wait_for_live_update(visitor: Visitor, server_url: str, version: int, label: str):
    """Poll the live view every 100 ms until it reports ``label``.

    Return the seconds it took, or None if it never did within POLL_LIMIT.
    """
    started = time.monotonic()
    seen = []
    while time.monotonic() - started < POLL_LIMIT:
        status, text = visitor.request(f"{server_url}{LIVE}?v={version}")
        seen.append(status)
        if status == 200 and label in html.unescape(text):
            return time.monotonic() - started
        time.sleep(POLL_INTERVAL)
    pytest.fail(
        f"{server_url}{LIVE}?v={version} never reported {label!r} within {POLL_LIMIT} s "
        f"(statuses: {seen})",
        pytrace=False,
    )


def create_on_one_seen_on_other(visitor: Visitor, writer, reader, name: str) -> float:
    """Create a product through ``writer``; return how soon ``reader``'s poll saw it."""
    _, version_before = visitor.open_page(reader.url)

    status, text = visitor.create_product(writer.url, name, price="12.50", stock=7)
    assert status == 200, f"create on {writer.name} answered {status}:\n{writer.log_tail()}"
    assert product_pk(text, name) is not None, f"{writer.name}'s panel does not list {name!r}"

    elapsed = wait_for_live_update(visitor, reader.url, version_before, created_label(name))

    page, version_after = visitor.open_page(reader.url)
    assert product_pk(page, name) is not None, f"{reader.name}'s page does not list {name!r}"
    assert version_after > version_before
    # Nothing new since the reader's latest version: the poll is quiet again.
    status, _ = visitor.request(f"{reader.url}{LIVE}?v={version_after}")
    assert status == 204
    return elapsed


def test_two_servers_share_one_visitor_through_postgresql(tmp_path, scale_database, start_server):
    env = production_env(tmp_path, DATABASE_URL=scale_database)
    prepare_site(env)
    server_a = start_server("A", env)
    server_b = start_server("B", env)
    server_a.wait_until_healthy()
    server_b.wait_until_healthy()

    visitor = Visitor()
    visitor.open_page(server_a.url)  # the session and the sandbox are made on A

    a_to_b = create_on_one_seen_on_other(visitor, server_a, server_b, "Made on A")
    b_to_a = create_on_one_seen_on_other(visitor, server_b, server_a, "Made on B")

    print(f"\nA -> B live update after {a_to_b:.3f} s, B -> A after {b_to_a:.3f} s")
    assert a_to_b < LIVE_WITHIN
    assert b_to_a < LIVE_WITHIN
    # One visitor, one sandbox: both servers show both products.
    for server in (server_a, server_b):
        page, _ = visitor.open_page(server.url)
        assert product_pk(page, "Made on A") is not None
        assert product_pk(page, "Made on B") is not None
    for server in (server_a, server_b):
        assert server.error_lines() == [], f"server {server.name} logged errors"
