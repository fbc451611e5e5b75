"""Reads (and the few operator edits) the desktop app needs, over a ``Store``.

Kept apart from ``db.py`` so that the store's narrow interface stays the agent's; these
are plain functions of a ``Store`` and plain values, with no Qt. Every statement is
parameterised. Times are epoch seconds (UTC); local-calendar edges (today, this month)
are computed by the caller and passed in.

Traffic shown live is the *internet* part of the counters (``inet_*``): for a client it
is what it downloads from and uploads to the internet; the hotspot's own address (the
laptop's interface) carries almost none of it, so summing it over devices gives what the
hotspot delivers without counting each forwarded frame twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from .db import Store

__all__ = [
    "NAME_MAX",
    "device_names",
    "devices_table",
    "device_history",
    "device_rates",
    "device_series",
    "drop_seconds",
    "new_devices",
    "rename_device",
    "top_devices",
    "totals_per_second",
    "usage_totals",
]

#: longest operator label accepted for a device
NAME_MAX = 80


def totals_per_second(store: Store, since: int, until: int) -> list[tuple[int, int, int]]:
    """``(ts, internet_down_bytes, internet_up_bytes)`` summed over unicast devices, for
    each second in ``[since, until)`` that has traffic, in time order."""
    with store._read() as conn:
        return conn.execute(
            "SELECT u.ts, sum(u.inet_rx_bytes), sum(u.inet_tx_bytes) FROM usage_second u "
            "WHERE u.ts >= ? AND u.ts < ? "
            "AND u.device_id IN (SELECT id FROM devices WHERE is_group = 0) "
            "GROUP BY u.ts ORDER BY u.ts",
            (since, until),
        ).fetchall()


def device_rates(store: Store, since: int, until: int) -> list[dict[str, Any]]:
    """Per unicast device with traffic in ``[since, until)``: its identity and byte sums
    (total and internet, both directions) over that window."""
    with store._read() as conn:
        cur = conn.execute(
            "SELECT d.id, d.mac, d.name, d.hostname, d.vendor, d.last_ipv4, "
            "d.locally_administered, sum(u.rx_bytes), sum(u.tx_bytes), "
            "sum(u.inet_rx_bytes), sum(u.inet_tx_bytes), max(u.ts) "
            "FROM usage_second u JOIN devices d ON d.id = u.device_id "
            "WHERE u.ts >= ? AND u.ts < ? AND d.is_group = 0 GROUP BY d.id",
            (since, until),
        )
        return [
            {
                "id": r[0],
                "mac": r[1],
                "name": r[2],
                "hostname": r[3],
                "vendor": r[4],
                "ipv4": r[5],
                "locally_administered": bool(r[6]),
                "rx_bytes": r[7],
                "tx_bytes": r[8],
                "inet_rx_bytes": r[9],
                "inet_tx_bytes": r[10],
                "last_second": r[11],
            }
            for r in cur
        ]


def top_devices(store: Store, since: int, until: int, n: int) -> list[int]:
    """Ids of the ``n`` unicast devices that downloaded most from the internet in
    ``[since, until)`` (ties: lower id first); devices with no internet download are left
    out."""
    with store._read() as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT u.device_id, sum(u.inet_rx_bytes) AS down FROM usage_second u "
                "WHERE u.ts >= ? AND u.ts < ? "
                "AND u.device_id IN (SELECT id FROM devices WHERE is_group = 0) "
                "GROUP BY u.device_id HAVING down > 0 ORDER BY down DESC, u.device_id LIMIT ?",
                (since, until, n),
            )
        ]


def device_series(
    store: Store, ids: Sequence[int], since: int, until: int
) -> list[tuple[int, int, int, int]]:
    """``(ts, device_id, internet_down, internet_up)`` per second of the given devices."""
    if not ids:
        return []
    with store._read() as conn:
        return conn.execute(
            "SELECT ts, device_id, inet_rx_bytes, inet_tx_bytes FROM usage_second "
            "WHERE device_id IN (SELECT value FROM json_each(?)) AND ts >= ? AND ts < ? "
            "ORDER BY ts",
            (json.dumps([int(i) for i in ids]), since, until),
        ).fetchall()


def device_names(store: Store, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Identity of the given devices: ``{id: {mac, name, hostname, vendor}}``."""
    if not ids:
        return {}
    with store._read() as conn:
        return {
            r[0]: {"mac": r[1], "name": r[2], "hostname": r[3], "vendor": r[4]}
            for r in conn.execute(
                "SELECT id, mac, name, hostname, vendor FROM devices "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps([int(i) for i in ids]),),
            )
        }


def usage_totals(store: Store, since: int) -> dict[str, int]:
    """Internet and total bytes of unicast devices from ``since`` (rounded down to the
    hour: the hourly rollup is read) on, and how many devices had any traffic."""
    with store._read() as conn:
        row = conn.execute(
            "SELECT coalesce(sum(inet_rx_bytes), 0), coalesce(sum(inet_tx_bytes), 0), "
            "coalesce(sum(rx_bytes), 0), coalesce(sum(tx_bytes), 0), "
            "count(DISTINCT device_id) FROM usage_hour "
            "WHERE ts >= ? AND device_id IN (SELECT id FROM devices WHERE is_group = 0)",
            (since - since % 3600,),
        ).fetchone()
    return {
        "inet_rx_bytes": row[0],
        "inet_tx_bytes": row[1],
        "rx_bytes": row[2],
        "tx_bytes": row[3],
        "devices": row[4],
    }


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        is not None
    )


def devices_table(store: Store, day_start: int, month_start: int, now: int) -> list[dict]:
    """Every unicast device ever seen, with internet usage (down + up, and each direction)
    since ``day_start`` and since ``month_start`` (hour-aligned reads of ``usage_hour``;
    exact when the local day starts on an hour, as in every zone but a few) and its owner
    at ``now`` when the billing tables are there."""
    day_h = day_start - day_start % 3600
    month_h = month_start - month_start % 3600
    with store._read() as conn:
        owners: dict[str, str] = {}
        if _has_table(conn, "device_assignments") and _has_table(conn, "customers"):
            owners = dict(
                conn.execute(
                    "SELECT a.mac, c.name FROM device_assignments a "
                    "JOIN customers c ON c.id = a.customer_id "
                    "WHERE a.valid_from <= ? AND (a.valid_until IS NULL OR a.valid_until > ?)",
                    (now, now),
                ).fetchall()
            )
        usage: dict[int, tuple[int, ...]] = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT device_id, "
                "sum(CASE WHEN ts >= ?1 THEN inet_rx_bytes ELSE 0 END), "
                "sum(CASE WHEN ts >= ?1 THEN inet_tx_bytes ELSE 0 END), "
                "sum(inet_rx_bytes), sum(inet_tx_bytes) "
                "FROM usage_hour WHERE ts >= ?2 GROUP BY device_id",
                (day_h, min(day_h, month_h)),
            )
        }
        out = []
        for r in conn.execute(
            "SELECT id, mac, name, hostname, vendor, locally_administered, last_ipv4, "
            "last_ipv6, first_seen, last_seen FROM devices WHERE is_group = 0 ORDER BY id"
        ):
            day_rx, day_tx, month_rx, month_tx = usage.get(r[0], (0, 0, 0, 0))
            out.append(
                {
                    "id": r[0],
                    "mac": r[1],
                    "name": r[2],
                    "hostname": r[3],
                    "vendor": r[4],
                    "locally_administered": bool(r[5]),
                    "ipv4": r[6],
                    "ipv6": r[7],
                    "first_seen": r[8],
                    "last_seen": r[9],
                    "today_rx": day_rx,
                    "today_tx": day_tx,
                    "month_rx": month_rx,
                    "month_tx": month_tx,
                    "owner": owners.get(r[1]),
                }
            )
    return out


def device_history(store: Store, device_id: int, edges: Sequence[int]) -> list[dict[str, int]]:
    """Usage of one device per period ``[edges[i], edges[i + 1])`` from the hourly rollup
    (edges are rounded down to the hour), internet and total, each direction."""
    if len(edges) < 2:
        return []
    hours = [e - e % 3600 for e in edges]
    with store._read() as conn:
        rows = conn.execute(
            "SELECT ts, inet_rx_bytes, inet_tx_bytes, rx_bytes, tx_bytes FROM usage_hour "
            "WHERE device_id = ? AND ts >= ? AND ts < ? ORDER BY ts",
            (device_id, hours[0], hours[-1]),
        ).fetchall()
    out = [
        {"start": edges[i], "end": edges[i + 1], "inet_rx": 0, "inet_tx": 0, "rx": 0, "tx": 0}
        for i in range(len(edges) - 1)
    ]
    k = 0
    for ts, irx, itx, rx, tx in rows:
        while k + 1 < len(out) and ts >= hours[k + 1]:
            k += 1
        if hours[k] <= ts < hours[k + 1]:
            b = out[k]
            b["inet_rx"] += irx
            b["inet_tx"] += itx
            b["rx"] += rx
            b["tx"] += tx
    return out


def rename_device(store: Store, device_id: int, name: str | None) -> str | None:
    """Set (or, with an empty name, clear) the operator's label of a device; returns the
    label stored. Raises ``ValueError`` for an unknown device or an over-long label."""
    label = " ".join((name or "").split()) or None
    if label is not None and len(label) > NAME_MAX:
        raise ValueError(f"a device name has at most {NAME_MAX} characters")
    with store._write() as conn:
        cur = conn.execute("UPDATE devices SET name = ? WHERE id = ?", (label, device_id))
        if cur.rowcount != 1:
            raise ValueError(f"no device with id {device_id}")
    return label


def new_devices(store: Store, since: int, until: int) -> list[dict[str, Any]]:
    """Unicast devices first seen in ``[since, until)``, newest first."""
    with store._read() as conn:
        cur = conn.execute(
            "SELECT id, mac, name, hostname, vendor, last_ipv4, first_seen FROM devices "
            "WHERE is_group = 0 AND first_seen >= ? AND first_seen < ? "
            "ORDER BY first_seen DESC, id DESC",
            (since, until),
        )
        keys = ("id", "mac", "name", "hostname", "vendor", "ipv4", "first_seen")
        return [dict(zip(keys, r, strict=True)) for r in cur]


def drop_seconds(store: Store, since: int, until: int, limit: int = 1000) -> list[dict[str, Any]]:
    """Seconds of ``[since, until)`` in which the kernel dropped frames, newest first
    (at most ``limit``): ``ts``, ``source``, ``kernel_drops``, ``frames``."""
    with store._read() as conn:
        cur = conn.execute(
            "SELECT ts, source, kernel_drops, frames FROM capture_health "
            "WHERE kernel_drops > 0 AND ts >= ? AND ts < ? ORDER BY ts DESC LIMIT ?",
            (since, until, limit),
        )
        keys = ("ts", "source", "kernel_drops", "frames")
        return [dict(zip(keys, r, strict=True)) for r in cur]
