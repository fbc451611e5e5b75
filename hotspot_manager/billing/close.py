"""Month close: gather each customer's facts from the store, rate them, issue the invoices.

``prepare_month`` only reads (the store's rollups and sessions, the books, the outages) and
calls the pure ``rating.rate``; ``close_month`` then writes every invoice of the month in one
transaction (``Books.issue_invoices``), numbered gaplessly, skipping customers that already
have one, so running it again issues nothing new.
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hotspot_manager.store import Store
from hotspot_manager.store.books import Books

from .accounts import MAX_PACK_VALIDITY, BillingSettings, plan_from_row, rates_on
from .errors import BillingError
from .model import (
    PackSale,
    Period,
    Rated,
    RatingInput,
    Segment,
    Subscription,
    Tax,
    UsageFacts,
)
from .money import decimal_text, parse_stored, to_cents
from .rating import clip, pack_expiry, rate, union

DAY = 86400
#: how far before a month its packs may have been sold: the longest validity plus a month of
#: outage pauses
LOOKBACK = MAX_PACK_VALIDITY + 31 * DAY
_FOREVER = 2**62

#: where outages come from: ``(store, since, until) -> [{"start", "end", ...}]`` (or
#: ``(start, end)`` pairs); ``end`` None for an outage still going on
OutageSource = Callable[[Store, int, int], Iterable[Any]]


# --------------------------------------------------------------------------- outages


def default_outage_source(store: Store, since: int, until: int) -> list[Any]:
    """The monitor's outages (``store.monitoring.outages``)."""
    from hotspot_manager.store import monitoring

    return list(monitoring.outages(store, since, until))


def _epoch(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, _dt.datetime):
        return int(value.timestamp())
    if isinstance(value, str):
        return int(_dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    return int(value)


def load_outages(
    store: Store, since: int, until: int, source: OutageSource | None = None
) -> list[tuple[int, int]]:
    """Uplink outages overlapping [since, until) as merged ``(start, end)`` epoch pairs."""
    rows = (source or default_outage_source)(store, since, until)
    spans = []
    for r in rows:
        if isinstance(r, dict):
            a, b = r.get("start"), r.get("end")
        else:
            a, b = r[0], r[1]
        spans.append((_epoch(a, since), _epoch(b, until)))
    return union(clip(spans, since, until))


# --------------------------------------------------------------------------- preparing


@dataclass
class Draft:
    customer: dict[str, Any]
    rated: Rated
    rate_since: dict[str, str]

    def as_row(self, period: Period, rate_date: str) -> dict[str, Any]:
        r = self.rated
        rates = {
            c: {"cup_per_unit": decimal_text(v), "since": self.rate_since.get(c)}
            for c, v in r.rates.items()
        }
        return {
            "customer_id": self.customer["id"],
            "customer_name": self.customer["name"],
            "customer_phone": self.customer["phone"],
            "language": self.customer["language"],
            "currency": self.customer["currency"],
            "period_start": period.start,
            "period_end": period.end,
            "rate_date": rate_date,
            "rates": json.dumps(rates, sort_keys=True),
            "subtotal_cents": to_cents(r.subtotal),
            "tax_cents": to_cents(r.tax),
            "total_cents": to_cents(r.total),
            "summary": json.dumps(r.summary, sort_keys=True),
            "lines": [
                (
                    ln.kind,
                    None if ln.quantity is None else decimal_text(ln.quantity),
                    ln.unit,
                    None if ln.unit_price is None else decimal_text(ln.unit_price),
                    to_cents(ln.amount),
                    json.dumps(dict(ln.params), sort_keys=True),
                )
                for ln in r.lines
            ],
        }


@dataclass
class Prepared:
    period: Period
    drafts: list[Draft] = field(default_factory=list)
    already_invoiced: int = 0
    inactive: int = 0
    warnings: list[str] = field(default_factory=list)


def prepare_month(
    store: Store,
    period: Period,
    *,
    outage_source: OutageSource | None = None,
    quantities_only: bool = False,
) -> Prepared:
    """Rate every customer not yet invoiced for ``period`` (reads only).

    ``quantities_only``: the caller wants data, time and packs used, not money (the quota
    alerts), so a missing exchange rate is not an error: it is taken as 1 and the amounts
    of those drafts mean nothing."""
    books = Books(store)
    settings = BillingSettings.load(books)
    done = books.invoiced_customers(period.label)
    customers = {c["id"]: c for c in books.customers() if c["id"] not in done}
    out = Prepared(period, already_invoiced=len(done))
    hist = period.start - LOOKBACK

    assigns: dict[int, list[dict]] = {}
    for a in books.assignments(lo=hist, hi=period.end):
        assigns.setdefault(a["customer_id"], []).append(a)
    sub_rows: dict[int, list[dict]] = {}
    for s in books.subscriptions(lo=period.start, hi=period.end):
        sub_rows.setdefault(s["customer_id"], []).append(s)
    sale_rows: dict[int, list[dict]] = {}
    for p in books.pack_sales(hist, period.end):
        sale_rows.setdefault(p["customer_id"], []).append(p)
    plan_ids = {s["plan_id"] for v in sub_rows.values() for s in v}
    plan_ids |= {p["plan_id"] for v in sale_rows.values() for p in v}
    plans = {row["id"]: plan_from_row(row) for row in books.plans(plan_ids)}
    outages = load_outages(store, hist, period.end, outage_source)
    cup_per, rate_since = rates_on(books, period.last_day)
    if quantities_only:
        from decimal import Decimal

        from .money import BASE_CURRENCY, CURRENCIES

        for c in CURRENCIES:
            if c != BASE_CURRENCY:
                cup_per.setdefault(c, Decimal(1))
    tax = Tax(settings.tax_name or "", settings.tax_percent) if settings.tax_percent > 0 else None

    # ---- what to read, per customer
    plans_for: dict[int, tuple[list[Subscription], list[PackSale], int, list[tuple[int, int]]]] = {}
    total_keys: set[tuple[str, int, int]] = set()
    session_keys: set[tuple[str, int, int]] = set()
    for cid in sorted(customers):
        if cid not in assigns and cid not in sub_rows and cid not in sale_rows:
            continue
        subs = [
            Subscription(plans[s["plan_id"]], s["valid_from"], s["valid_until"])
            for s in sub_rows.get(cid, [])
        ]
        packs = []
        for p in sale_rows.get(cid, []):
            sale = PackSale(
                p["id"], plans[p["plan_id"]], p["sold_at"], parse_stored(p["price"]), p["currency"]
            )
            if sale.sold_at >= period.start or pack_expiry(sale, outages) > period.start:
                packs.append(sale)
        since = min([period.start] + [p.sold_at for p in packs])
        bounds = {period.start, period.end}
        for s in subs:
            for x in (s.start, s.end):
                if x is not None and period.start < x < period.end:
                    bounds.add(x)
        edges = sorted(bounds)
        segments = list(zip(edges, edges[1:], strict=False))
        windows = []
        for a in assigns.get(cid, []):
            lo = max(a["valid_from"], since)
            hi = min(period.end if a["valid_until"] is None else a["valid_until"], period.end)
            if lo < hi:
                windows.append((a["mac"], lo, hi))
                session_keys.add((a["mac"], lo, hi))
                for s0, s1 in segments:
                    i0, i1 = max(lo, s0), min(hi, s1)
                    if i0 < i1:
                        total_keys.add((a["mac"], i0, i1))
        plans_for[cid] = (subs, packs, since, windows)

    totals, dropped = books.device_usage(total_keys)
    sessions = books.device_sessions(session_keys)
    for a, b in dropped:
        out.warnings.append(
            f"usage in [{_iso(a)}, {_iso(b)}) is left out: its per-second or per-minute "
            "detail was already pruned by retention"
        )

    for cid, (subs, packs, since, windows) in plans_for.items():
        customer = customers[cid]
        edges = sorted(
            {period.start, period.end}
            | {
                x
                for s in subs
                for x in (s.start, s.end)
                if x is not None and period.start < x < period.end
            }
        )
        segs = []
        for s0, s1 in zip(edges, edges[1:], strict=False):
            inet = local = 0
            for mac, lo, hi in windows:
                i0, i1 = max(lo, s0), min(hi, s1)
                if i0 < i1:
                    a, b = totals[(mac, i0, i1)]
                    inet += a
                    local += b
            segs.append(Segment(s0, s1, inet, local))
        spans = union(s for w in windows for s in sessions[w])
        minutes: list[tuple[int, int, int]] = []
        data_packs = [p for p in packs if p.plan.allowance_bytes is not None]
        if data_packs:
            cover = union((p.sold_at, pack_expiry(p, outages)) for p in data_packs)
            mwin = [
                (mac, x0, x1)
                for mac, lo, hi in windows
                for c0, c1 in cover
                if (x0 := max(lo, c0, since)) < (x1 := min(hi, c1, period.end))
            ]
            minutes = books.minute_usage(mwin)
        usage = UsageFacts(
            segments=tuple(segs),
            sessions=tuple(spans),
            minutes=tuple(minutes),
            since=since,
            devices=tuple(sorted({w[0] for w in windows})),
        )
        rated = rate(
            RatingInput(
                period=period,
                currency=customer["currency"],
                cup_per=cup_per,
                usage=usage,
                subscriptions=tuple(subs),
                packs=tuple(packs),
                outages=tuple(clip(outages, since, period.end)),
                tax=tax,
                bill_local=settings.bill_local,
                rate_date=period.last_day,
            )
        )
        if rated.active:
            out.drafts.append(Draft(customer, rated, rate_since))
        else:
            out.inactive += 1
    out.inactive += len(customers) - len(plans_for)
    return out


def _iso(t: int) -> str:
    return _dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- closing


@dataclass
class CloseResult:
    month: str
    issued: list[dict[str, Any]]
    already_invoiced: int
    inactive: int
    warnings: list[str]


def close_month(
    store: Store,
    month: str,
    *,
    now: int | None = None,
    outage_source: OutageSource | None = None,
) -> CloseResult:
    """Issue one invoice per customer with activity in ``month`` (``YYYY-MM``, local time).

    Idempotent: customers already invoiced for the month are skipped, so a second run
    issues nothing new. Refuses a month that is not over yet."""
    period = Period.month(month)
    now = int(time.time()) if now is None else now
    if period.end > now:
        raise BillingError(
            f"{period.label} is not over yet: close it from {_iso(period.end)} (local time) on"
        )
    prepared = prepare_month(store, period, outage_source=outage_source)
    rows = [d.as_row(period, period.last_day) for d in prepared.drafts]
    issued = Books(store).issue_invoices(period.label, rows, now)
    return CloseResult(
        month=period.label,
        issued=issued,
        already_invoiced=prepared.already_invoiced + (len(rows) - len(issued)),
        inactive=prepared.inactive,
        warnings=prepared.warnings,
    )


__all__ = [
    "CloseResult",
    "Draft",
    "OutageSource",
    "Prepared",
    "close_month",
    "default_outage_source",
    "load_outages",
    "prepare_month",
]
