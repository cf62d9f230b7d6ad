"""Run one learner action under the recorder, then store what it recorded.

This is the only place where the three parts meet: a service function does
the work, ``recording`` collects the signals it sends, ``log`` stores them.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import ObjectDoesNotExist, ObjectNotUpdated
from django.db import IntegrityError

from playground import log, outbox, recording
from playground.models import Article, LogEntry, OutboxEmail, Product, Review, Sandbox, Tag
from playground.services import Refused

# Trimming the log and the outbox is bookkeeping, not part of an action, so
# only every TIDY_EVERY-th change of a sandbox pays for it. Between two tidies
# a sandbox may hold a few actions' worth more than the limits.
TIDY_EVERY = 10


def store(record: recording.RecordedAction, emails: Sequence[OutboxEmail] = ()) -> LogEntry | None:
    """Save a recorded action as a log entry, and the e-mails its receivers
    sent; every TIDY_EVERY-th change, trim the sandbox.

    Each is one short statement of its own, with no transaction around
    them: on SQLite a transaction holds the single write lock across
    Python code, and every other writer waits for it. The e-mails go
    first, the log last, because saving the log tells open pages to look.
    """
    try:
        outbox.deliver(emails)
    except IntegrityError:
        return None  # the sandbox was purged meanwhile
    entry = log.save_entry(record)
    if entry is None:
        # Purged meanwhile, inside a transaction that checks foreign keys
        # only when it ends: take the e-mails back too.
        OutboxEmail.objects.filter(pk__in=[email.pk for email in emails if email.pk]).delete()
        return None
    if entry.version % TIDY_EVERY == 0:
        log.trim(record.sandbox_id)
        outbox.trim(record.sandbox_id)
    return entry


@dataclass
class Outcome:
    result: Any = None
    # A message for the learner when the action did not complete: a receiver
    # raised, a limit was reached, a record was gone. Bugs are not caught here.
    error: str = ""
    # The HTTP status for that error, and whether the action was refused
    # before it wrote anything (services.Refused, or a record deleted meanwhile).
    status: int = 409
    refused: bool = False
    # The stored log entry, with its events and the sandbox's new version
    # (None if the sandbox was purged meanwhile).
    entry: LogEntry | None = None
    # The e-mails receivers sent during the action, oldest first (each
    # with its pk once stored).
    emails: list[OutboxEmail] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


def _raised_by_a_receiver(error: Exception, record: recording.RecordedAction) -> bool:
    # The very exception a receiver raised, not merely "some receiver failed"
    # (send_robust() may have caught that one already).
    return any(run.exception is error for event in record.events for run in event.receivers)


def _deleted_meanwhile(error: Exception) -> str | None:
    """The kind of sandbox record the action found deleted (in another tab):
    Django raises Model.DoesNotExist, or Model.NotUpdated when an update
    found no row; the services raise the same for a delete or a link."""
    if not isinstance(error, ObjectDoesNotExist | ObjectNotUpdated):
        return None
    for model in (Product, Review, Article, Tag):
        if isinstance(error, model.DoesNotExist | model.NotUpdated):
            return str(model._meta.verbose_name)
    return None


def _explain(error: Exception, record: recording.RecordedAction) -> str | None:
    if isinstance(error, Refused):
        return str(error)
    if _raised_by_a_receiver(error, record):
        return (
            f"A receiver raised {recording.error_text(error)}. "
            "The log shows every signal up to the error."
        )
    if kind := _deleted_meanwhile(error):
        return f"This {kind} was deleted (in another tab?), so nothing was changed."
    return None


def _refused_with(error: Exception, record: recording.RecordedAction) -> int | None:
    """The HTTP status of an action refused before it wrote anything (a
    services.Refused, or a record deleted meanwhile: 404), else None."""
    if isinstance(error, Refused):
        return error.status
    if _deleted_meanwhile(error) and not _raised_by_a_receiver(error, record):
        return 404
    return None


def perform(
    sandbox: Sandbox, label: str, call: Callable[[], Any], *, scenario: str = ""
) -> Outcome:
    """Run ``call`` as one logged action and return what happened."""
    outcome = Outcome()
    try:
        with (
            outbox.collecting(sandbox.pk) as outcome.emails,
            recording.record_action(sandbox.pk, label, scenario=scenario) as record,
        ):
            outcome.result = call()
    except Exception as error:
        message = _explain(error, record)
        if message is None:
            store(record, outcome.emails)
            raise
        outcome.error = message
        if status := _refused_with(error, record):
            outcome.status, outcome.refused = status, True
    outcome.entry = store(record, outcome.emails)
    return outcome


async def aperform(sandbox: Sandbox, label: str, call, *, scenario: str = "") -> Outcome:
    """``perform`` for a coroutine function (the async view)."""
    outcome = Outcome()
    try:
        with (
            outbox.collecting(sandbox.pk) as outcome.emails,
            recording.record_action(sandbox.pk, label, scenario=scenario) as record,
        ):
            async with recording.database_of_the_sync_thread():
                outcome.result = await call()
    except Exception as error:
        message = _explain(error, record)
        if message is None:
            await sync_to_async(store)(record, outcome.emails)
            raise
        outcome.error = message
        if status := _refused_with(error, record):
            outcome.status, outcome.refused = status, True
    outcome.entry = await sync_to_async(store)(record, outcome.emails)
    return outcome
