"""Fixed-window rate limits and budgets, counted in the database.

``hit("sandbox:12", limit=120, window=60)`` records one hit and says
whether it is within the limit. ``take("image-bytes:10.0.0.1", 50_000,
limit=..., window=3600)`` counts an amount (bytes) the same way, but only
when it fits: a refused upload uses none of the budget. Every worker
process and every server sees the same counters, so a visitor cannot get
around a limit by being sent to another worker.
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


def clock() -> datetime:
    """The time windows are counted in. A function of its own, so the tests
    can hold it still: a test's requests must not straddle two windows."""
    return datetime.now(tz=UTC)


def _window_start(now: datetime, window: int) -> datetime:
    seconds = int(now.timestamp()) // window * window
    return datetime.fromtimestamp(seconds, tz=UTC)


def _retry_after(start: datetime, window: int, now: datetime) -> int:
    return max(1, int(start.timestamp()) + window - int(now.timestamp()))


def hit(key: str, *, limit: int, window: int, now: datetime | None = None) -> Verdict:
    now = now or clock()
    start = _window_start(now, window)
    hits = _add(key, start, 1)
    return Verdict(
        allowed=hits <= limit,
        hits=hits,
        limit=limit,
        retry_after=_retry_after(start, window, now),
    )


def take(key: str, amount: int, *, limit: int, window: int, now: datetime | None = None) -> Verdict:
    """Add ``amount`` to the window if the total stays within ``limit``.

    Allowed: the amount is counted, ``hits`` is the new total. Refused:
    nothing is counted, ``hits`` is the total so far.
    """
    now = now or clock()
    start = _window_start(now, window)
    total = _add(key, start, amount, ceiling=limit) if amount <= limit else None
    if total is None:
        counted = RateWindow.objects.filter(key=key, window_start=start).first()
        total = counted.hits if counted else 0
        allowed = False
    else:
        allowed = True
    return Verdict(
        allowed=allowed, hits=total, limit=limit, retry_after=_retry_after(start, window, now)
    )


def _add(key: str, start: datetime, amount: int, *, ceiling: int | None = None) -> int | None:
    """Add ``amount`` to the window and return its total, in one statement.

    Every playground action counts a hit, so this write must be short: an
    upsert takes SQLite's single write lock once and briefly, and is atomic
    on PostgreSQL without a transaction around it. (The ORM has no
    increment-or-create that returns the new value.) With a ``ceiling``, a
    total that would pass it is not written, and the answer is ``None``:
    checking and adding in one statement means two uploads at once cannot
    both squeeze under the limit.
    """
    quote = connection.ops.quote_name
    table = quote(RateWindow._meta.db_table)
    key_column, start_column, hits_column = (
        quote(RateWindow._meta.get_field(name).column) for name in ("key", "window_start", "hits")
    )
    params = [key, connection.ops.adapt_datetimefield_value(start), amount, amount]
    only_within = ""
    if ceiling is not None:
        only_within = f"WHERE {table}.{hits_column} + %s <= %s "
        params += [amount, ceiling]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {start_column}, {hits_column}) "
            f"VALUES (%s, %s, %s) "
            f"ON CONFLICT ({key_column}, {start_column}) "
            f"DO UPDATE SET {hits_column} = {table}.{hits_column} + %s "
            f"{only_within}"
            f"RETURNING {hits_column}",
            params,
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def forget_before(moment: datetime) -> int:
    """Delete windows that started before ``moment``; returns how many."""
    deleted, _ = RateWindow.objects.filter(window_start__lt=moment).delete()
    return deleted
