"""Run one learner action under the recorder, then store what it recorded.

This is the only place where the three parts meet: a service function does
the work, ``recording`` collects the signals it sends, ``log`` stores them.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.db import IntegrityError

from playground import log, outbox, recording
from playground.models import Action, OutboxEmail, Sandbox
from playground.services import LimitReached

# Trimming the log and the outbox is bookkeeping, not part of an action, so
# only every TIDY_EVERY-th change of a sandbox pays for it. Between two tidies
# a sandbox may hold a few actions' worth more than the limits.
TIDY_EVERY = 10


def store(record: recording.ActionRecord, emails: Sequence[OutboxEmail] = ()) -> Action | None:
    """Save a recorded action and the e-mails its receivers sent; every
    TIDY_EVERY-th change, trim the sandbox.

    Each is one short statement of its own, with no transaction around
    them: on SQLite a transaction holds the single write lock across
    Python code, and every other writer waits for it. The e-mails go
    first, the log last, because saving the log tells open pages to look.
    """
    try:
        outbox.deliver(list(emails))
    except IntegrityError:
        return None  # the sandbox was purged meanwhile
    action = log.save_action(record)
    if action is None:
        # Purged meanwhile, inside a transaction that checks foreign keys
        # only when it ends: take the e-mails back too.
        OutboxEmail.objects.filter(pk__in=[email.pk for email in emails if email.pk]).delete()
        return None
    if action.version % TIDY_EVERY == 0:
        log.trim(record.sandbox_id)
        outbox.trim(record.sandbox_id)
    return action


@dataclass
class Outcome:
    result: Any = None
    # A message for the learner when the action did not complete: a receiver
    # raised, or a limit was reached. Bugs are not caught here.
    error: str = ""
    # The stored log entry, with its events and the sandbox's new version
    # (None if the sandbox was purged meanwhile).
    action: Action | None = None
    # The e-mails receivers sent during the action, oldest first.
    emails: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


def _raised_by_a_receiver(error: Exception, record: recording.ActionRecord) -> bool:
    # The very exception a receiver raised, not merely "some receiver failed"
    # (send_robust() may have caught that one already).
    return any(run.exception is error for event in record.events for run in event.receivers)


def _explain(error: Exception, record: recording.ActionRecord) -> str | None:
    if isinstance(error, LimitReached):
        return str(error)
    if _raised_by_a_receiver(error, record):
        return (
            f"A receiver raised {recording.error_text(error)}. "
            "The log shows every signal up to the error."
        )
    return None


def perform(
    sandbox: Sandbox, label: str, call: Callable[[], Any], *, scenario: str = ""
) -> Outcome:
    """Run ``call`` as one logged action and return what happened."""
    outcome = Outcome()
    try:
        with (
            outbox.collecting() as outcome.emails,
            recording.action(sandbox.pk, label, scenario=scenario) as record,
        ):
            outcome.result = call()
    except Exception as error:
        message = _explain(error, record)
        if message is None:
            store(record, outcome.emails)
            raise
        outcome.error = message
    outcome.action = store(record, outcome.emails)
    return outcome


async def aperform(sandbox: Sandbox, label: str, call, *, scenario: str = "") -> Outcome:
    """``perform`` for a coroutine function (the async view)."""
    outcome = Outcome()
    try:
        with (
            outbox.collecting() as outcome.emails,
            recording.action(sandbox.pk, label, scenario=scenario) as record,
        ):
            outcome.result = await call()
    except Exception as error:
        message = _explain(error, record)
        if message is None:
            await sync_to_async(store)(record, outcome.emails)
            raise
        outcome.error = message
    outcome.action = await sync_to_async(store)(record, outcome.emails)
    return outcome
