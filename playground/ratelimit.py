"""Fixed-window rate limits, counted in the database.

``hit("sandbox:12", limit=120, window=60)`` records one hit and says
whether it is within the limit. Every worker process and every server sees
the same counters, so a visitor cannot get around a limit by being sent to
another worker.
"""

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from playground.models import RateWindow


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int
    limit: int
    retry_after: int  # seconds until the window ends


def client_address(request: HttpRequest) -> str:
    """The address a per-client limit counts against.

    Without trusted proxies (``TUTORIAL_TRUSTED_PROXIES=0``) it is the
    connection's own address: X-Forwarded-For is ignored, because any client
    can send one. Behind n proxies, every visitor connects from the nearest
    proxy's address, and each proxy appends the address it was connected
    from, so the client is the n-th address from the right; the addresses
    further left came from the client and prove nothing. A missing, short or
    malformed header falls back to the connection's address.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TUTORIAL_TRUSTED_PROXIES
    if proxies == 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


def _window_start(now: datetime, window: int) -> datetime:
    seconds = int(now.timestamp()) // window * window
    return datetime.fromtimestamp(seconds, tz=UTC)


def hit(key: str, *, limit: int, window: int, now: datetime | None = None) -> Verdict:
    now = now or datetime.now(tz=UTC)
    start = _window_start(now, window)
    hits = _count_one(key, start)
    retry_after = max(1, int(start.timestamp()) + window - int(now.timestamp()))
    return Verdict(allowed=hits <= limit, hits=hits, limit=limit, retry_after=retry_after)


def _count_one(key: str, start: datetime) -> int:
    """Add one hit to the window and return its total, in one statement.

    Every playground action counts a hit, so this write must be short: an
    upsert takes SQLite's single write lock once and briefly, and is atomic
    on PostgreSQL without a transaction around it. (The ORM has no
    increment-or-create that returns the new value.)
    """
    quote = connection.ops.quote_name
    table = quote(RateWindow._meta.db_table)
    key_column, start_column, hits_column = (
        quote(RateWindow._meta.get_field(name).column) for name in ("key", "window_start", "hits")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {start_column}, {hits_column}) "
            f"VALUES (%s, %s, 1) "
            f"ON CONFLICT ({key_column}, {start_column}) "
            f"DO UPDATE SET {hits_column} = {table}.{hits_column} + 1 "
            f"RETURNING {hits_column}",
            [key, connection.ops.adapt_datetimefield_value(start)],
        )
        return cursor.fetchone()[0]


def forget_before(moment: datetime) -> int:
    """Delete windows that started before ``moment``; returns how many."""
    deleted, _ = RateWindow.objects.filter(window_start__lt=moment).delete()
    return deleted
