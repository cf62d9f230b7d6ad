"""The sandbox's outbox: the site's e-mail backend.

Receivers send e-mail the Django way, with ``send_mail()``, and
``settings.MAILERS`` hands every message to ``EmailBackend`` below. It keeps
each message in the outbox of the sandbox whose action sent it, as Django's
locmem backend keeps them in ``mail.outbox`` during tests. Nothing leaves
the machine. Each sandbox keeps its newest ``MAX_EMAILS`` messages
(``trim``), and the page shows the newest ``RECENT_EMAILS`` beside the log.

Like real e-mail, sending cannot be rolled back. Inside a playground action
(``collecting()``), a message is kept in memory and ``performing.store``
writes it with the action's log afterwards, whatever the action's
transactions did. Outside one, it goes to the sandbox whose records the
request is changing (in the admin, say) and is stored at once; with no such
sandbox it goes nowhere.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from playground import recording
from playground.models import OutboxEmail

MAX_EMAILS = 50
RECENT_EMAILS = 10


@dataclass
class Collected:
    """The e-mails sent inside one ``collecting()`` block, for one sandbox."""

    sandbox_id: int
    emails: list[OutboxEmail] = field(default_factory=list)


# A ContextVar, like the recorder's: it follows the action into threads
# (sync_to_async) and tasks, and two requests never share one.
_collecting: ContextVar[Collected | None] = ContextVar("outbox_collecting", default=None)


class EmailBackend(BaseEmailBackend):
    """Keep each message in its sandbox's outbox instead of sending it."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        collected = _collecting.get()
        sandbox_id = _sandbox_being_changed() if collected is None else collected.sandbox_id
        if sandbox_id is None:
            return 0  # sent from outside the playground: no outbox to keep it in
        emails = [
            OutboxEmail(
                sandbox_id=sandbox_id,
                to=", ".join(message.to)[:120],
                subject=message.subject[:200],
                body=message.body,
            )
            for message in email_messages
        ]
        if collected is None:
            deliver(emails)
        else:
            collected.emails.extend(emails)
        return len(emails)


def _sandbox_being_changed() -> int | None:
    """Outside a playground action: the sandbox this request is changing,
    as the recorder files changes made in the admin, when it is just one."""
    current = recording.current_recording()
    changed = list(current.implicit) if current else []
    return changed[0] if len(changed) == 1 else None


@contextmanager
def collecting(sandbox_id: int) -> Iterator[list[OutboxEmail]]:
    """Yield a list that fills with the e-mails sent inside the block, each
    for ``sandbox_id``; the caller delivers them."""
    collected = Collected(sandbox_id)
    token = _collecting.set(collected)
    try:
        yield collected.emails
    finally:
        _collecting.reset(token)


def deliver(emails: Sequence[OutboxEmail]) -> None:
    """Store e-mails in one INSERT; each gets its id. ``bulk_create`` sends
    no signals: the outbox's own rows are not part of any lesson."""
    OutboxEmail.objects.bulk_create(emails)


def trim(sandbox_id: int) -> None:
    """Delete all but the sandbox's newest ``MAX_EMAILS`` e-mails."""
    newest = OutboxEmail.objects.filter(sandbox_id=sandbox_id).order_by("-pk")
    stale = list(newest.values_list("pk", flat=True)[MAX_EMAILS:])
    if stale:
        OutboxEmail.objects.filter(pk__in=stale).delete()


def recent(sandbox_id: int, limit: int = RECENT_EMAILS) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(sandbox_id=sandbox_id).order_by("-pk")[:limit])
