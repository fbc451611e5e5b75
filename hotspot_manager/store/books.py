"""Bookkeeping tables (customers, devices' owners, plans, packs, rates, invoices, payments).

Owned by the billing work (issue #5); ``migrations`` is applied by ``schema.migrate``. All of
billing's SQL lives here, behind :class:`Books`, so the store stays one narrow interface.

Money is stored as integer cents (amounts) or as ``Decimal`` text (prices, rates, quantities:
``"0.5"``, ``"400"``), never as REAL. This module does not import ``billing`` (layers import
downward only), so it hands Decimal-valued columns over as text.

Invoices and credit notes are immutable once written: triggers refuse any UPDATE or DELETE of
them and of their lines, refuse a number that is not the next one of its series (so numbering
is gapless forever), and refuse lines beyond the count the invoice declares or lines that do
not add up to its total. Payments are append-only the same way.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

if TYPE_CHECKING:
    from .db import Store

migrations = Migrations("hotspot_manager.billing")

IMMUTABLE = "issued invoices are immutable: correct them with a credit note"


@migrations()
def m001_books(db: Database) -> None:
    statements = [
        """CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
    phone TEXT,
    notes TEXT,
    currency TEXT NOT NULL DEFAULT 'CUP' CHECK (currency IN ('CUP', 'MLC', 'USD')),
    language TEXT NOT NULL DEFAULT 'es' CHECK (language IN ('es', 'en')),
    created INTEGER NOT NULL
)""",
        # by MAC, not devices.id: a device can be assigned before the agent has seen it
        """CREATE TABLE device_assignments (
    id INTEGER PRIMARY KEY,
    mac TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    valid_from INTEGER NOT NULL,
    valid_until INTEGER,
    CHECK (valid_until IS NULL OR valid_until > valid_from)
)""",
        "CREATE INDEX idx_device_assignments_mac ON device_assignments (mac, valid_from)",
        "CREATE INDEX idx_device_assignments_customer ON device_assignments (customer_id)",
        """CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
    kind TEXT NOT NULL CHECK (kind IN ('per_mb', 'per_hour', 'flat', 'pack')),
    currency TEXT NOT NULL CHECK (currency IN ('CUP', 'MLC', 'USD')),
    price TEXT,
    rounding TEXT NOT NULL DEFAULT 'minute' CHECK (rounding IN ('second', 'minute', 'quarter')),
    cap_bytes INTEGER,
    overage_per_mb TEXT,
    allowance_seconds INTEGER,
    allowance_bytes INTEGER,
    validity_seconds INTEGER,
    outage_credit INTEGER NOT NULL DEFAULT 1 CHECK (outage_credit IN (0, 1)),
    created INTEGER NOT NULL
)""",
        """CREATE TABLE plan_tiers (
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    position INTEGER NOT NULL,
    up_to_bytes INTEGER,
    price_per_mb TEXT NOT NULL,
    PRIMARY KEY (plan_id, position)
)""",
        """CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    valid_from INTEGER NOT NULL,
    valid_until INTEGER,
    CHECK (valid_until IS NULL OR valid_until > valid_from)
)""",
        "CREATE INDEX idx_subscriptions_customer ON subscriptions (customer_id, valid_from)",
        """CREATE TABLE pack_sales (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    sold_at INTEGER NOT NULL,
    price TEXT NOT NULL,
    currency TEXT NOT NULL CHECK (currency IN ('CUP', 'MLC', 'USD'))
)""",
        "CREATE INDEX idx_pack_sales_sold_at ON pack_sales (sold_at)",
        """CREATE TABLE exchange_rates (
    currency TEXT NOT NULL CHECK (currency IN ('MLC', 'USD')),
    valid_from TEXT NOT NULL CHECK (valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    cup_per_unit TEXT NOT NULL,
    PRIMARY KEY (currency, valid_from)
) WITHOUT ROWID""",
        # series F: invoices (one per customer and month); series R: credit notes
        """CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    series TEXT NOT NULL CHECK (series IN ('F', 'R')),
    number INTEGER NOT NULL CHECK (number > 0),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    month TEXT,
    period_start INTEGER,
    period_end INTEGER,
    issued_at INTEGER NOT NULL,
    customer_name TEXT NOT NULL,
    customer_phone TEXT,
    language TEXT NOT NULL,
    currency TEXT NOT NULL CHECK (currency IN ('CUP', 'MLC', 'USD')),
    rate_date TEXT,
    rates TEXT NOT NULL DEFAULT '{}',
    line_count INTEGER NOT NULL CHECK (line_count >= 0),
    subtotal_cents INTEGER NOT NULL,
    tax_cents INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    previous_balance_cents INTEGER NOT NULL DEFAULT 0,
    payments_cents INTEGER NOT NULL DEFAULT 0,
    credits_cents INTEGER NOT NULL DEFAULT 0,
    amount_due_cents INTEGER NOT NULL,
    payments_through INTEGER NOT NULL DEFAULT 0,
    credits_through INTEGER NOT NULL DEFAULT 0,
    refers_to INTEGER REFERENCES invoices(id),
    reason TEXT,
    summary TEXT NOT NULL DEFAULT '{}',
    UNIQUE (series, number),
    CHECK (series = 'R' OR (month IS NOT NULL AND refers_to IS NULL)),
    CHECK (series = 'F' OR refers_to IS NOT NULL),
    CHECK (subtotal_cents + tax_cents = total_cents),
    CHECK (line_count > 0 OR total_cents = 0)
)""",
        "CREATE UNIQUE INDEX idx_invoices_customer_month ON invoices (customer_id, month) "
        "WHERE series = 'F'",
        "CREATE INDEX idx_invoices_month ON invoices (month)",
        "CREATE INDEX idx_invoices_customer ON invoices (customer_id, currency, number)",
        """CREATE TABLE invoice_lines (
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    position INTEGER NOT NULL CHECK (position >= 0),
    kind TEXT NOT NULL
        CHECK (kind IN ('plan', 'data', 'time', 'overage', 'pack', 'credit', 'tax', 'refund')),
    quantity TEXT,
    unit TEXT NOT NULL DEFAULT '',
    unit_price TEXT,
    amount_cents INTEGER NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (invoice_id, position)
) WITHOUT ROWID""",
        """CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    invoice_id INTEGER REFERENCES invoices(id),
    received_at INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents <> 0),
    currency TEXT NOT NULL CHECK (currency IN ('CUP', 'MLC', 'USD')),
    method TEXT NOT NULL CHECK (method IN ('cash', 'transfermovil', 'enzona', 'other')),
    reference TEXT,
    ledger_currency TEXT NOT NULL CHECK (ledger_currency IN ('CUP', 'MLC', 'USD')),
    ledger_cents INTEGER NOT NULL,
    rate TEXT,
    recorded_at INTEGER NOT NULL
)""",
        "CREATE INDEX idx_payments_customer ON payments (customer_id, ledger_currency, id)",
        "CREATE INDEX idx_payments_invoice ON payments (invoice_id)",
        # ---- immutability and gapless numbering, enforced by the database itself
        f"""CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        """CREATE TRIGGER invoices_gapless BEFORE INSERT ON invoices
WHEN NEW.number <> (SELECT coalesce(max(number), 0) + 1 FROM invoices WHERE series = NEW.series)
BEGIN SELECT RAISE(ABORT, 'invoice numbers are gapless: use the next number'); END""",
        f"""CREATE TRIGGER invoice_lines_sealed BEFORE INSERT ON invoice_lines
WHEN NEW.position >= (SELECT line_count FROM invoices WHERE id = NEW.invoice_id)
  OR (SELECT count(*) FROM invoice_lines WHERE invoice_id = NEW.invoice_id)
     >= (SELECT line_count FROM invoices WHERE id = NEW.invoice_id)
BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",  # noqa: S608
        """CREATE TRIGGER invoice_lines_add_up BEFORE INSERT ON invoice_lines
WHEN (SELECT count(*) FROM invoice_lines WHERE invoice_id = NEW.invoice_id)
     = (SELECT line_count FROM invoices WHERE id = NEW.invoice_id) - 1
 AND (SELECT coalesce(sum(amount_cents), 0) FROM invoice_lines WHERE invoice_id = NEW.invoice_id)
     + NEW.amount_cents <> (SELECT total_cents FROM invoices WHERE id = NEW.invoice_id)
BEGIN SELECT RAISE(ABORT, 'invoice lines do not add up to its total'); END""",
        """CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
BEGIN SELECT RAISE(ABORT, 'payments are kept as recorded: record a correcting payment'); END""",
        """CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'payments are kept as recorded: record a correcting payment'); END""",
    ]
    for sql in statements:
        db.execute(sql)


@migrations()
def m002_plan_archive(db: Database) -> None:
    # an archived plan is offered no more (no new subscriptions or sales); what runs on it
    # keeps running and billing
    db.execute("ALTER TABLE plans ADD COLUMN archived INTEGER NOT NULL DEFAULT 0")


# --------------------------------------------------------------------------- queries

_CUSTOMER_COLS = "id, name, phone, notes, currency, language, created"
_PLAN_COLS = (
    "id, name, kind, currency, price, rounding, cap_bytes, overage_per_mb, allowance_seconds, "
    "allowance_bytes, validity_seconds, outage_credit, created, archived"
)
_INVOICE_COLS = (
    "id, series, number, customer_id, month, period_start, period_end, issued_at, "
    "customer_name, customer_phone, language, currency, rate_date, rates, line_count, "
    "subtotal_cents, tax_cents, total_cents, previous_balance_cents, payments_cents, "
    "credits_cents, amount_due_cents, payments_through, credits_through, refers_to, reason, "
    "summary"
)
_PAYMENT_COLS = (
    "id, customer_id, invoice_id, received_at, amount_cents, currency, method, reference, "
    "ledger_currency, ledger_cents, rate, recorded_at"
)

#: open-ended intervals, for ``valid_until IS NULL``
_FOREVER = 2**62

_INSERT_INVOICE = f"""INSERT INTO invoices ({_INVOICE_COLS.replace("id, ", "", 1)})
VALUES ({", ".join("?" * 26)})"""  # noqa: S608

_INSERT_LINE = """INSERT INTO invoice_lines
    (invoice_id, position, kind, quantity, unit, unit_price, amount_cents, params)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""


def _device_total_sql() -> dict[str, str]:
    from .schema import ROLLUPS

    out = {}
    for table in ROLLUPS:
        assert table.isidentifier()
        out[table] = (
            "SELECT sum(inet_tx_bytes + inet_rx_bytes), sum(tx_bytes + rx_bytes) "  # noqa: S608
            f"FROM {table} WHERE device_id = ? AND ts >= ? AND ts < ?"
        )
    return out


_DEVICE_TOTAL = _device_total_sql()

# Sessions of one device never overlap: those starting in the window, plus the last one
# starting before it if it reaches in (both range seeks on (device_id, start)).
_SESSIONS_IN = """
SELECT start, "end" FROM sessions WHERE device_id = :device AND start >= :lo AND start < :hi
UNION ALL
SELECT start, "end" FROM (
    SELECT start, "end" FROM sessions
        WHERE device_id = :device AND start < :lo ORDER BY start DESC LIMIT 1
) WHERE "end" > :lo
"""


def _rows(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


class Books:
    """Billing's view of the store. Reads and writes only through the store's connection and
    its transaction helpers (``_write`` is BEGIN IMMEDIATE, ``_read`` one snapshot)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._conn: sqlite3.Connection = store._conn

    # ----------------------------------------------------------------- transactions

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self.store._write() as conn:
            yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        if self._conn.in_transaction:  # already inside write() or read()
            yield self._conn
        else:
            with self.store._read() as conn:
                yield conn

    def setting(self, key: str, default: str | None = None) -> str | None:
        return self.store.get_setting(key, default)

    def set_setting(self, key: str, value: str) -> None:
        self.store.set_setting(key, value)

    def settings(self, prefix: str) -> dict[str, str]:
        cur = self._conn.execute(
            "SELECT key, value FROM settings WHERE substr(key, 1, length(?)) = ? ORDER BY key",
            (prefix, prefix),
        )
        return dict(cur.fetchall())

    # ----------------------------------------------------------------- customers

    def add_customer(
        self,
        name: str,
        phone: str | None,
        notes: str | None,
        currency: str,
        language: str,
        created: int,
    ) -> int:
        with self.write() as conn:
            cur = conn.execute(
                "INSERT INTO customers (name, phone, notes, currency, language, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, phone, notes, currency, language, created),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def update_customer(self, customer_id: int, changes: dict[str, Any]) -> None:
        allowed = ("name", "phone", "notes", "currency", "language")
        with self.write() as conn:
            for column in allowed:  # names from this fixed list only, values as parameters
                if column in changes:
                    conn.execute(
                        f"UPDATE customers SET {column} = ? WHERE id = ?",  # noqa: S608
                        (changes[column], customer_id),
                    )

    def customers(self) -> list[dict[str, Any]]:
        with self.read() as conn:
            return _rows(conn.execute(f"SELECT {_CUSTOMER_COLS} FROM customers ORDER BY id"))  # noqa: S608

    def customer(self, customer_id: int) -> dict[str, Any] | None:
        cur = self._conn.execute(
            f"SELECT {_CUSTOMER_COLS} FROM customers WHERE id = ?",  # noqa: S608
            (customer_id,),
        )
        rows = _rows(cur)
        return rows[0] if rows else None

    def customer_by_name(self, name: str) -> dict[str, Any] | None:
        cur = self._conn.execute(
            f"SELECT {_CUSTOMER_COLS} FROM customers WHERE name = ?",  # noqa: S608
            (name,),
        )
        rows = _rows(cur)
        return rows[0] if rows else None

    # ----------------------------------------------------------------- time-bounded rows

    @staticmethod
    def _carve(
        conn: sqlite3.Connection, table: str, key_col: str, key: Any, lo: int, hi: int | None
    ) -> None:
        """Make room for a new row over [lo, hi) among ``table``'s rows with this key: rows
        overlapping it are cut back, split around it, or removed when inside it."""
        assert (table, key_col) in (("device_assignments", "mac"), ("subscriptions", "customer_id"))
        top = _FOREVER if hi is None else hi
        cur = conn.execute(
            f"SELECT * FROM {table} WHERE {key_col} = ? AND valid_from < ? "  # noqa: S608
            "AND coalesce(valid_until, ?) > ?",
            (key, top, _FOREVER, lo),
        )
        for row in _rows(cur):
            start, end = row["valid_from"], row["valid_until"]
            end_v = _FOREVER if end is None else end
            if start < lo:
                conn.execute(
                    f"UPDATE {table} SET valid_until = ? WHERE id = ?",  # noqa: S608
                    (lo, row["id"]),
                )
                if end_v > top:
                    rest = {k: v for k, v in row.items() if k != "id"}
                    rest["valid_from"] = top
                    cols = ", ".join(rest)
                    conn.execute(
                        f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(rest))})",  # noqa: S608
                        tuple(rest.values()),
                    )
            elif end_v > top:
                conn.execute(
                    f"UPDATE {table} SET valid_from = ? WHERE id = ?",  # noqa: S608
                    (top, row["id"]),
                )
            else:
                conn.execute(f"DELETE FROM {table} WHERE id = ?", (row["id"],))  # noqa: S608

    # ----------------------------------------------------------------- devices

    def assign_device(self, mac: str, customer_id: int, lo: int, hi: int | None) -> int:
        with self.write() as conn:
            self._carve(conn, "device_assignments", "mac", mac, lo, hi)
            cur = conn.execute(
                "INSERT INTO device_assignments (mac, customer_id, valid_from, valid_until) "
                "VALUES (?, ?, ?, ?)",
                (mac, customer_id, lo, hi),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def assignments(
        self, customer_id: int | None = None, lo: int | None = None, hi: int | None = None
    ) -> list[dict[str, Any]]:
        """Assignments overlapping [lo, hi) (all when unbounded), with the device's facts."""
        with self.read() as conn:
            cur = conn.execute(
                "SELECT a.id, a.mac, a.customer_id, c.name AS customer, a.valid_from, "
                "a.valid_until, d.id AS device_id, d.name AS device_name, d.vendor, "
                "d.locally_administered "
                "FROM device_assignments a JOIN customers c ON c.id = a.customer_id "
                "LEFT JOIN devices d ON d.mac = a.mac "
                "WHERE (?1 IS NULL OR a.customer_id = ?1) AND a.valid_from < ?3 "
                "AND coalesce(a.valid_until, ?4) > ?2 ORDER BY a.customer_id, a.mac, a.valid_from",
                (
                    customer_id,
                    -_FOREVER if lo is None else lo,
                    _FOREVER if hi is None else hi,
                    _FOREVER,
                ),
            )
            return _rows(cur)

    # ----------------------------------------------------------------- plans

    def add_plan(self, fields: dict[str, Any], tiers: Sequence[tuple[int | None, str]]) -> int:
        cols = (
            "name",
            "kind",
            "currency",
            "price",
            "rounding",
            "cap_bytes",
            "overage_per_mb",
            "allowance_seconds",
            "allowance_bytes",
            "validity_seconds",
            "outage_credit",
            "created",
        )
        with self.write() as conn:
            cur = conn.execute(
                f"INSERT INTO plans ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",  # noqa: S608
                tuple(fields.get(c) for c in cols),
            )
            plan_id = int(cur.lastrowid)  # type: ignore[arg-type]
            conn.executemany(
                "INSERT INTO plan_tiers (plan_id, position, up_to_bytes, price_per_mb) "
                "VALUES (?, ?, ?, ?)",
                [(plan_id, i, up, price) for i, (up, price) in enumerate(tiers)],
            )
            return plan_id

    def plans(self, ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Plans (all, or those with these ids), each with its ``tiers`` in order."""
        with self.read() as conn:
            if ids is None:
                plans = _rows(conn.execute(f"SELECT {_PLAN_COLS} FROM plans ORDER BY id"))  # noqa: S608
            else:
                plans = _rows(
                    conn.execute(
                        f"SELECT {_PLAN_COLS} FROM plans "  # noqa: S608
                        "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
                        (json.dumps(sorted(set(ids))),),
                    )
                )
            tiers: dict[int, list[dict[str, Any]]] = {}
            for row in conn.execute(
                "SELECT plan_id, up_to_bytes, price_per_mb FROM plan_tiers "
                "WHERE plan_id IN (SELECT value FROM json_each(?)) ORDER BY plan_id, position",
                (json.dumps([p["id"] for p in plans]),),
            ):
                tiers.setdefault(row[0], []).append({"up_to_bytes": row[1], "price_per_mb": row[2]})
            for p in plans:
                p["tiers"] = tiers.get(p["id"], [])
            return plans

    def update_plan(
        self,
        plan_id: int,
        fields: dict[str, Any],
        tiers: Sequence[tuple[int | None, str]] | None = None,
    ) -> None:
        """Change a plan's columns (names from a fixed list) and, given ``tiers``, its tiers."""
        allowed = (
            "name",
            "currency",
            "price",
            "rounding",
            "cap_bytes",
            "overage_per_mb",
            "allowance_seconds",
            "allowance_bytes",
            "validity_seconds",
            "outage_credit",
            "archived",
        )
        with self.write() as conn:
            for column in allowed:  # names from this fixed list only, values as parameters
                if column in fields:
                    conn.execute(
                        f"UPDATE plans SET {column} = ? WHERE id = ?",  # noqa: S608
                        (fields[column], plan_id),
                    )
            if tiers is not None:
                conn.execute("DELETE FROM plan_tiers WHERE plan_id = ?", (plan_id,))
                conn.executemany(
                    "INSERT INTO plan_tiers (plan_id, position, up_to_bytes, price_per_mb) "
                    "VALUES (?, ?, ?, ?)",
                    [(plan_id, i, up, price) for i, (up, price) in enumerate(tiers)],
                )

    def plan_uses(self, plan_id: int) -> dict[str, int]:
        """How many subscriptions, pack sales and invoice lines name this plan."""
        with self.read() as conn:
            subs = conn.execute(
                "SELECT count(*) FROM subscriptions WHERE plan_id = ?", (plan_id,)
            ).fetchone()[0]
            sales = conn.execute(
                "SELECT count(*) FROM pack_sales WHERE plan_id = ?", (plan_id,)
            ).fetchone()[0]
        return {"subscriptions": int(subs), "pack_sales": int(sales)}

    def plan_id_by_name(self, name: str) -> int | None:
        row = self._conn.execute("SELECT id FROM plans WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    # ----------------------------------------------------------------- subscriptions, packs

    def subscribe(self, customer_id: int, plan_id: int, lo: int, hi: int | None) -> int:
        with self.write() as conn:
            self._carve(conn, "subscriptions", "customer_id", customer_id, lo, hi)
            cur = conn.execute(
                "INSERT INTO subscriptions (customer_id, plan_id, valid_from, valid_until) "
                "VALUES (?, ?, ?, ?)",
                (customer_id, plan_id, lo, hi),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def subscriptions(
        self, customer_id: int | None = None, lo: int | None = None, hi: int | None = None
    ) -> list[dict[str, Any]]:
        with self.read() as conn:
            return _rows(
                conn.execute(
                    "SELECT s.id, s.customer_id, s.plan_id, p.name AS plan, s.valid_from, "
                    "s.valid_until FROM subscriptions s JOIN plans p ON p.id = s.plan_id "
                    "WHERE (?1 IS NULL OR s.customer_id = ?1) AND s.valid_from < ?3 "
                    "AND coalesce(s.valid_until, ?4) > ?2 ORDER BY s.customer_id, s.valid_from",
                    (
                        customer_id,
                        -_FOREVER if lo is None else lo,
                        _FOREVER if hi is None else hi,
                        _FOREVER,
                    ),
                )
            )

    def sell_pack(
        self, customer_id: int, plan_id: int, sold_at: int, price: str, currency: str
    ) -> int:
        with self.write() as conn:
            cur = conn.execute(
                "INSERT INTO pack_sales (customer_id, plan_id, sold_at, price, currency) "
                "VALUES (?, ?, ?, ?, ?)",
                (customer_id, plan_id, sold_at, price, currency),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def pack_sales(self, lo: int, hi: int, customer_id: int | None = None) -> list[dict[str, Any]]:
        """Packs sold in [lo, hi)."""
        with self.read() as conn:
            return _rows(
                conn.execute(
                    "SELECT s.id, s.customer_id, s.plan_id, p.name AS plan, s.sold_at, s.price, "
                    "s.currency FROM pack_sales s JOIN plans p ON p.id = s.plan_id "
                    "WHERE s.sold_at >= ? AND s.sold_at < ? AND (?3 IS NULL OR s.customer_id = ?3)"
                    " ORDER BY s.sold_at, s.id",
                    (lo, hi, customer_id),
                )
            )

    # ----------------------------------------------------------------- exchange rates

    def set_rate(self, currency: str, valid_from: str, cup_per_unit: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO exchange_rates (currency, valid_from, cup_per_unit) "
                "VALUES (?, ?, ?) ON CONFLICT(currency, valid_from) "
                "DO UPDATE SET cup_per_unit = excluded.cup_per_unit",
                (currency, valid_from, cup_per_unit),
            )

    def rates(self) -> list[dict[str, Any]]:
        with self.read() as conn:
            return _rows(
                conn.execute(
                    "SELECT currency, valid_from, cup_per_unit FROM exchange_rates "
                    "ORDER BY valid_from, currency"
                )
            )

    def rates_on(self, date: str) -> dict[str, tuple[str, str]]:
        """Rates in force on ``date`` (``YYYY-MM-DD``): currency -> (CUP per unit, since)."""
        with self.read() as conn:
            cur = conn.execute(
                "SELECT currency, cup_per_unit, max(valid_from) FROM exchange_rates "
                "WHERE valid_from <= ? GROUP BY currency",
                (date,),
            )
            return {c: (v, since) for c, v, since in cur.fetchall()}

    # ----------------------------------------------------------------- usage and outages

    def device_usage(
        self, windows: Iterable[tuple[str, int, int]]
    ) -> tuple[dict[tuple[str, int, int], tuple[int, int]], list[tuple[int, int]]]:
        """Exact ``(internet_bytes, local_bytes)`` of each ``(mac, lo, hi)`` window, read from
        the coarsest rollups that cover it exactly (the same plan as ``Store.report``), and
        the spans left out because retention already pruned their detail."""
        from .db import _int_or_none, _plan_range
        from .schema import PRUNED_MINUTES_KEY, PRUNED_SECONDS_KEY

        out: dict[tuple[str, int, int], tuple[int, int]] = {}
        dropped: set[tuple[int, int]] = set()
        with self.read() as conn:
            state = dict(
                conn.execute(
                    "SELECT key, value FROM settings WHERE key IN (?, ?)",
                    (PRUNED_SECONDS_KEY, PRUNED_MINUTES_KEY),
                ).fetchall()
            )
            seconds_from = _int_or_none(state.get(PRUNED_SECONDS_KEY))
            minutes_from = _int_or_none(state.get(PRUNED_MINUTES_KEY))
            ids = dict(conn.execute("SELECT mac, id FROM devices").fetchall())
            plans: dict[tuple[int, int], list] = {}
            for key in windows:
                mac, lo, hi = key
                device_id = ids.get(mac)
                if device_id is None or lo >= hi:
                    out[key] = (0, 0)
                    continue
                plan = plans.get((lo, hi))
                if plan is None:
                    plan = plans[(lo, hi)] = _plan_range(lo, hi, seconds_from, minutes_from)
                pieces, gaps = plan
                dropped.update(gaps)
                inet = total = 0
                for piece in pieces:
                    a, b = conn.execute(
                        _DEVICE_TOTAL[piece.table], (device_id, piece.lo, piece.hi)
                    ).fetchone()
                    inet += a or 0
                    total += b or 0
                out[key] = (inet, total - inet)
        return out, sorted(dropped)

    def device_sessions(
        self, windows: Iterable[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[tuple[int, int]]]:
        """Sessions of each ``(mac, lo, hi)`` window, clipped to it."""
        out: dict[tuple[str, int, int], list[tuple[int, int]]] = {}
        with self.read() as conn:
            ids = dict(conn.execute("SELECT mac, id FROM devices").fetchall())
            for key in windows:
                mac, lo, hi = key
                device_id = ids.get(mac)
                if device_id is None or lo >= hi:
                    out[key] = []
                    continue
                rows = conn.execute(_SESSIONS_IN, {"device": device_id, "lo": lo, "hi": hi})
                out[key] = sorted(
                    (max(a, lo), min(b, hi)) for a, b in rows.fetchall() if a < hi and b > lo
                )
        return out

    def minute_usage(self, windows: Sequence[tuple[str, int, int]]) -> list[tuple[int, int, int]]:
        """Per-minute ``(ts, internet_bytes, local_bytes)`` summed over ``(mac, lo, hi)``
        windows (minutes whose start lies in the window), sorted by ts."""
        out: dict[int, list[int]] = {}
        with self.read() as conn:
            for mac, lo, hi in windows:
                for ts, inet, total in conn.execute(
                    "SELECT u.ts, u.inet_tx_bytes + u.inet_rx_bytes, u.tx_bytes + u.rx_bytes "
                    "FROM usage_minute u "
                    "WHERE u.device_id = (SELECT id FROM devices WHERE mac = ?) "
                    "AND u.ts >= ? AND u.ts < ?",
                    (mac, lo, hi),
                ):
                    row = out.get(ts)
                    if row is None:
                        out[ts] = [inet, total - inet]
                    else:
                        row[0] += inet
                        row[1] += total - inet
        return [(ts, v[0], v[1]) for ts, v in sorted(out.items())]

    # ----------------------------------------------------------------- invoices

    def invoiced_customers(self, month: str) -> set[int]:
        cur = self._conn.execute(
            "SELECT customer_id FROM invoices WHERE series = 'F' AND month = ?", (month,)
        )
        return {r[0] for r in cur.fetchall()}

    def issue_invoices(
        self, month: str, drafts: Sequence[dict[str, Any]], issued_at: int
    ) -> list[dict[str, Any]]:
        """Write the drafts as invoices of ``month`` in one transaction, numbered gaplessly
        in order, skipping customers that already have an invoice for the month (so closing
        twice issues nothing new). Each draft carries its ``lines``; the balance brought
        forward, the payments and credit notes since the customer's previous invoice in the
        same currency, and the amount due are worked out here, inside the transaction."""
        issued: list[dict[str, Any]] = []
        with self.write() as conn:
            done = {
                r[0]
                for r in conn.execute(
                    "SELECT customer_id FROM invoices WHERE series = 'F' AND month = ?", (month,)
                )
            }
            number = conn.execute(
                "SELECT coalesce(max(number), 0) FROM invoices WHERE series = 'F'"
            ).fetchone()[0]
            pay_through = conn.execute("SELECT coalesce(max(id), 0) FROM payments").fetchone()[0]
            credit_through = conn.execute(
                "SELECT coalesce(max(id), 0) FROM invoices WHERE series = 'R'"
            ).fetchone()[0]
            invoice_rows = []
            line_rows = []
            for d in drafts:
                if d["customer_id"] in done:
                    continue
                done.add(d["customer_id"])
                prev_due, pays, credits = self._since_previous(
                    conn, d["customer_id"], d["currency"], pay_through, credit_through
                )
                number += 1
                due = prev_due - pays - credits + d["total_cents"]
                row = (
                    "F",
                    number,
                    d["customer_id"],
                    month,
                    d["period_start"],
                    d["period_end"],
                    issued_at,
                    d["customer_name"],
                    d["customer_phone"],
                    d["language"],
                    d["currency"],
                    d["rate_date"],
                    d["rates"],
                    len(d["lines"]),
                    d["subtotal_cents"],
                    d["tax_cents"],
                    d["total_cents"],
                    prev_due,
                    pays,
                    credits,
                    due,
                    pay_through,
                    credit_through,
                    None,
                    None,
                    d["summary"],
                )
                invoice_rows.append(row)
                issued.append(
                    {
                        "number": number,
                        "customer_id": d["customer_id"],
                        "customer_name": d["customer_name"],
                        "currency": d["currency"],
                        "total_cents": d["total_cents"],
                        "amount_due_cents": due,
                    }
                )
                line_rows.append(d["lines"])
            if invoice_rows:
                conn.executemany(_INSERT_INVOICE, invoice_rows)
                first = invoice_rows[0][1]
                ids = dict(
                    conn.execute(
                        "SELECT number, id FROM invoices WHERE series = 'F' AND number >= ?",
                        (first,),
                    ).fetchall()
                )
                conn.executemany(
                    _INSERT_LINE,
                    [
                        (ids[inv[1]], pos, *line)
                        for inv, lines in zip(invoice_rows, line_rows, strict=True)
                        for pos, line in enumerate(lines)
                    ],
                )
        return issued

    @staticmethod
    def _since_previous(
        conn: sqlite3.Connection,
        customer_id: int,
        currency: str,
        pay_through: int,
        credit_through: int,
    ) -> tuple[int, int, int]:
        prev = conn.execute(
            "SELECT amount_due_cents, payments_through, credits_through FROM invoices "
            "WHERE series = 'F' AND customer_id = ? AND currency = ? ORDER BY number DESC LIMIT 1",
            (customer_id, currency),
        ).fetchone()
        prev_due, pay_from, credit_from = prev if prev is not None else (0, 0, 0)
        pays = conn.execute(
            "SELECT coalesce(sum(ledger_cents), 0) FROM payments WHERE customer_id = ? "
            "AND ledger_currency = ? AND id > ? AND id <= ?",
            (customer_id, currency, pay_from, pay_through),
        ).fetchone()[0]
        # credit notes are stored with a negative total; as a credit they count positive
        credits = -conn.execute(
            "SELECT coalesce(sum(total_cents), 0) FROM invoices WHERE series = 'R' "
            "AND customer_id = ? AND currency = ? AND id > ? AND id <= ?",
            (customer_id, currency, credit_from, credit_through),
        ).fetchone()[0]
        return prev_due, pays, credits

    def issue_credit_note(self, doc: dict[str, Any], lines: Sequence[tuple]) -> int:
        """Write a credit note (series R, next number) against ``doc['refers_to']``; refuses
        to credit more than the invoice's total less its earlier credit notes."""
        with self.write() as conn:
            inv = conn.execute(
                "SELECT total_cents FROM invoices WHERE id = ? AND series = 'F'",
                (doc["refers_to"],),
            ).fetchone()
            if inv is None:
                raise LookupError("no such invoice")
            credited = -conn.execute(
                "SELECT coalesce(sum(total_cents), 0) FROM invoices "
                "WHERE series = 'R' AND refers_to = ?",
                (doc["refers_to"],),
            ).fetchone()[0]
            if credited - doc["total_cents"] > inv[0]:
                raise OverflowError(inv[0] - credited)
            number = conn.execute(
                "SELECT coalesce(max(number), 0) + 1 FROM invoices WHERE series = 'R'"
            ).fetchone()[0]
            row = (
                "R",
                number,
                doc["customer_id"],
                None,
                None,
                None,
                doc["issued_at"],
                doc["customer_name"],
                doc["customer_phone"],
                doc["language"],
                doc["currency"],
                None,
                "{}",
                len(lines),
                doc["total_cents"],
                0,
                doc["total_cents"],
                0,
                0,
                0,
                doc["total_cents"],
                0,
                0,
                doc["refers_to"],
                doc["reason"],
                "{}",
            )
            cur = conn.execute(_INSERT_INVOICE, row)
            inv_id = int(cur.lastrowid)  # type: ignore[arg-type]
            conn.executemany(_INSERT_LINE, [(inv_id, pos, *line) for pos, line in enumerate(lines)])
            return number

    def invoices(
        self,
        month: str | None = None,
        series: str | None = None,
        customer_id: int | None = None,
        issued_between: tuple[int, int] | None = None,
    ) -> list[dict[str, Any]]:
        lo, hi = issued_between if issued_between is not None else (None, None)
        with self.read() as conn:
            return _rows(
                conn.execute(
                    f"SELECT {_INVOICE_COLS} FROM invoices "  # noqa: S608
                    "WHERE (?1 IS NULL OR month = ?1) AND (?2 IS NULL OR series = ?2) "
                    "AND (?3 IS NULL OR customer_id = ?3) "
                    "AND (?4 IS NULL OR (issued_at >= ?4 AND issued_at < ?5)) "
                    "ORDER BY series, number",
                    (month, series, customer_id, lo, hi),
                )
            )

    def invoice(self, series: str, number: int) -> dict[str, Any] | None:
        with self.read() as conn:
            rows = _rows(
                conn.execute(
                    f"SELECT {_INVOICE_COLS} FROM invoices WHERE series = ? AND number = ?",  # noqa: S608
                    (series, number),
                )
            )
        return rows[0] if rows else None

    def invoice_lines(self, invoice_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        with self.read() as conn:
            cur = conn.execute(
                "SELECT invoice_id, position, kind, quantity, unit, unit_price, amount_cents, "
                "params FROM invoice_lines WHERE invoice_id IN (SELECT value FROM json_each(?)) "
                "ORDER BY invoice_id, position",
                (json.dumps(sorted(set(invoice_ids))),),
            )
            for row in _rows(cur):
                out.setdefault(row["invoice_id"], []).append(row)
        return out

    # ----------------------------------------------------------------- payments

    def add_payment(self, fields: dict[str, Any]) -> int:
        cols = _PAYMENT_COLS.split(", ")[1:]
        with self.write() as conn:
            cur = conn.execute(
                f"INSERT INTO payments ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",  # noqa: S608
                tuple(fields[c] for c in cols),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def payments(
        self,
        customer_id: int | None = None,
        id_range: tuple[int, int] | None = None,
        invoice_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Payments, optionally of one customer, with ``lo < id <= hi``, or for one invoice."""
        lo, hi = id_range if id_range is not None else (None, None)
        with self.read() as conn:
            return _rows(
                conn.execute(
                    f"SELECT {_PAYMENT_COLS} FROM payments "  # noqa: S608
                    "WHERE (?1 IS NULL OR customer_id = ?1) AND (?2 IS NULL OR id > ?2) "
                    "AND (?3 IS NULL OR id <= ?3) AND (?4 IS NULL OR invoice_id = ?4) ORDER BY id",
                    (customer_id, lo, hi, invoice_id),
                )
            )

    def balances(self, customer_id: int | None = None) -> list[dict[str, Any]]:
        """Per customer and currency: documents' totals (invoices less credit notes), payments
        and the balance (positive: owed by the customer; negative: credit in its favour)."""
        with self.read() as conn:
            return _rows(
                conn.execute(
                    """WITH docs AS (
    SELECT customer_id, currency, sum(total_cents) AS billed FROM invoices GROUP BY 1, 2
), paid AS (
    SELECT customer_id, ledger_currency AS currency, sum(ledger_cents) AS paid
    FROM payments GROUP BY 1, 2
), keys AS (SELECT customer_id, currency FROM docs UNION SELECT customer_id, currency FROM paid)
SELECT k.customer_id, c.name AS customer, k.currency, coalesce(d.billed, 0) AS billed_cents,
    coalesce(p.paid, 0) AS paid_cents, coalesce(d.billed, 0) - coalesce(p.paid, 0) AS balance_cents
FROM keys k JOIN customers c ON c.id = k.customer_id
LEFT JOIN docs d ON d.customer_id = k.customer_id AND d.currency = k.currency
LEFT JOIN paid p ON p.customer_id = k.customer_id AND p.currency = k.currency
WHERE ?1 IS NULL OR k.customer_id = ?1
ORDER BY k.customer_id, k.currency""",
                    (customer_id,),
                )
            )
