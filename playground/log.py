"""Store recorded actions in the sandbox's log, and read the log back for the page.

The recorder (``recording.py``) produces plain records; this module writes
each recorded action as one ``LogEntry`` row, with its events, bumps the
sandbox's version so open pages know to refresh, and trims a sandbox's log
to its newest ``MAX_EVENTS`` events.
"""

from django.db import IntegrityError
from django.db.models import F

from playground.models import LogEntry, Sandbox
from playground.recording import RecordedAction

MAX_EVENTS = 500
# A bulk action runs a few statements per record; a log entry keeps this many.
MAX_DATABASE_STEPS = 300
# Entries of actions that sent no signal count too: a log never holds more
# entries than this.
MAX_ENTRIES = 500
# How many entries, and about how many of their events, the page shows at
# once: a full log is megabytes of markup; older entries load on demand.
RECENT_ENTRIES = 40
PAGE_EVENTS = 40
NO_SIGNALS_NOTE = "No signals sent."


def event_dicts(record: RecordedAction, limit: int | None = None) -> list[dict]:
    """The events of ``record`` as plain, JSON-ready dictionaries, in the
    order they were sent (the first ``limit`` of them, given one): what a
    log entry stores, and what an exercise's check reports with its result
    (``lessons/exercises/conftest.py``)."""
    return [
        {
            "position": position,
            "depth": event.depth,
            "signal": event.signal,
            "sender": event.sender[:120],
            "arguments": [list(pair) for pair in event.arguments],
            "receivers": [run.as_dict() for run in event.receivers],
        }
        for position, event in enumerate(record.events[:limit], start=1)
    ]


def save_entry(record: RecordedAction) -> LogEntry | None:
    """Write one recorded action with its events as a log entry, then bump
    the sandbox's version.

    Callers store the record after the block that produced it, so a
    rollback there never takes the log with it. The INSERT comes first and
    the version after it: a page that sees the new version always finds
    the entry. The entry comes back with the sandbox's new ``version``,
    or None if the sandbox was purged meanwhile.
    """
    note = record.note or ("" if record.events else NO_SIGNALS_NOTE)
    events = event_dicts(record)
    entry = LogEntry(
        sandbox_id=record.sandbox_id,
        label=record.label[:300],
        scenario=record.scenario,
        note=note[:300],
        error=record.error,
        events=events,
        database=[step.as_dict() for step in record.database[:MAX_DATABASE_STEPS]],
        event_count=len(events),
    )
    try:
        # bulk_create() sends no signals: a catch-all receiver (like
        # receivers.any_model_saved) hears the learner's saves, not the log's.
        LogEntry.objects.bulk_create([entry])
    except IntegrityError:
        return None  # the sandbox was purged meanwhile
    entry.version = touch(record.sandbox_id)
    if entry.version is None:
        # Purged meanwhile, inside a transaction that checks the foreign
        # key only when it ends: take the orphaned entry back now.
        LogEntry.objects.filter(pk=entry.pk).delete()
        return None
    return entry


def touch(sandbox_id: int) -> int | None:
    """Tell open pages that this sandbox changed: bump its version and return
    the new one, or None when the sandbox no longer exists."""
    sandbox = Sandbox.objects.filter(pk=sandbox_id)
    if not sandbox.update(version=F("version") + 1):
        return None
    # A second statement: another change may bump the version again before
    # this read, so it can be newer than ours, never older. The in-place
    # create answer then finds the page more than one change behind and
    # sends the whole panel, and a tidy (performing.TIDY_EVERY) may wait
    # for a later change.
    return sandbox.values_list("version", flat=True).first()


def trim(sandbox_id: int, keep: int | None = None) -> None:
    """Delete the sandbox's oldest log entries: keep the newest ones whose
    events add up to at most ``keep`` (default ``MAX_EVENTS``), and no more
    than ``MAX_ENTRIES`` of them. The newest entry is always kept whole."""
    keep = MAX_EVENTS if keep is None else keep
    newest_first = (
        LogEntry.objects.filter(sandbox_id=sandbox_id)
        .order_by("-id")
        .values_list("id", "event_count")
    )
    total = 0
    for index, (entry_id, event_count) in enumerate(newest_first):
        total += event_count
        if index and (total > keep or index >= MAX_ENTRIES):
            LogEntry.objects.filter(sandbox_id=sandbox_id, id__lte=entry_id).delete()
            return


def page(
    sandbox: Sandbox, before: int | None = None, down_to: int | None = None
) -> tuple[list[LogEntry], int | None]:
    """The newest log entries older than ``before`` (all, without it), newest
    first: up to ``RECENT_ENTRIES`` of them whose events add up to at most
    ``PAGE_EVENTS``; the first one is shown whole, however long. With
    ``down_to``, every entry from the newest down to that id instead (a page
    that loaded older entries keeps them). Also the id to continue from, or
    None when no older entry is left."""
    entries = LogEntry.objects.filter(sandbox=sandbox).order_by("-id")
    if before is not None:
        entries = entries.filter(id__lt=before)
    if down_to is not None:
        shown = list(entries.filter(id__gte=down_to))
        if shown:
            older = entries.filter(id__lt=shown[-1].pk).exists()
            return shown, shown[-1].pk if older else None
    # Sizes first, then only the entries shown: a page shows a few of the
    # RECENT_ENTRIES it considers, and each entry's events are JSON to decode.
    shown_ids, events, older_than = [], 0, None
    for entry_id, event_count in entries.values_list("id", "event_count")[: RECENT_ENTRIES + 1]:
        events += event_count
        if shown_ids and (events > PAGE_EVENTS or len(shown_ids) == RECENT_ENTRIES):
            older_than = shown_ids[-1]
            break
        shown_ids.append(entry_id)
    return list(entries.filter(id__in=shown_ids)), older_than


def clear(sandbox: Sandbox) -> None:
    LogEntry.objects.filter(sandbox=sandbox).delete()
