"""The stored log (playground/log.py): saving, trimming, reading back."""

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.template.loader import get_template

from playground import log, outbox, scenarios
from playground.models import LogEntry, OutboxEmail, Sandbox
from playground.performing import TIDY_EVERY, perform, store
from playground.recording import ReceiverRun, RecordedAction, RecordedEvent
from playground.sandboxes import create_sandbox


def record(sandbox: Sandbox, label: str, events: int, **fields) -> RecordedAction:
    """An action with ``events`` made-up events, numbered in their sender."""
    return RecordedAction(
        sandbox_id=sandbox.pk,
        label=label,
        events=[
            RecordedEvent(signal="post_save", sender=f"{label}.{n}", arguments=[("n", str(n))])
            for n in range(1, events + 1)
        ],
        **fields,
    )


def stored_events(sandbox: Sandbox) -> list[str]:
    """Every stored event of the sandbox, oldest first, by its sender."""
    entries = LogEntry.objects.filter(sandbox=sandbox).order_by("pk")
    return [
        event["sender"] for events in entries.values_list("events", flat=True) for event in events
    ]


def stored_labels(sandbox: Sandbox) -> list[str]:
    return list(
        LogEntry.objects.filter(sandbox=sandbox).order_by("pk").values_list("label", flat=True)
    )


@pytest.fixture
def history(sandbox) -> Sandbox:
    """Four actions, oldest first: A with 3 events, B with 2, C silent, D with 2."""
    for label, events in (("A", 3), ("B", 2), ("C", 0), ("D", 2)):
        log.save_entry(record(sandbox, label, events))
    assert stored_events(sandbox) == ["A.1", "A.2", "A.3", "B.1", "B.2", "D.1", "D.2"]
    return sandbox


# -- save_entry -----------------------------------------------------------------------


def test_save_entry_stores_the_events_in_order_with_their_details(sandbox):
    recorded = RecordedAction(
        sandbox_id=sandbox.pk,
        label="Created Product 'Pen'",
        scenario="signals-101",
        events=[
            RecordedEvent(signal="pre_save", sender="Product", arguments=[("raw", "False")]),
            RecordedEvent(
                signal="post_save",
                sender="Product",
                arguments=[("created", "True"), ("update_fields", "None")],
                depth=1,
                receivers=[ReceiverRun(name="app.r", result="done", ms=0.5)],
            ),
        ],
    )

    entry = log.save_entry(recorded)

    assert (entry.label, entry.scenario, entry.note, entry.error) == (
        "Created Product 'Pen'",
        "signals-101",
        "",
        "",
    )
    expected = [
        {
            "position": 1,
            "depth": 0,
            "signal": "pre_save",
            "sender": "Product",
            "arguments": [["raw", "False"]],
            "receivers": [],
        },
        {
            "position": 2,
            "depth": 1,
            "signal": "post_save",
            "sender": "Product",
            "arguments": [["created", "True"], ["update_fields", "None"]],
            "receivers": [{"name": "app.r", "result": "done", "error": "", "ms": 0.5}],
        },
    ]
    assert entry.events == expected
    stored = LogEntry.objects.get(pk=entry.pk)
    assert (stored.events, stored.event_count, stored.sandbox_id) == (expected, 2, sandbox.pk)


def test_save_entry_notes_an_action_without_events(sandbox):
    entry = log.save_entry(record(sandbox, "silent", 0))

    assert entry.note == "No signals sent."
    assert LogEntry.objects.get(pk=entry.pk).events == []


def test_save_entry_keeps_a_note_given_by_the_recorder(sandbox):
    entry = log.save_entry(record(sandbox, "noted", 0, note="Look at this."))

    assert entry.note == "Look at this."


def test_save_entry_cuts_the_label_to_300_characters(sandbox):
    entry = log.save_entry(record(sandbox, "x" * 400, 0))

    entry.refresh_from_db()
    assert entry.label == "x" * 300


@pytest.mark.parametrize("events", [0, 3])
def test_save_entry_bumps_the_sandbox_version_by_exactly_one(sandbox, events):
    before = Sandbox.objects.get(pk=sandbox.pk).version

    log.save_entry(record(sandbox, "bump", events))

    assert Sandbox.objects.get(pk=sandbox.pk).version == before + 1


def test_perform_bumps_the_version_once_per_action(sandbox):
    before = Sandbox.objects.get(pk=sandbox.pk).version

    perform(sandbox, "one", lambda: None)
    perform(sandbox, "two", lambda: None)

    assert Sandbox.objects.get(pk=sandbox.pk).version == before + 2


def test_save_entry_for_a_purged_sandbox_stores_nothing(sandbox):
    recorded = record(sandbox, "late", 2)
    sandbox_id = sandbox.pk
    sandbox.delete()

    assert log.save_entry(recorded) is None
    assert not LogEntry.objects.filter(sandbox_id=sandbox_id).exists()


# -- trim ------------------------------------------------------------------------------


def test_trim_keeps_the_newest_whole_actions_within_the_limit(history):
    log.trim(history.pk, keep=4)

    # D (2) + C (0) + B (2) = 4 events; A would make 7.
    assert stored_labels(history) == ["B", "C", "D"]
    assert stored_events(history) == ["B.1", "B.2", "D.1", "D.2"]


def test_trim_never_cuts_an_action_in_half(history):
    log.trim(history.pk, keep=3)

    # B would make 4 events: it goes whole, with everything older.
    assert stored_labels(history) == ["C", "D"]
    assert stored_events(history) == ["D.1", "D.2"]


@pytest.mark.parametrize("keep", [7, 8, 500])
def test_trim_with_room_to_spare_changes_nothing(history, keep):
    log.trim(history.pk, keep=keep)

    assert stored_events(history) == ["A.1", "A.2", "A.3", "B.1", "B.2", "D.1", "D.2"]
    assert stored_labels(history) == ["A", "B", "C", "D"]


def test_trim_always_keeps_the_newest_entry(history):
    log.trim(history.pk, keep=0)

    assert stored_labels(history) == ["D"]


def test_trim_leaves_other_sandboxes_alone(history):
    other = create_sandbox()
    log.save_entry(record(other, "O", 4))

    log.trim(history.pk, keep=1)

    assert stored_labels(history) == ["D"]
    assert stored_events(other) == ["O.1", "O.2", "O.3", "O.4"]


def test_trim_keeps_at_most_max_actions_even_without_events(sandbox, monkeypatch):
    monkeypatch.setattr(log, "MAX_ENTRIES", 3)
    for label in "ABCDE":
        log.save_entry(record(sandbox, label, 0))

    log.trim(sandbox.pk)

    assert stored_labels(sandbox) == ["C", "D", "E"]


def _fill_log_to_the_limit(sandbox) -> None:
    """MAX_EVENTS old events in one action, then the sandbox's version set
    so that the next stored action is the last one before a tidy."""
    log.save_entry(record(sandbox, "old", log.MAX_EVENTS))
    Sandbox.objects.filter(pk=sandbox.pk).update(version=2 * TIDY_EVERY - 2)


def test_store_trims_to_max_events_on_every_tidy_every_th_change(sandbox):
    _fill_log_to_the_limit(sandbox)

    first = store(record(sandbox, "first", 2))  # version 2 × TIDY_EVERY - 1: no trim
    assert first.version == 2 * TIDY_EVERY - 1
    assert stored_labels(sandbox) == ["old", "first"]

    second = store(record(sandbox, "second", 2))  # version 2 × TIDY_EVERY: trim
    assert second.version == 2 * TIDY_EVERY

    # "old" no longer fits beside the newer events: it goes whole.
    assert stored_labels(sandbox) == ["first", "second"]
    assert stored_events(sandbox) == ["first.1", "first.2", "second.1", "second.2"]


def test_store_trims_the_outbox_on_the_same_changes(sandbox):
    OutboxEmail.objects.bulk_create(
        OutboxEmail(sandbox=sandbox, to="a@example.com", subject=f"mail {n}", body="")
        for n in range(outbox.MAX_EMAILS + 3)
    )
    Sandbox.objects.filter(pk=sandbox.pk).update(version=TIDY_EVERY - 2)

    store(record(sandbox, "no tidy", 0))
    assert OutboxEmail.objects.filter(sandbox=sandbox).count() == outbox.MAX_EMAILS + 3

    store(record(sandbox, "tidy", 0))
    subjects = list(
        OutboxEmail.objects.filter(sandbox=sandbox).order_by("pk").values_list("subject", flat=True)
    )
    assert subjects == [f"mail {n}" for n in range(3, outbox.MAX_EMAILS + 3)]


def test_store_for_a_purged_sandbox_stores_nothing(sandbox):
    late = record(sandbox, "late", 1)
    sandbox_id = sandbox.pk
    sandbox.delete()

    assert store(late) is None
    assert not LogEntry.objects.filter(sandbox_id=sandbox_id).exists()


# -- rendering: a stored entry's markup is cached -------------------------------------


def entries_markup(entries: list[LogEntry], scenario: str = "signals-101", own=()) -> str:
    """The log's ``entries`` partial, as a panel of ``scenario`` renders it,
    marking the receivers named in ``own`` as the scenario's."""
    context = {"actions": entries, "scenario": scenarios.get(scenario), "own_receivers": own}
    return get_template("playground/panel.html#entries").render(context)


def run_of(entry: LogEntry, name: str) -> LogEntry:
    entry.events = [
        {
            "position": 1,
            "depth": 0,
            "signal": "post_save",
            "sender": "Product",
            "arguments": [],
            "receivers": [{"name": name, "result": "ran", "error": "", "ms": 0.5}],
        }
    ]
    return entry


def test_an_entry_is_rendered_once_then_served_from_the_cache(sandbox):
    entry = log.save_entry(record(sandbox, "Created Product 'Pen'", 1))
    first = entries_markup([entry])

    key = make_template_fragment_key("log_entry", [entry.pk, entry.created_at, "signals-101"])
    assert cache.get(key).strip() == first.strip()
    entry.label = "changed in memory only"  # a stored entry never changes
    assert entries_markup([entry]) == first
    assert "Created Product &#x27;Pen&#x27;" in first


def test_the_cached_entry_marks_the_receivers_of_the_scenario_showing_it(sandbox):
    entry = run_of(log.save_entry(record(sandbox, "Saved", 0)), "playground.receivers.w")

    own = entries_markup([entry], "signals-101", own={"playground.receivers.w"})
    other = entries_markup([entry], "receivers")

    assert 'class="pg-run pg-run--own"' in own
    assert own.replace(" pg-run--own", "") == other


def test_an_entry_with_a_reused_id_is_not_served_stale_markup(sandbox):
    old = log.save_entry(record(sandbox, "Old", 0))
    entries_markup([old])
    # SQLite hands out an id again after the transaction that used it rolled
    # back (the test suite does that); the entry's time tells them apart.
    LogEntry.objects.filter(pk=old.pk).delete()
    new = LogEntry.objects.create(pk=old.pk, sandbox=sandbox, label="New", events=[])

    assert ">New</p>" in entries_markup([new])
