"""Store recorded actions in the database, and read them back for the page.

The recorder (``recording.py``) produces plain records; this module writes
them per sandbox, keeps the newest ``MAX_EVENTS`` events, and bumps the
sandbox's version so open pages know to refresh.
"""

from django.db import connection, transaction

from playground.models import Action, Sandbox, SignalEvent
from playground.recording import ActionRecord
from playground.rows import insert_rows

MAX_EVENTS = 500
# How many actions the page shows.
RECENT_ACTIONS = 40
NO_SIGNALS_NOTE = "No signals sent."


def save_action(record: ActionRecord) -> Action | None:
    """Write one action and its events (``performing.store`` also trims).

    Runs in its own transaction. Callers store the record after the block
    that produced it, so a rollback there never takes the log with it.
    The action comes back with its events (``event_list``) and the
    sandbox's new ``version``, ready to render without another query.
    """
    note = record.note or ("" if record.events else NO_SIGNALS_NOTE)
    action = Action(
        sandbox_id=record.sandbox_id,
        label=record.label[:300],
        scenario=record.scenario,
        note=note[:300],
        error=record.error,
    )
    # No savepoint when the caller's transaction (performing.store) holds it.
    with transaction.atomic(savepoint=False):
        version = touch(record.sandbox_id)
        if version is None:
            return None  # the sandbox was purged meanwhile
        insert_rows([action])
        action.event_list = [
            SignalEvent(
                sandbox_id=record.sandbox_id,
                action=action,
                position=position,
                depth=event.depth,
                signal=event.signal,
                sender=event.sender[:120],
                arguments=[list(pair) for pair in event.arguments],
                receivers=[run.as_dict() for run in event.receivers],
            )
            for position, event in enumerate(record.events, start=1)
        ]
        if action.event_list:
            insert_rows(action.event_list)
    action.version = version
    return action


def touch(sandbox_id: int) -> int | None:
    """Tell open pages that this sandbox changed: bump its version and return
    the new one, or None when the sandbox no longer exists.

    One statement does both, and it locks the sandbox's row until the
    caller's transaction ends, so a purge cannot slip in between.
    """
    # Plain SQL: the ORM's update() cannot return the new value.
    table = connection.ops.quote_name(Sandbox._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET version = version + 1 WHERE id = %s RETURNING version",
            [sandbox_id],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def trim(sandbox_id: int, keep: int | None = None) -> None:
    """Delete all but the newest ``keep`` (default ``MAX_EVENTS``) events,
    and every action older than the oldest event kept."""
    keep = MAX_EVENTS if keep is None else keep
    boundary = list(
        SignalEvent.objects.filter(sandbox_id=sandbox_id)
        .order_by("-id")
        .values_list("id", flat=True)[keep : keep + 1]
    )
    if not boundary:
        return
    SignalEvent.objects.filter(sandbox_id=sandbox_id, id__lte=boundary[0]).delete()
    oldest_kept = (
        SignalEvent.objects.filter(sandbox_id=sandbox_id)
        .order_by("id")
        .values_list("action_id", flat=True)
        .first()
    )
    stale = Action.objects.filter(sandbox_id=sandbox_id)
    if oldest_kept is not None:
        # Actions that sent no signal are kept while they are newer.
        stale = stale.filter(id__lt=oldest_kept)
    stale.delete()


def recent_actions(sandbox: Sandbox, limit: int = RECENT_ACTIONS) -> list[Action]:
    """The newest actions with their events, newest first."""
    actions = list(Action.objects.filter(sandbox=sandbox).order_by("-id")[:limit])
    events = SignalEvent.objects.filter(action__in=[action.pk for action in actions]).order_by(
        "action_id", "position"
    )
    by_action: dict[int, list[SignalEvent]] = {action.pk: [] for action in actions}
    for event in events:
        by_action[event.action_id].append(event)
    for action in actions:
        action.event_list = by_action[action.pk]
    return actions


def clear(sandbox: Sandbox) -> None:
    Action.objects.filter(sandbox=sandbox).delete()
