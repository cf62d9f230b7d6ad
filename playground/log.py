"""Store recorded actions in the database, and read them back for the page.

The recorder (``recording.py``) produces plain records; this module writes
them per sandbox, keeps the newest ``MAX_EVENTS`` events, and bumps the
sandbox's version so open pages know to refresh.
"""

from django.db import connection, transaction

from playground.models import Action, Sandbox, SignalEvent
from playground.recording import ActionRecord

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
        _insert([action])
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
            _insert(action.event_list)
    action.version = version
    return action


def _insert(rows: list[Action] | list[SignalEvent]) -> None:
    """INSERT new log rows in one statement, sending no signals.

    Every action writes the log, so this is the hottest write in the site;
    plain SQL skips ``bulk_create()``'s query compiler, which costs more
    than the inserts themselves (see docs/benchmarks.md). Each value goes
    through its field's own preparation, so JSON and dates are stored
    exactly as the ORM stores them. A single row gets its id back.
    """
    model = type(rows[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    values = [
        [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields]
        for row in rows
    ]
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(f"{sql} RETURNING {quote(model._meta.pk.column)}", values[0])
            rows[0].pk = cursor.fetchone()[0]
        else:
            cursor.executemany(sql, values)
    for row in rows:
        row._state.adding = False


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
