"""On SQLite the site uses Django's own backend, set up for several writers:
WAL, IMMEDIATE transactions and a busy timeout turn contention into waiting
(docs/benchmarks.md measured a hand-made busy-retry backend against this
and found nothing it bought)."""

import sqlite3
import threading

import pytest
from django.db import connection
from django.db.backends.sqlite3 import base

from tutorial.settings import SQLITE_DATABASE


@pytest.fixture
def wrapper(tmp_path, django_db_blocker):
    """A Django connection with the site's SQLite settings to a file of its
    own (not the test database), holding one table."""
    settings_dict = {**connection.settings_dict, **SQLITE_DATABASE}
    settings_dict["NAME"] = str(tmp_path / "lock.sqlite3")
    wrapper = base.DatabaseWrapper(settings_dict, alias="lock-test")
    with django_db_blocker.unblock():
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE item (name TEXT)")
        yield wrapper
        wrapper.close()


def test_the_site_uses_djangos_own_backend_for_several_writers():
    assert SQLITE_DATABASE["ENGINE"] == "django.db.backends.sqlite3"
    assert SQLITE_DATABASE["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert SQLITE_DATABASE["OPTIONS"]["timeout"] == 20
    assert "PRAGMA journal_mode=WAL;" in SQLITE_DATABASE["OPTIONS"]["init_command"]


def test_a_write_waits_for_another_writers_lock_instead_of_failing(wrapper, django_db_blocker):
    name = wrapper.settings_dict["NAME"]
    other = sqlite3.connect(name, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock…
    releasing = threading.Timer(0.3, other.execute, ["COMMIT"])  # …for 0.3 s
    releasing.start()
    try:
        with django_db_blocker.unblock(), wrapper.cursor() as cursor:
            cursor.execute("INSERT INTO item VALUES (%s)", ["waited"])
            cursor.execute("SELECT name FROM item")
            assert cursor.fetchall() == [("waited",)]
    finally:
        releasing.join()
        other.close()
