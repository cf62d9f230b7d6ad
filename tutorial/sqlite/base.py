"""Django's SQLite backend, waiting for the write lock in short steps.

SQLite lets one connection write at a time. A connection that finds the
lock taken calls its busy handler, and SQLite's own one sleeps 1 ms, then
2, 5, 10… up to 100 ms between tries, however soon the lock came free. With
several gunicorn workers each writing a few rows per request, a writer that
misses the lock a few times in a row sleeps tens of milliseconds while the
lock sits free, and throughput swings from run to run.

So this backend turns SQLite's busy handler off once the connection is open
(its PRAGMAs still run under it) and retries a statement that found the
database locked itself: after 50 µs, doubling up to 1 ms, until the
``timeout`` from the settings has passed. Only statements outside a
transaction are retried, ``BEGIN IMMEDIATE`` among them: they failed
without doing anything. Every ``atomic()`` block starts with ``BEGIN
IMMEDIATE`` (``transaction_mode``), so inside one the lock is already held.
"""

import sqlite3
import time

from django.db.backends.sqlite3 import base

FIRST_PAUSE = 0.00005  # seconds
LONGEST_PAUSE = 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.execute("PRAGMA busy_timeout = 0")
        return connection

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=CursorWrapper)
        cursor.busy_timeout = self.settings_dict["OPTIONS"].get("timeout", 5)
        return cursor


class CursorWrapper(base.SQLiteCursorWrapper):
    busy_timeout = 5.0

    def execute(self, query, params=None):
        return self._until_unlocked(super().execute, query, params)

    def executemany(self, query, param_list):
        # A retry needs the parameters again: a generator would be spent.
        return self._until_unlocked(super().executemany, query, list(param_list))

    def _until_unlocked(self, run, query, params):
        pause, deadline = FIRST_PAUSE, None
        while True:
            try:
                return run(query, params)
            except sqlite3.OperationalError as error:
                if str(error) != "database is locked" or self.connection.in_transaction:
                    raise
                now = time.monotonic()
                deadline = deadline or now + self.busy_timeout
                if now >= deadline:
                    raise
                time.sleep(pause)
                pause = min(2 * pause, LONGEST_PAUSE)
