"""Monitor tables (probe results, outages, router state): see issue #4 and docs/monitor.md.

Owned by the monitor work; defines ``migrations`` applied by ``schema.migrate``. The
monitor package writes and reads these tables only through the functions here.

Tables:

- ``monitor_outages``: one row per outage (start, end — NULL while it lasts —, cause).
  Kept forever: billing credits customers from them.
- ``monitor_events``: dated events (router reboots, outage start/end, probe errors).
- ``monitor_samples``: per probed target and recording period (default a minute): probes
  sent/answered and round-trip figures in integer microseconds.
- ``monitor_traffic``: per interface and period: byte, error and drop deltas, from the host
  (psutil) or the router (SNMP).
- ``monitor_status``: the live status document the running monitor rewrites every few
  seconds (JSON), read by ``status --json`` and the GUI.

Times are epoch seconds: integers in the tables, except ``monitor_status.updated`` (REAL).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

if TYPE_CHECKING:
    from .db import Store

__all__ = [
    "add_events",
    "close_outage",
    "close_stale_outages",
    "current_outage",
    "database_path",
    "events",
    "migrations",
    "open_outage",
    "outages",
    "prune",
    "read_status",
    "samples",
    "set_outage_cause",
    "traffic",
    "write_samples",
    "write_status",
]

migrations = Migrations("hotspot_manager.monitor")

LIVE = "live"
_FAR_PAST = -(2**62)
_FAR_FUTURE = 2**62


@migrations()
def m001_monitor(db: Database) -> None:
    for sql in (
        """CREATE TABLE monitor_outages (
    id INTEGER PRIMARY KEY,
    start INTEGER NOT NULL,
    "end" INTEGER,
    cause TEXT NOT NULL,
    detail TEXT,
    end_reason TEXT
)""",
        "CREATE INDEX idx_monitor_outages_start ON monitor_outages (start)",
        'CREATE INDEX idx_monitor_outages_open ON monitor_outages ("end") WHERE "end" IS NULL',
        """CREATE TABLE monitor_events (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT
)""",
        "CREATE INDEX idx_monitor_events_ts ON monitor_events (ts)",
        """CREATE TABLE monitor_samples (
    ts INTEGER NOT NULL,
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    role TEXT NOT NULL,
    sent INTEGER NOT NULL,
    received INTEGER NOT NULL,
    rtt_avg_us INTEGER,
    rtt_min_us INTEGER,
    rtt_max_us INTEGER,
    jitter_us INTEGER,
    PRIMARY KEY (ts, target)
) WITHOUT ROWID""",
        """CREATE TABLE monitor_traffic (
    ts INTEGER NOT NULL,
    source TEXT NOT NULL,
    interface TEXT NOT NULL,
    role TEXT,
    seconds INTEGER NOT NULL,
    rx_bytes INTEGER,
    tx_bytes INTEGER,
    rx_errors INTEGER,
    tx_errors INTEGER,
    rx_drops INTEGER,
    tx_drops INTEGER,
    PRIMARY KEY (ts, source, interface)
) WITHOUT ROWID""",
        """CREATE TABLE monitor_status (
    key TEXT PRIMARY KEY,
    updated REAL NOT NULL,
    doc TEXT NOT NULL
)""",
    ):
        db.execute(sql)


# ----------------------------------------------------------------------------- plumbing


def database_path(store: Store) -> str:
    """The file behind ``store`` (so another thread can open its own connection)."""
    for _seq, name, file in store._conn.execute("PRAGMA database_list"):
        if name == "main":
            if not file:
                raise ValueError("the store is in memory; the monitor needs a database file")
            return str(file)
    raise ValueError("the store has no main database")


def _rows(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# ----------------------------------------------------------------------------- status


def write_status(store: Store, doc: dict, updated: float | None = None) -> None:
    """Replace the live status document."""
    updated = time.time() if updated is None else updated
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    with store._write() as conn:
        conn.execute(
            "INSERT INTO monitor_status (key, updated, doc) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET updated = excluded.updated, doc = excluded.doc",
            (LIVE, updated, text),
        )


def read_status(store: Store) -> tuple[float, dict] | None:
    """(updated, document) of the live status, or None if no monitor ever ran."""
    row = store._conn.execute(
        "SELECT updated, doc FROM monitor_status WHERE key = ?", (LIVE,)
    ).fetchone()
    if row is None:
        return None
    try:
        return float(row[0]), json.loads(row[1])
    except ValueError:
        return None


# ----------------------------------------------------------------------------- outages


def _outage_dict(row: dict[str, Any], now: float, lo: int | None, hi: int | None) -> dict:
    start, end = row["start"], row["end"]
    stop = end if end is not None else int(now)
    out = {
        "id": row["id"],
        "start": start,
        "end": end,
        "duration": max(0, stop - start),
        "cause": row["cause"],
        "detail": row["detail"],
        "ongoing": end is None,
        "end_reason": row["end_reason"],
    }
    if lo is not None or hi is not None:
        a = max(start, _FAR_PAST if lo is None else lo)
        b = min(stop, _FAR_FUTURE if hi is None else hi)
        out["overlap_seconds"] = max(0, b - a)
    return out


def open_outage(store: Store, start: float, cause: str, detail: str | None = None) -> int:
    """Record the start of an outage; returns its id."""
    with store._write() as conn:
        cur = conn.execute(
            'INSERT INTO monitor_outages (start, "end", cause, detail) VALUES (?, NULL, ?, ?)',
            (int(start), cause, detail),
        )
        return int(cur.lastrowid)  # type: ignore[arg-type]


def set_outage_cause(store: Store, outage_id: int, cause: str, detail: str | None) -> None:
    with store._write() as conn:
        conn.execute(
            "UPDATE monitor_outages SET cause = ?, detail = ? WHERE id = ?",
            (cause, detail, outage_id),
        )


def close_outage(store: Store, outage_id: int, end: float, reason: str = "recovered") -> None:
    """Record the end of an outage (rounded up to the second, never before its start)."""
    end_s = int(-(-end // 1))
    with store._write() as conn:
        conn.execute(
            'UPDATE monitor_outages SET "end" = max(start, ?), end_reason = ? '
            'WHERE id = ? AND "end" IS NULL',
            (end_s, reason, outage_id),
        )


def close_stale_outages(store: Store, reason: str = "monitor_stopped") -> int:
    """Close outages left open by a monitor that died (power cut) at its last sign of life.

    The end is the last time that monitor wrote its status (the outage is known to have
    lasted until then, not beyond); returns how many were closed.
    """
    last = read_status(store)
    with store._write() as conn:
        if last is None:
            cur = conn.execute(
                'UPDATE monitor_outages SET "end" = start, end_reason = ? WHERE "end" IS NULL',
                (reason,),
            )
        else:
            cur = conn.execute(
                'UPDATE monitor_outages SET "end" = max(start, ?), end_reason = ? '
                'WHERE "end" IS NULL',
                (int(last[0]), reason),
            )
        return cur.rowcount


def current_outage(store: Store, now: float | None = None) -> dict | None:
    """The outage going on (the latest open one), or None."""
    now = time.time() if now is None else now
    cur = store._conn.execute(
        'SELECT id, start, "end", cause, detail, end_reason FROM monitor_outages '
        'WHERE "end" IS NULL ORDER BY start DESC LIMIT 1'
    )
    rows = _rows(cur)
    return _outage_dict(rows[0], now, None, None) if rows else None


def outages(
    store: Store,
    since: float | None = None,
    until: float | None = None,
    now: float | None = None,
) -> list[dict]:
    """Outages that overlap [since, until), oldest first, for billing credits and alerts.

    Each: ``id``, ``start``, ``end`` (None while ongoing), ``duration`` (seconds, up to now
    while ongoing), ``cause`` (``router_unreachable``, ``internet_unreachable`` or
    ``dns_failing``), ``detail``, ``ongoing``, ``end_reason`` (``recovered`` or
    ``monitor_stopped``: the monitor stopped, so the outage lasted *at least* that long),
    and, when a range is given, ``overlap_seconds`` inside it.
    """
    now = time.time() if now is None else now
    lo = None if since is None else int(since)
    hi = None if until is None else int(until)
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"since ({since}) is after until ({until})")
    with store._read() as conn:
        cur = conn.execute(
            'SELECT id, start, "end", cause, detail, end_reason FROM monitor_outages '
            'WHERE start < ? AND coalesce("end", ?) > ? ORDER BY start, id',
            (
                _FAR_FUTURE if hi is None else hi,
                _FAR_FUTURE,
                _FAR_PAST if lo is None else lo,
            ),
        )
        rows = _rows(cur)
    out = [_outage_dict(r, now, lo, hi) for r in rows]
    if lo is not None or hi is not None:
        # an outage that ended at exactly `since` does not overlap; one of zero length does
        # (a monitor stopped right at its start): keep only those with some time inside
        out = [o for o in out if o["overlap_seconds"] > 0 or o["duration"] == 0]
    return out


# ----------------------------------------------------------------------------- events


def add_events(store: Store, items: Iterable[tuple[float, str, str | None]]) -> None:
    """Record (ts, kind, detail) events."""
    rows = [(int(ts), kind, detail) for ts, kind, detail in items]
    if not rows:
        return
    with store._write() as conn:
        conn.executemany("INSERT INTO monitor_events (ts, kind, detail) VALUES (?, ?, ?)", rows)


def events(
    store: Store,
    since: float | None = None,
    until: float | None = None,
    kind: str | None = None,
) -> list[dict]:
    lo = _FAR_PAST if since is None else int(since)
    hi = _FAR_FUTURE if until is None else int(until)
    with store._read() as conn:
        cur = conn.execute(
            "SELECT id, ts, kind, detail FROM monitor_events "
            "WHERE ts >= ? AND ts < ? AND (? IS NULL OR kind = ?) ORDER BY ts, id",
            (lo, hi, kind, kind),
        )
        return _rows(cur)


# ----------------------------------------------------------------------------- samples

SAMPLE_COLUMNS = (
    "ts",
    "target",
    "kind",
    "role",
    "sent",
    "received",
    "rtt_avg_us",
    "rtt_min_us",
    "rtt_max_us",
    "jitter_us",
)
TRAFFIC_COLUMNS = (
    "ts",
    "source",
    "interface",
    "role",
    "seconds",
    "rx_bytes",
    "tx_bytes",
    "rx_errors",
    "tx_errors",
    "rx_drops",
    "tx_drops",
)


def write_samples(
    store: Store,
    sample_rows: Sequence[Sequence[Any]],
    traffic_rows: Sequence[Sequence[Any]] = (),
    status: tuple[float, dict] | None = None,
) -> None:
    """One recording period in one transaction (rows in ``*_COLUMNS`` order)."""
    with store._write() as conn:
        if sample_rows:
            conn.executemany(
                "INSERT INTO monitor_samples (ts, target, kind, role, sent, received, "
                "rtt_avg_us, rtt_min_us, rtt_max_us, jitter_us) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(ts, target) DO UPDATE SET sent = sent + excluded.sent, "
                "received = received + excluded.received, rtt_avg_us = excluded.rtt_avg_us, "
                "rtt_min_us = min(coalesce(rtt_min_us, excluded.rtt_min_us), "
                "excluded.rtt_min_us), rtt_max_us = max(coalesce(rtt_max_us, "
                "excluded.rtt_max_us), excluded.rtt_max_us), jitter_us = excluded.jitter_us",
                [tuple(r) for r in sample_rows],
            )
        if traffic_rows:
            conn.executemany(
                "INSERT INTO monitor_traffic (ts, source, interface, role, seconds, rx_bytes, "
                "tx_bytes, rx_errors, tx_errors, rx_drops, tx_drops) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(ts, source, interface) DO UPDATE SET "
                "seconds = seconds + excluded.seconds, "
                "rx_bytes = coalesce(rx_bytes, 0) + coalesce(excluded.rx_bytes, 0), "
                "tx_bytes = coalesce(tx_bytes, 0) + coalesce(excluded.tx_bytes, 0), "
                "rx_errors = coalesce(rx_errors, 0) + coalesce(excluded.rx_errors, 0), "
                "tx_errors = coalesce(tx_errors, 0) + coalesce(excluded.tx_errors, 0), "
                "rx_drops = coalesce(rx_drops, 0) + coalesce(excluded.rx_drops, 0), "
                "tx_drops = coalesce(tx_drops, 0) + coalesce(excluded.tx_drops, 0)",
                [tuple(r) for r in traffic_rows],
            )
        if status is not None:
            conn.execute(
                "INSERT INTO monitor_status (key, updated, doc) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET updated = excluded.updated, doc = excluded.doc",
                (LIVE, status[0], json.dumps(status[1], separators=(",", ":"), allow_nan=False)),
            )


def samples(
    store: Store, since: float | None = None, until: float | None = None, target: str | None = None
) -> list[dict]:
    lo = _FAR_PAST if since is None else int(since)
    hi = _FAR_FUTURE if until is None else int(until)
    with store._read() as conn:
        cur = conn.execute(
            "SELECT ts, target, kind, role, sent, received, rtt_avg_us, rtt_min_us, "
            "rtt_max_us, jitter_us FROM monitor_samples "
            "WHERE ts >= ? AND ts < ? AND (? IS NULL OR target = ?) ORDER BY ts, target",
            (lo, hi, target, target),
        )
        return _rows(cur)


def traffic(store: Store, since: float | None = None, until: float | None = None) -> list[dict]:
    lo = _FAR_PAST if since is None else int(since)
    hi = _FAR_FUTURE if until is None else int(until)
    with store._read() as conn:
        cur = conn.execute(
            "SELECT ts, source, interface, role, seconds, rx_bytes, tx_bytes, rx_errors, "
            "tx_errors, rx_drops, tx_drops FROM monitor_traffic "
            "WHERE ts >= ? AND ts < ? ORDER BY ts, source, interface",
            (lo, hi),
        )
        return _rows(cur)


def prune(store: Store, before: float) -> int:
    """Delete samples, traffic and events older than ``before`` (outages are kept)."""
    b = int(before)
    with store._write() as conn:
        n = conn.execute("DELETE FROM monitor_samples WHERE ts < ?", (b,)).rowcount
        n += conn.execute("DELETE FROM monitor_traffic WHERE ts < ?", (b,)).rowcount
        n += conn.execute("DELETE FROM monitor_events WHERE ts < ?", (b,)).rowcount
        return n
