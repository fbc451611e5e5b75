"""Local-calendar edges (today, this month, history buckets) as epoch seconds. No Qt.

The store counts in UTC epoch seconds; the operator thinks in local days and months.
"""

from __future__ import annotations

import datetime as dt

HOUR = 3600


def _local(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts).astimezone()


def day_start(ts: float) -> int:
    """Epoch second of the local midnight that starts the day of ``ts``."""
    d = _local(ts)
    return int(d.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())


def month_start(ts: float) -> int:
    d = _local(ts)
    return int(d.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp())


def _add_months(d: dt.datetime, n: int) -> dt.datetime:
    m = d.month - 1 + n
    return d.replace(year=d.year + m // 12, month=m % 12 + 1, day=1)


def history_edges(kind: str, now: float, count: int | None = None) -> list[int]:
    """Bucket edges ending after the bucket that holds ``now``.

    ``hour``: the last 48 hours; ``day``: the last 31 local days; ``month``: the last 12
    local months. ``count`` overrides how many buckets.
    """
    if kind == "hour":
        n = count or 48
        end = int(now) - int(now) % HOUR + HOUR
        return [end - (n - i) * HOUR for i in range(n + 1)]
    if kind == "day":
        n = count or 31
        first = _local(day_start(now)).replace(tzinfo=None)
        days = [first - dt.timedelta(days=n - 1 - i) for i in range(n + 1)]
        # naive local dates -> epoch through the local zone (DST-safe)
        return [int(d.astimezone().timestamp()) for d in days]
    if kind == "month":
        n = count or 12
        first = _local(month_start(now)).replace(tzinfo=None)
        months = [_add_months(first, i - (n - 1)) for i in range(n + 1)]
        return [int(m.astimezone().timestamp()) for m in months]
    raise ValueError(f"unknown history kind {kind!r}")
