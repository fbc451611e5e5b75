"""Database schema: sqlite-utils ``Migrations`` plus the names the queries are built from.

Table and column names used to build SQL elsewhere in ``store/`` come only from the
constants in this module, never from input.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

#: the eight usage counters, in the order of ``UsageDelta`` and of the rollup columns
COUNTERS: tuple[str, ...] = (
    "tx_frames",
    "tx_bytes",
    "rx_frames",
    "rx_bytes",
    "inet_tx_frames",
    "inet_tx_bytes",
    "inet_rx_frames",
    "inet_rx_bytes",
)

SECOND = 1
MINUTE = 60
HOUR = 3600
DAY = 86400

#: rollup table -> bucket width in seconds
ROLLUPS: dict[str, int] = {
    "usage_second": SECOND,
    "usage_minute": MINUTE,
    "usage_hour": HOUR,
}

#: how long each rollup is kept, relative to ``Flush.clock``; hours are kept forever
SECOND_RETENTION = 48 * HOUR
MINUTE_RETENTION = 90 * DAY
HEALTH_RETENTION = SECOND_RETENTION

#: settings keys
IDLE_GAP_KEY = "session_idle_gap_seconds"
DEFAULT_IDLE_GAP = 300
#: per-second (and health) rows below this epoch second have been pruned (minute-aligned)
PRUNED_SECONDS_KEY = "store.pruned_seconds_before"
#: per-minute rows below this epoch second have been pruned (hour-aligned)
PRUNED_MINUTES_KEY = "store.pruned_minutes_before"

migrations = Migrations("hotspot_manager.store")


def _rollup_ddl(table: str) -> list[str]:
    assert table in ROLLUPS
    counters = ",\n    ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in COUNTERS)
    return [
        f"""CREATE TABLE {table} (
    ts INTEGER NOT NULL,
    device_id INTEGER NOT NULL REFERENCES devices(id),
    {counters},
    PRIMARY KEY (ts, device_id)
) WITHOUT ROWID""",
        f"CREATE INDEX idx_{table}_device_ts ON {table} (device_id, ts)",
    ]


@migrations()
def m001_initial(db: Database) -> None:
    statements = [
        """CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    mac TEXT NOT NULL UNIQUE,
    first_seen INTEGER,
    last_seen INTEGER,
    last_ipv4 TEXT,
    last_ipv6 TEXT,
    vendor TEXT,
    locally_administered INTEGER NOT NULL DEFAULT 0,
    is_group INTEGER NOT NULL DEFAULT 0,
    name TEXT,
    hostname TEXT
)""",
        *(ddl for table in ROLLUPS for ddl in _rollup_ddl(table)),
        """CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    device_id INTEGER NOT NULL REFERENCES devices(id),
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL
)""",
        "CREATE INDEX idx_sessions_device_start ON sessions (device_id, start)",
        """CREATE TABLE capture_health (
    ts INTEGER NOT NULL,
    source TEXT NOT NULL,
    frames INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    malformed INTEGER NOT NULL DEFAULT 0,
    kernel_drops INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ts, source)
) WITHOUT ROWID""",
        """CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    head_sha256 TEXT NOT NULL,
    done_offset INTEGER NOT NULL DEFAULT 0,
    done_sha256 TEXT NOT NULL,
    frames INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    first_ts REAL,
    last_ts REAL,
    started INTEGER NOT NULL,
    finished INTEGER,
    link_type TEXT
)""",
        "CREATE INDEX idx_imports_head_sha256 ON imports (head_sha256)",
        """CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT
)""",
    ]
    for sql in statements:
        db.execute(sql)


@migrations()
def m002_device_names(db: Database) -> None:
    db.execute("ALTER TABLE devices ADD COLUMN dhcp_vendor_class TEXT")
    db.execute("ALTER TABLE devices ADD COLUMN hostname_seen INTEGER")


#: Store modules that own tables of their own (each defines ``migrations``, a sqlite-utils
#: ``Migrations`` set named after it). Applied after the core set, in this order.
EXTENSIONS: tuple[str, ...] = (
    "hotspot_manager.store.monitoring",
    "hotspot_manager.store.books",
    "hotspot_manager.store.alerts",
)


def migrate(db: Database) -> None:
    """Bring ``db`` up to the current schema (idempotent)."""
    import importlib

    migrations.apply(db)
    for name in EXTENSIONS:
        importlib.import_module(name).migrations.apply(db)
