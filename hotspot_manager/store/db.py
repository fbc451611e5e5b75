"""The store: one SQLite database (WAL) behind a narrow interface.

Everything the rest of the program needs from the database goes through ``Store``: one
``write_flush`` per pipeline flush (one transaction), settings, import bookkeeping and the
usage ``report``. Keeping it this narrow is what lets a server database (PostgreSQL) sit
behind the same interface later.

SQL here is parameterised; the only names interpolated into statements are the table and
column constants of ``schema`` (checked with ``assert`` where the statements are built).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import operator
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import netaddr
import platformdirs
from sqlite_utils import Database

from .records import Flush, Sighting
from .schema import (
    COUNTERS,
    DEFAULT_IDLE_GAP,
    HOUR,
    IDLE_GAP_KEY,
    MINUTE,
    MINUTE_RETENTION,
    PRUNED_MINUTES_KEY,
    PRUNED_SECONDS_KEY,
    ROLLUPS,
    SECOND_RETENTION,
    migrate,
)

__all__ = ["Store", "default_db_path"]

# Far outside any real epoch second; used as query bounds for an unbounded report side.
_FAR_PAST = -(2**62)
_FAR_FUTURE = 2**62

_MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
_N = len(COUNTERS)


def default_db_path() -> Path:
    """Where the database lives when no ``--db PATH`` is given."""
    return platformdirs.user_data_path("hotspot-manager") / "hotspot.db"


# --------------------------------------------------------------------------- SQL


def _build_rollup_sql() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    cols = ", ".join(COUNTERS)
    marks = ", ".join("?" * (2 + _N))
    add = ", ".join(f"{c} = {c} + excluded.{c}" for c in COUNTERS)
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    upsert, total, prune = {}, {}, {}
    for table in ROLLUPS:
        assert table.isidentifier()
        upsert[table] = (
            f"INSERT INTO {table} (ts, device_id, {cols}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT(ts, device_id) DO UPDATE SET {add}"
        )
        total[table] = (
            f"SELECT device_id, {sums} FROM {table} "  # noqa: S608
            "WHERE ts >= ? AND ts < ? GROUP BY device_id"
        )
        prune[table] = f"DELETE FROM {table} WHERE ts < ?"  # noqa: S608
    return upsert, total, prune


_UPSERT_USAGE, _TOTAL_USAGE, _PRUNE_USAGE = _build_rollup_sql()

# The last addresses win only when they are at least as recent as the device's last
# sighting, so importing an older capture after a newer one keeps the newer addresses.
_IP_RULE = """
    last_ipv4 = CASE
        WHEN {new4} IS NULL THEN devices.last_ipv4
        WHEN devices.last_ipv4 IS NULL OR {seen} >= devices.last_seen THEN {new4}
        ELSE devices.last_ipv4 END,
    last_ipv6 = CASE
        WHEN {new6} IS NULL THEN devices.last_ipv6
        WHEN devices.last_ipv6 IS NULL OR {seen} >= devices.last_seen THEN {new6}
        ELSE devices.last_ipv6 END"""

_UPSERT_DEVICE = """
INSERT INTO devices
    (mac, first_seen, last_seen, last_ipv4, last_ipv6, vendor, locally_administered, is_group)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT(mac) DO UPDATE SET
    first_seen = min(coalesce(devices.first_seen, ?2), ?2),
    last_seen = max(coalesce(devices.last_seen, ?3), ?3),""" + _IP_RULE.format(
    new4="?4", new6="?5", seen="?9"
)

_UPDATE_DEVICE = (
    """
UPDATE devices SET
    first_seen = min(coalesce(devices.first_seen, ?1), ?1),
    last_seen = max(coalesce(devices.last_seen, ?2), ?2),"""
    + _IP_RULE.format(new4="?3", new6="?4", seen="?5")
    + """
WHERE id = ?6"""
)

_UPSERT_HEALTH = """
INSERT INTO capture_health (ts, source, frames, bytes, malformed, kernel_drops)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT(ts, source) DO UPDATE SET
    frames = frames + excluded.frames,
    bytes = bytes + excluded.bytes,
    malformed = malformed + excluded.malformed,
    kernel_drops = kernel_drops + excluded.kernel_drops
"""

# Sessions of one device never overlap, so the only session starting before the window
# that can reach into it is the last one; both halves are range seeks on (device_id, start).
_NEAR_SESSIONS = """
SELECT id, start, "end" FROM sessions
    WHERE device_id = :device AND start >= :lo AND start <= :hi
UNION ALL
SELECT id, start, "end" FROM (
    SELECT id, start, "end" FROM sessions
        WHERE device_id = :device AND start < :lo ORDER BY start DESC LIMIT 1
) WHERE "end" > :lo
"""

_UPSERT_SETTING = """
INSERT INTO settings (key, value) VALUES (?, ?)
ON CONFLICT(key) DO UPDATE SET value = excluded.value
"""


# --------------------------------------------------------------------------- pure helpers


def _floor(t: int, width: int) -> int:
    return t - t % width


def _ceil(t: int, width: int) -> int:
    return -((-t) // width) * width


@functools.lru_cache(maxsize=4096)
def _vendor_of_oui(oui: str) -> str | None:
    try:
        return str(netaddr.EUI(oui + ":00:00:00").oui.registration().org)
    except netaddr.NotRegisteredError:
        return None


def _mac_facts(mac: str) -> tuple[str | None, int, int]:
    """(vendor, locally_administered, is_group) of a normalised MAC."""
    if not _MAC_RE.match(mac):
        raise ValueError(f"not a MAC address: {mac!r}")
    first = int(mac[:2], 16)
    la = first & 0x02
    grp = first & 0x01
    # The registry only describes universally administered individual addresses; a
    # randomised (locally administered) MAC can collide with an old registry entry
    # (02:60:8c is listed as 3COM), which would be a wrong vendor.
    vendor = None if (la or grp) else _vendor_of_oui(mac[:8])
    return vendor, int(bool(la)), int(bool(grp))


def _activity_intervals(seconds: Iterable[int], gap: int) -> list[list[int]]:
    """Half-open [start, end) runs of activity seconds chained by gaps <= ``gap``."""
    runs: list[list[int]] = []
    for t in sorted(set(seconds)):
        if runs and t - (runs[-1][1] - 1) <= gap:
            runs[-1][1] = t + 1
        else:
            runs.append([t, t + 1])
    return runs


def _merge_intervals(intervals: Iterable[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Merge [start, end) sessions whose last/first active seconds are <= ``gap`` apart."""
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start - (merged[-1][1] - 1) <= gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


@dataclass
class _Prepared:
    """A flush reduced to rows, before any database access."""

    seconds: dict[tuple[int, str], tuple[int, ...]] = field(default_factory=dict)
    minutes: dict[tuple[int, str], tuple[int, ...]] = field(default_factory=dict)
    hours: dict[tuple[int, str], tuple[int, ...]] = field(default_factory=dict)
    # mac -> [first_seen, last_seen, ipv4, ipv6, ip_seen]
    devices: dict[str, list[Any]] = field(default_factory=dict)
    activity: dict[str, set[int]] = field(default_factory=dict)
    health: dict[int, list[int]] = field(default_factory=dict)


def _roll_up(rows: dict[tuple[int, str], tuple[int, ...]], width: int):
    """Sum per-bucket rows into buckets ``width`` seconds wide."""
    out: dict[tuple[int, str], tuple[int, ...]] = {}
    get = out.get
    for (t, mac), v in rows.items():
        key = (t - t % width, mac)
        old = get(key)
        out[key] = v if old is None else tuple(map(operator.add, old, v))
    return out


def _prepare(flush: Flush) -> _Prepared:
    p = _Prepared()
    seconds = p.seconds
    get = seconds.get
    for d in flush.usage:
        key = (d.second, d.mac.lower())
        v = (
            d.tx_frames,
            d.tx_bytes,
            d.rx_frames,
            d.rx_bytes,
            d.inet_tx_frames,
            d.inet_tx_bytes,
            d.inet_rx_frames,
            d.inet_rx_bytes,
        )
        old = get(key)
        seconds[key] = v if old is None else tuple(map(operator.add, old, v))
    p.minutes = _roll_up(seconds, MINUTE)
    p.hours = _roll_up(p.minutes, HOUR)
    devices = p.devices
    for t, mac in seconds:
        dev = devices.get(mac)
        if dev is None:
            devices[mac] = [t, t, None, None, None]
        elif t < dev[0]:
            dev[0] = t
        elif t > dev[1]:
            dev[1] = t
    for s in flush.sightings:
        _prepare_sighting(p, s)
    for h in flush.health:
        row = p.health.setdefault(h.second, [0, 0, 0, 0])
        row[0] += h.frames
        row[1] += h.bytes
        row[2] += h.malformed
        row[3] += h.kernel_drops
    return p


def _prepare_sighting(p: _Prepared, s: Sighting) -> None:
    mac = s.mac.lower()
    dev = p.devices.get(mac)
    if dev is None:
        dev = p.devices[mac] = [s.first_seen, s.last_seen, None, None, None]
    else:
        dev[0] = min(dev[0], s.first_seen)
        dev[1] = max(dev[1], s.last_seen)
    # Several sightings of one MAC in a flush: the addresses of the latest one win.
    if (s.ipv4 is not None or s.ipv6 is not None) and (dev[4] is None or s.last_seen >= dev[4]):
        dev[4] = s.last_seen
        if s.ipv4 is not None:
            dev[2] = s.ipv4
        if s.ipv6 is not None:
            dev[3] = s.ipv6
    if s.active_seconds:
        p.activity.setdefault(mac, set()).update(s.active_seconds)


@dataclass(frozen=True)
class _Piece:
    table: str  # rollup table
    lo: int  # first bucket start included
    hi: int  # first bucket start excluded


def _plan_range(
    since: int | None,
    until: int | None,
    seconds_from: int | None,
    minutes_from: int | None,
) -> tuple[list[_Piece], list[tuple[int, int]]]:
    """Cover [since, until) with the coarsest aligned buckets that still exist.

    ``seconds_from``/``minutes_from`` are the retention horizons: per-second rows below
    the first (minute-aligned) and per-minute rows below the second (hour-aligned) may have
    been pruned; ``None`` means nothing was pruned. Returns the pieces to sum and the
    intervals left out because their detail was pruned.
    """
    lo = _FAR_PAST if since is None else since
    hi = _FAR_FUTURE if until is None else until
    pieces: list[_Piece] = []
    dropped: list[tuple[int, int]] = []
    if lo >= hi:
        return pieces, dropped

    def have_seconds(t: int) -> bool:
        return seconds_from is None or t >= seconds_from

    def have_minutes(t: int) -> bool:
        return minutes_from is None or t >= minutes_from

    def seconds(a: int, b: int) -> None:
        # [a, b) lies inside one minute; seconds_from is minute-aligned
        if have_seconds(a):
            pieces.append(_Piece("usage_second", a, b))
        else:
            dropped.append((a, b))

    def within_hour(a: int, b: int) -> None:
        if have_minutes(_floor(a, HOUR)):
            m1, m2 = _ceil(a, MINUTE), _floor(b, MINUTE)
            if m1 <= m2:
                if a < m1:
                    seconds(a, m1)
                if m1 < m2:
                    pieces.append(_Piece("usage_minute", m1, m2))
                if m2 < b:
                    seconds(m2, b)
            else:
                seconds(a, b)
        else:
            # minutes pruned here: seconds are the only finer detail that may be left
            for m in range(_floor(a, MINUTE), b, MINUTE):
                seconds(max(a, m), min(b, m + MINUTE))

    h1 = _FAR_PAST if since is None else _ceil(lo, HOUR)
    h2 = _FAR_FUTURE if until is None else _floor(hi, HOUR)
    if h1 <= h2:
        if since is not None and lo < h1:
            within_hour(lo, h1)
        if h1 < h2:
            pieces.append(_Piece("usage_hour", h1, h2))
        if until is not None and h2 < hi:
            within_hour(h2, hi)
    else:
        within_hour(lo, hi)

    # adjacent pieces of one table read as one query; adjacent dropped spans as one span
    merged: list[_Piece] = []
    for piece in pieces:
        if merged and merged[-1].table == piece.table and merged[-1].hi == piece.lo:
            merged[-1] = _Piece(piece.table, merged[-1].lo, piece.hi)
        else:
            merged.append(piece)
    spans: list[tuple[int, int]] = []
    for a, b in dropped:
        if spans and spans[-1][1] == a:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return merged, spans


def _iso(t: int) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def _migration_lock(path: Path) -> Iterator[None]:
    """Serialise schema migrations between processes opening a new database at once.

    (The GUI, the agent and the monitor may all start together on a first run;
    without this two of them could both try to create the same tables.)
    """
    lock = path.with_name(path.name + ".migrate.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except ImportError:  # Windows
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


# --------------------------------------------------------------------------- the store


class Store:
    """The SQLite store. One writer per process; any number of readers (WAL)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: sqlite3.Connection = db.conn
        self._device_ids: dict[str, int] = {}
        # cut-offs last applied by this writer: pruning runs when a cut-off moves, which
        # is at most once per minute of clock for seconds and once per hour for minutes
        self._pruned_at: tuple[int, int] | None = None

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, path: str | os.PathLike[str], durable: bool = False) -> Store:
        """Open (creating it and its parent folders if needed) and migrate the database.

        ``durable``: every commit is on disk before it returns (synchronous=FULL),
        so a power cut loses nothing committed; the live agent opens it so. Without
        it (imports, the GUI) a power cut may lose the last commits, never corrupt.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # no sqlite-utils plugins: the agent runs with capture rights, keep its surface small
        db = Database(path, execute_plugins=False)
        try:
            db.enable_wal()
            db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            db.execute("PRAGMA foreign_keys=ON")
            with _migration_lock(path):
                migrate(db)
        except BaseException:
            db.close()
            raise
        return cls(db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE: take the write lock up front, so a concurrent writer (the GUI editing
        # settings) makes us wait on the busy timeout instead of failing half-way.
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        # one snapshot for all the queries of a report, even while the agent writes
        conn = self._conn
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    # ----------------------------------------------------------------- settings

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """The text value stored under ``key``, or ``default``."""
        row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def set_setting(self, key: str, value: str) -> None:
        """Store ``value`` (as text) under ``key``; takes effect at the next flush."""
        with self._write() as conn:
            conn.execute(_UPSERT_SETTING, (key, str(value)))

    # ----------------------------------------------------------------- imports

    def begin_import(self, path: str, size: int, head_sha256: str, link_type: str) -> int:
        """Record the start of a capture-file import; returns its id for ``ImportProgress``."""
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO imports (path, size, head_sha256, done_offset, done_sha256, "
                "frames, bytes, started, link_type) VALUES (?, ?, ?, 0, ?, 0, 0, ?, ?)",
                (str(path), size, head_sha256, _EMPTY_SHA256, int(time.time()), link_type),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def imports_with_head(self, head_sha256: str) -> list[dict]:
        """Earlier imports whose first 64 KiB hash to ``head_sha256``, oldest first."""
        return list(
            self._db.query("SELECT * FROM imports WHERE head_sha256 = ? ORDER BY id", [head_sha256])
        )

    # ----------------------------------------------------------------- writing

    def write_flush(self, flush: Flush) -> None:
        """Write one flush of the pipeline in one transaction."""
        p = _prepare(flush)
        new_ids: dict[str, int] = {}
        with self._write() as conn:
            state = dict(
                conn.execute(
                    "SELECT key, value FROM settings WHERE key IN (?, ?, ?)",
                    (IDLE_GAP_KEY, PRUNED_SECONDS_KEY, PRUNED_MINUTES_KEY),
                ).fetchall()
            )
            seconds_from = _int_or_none(state.get(PRUNED_SECONDS_KEY))
            minutes_from = _int_or_none(state.get(PRUNED_MINUTES_KEY))
            gap = _int_or_none(state.get(IDLE_GAP_KEY))
            gap = DEFAULT_IDLE_GAP if gap is None or gap < 0 else gap

            ids = self._upsert_devices(conn, p, new_ids)
            self._add_usage(conn, "usage_second", p.seconds, ids, seconds_from)
            self._add_usage(conn, "usage_minute", p.minutes, ids, minutes_from)
            self._add_usage(conn, "usage_hour", p.hours, ids, None)
            if p.health:
                conn.executemany(
                    _UPSERT_HEALTH,
                    [(t, flush.source, *v) for t, v in p.health.items()],
                )
            for mac, active in p.activity.items():
                self._merge_sessions(conn, ids[mac], active, gap)
            if flush.import_progress is not None:
                self._record_progress(conn, flush)
            if flush.names:
                self._record_names(conn, flush)
            if flush.settings:
                conn.executemany(
                    "INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    flush.settings,
                )
            pruned_at = self._prune(conn, flush.clock, seconds_from, minutes_from)
        # only now that the transaction is committed do its ids and cut-offs count
        self._device_ids.update(new_ids)
        self._pruned_at = pruned_at

    def _upsert_devices(
        self, conn: sqlite3.Connection, p: _Prepared, new_ids: dict[str, int]
    ) -> dict[str, int]:
        known = self._device_ids
        ids: dict[str, int] = {}
        updates = []
        inserts = []
        for mac, (first, last, ipv4, ipv6, ip_seen) in p.devices.items():
            device_id = known.get(mac)
            if device_id is not None:
                ids[mac] = device_id
                updates.append((first, last, ipv4, ipv6, ip_seen, device_id))
            else:
                vendor, la, grp = _mac_facts(mac)
                inserts.append((mac, first, last, ipv4, ipv6, vendor, la, grp, ip_seen))
        if updates:
            # by integer key: twice as fast as the upsert through the mac index
            if conn.executemany(_UPDATE_DEVICE, updates).rowcount != len(updates):
                # a cached device is gone (deleted by another process): look all up again
                known.clear()
                return self._upsert_devices(conn, p, new_ids)
        if inserts:
            conn.executemany(_UPSERT_DEVICE, inserts)
            cur = conn.execute(
                "SELECT mac, id FROM devices WHERE mac IN (SELECT value FROM json_each(?))",
                (json.dumps([row[0] for row in inserts]),),
            )
            found = dict(cur.fetchall())
            new_ids.update(found)
            ids.update(found)
        return ids

    @staticmethod
    def _add_usage(
        conn: sqlite3.Connection,
        table: str,
        rows: dict[tuple[int, str], tuple[int, ...]],
        ids: dict[str, int],
        kept_from: int | None,
    ) -> None:
        # Buckets older than the retention horizon are not written: their earlier part is
        # gone, so the report never reads them and the next pruning would delete them.
        if kept_from is None:
            params = [(t, ids[mac], *v) for (t, mac), v in rows.items()]
        else:
            params = [(t, ids[mac], *v) for (t, mac), v in rows.items() if t >= kept_from]
        if params:
            conn.executemany(_UPSERT_USAGE[table], params)

    @staticmethod
    def _merge_sessions(conn: sqlite3.Connection, device_id: int, active: set[int], gap: int):
        runs = _activity_intervals(active, gap)
        lo, hi = runs[0][0] - gap, runs[-1][1] - 1 + gap
        existing = conn.execute(_NEAR_SESSIONS, {"device": device_id, "lo": lo, "hi": hi})
        existing = sorted(existing.fetchall(), key=lambda r: r[1])
        merged = _merge_intervals([(s, e) for _, s, e in existing] + [tuple(r) for r in runs], gap)
        if [(s, e) for _, s, e in existing] == merged:
            return  # nothing new (activity already inside known sessions)
        old_ids = [r[0] for r in existing]
        reuse = min(len(old_ids), len(merged))
        if reuse:
            conn.executemany(
                'UPDATE sessions SET start = ?, "end" = ? WHERE id = ?',
                [(s, e, i) for (s, e), i in zip(merged[:reuse], old_ids[:reuse], strict=True)],
            )
        if len(old_ids) > reuse:
            conn.executemany("DELETE FROM sessions WHERE id = ?", [(i,) for i in old_ids[reuse:]])
        if len(merged) > reuse:
            conn.executemany(
                'INSERT INTO sessions (device_id, start, "end") VALUES (?, ?, ?)',
                [(device_id, s, e) for s, e in merged[reuse:]],
            )

    def _record_names(self, conn: sqlite3.Connection, flush: Flush) -> None:
        """Names devices gave themselves; a later frame's name wins over an earlier one."""
        for n in sorted(flush.names, key=lambda n: n.seen):
            mac = n.mac.lower()
            if self._device_ids.get(mac) is None:
                vendor, la, grp = _mac_facts(mac)
                conn.execute(
                    "INSERT INTO devices (mac, first_seen, last_seen, vendor, "
                    "locally_administered, is_group) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(mac) DO NOTHING",
                    (mac, n.seen, n.seen, vendor, la, grp),
                )
            conn.execute(
                "UPDATE devices SET "
                "hostname = CASE WHEN ?2 IS NOT NULL AND coalesce(hostname_seen, 0) <= ?4 "
                "  THEN ?2 ELSE hostname END, "
                "hostname_seen = CASE WHEN ?2 IS NOT NULL AND coalesce(hostname_seen, 0) <= ?4 "
                "  THEN ?4 ELSE hostname_seen END, "
                "dhcp_vendor_class = coalesce(?3, dhcp_vendor_class), "
                # an address asked for in DHCP is weaker than one seen as a source
                "last_ipv4 = coalesce(last_ipv4, ?5) "
                "WHERE mac = ?1",
                (mac, n.hostname, n.vendor_class, n.seen, n.ipv4),
            )

    @staticmethod
    def _record_progress(conn: sqlite3.Connection, flush: Flush) -> None:
        pr = flush.import_progress
        assert pr is not None
        cur = conn.execute(
            "UPDATE imports SET done_offset = ?, done_sha256 = ?, frames = ?, bytes = ?, "
            "first_ts = ?, last_ts = ?, finished = ? WHERE id = ?",
            (
                pr.done_offset,
                pr.done_sha256,
                pr.frames,
                pr.bytes,
                pr.first_ts,
                pr.last_ts,
                int(time.time()) if pr.finished else None,
                pr.import_id,
            ),
        )
        if cur.rowcount != 1:
            raise ValueError(f"no import with id {pr.import_id}")

    def _prune(
        self,
        conn: sqlite3.Connection,
        clock: int,
        seconds_from: int | None,
        minutes_from: int | None,
    ) -> tuple[int, int]:
        # Cut-offs are aligned so that every minute (hour) keeps either all of its seconds
        # (minutes) or none: the report can then tell exactly which detail is left.
        second_cut = _floor(clock - SECOND_RETENTION, MINUTE)
        minute_cut = _floor(clock - MINUTE_RETENTION, HOUR)
        last = self._pruned_at
        if last is None or second_cut != last[0]:
            n = conn.execute(_PRUNE_USAGE["usage_second"], (second_cut,)).rowcount
            conn.execute("DELETE FROM capture_health WHERE ts < ?", (second_cut,))
            # The horizon only moves when detail was really lost, so that a report over a
            # period the store never held does not warn about rounding.
            if n > 0 and (seconds_from is None or second_cut > seconds_from):
                conn.execute(_UPSERT_SETTING, (PRUNED_SECONDS_KEY, str(second_cut)))
        if last is None or minute_cut != last[1]:
            n = conn.execute(_PRUNE_USAGE["usage_minute"], (minute_cut,)).rowcount
            if n > 0 and (minutes_from is None or minute_cut > minutes_from):
                conn.execute(_UPSERT_SETTING, (PRUNED_MINUTES_KEY, str(minute_cut)))
        return second_cut, minute_cut

    # ----------------------------------------------------------------- reading

    def recent(self, since: int) -> dict:
        """Per-device usage and capture health from ``since`` on (per-second rows): for rates."""
        with self._read() as conn:
            devices = [
                {
                    "address": mac,
                    "name": name,
                    "hostname": hostname,
                    "ipv4": ipv4,
                    "tx_bytes": tx,
                    "rx_bytes": rx,
                    "tx_frames": txf,
                    "rx_frames": rxf,
                    "last_second": last,
                }
                for mac, name, hostname, ipv4, tx, rx, txf, rxf, last in conn.execute(
                    "SELECT d.mac, d.name, d.hostname, d.last_ipv4, sum(u.tx_bytes), "
                    "sum(u.rx_bytes), sum(u.tx_frames), sum(u.rx_frames), max(u.ts) "
                    "FROM usage_second u JOIN devices d ON d.id = u.device_id "
                    "WHERE u.ts >= ? AND d.is_group = 0 GROUP BY d.id ORDER BY d.mac",
                    (since,),
                )
            ]
            frames, nbytes, bad, drops, last = conn.execute(
                "SELECT coalesce(sum(frames), 0), coalesce(sum(bytes), 0), "
                "coalesce(sum(malformed), 0), coalesce(sum(kernel_drops), 0), max(ts) "
                "FROM capture_health WHERE ts >= ?",
                (since,),
            ).fetchone()
            drops_total = conn.execute(
                "SELECT coalesce(sum(kernel_drops), 0), coalesce(sum(malformed), 0) "
                "FROM capture_health"
            ).fetchone()
        return {
            "devices": devices,
            "health": {
                "frames": frames,
                "bytes": nbytes,
                "malformed": bad,
                "kernel_drops": drops,
                "last_second": last,
            },
            "kernel_drops_kept": drops_total[0],
            "malformed_kept": drops_total[1],
        }

    def report(self, since: int | None = None, until: int | None = None) -> dict:
        """Exact usage per address over [since, until); ``None`` is unbounded."""
        if since is not None and until is not None and since > until:
            raise ValueError(f"since ({since}) is after until ({until})")
        lo = _FAR_PAST if since is None else since
        hi = _FAR_FUTURE if until is None else until
        with self._read() as conn:
            state = dict(
                conn.execute(
                    "SELECT key, value FROM settings WHERE key IN (?, ?)",
                    (PRUNED_SECONDS_KEY, PRUNED_MINUTES_KEY),
                ).fetchall()
            )
            pieces, dropped = _plan_range(
                since,
                until,
                _int_or_none(state.get(PRUNED_SECONDS_KEY)),
                _int_or_none(state.get(PRUNED_MINUTES_KEY)),
            )
            totals: dict[int, list[int]] = {}
            for piece in pieces:
                for device_id, *sums in conn.execute(
                    _TOTAL_USAGE[piece.table], (piece.lo, piece.hi)
                ):
                    row = totals.setdefault(device_id, [0] * _N)
                    for i in range(_N):
                        row[i] += sums[i]
            ids = [d for d, row in totals.items() if any(row)]
            id_list = json.dumps(ids)
            devices = {
                r[0]: r
                for r in conn.execute(
                    "SELECT id, mac, vendor, name, locally_administered, hostname, last_ipv4, "
                    "is_group FROM devices "
                    "WHERE id IN (SELECT value FROM json_each(?))",
                    (id_list,),
                )
            }
            sessions: dict[int, list[dict[str, int]]] = {d: [] for d in ids}
            for device_id, start, end in conn.execute(
                'SELECT device_id, start, "end" FROM sessions '
                'WHERE device_id IN (SELECT value FROM json_each(?)) AND start < ? AND "end" > ? '
                "ORDER BY device_id, start",
                (id_list, hi, lo),
            ):
                sessions[device_id].append({"start": max(start, lo), "end": min(end, hi)})

        addresses = []
        for device_id in ids:
            t = totals[device_id]
            _, mac, vendor, name, la, hostname, ipv4, grp = devices[device_id]
            internet = dict(zip(COUNTERS[:4], t[4:], strict=True))
            local = {k: t[i] - t[i + 4] for i, k in enumerate(COUNTERS[:4])}
            spans = sessions[device_id]
            addresses.append(
                {
                    "address": mac,
                    **dict(zip(COUNTERS[:4], t[:4], strict=True)),
                    "internet": internet,
                    "local": local,
                    "vendor": vendor,
                    "name": name,
                    "locally_administered": bool(la),
                    "group": bool(grp),
                    "hostname": hostname,
                    "ipv4": ipv4,
                    "sessions": spans,
                    "online_seconds": sum(s["end"] - s["start"] for s in spans),
                }
            )
        addresses.sort(key=lambda a: a["address"])
        warnings = [
            f"rounded edges: usage in [{_iso(a)}, {_iso(b)}) is left out; its per-second or "
            "per-minute detail was already pruned by retention (seconds are kept 48 h, "
            "minutes 90 days), the rest of the range is exact"
            for a, b in dropped
        ]
        return {
            "since": since,
            "until": until,
            "by": "mac",
            "addresses": addresses,
            "warnings": warnings,
        }


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
