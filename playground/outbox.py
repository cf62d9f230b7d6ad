"""The sandbox's outbox: where receivers "send" e-mail.

Nothing leaves the machine. Each sandbox keeps its newest ``MAX_EMAILS``
messages, and the page shows them beside the log.
"""

from playground.models import OutboxEmail

MAX_EMAILS = 50


def send(sandbox_id: int, *, to: str, subject: str, body: str) -> OutboxEmail:
    email = OutboxEmail.objects.create(
        sandbox_id=sandbox_id, to=to[:120], subject=subject[:200], body=body
    )
    stale = OutboxEmail.objects.filter(sandbox_id=sandbox_id).order_by("-pk")[MAX_EMAILS:]
    OutboxEmail.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
    return email


def recent(sandbox_id: int, limit: int = 10) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(sandbox_id=sandbox_id).order_by("-pk")[:limit])
