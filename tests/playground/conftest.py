"""Fixtures for the playground tests: a seeded sandbox and its stored log.

Tests read the log back from the database (``Action`` rows and their
``events``), exactly as the page does, rather than the recorder's in-memory
records: what is asserted is what a learner would see.
"""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client

from playground import actions
from playground.models import Action, Product, Sandbox
from playground.performing import Outcome, perform
from playground.sandboxes import SESSION_KEY, create_sandbox

RECEIVERS = "playground.receivers."
HTMX = {"HTTP_HX_REQUEST": "true"}


def visitor(slug: str = "signals-101", **client_options) -> tuple[Client, Sandbox]:
    """A new browser session that opened one scenario's page, with its sandbox."""
    client = Client(**client_options)
    assert client.get(f"/playground/{slug}/").status_code == 200
    return client, Sandbox.objects.get(pk=client.session[SESSION_KEY])


@pytest.fixture(autouse=True)
def _site_mailers(sandbox_outbox):
    """The playground's tests check the sandbox's Outbox, as a visitor sees it."""


@pytest.fixture
def sandbox(db) -> Sandbox:
    """A fresh sandbox with the example records (seeded without signals)."""
    return create_sandbox()


@pytest.fixture
def product(sandbox):
    """Return the sandbox's example product called ``name``, freshly loaded."""

    def get(name: str) -> Product:
        return Product.objects.get(sandbox=sandbox, name=name)

    return get


@dataclass
class Logged:
    """One stored action: its ``Action`` row and its events in order."""

    action: Action
    # Each stored event, with its keys as attributes (event.signal, …).
    events: list[SimpleNamespace]
    # What ``perform`` returned, when the action was run by the ``run`` fixture.
    outcome: Outcome | None = None

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


def stored(action: Action) -> Logged:
    """An action and its events, read back from the database."""
    return Logged(action=action, events=[SimpleNamespace(**event) for event in action.events])


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
    return stored(Action.objects.filter(sandbox=sandbox).latest("pk"))


@pytest.fixture
def run(sandbox):
    """Perform ``call`` as one logged action on ``sandbox``, as the views do,
    and return what was stored for it."""

    def run_action(call, label: str = "test action", *, scenario: str = "") -> Logged:
        newest = Action.objects.filter(sandbox=sandbox).order_by("-pk").first()
        outcome = perform(sandbox, label, call, scenario=scenario)
        logged = last_action(sandbox)
        # Exactly one new action, and it is this one.
        assert newest is None or logged.action.pk > newest.pk
        assert Action.objects.filter(sandbox=sandbox, pk__gt=getattr(newest, "pk", 0)).count() == 1
        assert (logged.action.label, logged.action.scenario) == (label, scenario)
        logged.outcome = outcome
        return logged

    return run_action


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
