"""Recorded alerts (a customer near or over quota, a pack running out or expiring) and
the GUI's notification watermark.

``migrations`` is applied by ``schema.migrate`` (see ``EXTENSIONS``). An alert is written
once: its ``key`` (customer, kind, threshold and period, or the pack sale) is unique and
``record`` inserts with ``ON CONFLICT DO NOTHING``, so checking again, from the GUI or the
command line, never records the same alert twice. No Qt and no billing here: billing works
out what to record (``billing.alerts``), this module only keeps it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

if TYPE_CHECKING:
    from .db import Store

migrations = Migrations("hotspot_manager.alerts")

#: the kinds billing records (the monitor's events, outages, new devices and kernel drops
#: are read from their own tables, not copied here)
KINDS: tuple[str, ...] = (
    "quota_near",
    "quota_over",
    "pack_near",
    "pack_used_up",
    "pack_expiring",
    "pack_expired",
)

_FAR_PAST = -(2**62)
_FAR_FUTURE = 2**62


@migrations()
def m001_alerts(db: Database) -> None:
    db.execute(
        """CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    customer_id INTEGER,
    params TEXT NOT NULL DEFAULT '{}',
    recorded_at INTEGER NOT NULL
)"""
    )
    db.execute("CREATE INDEX idx_alerts_ts ON alerts (ts)")


def _rows(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    out = []
    for r in cur.fetchall():
        row = dict(zip(names, r, strict=True))
        row["params"] = json.loads(row["params"] or "{}")
        out.append(row)
    return out


def record(store: Store, items: Iterable[dict[str, Any]], recorded_at: int) -> list[dict[str, Any]]:
    """Insert alerts ``{key, ts, kind, customer_id, params}`` not recorded before (by
    ``key``); returns the ones that are new, with their ``id``."""
    new: list[dict[str, Any]] = []
    with store._write() as conn:
        for a in items:
            if a["kind"] not in KINDS:
                raise ValueError(f"unknown alert kind {a['kind']!r}")
            cur = conn.execute(
                "INSERT INTO alerts (key, ts, kind, customer_id, params, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                (
                    a["key"],
                    int(a["ts"]),
                    a["kind"],
                    a.get("customer_id"),
                    json.dumps(a.get("params") or {}, sort_keys=True),
                    int(recorded_at),
                ),
            )
            if cur.rowcount == 1:
                new.append({**a, "id": int(cur.lastrowid)})  # type: ignore[arg-type]
    return new


def alerts(
    store: Store,
    since: float | None = None,
    until: float | None = None,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Recorded alerts with ``since <= ts < until`` (and ``id > after_id``), oldest first."""
    lo = _FAR_PAST if since is None else int(since)
    hi = _FAR_FUTURE if until is None else int(until)
    with store._read() as conn:
        return _rows(
            conn.execute(
                "SELECT id, key, ts, kind, customer_id, params, recorded_at FROM alerts "
                "WHERE ts >= ? AND ts < ? AND id > ? ORDER BY ts, id",
                (lo, hi, -1 if after_id is None else int(after_id)),
            )
        )


def last_id(store: Store) -> int:
    with store._read() as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM alerts").fetchone()[0])


def last_ids(store: Store) -> dict[str, int]:
    """The newest monitor event, recorded alert and device ids: where "new" starts."""
    with store._read() as conn:
        return {
            "event": int(
                conn.execute("SELECT coalesce(max(id), 0) FROM monitor_events").fetchone()[0]
            ),
            "alert": int(conn.execute("SELECT coalesce(max(id), 0) FROM alerts").fetchone()[0]),
            "device": int(conn.execute("SELECT coalesce(max(id), 0) FROM devices").fetchone()[0]),
        }


#: order of rows at the same second
_ORDER = {"outage": 0, "event": 1, "alert": 2, "new_device": 3, "drops": 4}


def read_all(store: Store, since: int, until: int, now: int) -> list[dict[str, Any]]:
    """Every kind of alert in ``[since, until)``, newest first, as rows ``{ts, kind, ...}``:
    the monitor's events (``kind`` "event") and outages, the recorded quota and pack alerts
    ("alert", with ``alert`` its kind), devices first seen ("new_device") and seconds with
    kernel drops ("drops"). What the Alerts screen and ``hotspot-manager alerts`` list."""
    from . import monitoring, views

    rows: list[dict[str, Any]] = []
    for e in monitoring.events(store, since, until):
        rows.append({"ts": e["ts"], "kind": "event", "event": e["kind"], "detail": e["detail"]})
    for o in monitoring.outages(store, since, until, now=now):
        rows.append({"ts": o["start"], "kind": "outage", **o})
    for a in alerts(store, since, until):
        rows.append({"ts": a["ts"], "kind": "alert", "alert": a["kind"], **_alert_fields(a)})
    for d in views.new_devices(store, since, until):
        rows.append({"ts": d["first_seen"], "kind": "new_device", **d})
    for h in views.drop_seconds(store, since, until):
        rows.append({"kind": "drops", **h})
    rows.sort(key=lambda r: (-r["ts"], _ORDER[r["kind"]]))
    return rows


def _alert_fields(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": a["id"],
        "key": a["key"],
        "customer_id": a["customer_id"],
        "params": a["params"],
    }


__all__ = ["KINDS", "alerts", "last_id", "last_ids", "migrations", "read_all", "record"]
