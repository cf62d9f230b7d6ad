"""What the database did during a playground action: its statements, the
transaction's boundaries and each ``on_commit`` callback, in order among the
signals the recorder collects.

Statements come through Django's documented hook for this,
``connection.execute_wrapper()``. Nothing in Django reports a transaction's
boundaries (COMMIT and ROLLBACK go straight to the driver, never through a
cursor) or the moment an ``on_commit`` callback runs, so for the length of
the action the recorder also wraps five methods of this thread's connection
object (``set_autocommit`` for BEGIN, ``commit``, ``rollback``,
``savepoint_rollback`` and ``on_commit``) and puts Django's own back when the
action ends. Django keeps one connection object per thread, so no other
request is ever affected. Only what runs inside ``record_action()`` is
collected: storing the log, rate limits and the session happen outside it
and never show.
"""

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

MAX_STATEMENT = 240
# Statements that are a transaction's boundaries, shown as markers. A plain
# BEGIN is SQLite's way of starting the transaction that the set_autocommit
# wrapper already marks.
MARKERS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@dataclass
class DatabaseStep:
    """One thing the database did: a statement ("sql"), a transaction
    boundary ("transaction") or an ``on_commit`` callback ("on_commit")."""

    kind: str
    text: str
    # How many signals the action had sent before this step: where it
    # goes among them in the log.
    after: int
    depth: int = 0
    ms: float = 0.0
    # For a callback: what it returned, what it raised, or why it never ran.
    result: str = ""
    error: str = ""

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "text": self.text,
            "after": self.after,
            "depth": self.depth,
            "ms": self.ms,
            "result": self.result,
            "error": self.error,
        }


def _value(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    text = str(value)
    if len(text) > 40:
        text = text[:39] + "…"
    return "'" + text.replace("'", "''") + "'"


def statement_text(sql: str, params, many: bool) -> str:
    """The statement with its parameters in place, shortened where long."""
    if many:
        rows = len(params) if hasattr(params, "__len__") else "several"
        text = f"{sql} -- for {rows} rows"
    elif params and sql.count("%s") == len(params):
        parts = sql.split("%s")
        text = parts[0] + "".join(
            _value(value) + part for value, part in zip(params, parts[1:], strict=True)
        )
    elif params:
        text = f"{sql} -- with {', '.join(_value(value) for value in params)}"
    else:
        text = sql
    return text if len(text) <= MAX_STATEMENT else text[: MAX_STATEMENT - 1] + "…"


def callback_name(func: Callable) -> str:
    if isinstance(func, functools.partial):
        return f"functools.partial({callback_name(func.func)}, …)"
    function = getattr(func, "__func__", func)
    module = getattr(function, "__module__", "?")
    return f"{module}.{getattr(function, '__qualname__', type(function).__name__)}"


class _Callback:
    """An ``on_commit`` callback that notes, in the log, when it runs."""

    def __init__(self, func: Callable, note: Callable[..., DatabaseStep | None], *, at_once: bool):
        self.func, self.note, self.name = func, note, callback_name(func)
        self.__qualname__ = getattr(func, "__qualname__", self.name)
        # Registered with no transaction open: Django runs it on the spot.
        self.ran = "ran at once: no transaction was open" if at_once else "ran after the COMMIT"

    def __call__(self):
        step = self.note("on_commit", self.name, result=self.ran)
        try:
            result = self.func()
        except Exception as error:
            if step is not None:
                step.error = f"{type(error).__name__}: {error}"
            raise
        if step is not None and result is not None:
            step.result = f"{self.ran}; it returned {result!r}"[:200]
        return result


def _pending(conn) -> list[_Callback]:
    return [func for _sids, func, _robust in conn.run_on_commit if isinstance(func, _Callback)]


@contextlib.contextmanager
def collecting(note: Callable[..., DatabaseStep | None]):
    """Collect this thread's database work into ``note(kind, text, **fields)``,
    which adds a step to the action being recorded (and returns it) or
    returns None when there is none."""
    conn = connection
    if getattr(conn, "_playground_collecting", False):
        yield  # an outer action collects already
        return

    def execute(run, sql, params, many, context):
        upper = sql.lstrip().upper()
        if upper.startswith("BEGIN"):
            return run(sql, params, many, context)
        kind = "transaction" if upper.startswith(MARKERS) else "sql"
        step = note(kind, statement_text(sql, params, many))
        started = time.perf_counter()
        try:
            return run(sql, params, many, context)
        finally:
            if step is not None:
                step.ms = round((time.perf_counter() - started) * 1000, 3)

    def dropped(before: list[_Callback], marker: str) -> None:
        still = _pending(conn)
        for callback in before:
            if callback not in still:
                note("on_commit", callback.name, result=f"dropped at {marker}: never runs")

    set_autocommit, commit = conn.set_autocommit, conn.commit
    rollback, savepoint_rollback, on_commit = (
        conn.rollback,
        conn.savepoint_rollback,
        conn.on_commit,
    )

    def set_autocommit_noted(autocommit, *args, **kwargs):
        if not autocommit:
            note("transaction", "BEGIN")
        return set_autocommit(autocommit, *args, **kwargs)

    def commit_noted():
        note("transaction", "COMMIT")
        return commit()

    def rollback_noted():
        before = _pending(conn)
        note("transaction", "ROLLBACK")
        rollback()
        dropped(before, "ROLLBACK")

    def savepoint_rollback_noted(sid):
        before = _pending(conn)
        savepoint_rollback(sid)
        dropped(before, "ROLLBACK TO SAVEPOINT")

    def on_commit_noted(func, robust=False):
        callback = _Callback(func, note, at_once=not conn.in_atomic_block)
        if conn.in_atomic_block:
            note("on_commit", callback.name, result="queued: runs after COMMIT")
        return on_commit(callback, robust)

    wrapped = {
        "set_autocommit": set_autocommit_noted,
        "commit": commit_noted,
        "rollback": rollback_noted,
        "savepoint_rollback": savepoint_rollback_noted,
        "on_commit": on_commit_noted,
    }
    conn._playground_collecting = True
    for name, method in wrapped.items():
        setattr(conn, name, method)
    try:
        with conn.execute_wrapper(execute):
            yield
    finally:
        for name in wrapped:
            delattr(conn, name)
        conn._playground_collecting = False
