"""16 concurrent writers for 10 s against SQLite under 2 gunicorn workers give 0 errors.

Each writer is its own visitor with its own sandbox, and loops create, open the row, edit,
delete through the real production server. SQLite allows one writer at a
time; the settings (WAL, IMMEDIATE transactions, a 20 s busy timeout) must
turn contention into waiting, never into "database is locked" or a 500.
Afterwards the stored log must hold exactly one complete action per request.
"""

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

from bench.serving import prepare_site, production_env
from playground.log import MAX_ENTRIES, MAX_EVENTS
from playground.performing import TIDY_EVERY
from tests.scale.conftest import (
    HTTP_TIMEOUT,
    PAGE,
    Visitor,
    created_label,
    edit_version,
    product_pk,
)

WRITERS = 16
DURATION = 10.0  # seconds of writing
MIN_ITERATIONS = 3  # create + edit + delete cycles each writer must complete
OK_STATUSES = {200, 302}

# The signals each kind of action sends in the signals-101 scenario, in order.
EXPECTED_SIGNALS = {
    "Created": ["pre_init", "post_init", "pre_save", "post_save"],
    "Updated": ["pre_save", "post_save"],
    "Deleted": ["pre_delete", "post_delete"],
}


@dataclass
class Writer:
    index: int
    requests: int = 0
    iterations: int = 0
    errors: list[str] = field(default_factory=list)
    # The label of every action a successful request stored, in order.
    labels: list[str] = field(default_factory=list)


def skip_unless_sqlite() -> None:
    if os.environ.get("DATABASE_URL"):
        pytest.skip("runs only on SQLite (DATABASE_URL is set)")


def write_for(writer: Writer, server_url: str, start: threading.Barrier, deadline: list[float]):
    """One visitor: create, edit and delete products until the deadline."""
    visitor = Visitor()

    def call(what: str, send, *args) -> str | None:
        """One request; the answer's HTML, or None after noting the error."""
        writer.requests += 1
        try:
            status, text = send(server_url, *args)
        except Exception as error:  # every exception counts, timeouts included
            writer.errors.append(f"{what}: {type(error).__name__}: {error}")
            return None
        if status not in OK_STATUSES:
            writer.errors.append(f"{what}: HTTP {status}")
            return None
        return text

    try:
        page = call("GET page", lambda url: visitor.request(url + PAGE))
        if page is not None:
            visitor.open_page_html(page)  # the CSRF token every POST sends
    except AssertionError as error:
        writer.errors.append(f"GET page: {error}")
        page = None
    finally:
        start.wait(timeout=60)  # everyone has a sandbox before the clock starts
    if page is None:
        return
    attempts = 0
    while time.monotonic() < deadline[0]:
        attempts += 1
        n = attempts  # a fresh name even after a failed attempt
        name = f"w{writer.index:02d} i{n:04d}"
        edited = f"{name} edited"
        text = call(f"create {name}", visitor.create_product, name, "4.20", n)
        if text is None:
            continue
        writer.labels.append(created_label(name))
        pk = product_pk(text, name)
        if pk is None:
            writer.errors.append(f"create {name}: the answer does not list the new product")
            continue
        row = call(f"open {name}", visitor.open_row, pk)
        if row is None:
            continue
        version = edit_version(row, pk)
        if version is None:
            writer.errors.append(f"open {name}: the opened row has no Edit form")
            continue
        if call(f"edit {name}", visitor.edit_product, pk, version, edited, "5.30", n + 1) is None:
            continue
        writer.labels.append(f"Updated Product {edited!r} (renamed from {name!r})")
        if call(f"delete {edited}", visitor.delete_product, pk) is None:
            continue
        writer.labels.append(f"Deleted Product {edited!r}")
        writer.iterations += 1


def stored_log(database) -> dict[int, list[tuple[int, str, list[str]]]]:
    """Every sandbox's actions, oldest first: (id, label, signals in order)."""
    with contextlib.closing(sqlite3.connect(database, timeout=HTTP_TIMEOUT)) as connection:
        actions = connection.execute(
            "SELECT id, sandbox_id, label, events FROM playground_logentry ORDER BY id"
        ).fetchall()
    by_sandbox = defaultdict(list)
    for action_id, sandbox_id, label, events in actions:
        signals = [event["signal"] for event in json.loads(events)]
        by_sandbox[sandbox_id].append((action_id, label, signals))
    return by_sandbox


def newest_actions(actions: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """What ``log.trim`` keeps: the newest whole actions whose events add up
    to at most MAX_EVENTS (the newest one always), and at most MAX_ENTRIES."""
    kept, total = [], 0
    for label, signals in reversed(actions):
        total += len(signals)
        if kept and (total > MAX_EVENTS or len(kept) >= MAX_ENTRIES):
            break
        kept.append((label, signals))
    return kept[::-1]


def expected_kept(labels: list[str]) -> list[tuple[str, list[str]]]:
    """What the log should hold of ``labels``: every action is one change of
    the sandbox (versions 1, 2, 3…), and every TIDY_EVERY-th change trims
    the log."""
    kept: list[tuple[str, list[str]]] = []
    for version, label in enumerate(labels, start=1):
        kept.append((label, EXPECTED_SIGNALS[label.split()[0]]))
        if version % TIDY_EVERY == 0:
            kept = newest_actions(kept)
    return kept


def test_16_concurrent_writers_on_sqlite_give_no_errors(tmp_path, start_server):
    skip_unless_sqlite()
    database = tmp_path / "scale.sqlite3"
    env = production_env(tmp_path, SQLITE_PATH=str(database))
    prepare_site(env)
    server = start_server("sqlite", env)
    server.wait_until_healthy()

    writers = [Writer(index) for index in range(WRITERS)]
    deadline = [float("inf")]

    def start_the_clock():
        deadline[0] = time.monotonic() + DURATION

    # The barrier's action runs before any writer is released.
    start = threading.Barrier(WRITERS + 1, action=start_the_clock)
    threads = [
        threading.Thread(target=write_for, args=(writer, server.url, start, deadline), daemon=True)
        for writer in writers
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=60)  # every visitor has its page, sandbox and CSRF token
    for thread in threads:
        thread.join(timeout=DURATION + 2 * HTTP_TIMEOUT)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    server.stop()

    requests = sum(writer.requests for writer in writers)
    errors = [f"writer {w.index}: {error}" for w in writers for error in w.errors]
    iterations = [writer.iterations for writer in writers]
    print(
        f"\n{requests} requests from {WRITERS} writers in {DURATION:.0f} s "
        f"({requests / DURATION:.0f}/s), {len(errors)} errors, "
        f"iterations per writer {min(iterations)}–{max(iterations)}"
    )
    server_errors = server.error_lines()
    assert not stuck, f"writers still running after the run: {stuck}"
    assert errors == [], "\n".join([*errors[:20], "server log:", *server_errors[:40]])
    assert server_errors == []
    assert min(iterations) >= MIN_ITERATIONS, iterations

    # The stored log: one complete action per successful request, per sandbox.
    by_sandbox = stored_log(database)
    assert len(by_sandbox) == WRITERS
    for sandbox_id, actions in by_sandbox.items():
        owner = {label.split("'")[1].split()[0] for _, label, _ in actions}
        assert len(owner) == 1, f"sandbox {sandbox_id} holds actions of writers {owner}"
        writer = writers[int(owner.pop()[1:])]
        stored = [(label, signals) for _, label, signals in actions]
        assert stored == expected_kept(writer.labels), f"sandbox {sandbox_id}"
        # No half-written action: every creation has its four events.
        for _, label, signals in actions:
            if label.startswith("Created"):
                assert signals == EXPECTED_SIGNALS["Created"], label
