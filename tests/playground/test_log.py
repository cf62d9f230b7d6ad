"""The stored log (playground/log.py): saving, trimming, reading back."""

import pytest

from playground import log, outbox
from playground.models import Action, OutboxEmail, Sandbox, SignalEvent
from playground.performing import TIDY_EVERY, perform, store
from playground.recording import ActionRecord, EventRecord, ReceiverRun
from playground.sandboxes import create_sandbox


def record(sandbox: Sandbox, label: str, events: int, **fields) -> ActionRecord:
    """An action with ``events`` made-up events, numbered in their sender."""
    return ActionRecord(
        sandbox_id=sandbox.pk,
        label=label,
        events=[
            EventRecord(signal="post_save", sender=f"{label}.{n}", arguments=[("n", str(n))])
            for n in range(1, events + 1)
        ],
        **fields,
    )


def stored_events(sandbox: Sandbox) -> list[str]:
    """Every stored event of the sandbox, oldest first, by its sender."""
    return list(
        SignalEvent.objects.filter(sandbox=sandbox).order_by("pk").values_list("sender", flat=True)
    )


def stored_labels(sandbox: Sandbox) -> list[str]:
    return list(
        Action.objects.filter(sandbox=sandbox).order_by("pk").values_list("label", flat=True)
    )


@pytest.fixture
def history(sandbox) -> Sandbox:
    """Four actions, oldest first: A with 3 events, B with 2, C silent, D with 2."""
    for label, events in (("A", 3), ("B", 2), ("C", 0), ("D", 2)):
        log.save_action(record(sandbox, label, events))
    assert stored_events(sandbox) == ["A.1", "A.2", "A.3", "B.1", "B.2", "D.1", "D.2"]
    return sandbox


# -- save_action -----------------------------------------------------------------------


def test_save_action_stores_the_events_in_order_with_their_details(sandbox):
    action_record = ActionRecord(
        sandbox_id=sandbox.pk,
        label="Created Product 'Pen'",
        scenario="signals-101",
        events=[
            EventRecord(signal="pre_save", sender="Product", arguments=[("raw", "False")]),
            EventRecord(
                signal="post_save",
                sender="Product",
                arguments=[("created", "True"), ("update_fields", "None")],
                depth=1,
                receivers=[ReceiverRun(name="app.r", result="done", ms=0.5)],
            ),
        ],
    )

    action = log.save_action(action_record)

    assert (action.label, action.scenario, action.note, action.error) == (
        "Created Product 'Pen'",
        "signals-101",
        "",
        "",
    )
    assert [
        (e.position, e.depth, e.signal, e.sender, e.arguments, e.receivers, e.sandbox_id)
        for e in action.events.order_by("position")
    ] == [
        (1, 0, "pre_save", "Product", [["raw", "False"]], [], sandbox.pk),
        (
            2,
            1,
            "post_save",
            "Product",
            [["created", "True"], ["update_fields", "None"]],
            [{"name": "app.r", "result": "done", "error": "", "ms": 0.5}],
            sandbox.pk,
        ),
    ]


def test_save_action_notes_an_action_without_events(sandbox):
    action = log.save_action(record(sandbox, "silent", 0))

    assert action.note == "No signals sent."
    assert not action.events.exists()


def test_save_action_keeps_a_note_given_by_the_recorder(sandbox):
    action = log.save_action(record(sandbox, "noted", 0, note="Look at this."))

    assert action.note == "Look at this."


def test_save_action_cuts_the_label_to_300_characters(sandbox):
    action = log.save_action(record(sandbox, "x" * 400, 0))

    action.refresh_from_db()
    assert action.label == "x" * 300


@pytest.mark.parametrize("events", [0, 3])
def test_save_action_bumps_the_sandbox_version_by_exactly_one(sandbox, events):
    before = Sandbox.objects.get(pk=sandbox.pk).version

    log.save_action(record(sandbox, "bump", events))

    assert Sandbox.objects.get(pk=sandbox.pk).version == before + 1


def test_perform_bumps_the_version_once_per_action(sandbox):
    before = Sandbox.objects.get(pk=sandbox.pk).version

    perform(sandbox, "one", lambda: None)
    perform(sandbox, "two", lambda: None)

    assert Sandbox.objects.get(pk=sandbox.pk).version == before + 2


def test_save_action_for_a_purged_sandbox_stores_nothing(sandbox):
    action_record = record(sandbox, "late", 2)
    sandbox_id = sandbox.pk
    sandbox.delete()

    assert log.save_action(action_record) is None
    assert not Action.objects.filter(sandbox_id=sandbox_id).exists()
    assert not SignalEvent.objects.filter(sandbox_id=sandbox_id).exists()


# -- trim ------------------------------------------------------------------------------


def test_trim_keeps_exactly_the_newest_events(history):
    log.trim(history.pk, keep=3)

    assert stored_events(history) == ["B.2", "D.1", "D.2"]


def test_trim_deletes_actions_left_empty_and_keeps_newer_ones(history):
    log.trim(history.pk, keep=3)

    # A lost all its events; B keeps one; C never had any but is newer.
    assert stored_labels(history) == ["B", "C", "D"]


def test_trim_on_an_action_boundary_deletes_the_whole_older_action(history):
    log.trim(history.pk, keep=4)

    assert stored_events(history) == ["B.1", "B.2", "D.1", "D.2"]
    assert stored_labels(history) == ["B", "C", "D"]


@pytest.mark.parametrize("keep", [7, 8, 500])
def test_trim_with_room_to_spare_changes_nothing(history, keep):
    log.trim(history.pk, keep=keep)

    assert stored_events(history) == ["A.1", "A.2", "A.3", "B.1", "B.2", "D.1", "D.2"]
    assert stored_labels(history) == ["A", "B", "C", "D"]


def test_trim_leaves_other_sandboxes_alone(history):
    other = create_sandbox()
    log.save_action(record(other, "O", 4))

    log.trim(history.pk, keep=1)

    assert stored_events(history) == ["D.2"]
    assert stored_events(other) == ["O.1", "O.2", "O.3", "O.4"]
    assert stored_labels(other) == ["O"]


def test_trim_to_zero_deletes_every_action_left_empty(history):
    log.trim(history.pk, keep=0)

    assert stored_events(history) == []
    # A, B and D lost their events; C (silent) never had any, so either is fine.
    assert set(stored_labels(history)) <= {"C"}


def _fill_log_past_the_limit(sandbox) -> None:
    """MAX_EVENTS old events in one action, then the sandbox's version set
    so that the next stored action is the last one before a tidy."""
    old = log.save_action(record(sandbox, "old", 0))
    SignalEvent.objects.bulk_create(
        SignalEvent(sandbox=sandbox, action=old, position=n, signal="post_save", sender=f"old.{n}")
        for n in range(1, log.MAX_EVENTS + 1)
    )
    Sandbox.objects.filter(pk=sandbox.pk).update(version=2 * TIDY_EVERY - 2)


def test_store_trims_to_max_events_on_every_tidy_every_th_change(sandbox):
    _fill_log_past_the_limit(sandbox)

    first = store(record(sandbox, "first", 2))  # version 2 × TIDY_EVERY - 1: no trim
    assert first.version == 2 * TIDY_EVERY - 1
    assert len(stored_events(sandbox)) == log.MAX_EVENTS + 2

    second = store(record(sandbox, "second", 2))  # version 2 × TIDY_EVERY: trim
    assert second.version == 2 * TIDY_EVERY

    senders = stored_events(sandbox)
    assert len(senders) == log.MAX_EVENTS == 500
    assert senders[0] == "old.5"
    assert senders[-4:] == ["first.1", "first.2", "second.1", "second.2"]
    assert stored_labels(sandbox) == ["old", "first", "second"]


def test_store_trims_the_outbox_on_the_same_changes(sandbox):
    for n in range(outbox.MAX_EMAILS + 3):
        outbox.send(sandbox.pk, to="a@example.com", subject=f"mail {n}", body="")
    Sandbox.objects.filter(pk=sandbox.pk).update(version=TIDY_EVERY - 2)

    store(record(sandbox, "no tidy", 0))
    assert OutboxEmail.objects.filter(sandbox=sandbox).count() == outbox.MAX_EMAILS + 3

    store(record(sandbox, "tidy", 0))
    subjects = list(
        OutboxEmail.objects.filter(sandbox=sandbox).order_by("pk").values_list("subject", flat=True)
    )
    assert subjects == [f"mail {n}" for n in range(3, outbox.MAX_EMAILS + 3)]


def test_store_for_a_purged_sandbox_stores_nothing_and_trims_nothing(sandbox):
    sandbox_id = sandbox.pk
    sandbox.delete()

    assert store(record(sandbox, "late", 1)) is None
    assert not SignalEvent.objects.filter(sandbox_id=sandbox_id).exists()
