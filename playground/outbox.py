"""The sandbox's outbox: where receivers "send" e-mail.

Nothing leaves the machine. Each sandbox keeps its newest ``MAX_EMAILS``
messages (``trim``), and the page shows the newest ``RECENT_EMAILS``
beside the log.

Like real e-mail, sending cannot be rolled back. Inside a playground action
(``collecting()``), ``send`` keeps the e-mail in memory, and
``performing.store`` writes it with the action's log afterwards, whatever
the action's transactions did. Anywhere else it is stored at once.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from playground.models import OutboxEmail
from playground.rows import insert_rows

MAX_EMAILS = 50
RECENT_EMAILS = 10

# The e-mails sent inside ``collecting()``, like ``django.core.mail.outbox``
# in Django's tests.
_collected: ContextVar[list[OutboxEmail] | None] = ContextVar("outbox_collected", default=None)


def send(sandbox_id: int, *, to: str, subject: str, body: str) -> OutboxEmail:
    email = OutboxEmail(sandbox_id=sandbox_id, to=to[:120], subject=subject[:200], body=body)
    collected = _collected.get()
    if collected is None:
        email.save()
    else:
        collected.append(email)
    return email


def deliver(emails: list[OutboxEmail]) -> None:
    """Store e-mails collected during an action; each gets its id."""
    for email in emails:
        insert_rows([email])


@contextmanager
def collecting() -> Iterator[list[OutboxEmail]]:
    """Yield a list that fills with the e-mails sent inside the block; the
    caller delivers them."""
    collected: list[OutboxEmail] = []
    token = _collected.set(collected)
    try:
        yield collected
    finally:
        _collected.reset(token)


def trim(sandbox_id: int) -> None:
    """Delete all but the sandbox's newest ``MAX_EMAILS`` e-mails."""
    newest = OutboxEmail.objects.filter(sandbox_id=sandbox_id).order_by("-pk")
    stale = list(newest.values_list("pk", flat=True)[MAX_EMAILS:])
    if stale:
        OutboxEmail.objects.filter(pk__in=stale).delete()


def recent(sandbox_id: int, limit: int = RECENT_EMAILS) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(sandbox_id=sandbox_id).order_by("-pk")[:limit])
