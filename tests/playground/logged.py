"""What the playground and lesson tests share: reading the stored log back.

Tests read the log back from the database (``LogEntry`` rows and their
``events``), exactly as the page does, rather than the recorder's in-memory
records: what is asserted is what a learner would see. The fixtures that use
these helpers live in the conftests; this is a plain module so that test
modules import from it, never from a conftest.
"""

import re
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import connection
from django.test import Client
from django.urls import reverse

from playground import actions
from playground.models import LogEntry, Product, Sandbox
from playground.performing import Outcome, perform
from playground.sandboxes import SESSION_KEY

RECEIVERS = "playground.receivers."
HTMX = {"HTTP_HX_REQUEST": "true"}


def sandbox_of(session, slug: str = "signals-101") -> Sandbox:
    """The sandbox of the visitor this session belongs to, for one scenario."""
    return Sandbox.objects.get(visitor_id=session[SESSION_KEY], scenario=slug)


def visitor(slug: str = "signals-101", **client_options) -> tuple[Client, Sandbox]:
    """A new browser session that opened one scenario's page, with its sandbox."""
    client = Client(**client_options)
    assert client.get(f"/playground/{slug}/").status_code == 200
    return client, sandbox_of(client.session, slug)


def panel_with_an_open_row(client: Client, slug: str, product_name: str) -> str:
    """The scenario's panel as a lesson page loads it, followed by one
    product's row as its "Edit" link opens it: together, every button and
    field a lesson's Try-it names."""
    lesson_page = {"HTTP_HX_CURRENT_URL": f"http://testserver/lessons/{slug}/"}
    panel = client.get(reverse("playground:panel", args=[slug]), **HTMX, **lesson_page)
    panel = panel.content.decode()
    product = Product.objects.get(sandbox=sandbox_of(client.session, slug), name=product_name)
    row = reverse("playground:row", args=[slug, "product", product.pk])
    return panel + client.get(row, **HTMX).content.decode()


@dataclass
class Logged:
    """One stored action: its ``LogEntry`` row and its events in order."""

    entry: LogEntry
    # Each stored event, with its keys as attributes (event.signal, …).
    events: list[SimpleNamespace]
    # What ``perform`` returned, when the action was run by the ``run`` fixture.
    outcome: Outcome | None = None

    @property
    def timeline(self) -> list[str]:
        """The signals and the database's steps, in the order they happened,
        one line each, indented two spaces per level of nesting: the
        interleaving the log shows (``LogEntry.timeline``)."""
        return [
            "  " * item["depth"]
            + (
                f"{item['signal']} · {item['sender']}"
                if item["kind"] == "signal"
                else database_step(item)
            )
            for item in self.entry.timeline()
        ]

    @property
    def signals(self) -> list[tuple[str, str]]:
        """``[(signal, sender), ...]`` in the order they were sent."""
        return [(event.signal, event.sender) for event in self.events]

    def event(self, position: int) -> SimpleNamespace:
        """Event ``position`` (1-based, like the stored ``position``)."""
        event = self.events[position - 1]
        assert event.position == position
        return event

    def arguments(self, position: int) -> list[list[str]]:
        """The logged keyword arguments of event ``position``, in order."""
        return self.event(position).arguments

    def receivers(self, position: int) -> list[tuple[str, str]]:
        """``(receiver, result)`` for every receiver that ran for event
        ``position``, in call order; ``playground.receivers.`` is dropped."""
        return [
            (run["name"].removeprefix(RECEIVERS), run["result"])
            for run in self.event(position).receivers
        ]

    def runs(self, *names: str) -> list[tuple[str, str]]:
        """``(receiver, result)`` of every run of the named playground
        receivers across the whole action, in log order."""
        wanted = {RECEIVERS + name for name in names}
        return [
            (run["name"], run["result"])
            for event in self.events
            for run in event.receivers
            if run["name"] in wanted
        ]

    def errors(self) -> list[tuple[str, str]]:
        """``(receiver, error)`` of every receiver that raised."""
        return [
            (run["name"], run["error"])
            for event in self.events
            for run in event.receivers
            if run["error"]
        ]


def database_step(item: dict) -> str:
    """A database step of a log entry's timeline, without what varies from
    run to run (ids, savepoint names, values): ``SQL UPDATE playground_product``,
    ``SAVEPOINT``, ``on_commit functools.partial(…) (queued: runs after COMMIT)``."""
    text = item["text"]
    if item["kind"] == "sql":
        table = re.search(r'"(playground_\w+)"', text)
        return f"SQL {text.split()[0]} {table[1] if table else '?'}"
    if item["kind"] == "transaction":
        return re.sub(r' "[^"]+"$', "", text)
    return f"on_commit {text} ({item['error'] or item['result']})"


def stored(entry: LogEntry) -> Logged:
    """A log entry and its events, read back from the database."""
    return Logged(entry=entry, events=[SimpleNamespace(**event) for event in entry.events])


def press(sandbox: Sandbox, action: str, data=None, *, scenario: str, record=None) -> Logged:
    """What a view does for one button (a sandbox action, or a product's when
    ``record`` is given): label the action, perform it under the recorder,
    store the log. Returns the stored action and its events."""
    data = data or {}
    if record is None:
        act, target = actions.SANDBOX_ACTIONS[action], sandbox
    else:
        act, target = actions.RECORD_ACTIONS["product"][1][action], record
    perform(sandbox, act.label(target, data), lambda: act.run(target, data), scenario=scenario)
    return last_action(sandbox)


def last_action(sandbox: Sandbox) -> Logged:
    """The newest stored action of ``sandbox``, with its events."""
    return stored(LogEntry.objects.filter(sandbox=sandbox).latest("pk"))


def init_pair(model: str) -> list[tuple[str, str]]:
    """The two events ``Model(...)`` sends."""
    return [("pre_init", model), ("post_init", model)]


def poison(product: Product, price: str) -> None:
    """Store a price no read can handle, as SQLite did before the constraints."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            cursor.execute(
                f"UPDATE {Product._meta.db_table} SET price = %s WHERE id = %s",
                [float(price), product.pk],
            )
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
