"""Fixed-window rate limits, counted in the database.

``hit("sandbox:12", limit=120, window=60)`` records one hit and says
whether it is within the limit. Every worker process and every server sees
the same counters, so a visitor cannot get around a limit by being sent to
another worker.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from playground.models import RateWindow


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int
    limit: int
    retry_after: int  # seconds until the window ends


def _window_start(now: datetime, window: int) -> datetime:
    seconds = int(now.timestamp()) // window * window
    return datetime.fromtimestamp(seconds, tz=UTC)


def hit(key: str, *, limit: int, window: int, now: datetime | None = None) -> Verdict:
    now = now or datetime.now(tz=UTC)
    start = _window_start(now, window)
    with transaction.atomic():
        updated = RateWindow.objects.filter(key=key, window_start=start).update(hits=F("hits") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateWindow.objects.create(key=key, window_start=start, hits=1)
            except IntegrityError:
                # Another process created this window first: count on it.
                RateWindow.objects.filter(key=key, window_start=start).update(hits=F("hits") + 1)
        hits = RateWindow.objects.get(key=key, window_start=start).hits
    retry_after = max(1, int(start.timestamp()) + window - int(now.timestamp()))
    return Verdict(allowed=hits <= limit, hits=hits, limit=limit, retry_after=retry_after)


def forget_before(moment: datetime) -> int:
    """Delete windows that started before ``moment``; returns how many."""
    deleted, _ = RateWindow.objects.filter(window_start__lt=moment).delete()
    return deleted
