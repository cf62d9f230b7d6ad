"""The SQLite backend (tutorial/sqlite/base.py) waits for the write lock in
short steps of its own instead of SQLite's 1-100 ms naps."""

import sqlite3

import pytest
from django.db import OperationalError, connection, connections

from tutorial.sqlite import base


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A Django connection through the project's backend to a file of its
    own, and a second, plain sqlite3 connection to the same file."""
    path = tmp_path / "lock.sqlite3"
    settings_dict = {
        **connection.settings_dict,
        "ENGINE": "tutorial.sqlite",
        "NAME": str(path),
        "OPTIONS": {"timeout": 5, "init_command": "PRAGMA journal_mode=WAL;"},
    }
    wrapper = base.DatabaseWrapper(settings_dict, alias="lock-test")
    # Not the test database: a file of its own, outside pytest-django's care.
    with django_db_blocker.unblock():
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE item (name TEXT)")
        other = sqlite3.connect(path, isolation_level=None)
        yield wrapper, other
        other.close()
        wrapper.close()


def names(wrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT name FROM item ORDER BY rowid")
        return [row[0] for row in cursor.fetchall()]


def test_sqlites_own_busy_handler_is_off_once_connected(database):
    wrapper, _ = database
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 0


def test_a_write_that_finds_the_lock_taken_retries_in_doubling_steps(database, monkeypatch):
    wrapper, other = database
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        if len(pauses) == 3:
            other.execute("COMMIT")  # …and lets it go during the third pause

    monkeypatch.setattr(base.time, "sleep", pause)
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO item VALUES (%s)", ["waited"])

    assert pauses == [0.00005, 0.0001, 0.0002]
    assert names(wrapper) == ["waited"]


def test_the_steps_stop_growing_at_one_millisecond(database, monkeypatch):
    wrapper, other = database
    other.execute("BEGIN IMMEDIATE")
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        if len(pauses) == 8:
            other.execute("COMMIT")

    monkeypatch.setattr(base.time, "sleep", pause)
    with wrapper.cursor() as cursor:
        cursor.executemany("INSERT INTO item VALUES (%s)", ([name] for name in ("a", "b")))

    assert pauses == [0.00005, 0.0001, 0.0002, 0.0004, 0.0008, 0.001, 0.001, 0.001]
    assert names(wrapper) == ["a", "b"]


def test_a_write_gives_up_after_the_timeout(database, monkeypatch):
    wrapper, other = database
    other.execute("BEGIN IMMEDIATE")
    clock = iter([100.0, 103.0, 106.0])  # the timeout is 5 s
    monkeypatch.setattr(base.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(base.time, "sleep", lambda seconds: None)

    with wrapper.cursor() as cursor, pytest.raises(OperationalError, match="locked"):
        cursor.execute("INSERT INTO item VALUES (%s)", ["never"])

    other.execute("ROLLBACK")
    assert names(wrapper) == []


def test_inside_a_transaction_a_locked_statement_is_not_retried(database, monkeypatch):
    wrapper, other = database
    monkeypatch.setattr(base.time, "sleep", lambda seconds: pytest.fail("must not retry"))
    with wrapper.cursor() as cursor:
        cursor.execute("BEGIN")  # deferred: takes no lock yet
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError, match="locked"):
            cursor.execute("INSERT INTO item VALUES (%s)", ["inside"])
        cursor.execute("ROLLBACK")
    other.execute("ROLLBACK")


def test_the_site_uses_this_backend_on_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("the suite runs on PostgreSQL")
    assert connection.settings_dict["ENGINE"] == "tutorial.sqlite"
    assert isinstance(connections["default"], base.DatabaseWrapper)
