"""Rating: one customer's month of usage, plans, packs, outages and rates -> invoice lines.

Pure functions only (no database, no clock, no Qt), in the manner of Vorta's ``prepare()``:
``close`` gathers the facts, calls :func:`rate`, and writes what it returns.

The rules (also in ``docs/billing.md``):

- Usage covered by a prepaid pack is taken out first; what is left is billed by the
  subscription (per MB, per hour, flat) in force when it happened. Usage outside any
  subscription and pack is reported on the invoice but not charged.
- Data is internet traffic, up plus down; local traffic counts only with ``bill_local``.
  Quantities are decimal MB (10^6 bytes) rounded half-up to 3 decimals (1 kB); the amount is
  quantity x unit price rounded half-up to the cent.
- Time online is the union of the customer's devices' sessions. Per-hour plans round each
  continuous online stretch up to the plan's unit (second, started minute, started quarter
  hour) and charge the rounded seconds x price / 3600, rounded to the cent.
- Flat plans charge the fee pro rata to the seconds of the month they cover, include the cap
  pro rata too, and credit outages pro rata: fee x outage seconds / month seconds.
- Packs are charged in the month they are sold. They cover usage from the sale for their
  validity; with ``outage_credit`` the validity clock stops during outages and nothing is
  consumed then. Packs valid at the same time are used earliest-expiring first.
- Prices in another currency are converted through CUP at the rates in force on the month's
  last day: fixed amounts to the cent, unit prices to 4 decimals, before multiplying.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .errors import BillingError
from .model import (
    HOUR,
    MB,
    ROUNDING,
    Line,
    PackSale,
    Period,
    Plan,
    Rated,
    RatingInput,
    Subscription,
    Tier,
)
from .money import BASE_CURRENCY, ZERO, MissingRate, convert, round_cents, round_price

Interval = tuple[int, int]
MB_STEP = Decimal("0.001")
HOURS_STEP = Decimal("0.0001")

# --------------------------------------------------------------------------- intervals


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint, non-empty; touching intervals are merged."""
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1][1] = b
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def clip(intervals: Iterable[Interval], lo: int, hi: int) -> list[Interval]:
    return [(max(a, lo), min(b, hi)) for a, b in intervals if a < hi and b > lo]


def subtract(intervals: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """``intervals`` minus ``holes`` (both sorted and disjoint)."""
    out: list[Interval] = []
    j = 0
    for a, b in intervals:
        while j < len(holes) and holes[j][1] <= a:
            j += 1
        k = j
        t = a
        while k < len(holes) and holes[k][0] < b:
            ha, hb = holes[k]
            if ha > t:
                out.append((t, ha))
            t = max(t, hb)
            k += 1
        if t < b:
            out.append((t, b))
    return out


def length(intervals: Iterable[Interval]) -> int:
    return sum(b - a for a, b in intervals)


def overlap(a: Interval, b: Interval) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def contains(intervals: Sequence[Interval], t: int) -> bool:
    """Whether ``t`` lies in one of the sorted disjoint ``intervals``."""
    i = bisect.bisect_right(intervals, (t, float("inf"))) - 1
    return i >= 0 and intervals[i][0] <= t < intervals[i][1]


# --------------------------------------------------------------------------- rounding


def round_up(seconds: int, unit: int) -> int:
    """Seconds rounded up to a whole number of ``unit`` (0 stays 0)."""
    return -(-seconds // unit) * unit


def megabytes(nbytes: int) -> Decimal:
    """Decimal MB, half-up to 3 decimals (1 kB)."""
    return (Decimal(nbytes) / MB).quantize(MB_STEP, rounding=ROUND_HALF_UP)


def tier_split(nbytes: int, tiers: Sequence[Tier]) -> list[tuple[int, int]]:
    """Graduated tiers: ``[(tier index, bytes in that tier)]`` for the non-empty tiers."""
    out = []
    below = 0
    for i, t in enumerate(tiers):
        top = nbytes if t.up_to_bytes is None else min(nbytes, t.up_to_bytes)
        if top > below:
            out.append((i, top - below))
        if t.up_to_bytes is None or nbytes <= t.up_to_bytes:
            break
        below = t.up_to_bytes
    return out


# --------------------------------------------------------------------------- packs


def pack_expiry(sale: PackSale, outages: Sequence[Interval]) -> int:
    """When a pack stops being usable: the sale plus its validity, plus the outage time
    inside that window when the pack pauses during outages (``outages`` merged, sorted)."""
    plan = sale.plan
    assert plan.validity_seconds is not None
    if not plan.outage_credit:
        return sale.sold_at + plan.validity_seconds
    t, left = sale.sold_at, plan.validity_seconds
    for a, b in outages:
        if b <= t:
            continue
        if a >= t + left:
            break
        if a > t:
            left -= a - t
        t = b
    return t + left


class _Pack:
    __slots__ = ("expiry", "remaining", "sale", "used", "used_in_period")

    def __init__(self, sale: PackSale, expiry: int, allowance: int) -> None:
        self.sale = sale
        self.expiry = expiry
        self.remaining = allowance
        self.used = 0
        self.used_in_period = 0


def _pick(packs: list[_Pack], t: int) -> _Pack | None:
    best = None
    for p in packs:
        if p.sale.sold_at <= t < p.expiry and p.remaining > 0:
            if best is None or (p.expiry, p.sale.sold_at, p.sale.id) < (
                best.expiry,
                best.sale.sold_at,
                best.sale.id,
            ):
                best = p
    return best


def _cover_time(
    packs: list[_Pack],
    sessions: Sequence[Interval],
    outages: Sequence[Interval],
    period: Interval,
) -> list[Interval]:
    """Walk the online time in order, letting time packs cover it; returns what they cover."""
    if not packs:
        return []
    starts = sorted({p.sale.sold_at for p in packs})
    covered: list[Interval] = []
    # online time cut at outage edges, each piece marked as inside an outage or not
    pieces: list[tuple[int, int, bool]] = []
    for a, b in sessions:
        inside = clip(outages, a, b)
        t = a
        for oa, ob in inside:
            if oa > t:
                pieces.append((t, oa, False))
            pieces.append((oa, ob, True))
            t = ob
        if t < b:
            pieces.append((t, b, False))
    for a, b, in_outage in pieces:
        t = a
        while t < b:
            # the choice of pack can change when another pack is sold
            k = bisect.bisect_right(starts, t)
            nxt = starts[k] if k < len(starts) else b
            p = _pick(packs, t)
            if p is None:
                t = min(b, nxt)
                continue
            end = min(b, nxt, p.expiry)
            free = in_outage and p.sale.plan.outage_credit
            if not free:
                end = min(end, t + p.remaining)
                p.remaining -= end - t
                p.used += end - t
                p.used_in_period += overlap((t, end), period)
            covered.append((t, end))
            t = end
    return union(covered)


def _cover_data(
    packs: list[_Pack],
    minutes: Sequence[tuple[int, int, int]],
    outages: Sequence[Interval],
    period: Interval,
    bill_local: bool,
) -> dict[int, int]:
    """Let data packs cover per-minute traffic in order; returns covered bytes by minute."""
    covered: dict[int, int] = {}
    if not packs:
        return covered
    for ts, inet, local in minutes:
        left = inet + local if bill_local else inet
        while left > 0:
            p = _pick(packs, ts)
            if p is None:
                break
            if p.sale.plan.outage_credit and contains(outages, ts):
                take = left  # the clock is stopped: covered, not consumed
            else:
                take = min(left, p.remaining)
                p.remaining -= take
                p.used += take
                if period[0] <= ts < period[1]:
                    p.used_in_period += take
            covered[ts] = covered.get(ts, 0) + take
            left -= take
    return covered


# --------------------------------------------------------------------------- rating


class _Converter:
    """Converts plan prices into the invoice currency and remembers which rates it used."""

    def __init__(self, inp: RatingInput) -> None:
        self.target = inp.currency
        self.cup_per = inp.cup_per
        self.date = inp.rate_date or inp.period.last_day
        self.used: dict[str, Decimal] = {}
        if self.target != BASE_CURRENCY and self.target in self.cup_per:
            self.used[self.target] = self.cup_per[self.target]

    def _need(self, currency: str) -> None:
        if currency == BASE_CURRENCY:
            return
        if currency not in self.cup_per:
            raise MissingRate(currency, self.date)
        self.used[currency] = self.cup_per[currency]

    def amount(self, value: Decimal, currency: str) -> Decimal:
        """Exact conversion (rounded later, once, to the cent)."""
        if currency == self.target:
            return value
        self._need(currency)
        self._need(self.target)
        return convert(value, currency, self.target, self.cup_per)

    def price(self, value: Decimal, currency: str) -> Decimal:
        """A unit price in the invoice currency, at most 4 decimals."""
        if currency == self.target:
            return value
        return round_price(self.amount(value, currency))


def _window(sub: Subscription, period: Period) -> Interval | None:
    lo = max(sub.start, period.start)
    hi = period.end if sub.end is None else min(sub.end, period.end)
    return (lo, hi) if lo < hi else None


def rate(inp: RatingInput) -> Rated:
    """Rate one customer's month. Raises ``MissingRate`` when a needed rate is missing and
    ``BillingError`` on inconsistent input (overlapping subscriptions, straddling segments)."""
    period = inp.period
    P = (period.start, period.end)
    usage = inp.usage
    fx = _Converter(inp)
    outages = union(inp.outages)
    bill_local = inp.bill_local

    def billable(inet: int, local: int) -> int:
        return inet + local if bill_local else inet

    sessions = union(usage.sessions)
    month_sessions = clip(sessions, *P)

    # ---- packs first: they cover usage before any subscription sees it
    time_packs: list[_Pack] = []
    data_packs: list[_Pack] = []
    all_packs: list[_Pack] = []
    for sale in sorted(inp.packs, key=lambda s: (s.sold_at, s.id)):
        plan = sale.plan
        if plan.kind != "pack":
            raise BillingError(f"plan {plan.name!r} is not a pack")
        if sale.sold_at >= period.end:
            continue
        expiry = pack_expiry(sale, outages)
        if plan.allowance_seconds is not None:
            p = _Pack(sale, expiry, plan.allowance_seconds)
            time_packs.append(p)
        else:
            assert plan.allowance_bytes is not None
            p = _Pack(sale, expiry, plan.allowance_bytes)
            data_packs.append(p)
        all_packs.append(p)
    covered_time = _cover_time(time_packs, sessions, outages, P)
    covered_minutes = _cover_data(data_packs, usage.minutes, outages, P, bill_local)
    covered_ts = sorted(covered_minutes)

    def covered_bytes(lo: int, hi: int) -> int:
        i = bisect.bisect_left(covered_ts, lo)
        j = bisect.bisect_left(covered_ts, hi)
        return sum(covered_minutes[t] for t in covered_ts[i:j])

    # ---- subscriptions
    subs = sorted(
        ((w, s) for s in inp.subscriptions if (w := _window(s, period)) is not None),
        key=lambda ws: ws[0],
    )
    for (w1, s1), (w2, s2) in zip(subs, subs[1:], strict=False):
        if w2[0] < w1[1]:
            raise BillingError(
                f"subscriptions to {s1.plan.name!r} and {s2.plan.name!r} overlap in "
                f"{period.label}; a customer has one plan at a time"
            )

    def window_bytes(w: Interval) -> int:
        total = 0
        for seg in usage.segments:
            inside = overlap((seg.start, seg.end), w)
            if inside == 0:
                continue
            if inside != seg.end - seg.start:
                raise BillingError("usage segment straddles a subscription edge")  # a bug
            total += billable(seg.internet_bytes, seg.local_bytes)
        return max(0, total - covered_bytes(*w))

    lines: list[Line] = []
    billed_bytes = 0
    billed_windows: list[Interval] = []
    caps: list[dict[str, Any]] = []
    for w, sub in subs:
        plan = sub.plan
        nbytes = window_bytes(w)
        if plan.kind == "flat" and plan.cap_bytes is not None:
            whole = w == (period.start, period.end)
            caps.append(
                {
                    "plan": plan.name,
                    "from": w[0],
                    "until": w[1],
                    "cap_bytes": cap_for_window(plan.cap_bytes, w, period),
                    "used_bytes": nbytes,
                    "whole_month": whole,
                }
            )
        lines.extend(
            _rate_subscription(plan, w, period, fx, nbytes, month_sessions, covered_time, outages)
        )
        billed_bytes += nbytes
        billed_windows.append(w)

    # ---- packs sold this month are charged now
    for p in all_packs:
        sale = p.sale
        if not period.start <= sale.sold_at < period.end:
            continue
        price = round_cents(fx.amount(sale.price, sale.currency))
        lines.append(
            Line(
                kind="pack",
                amount=price,
                quantity=Decimal(1),
                unit="pack",
                unit_price=price,
                params={
                    "plan": sale.plan.name,
                    "sale": sale.id,
                    "sold_at": sale.sold_at,
                    "expires_at": p.expiry,
                    **_allowance(sale.plan),
                },
            )
        )

    # ---- tax on everything above
    subtotal = sum((ln.amount for ln in lines), ZERO)
    tax = ZERO
    if inp.tax is not None and inp.tax.percent > 0 and subtotal > 0:
        tax = round_cents(subtotal * inp.tax.percent / 100)
        lines.append(
            Line(
                kind="tax",
                amount=tax,
                quantity=inp.tax.percent,
                unit="%",
                unit_price=None,
                params={
                    "name": inp.tax.name,
                    "percent": str(inp.tax.percent),
                    "base": str(subtotal),
                },
            )
        )
    total = subtotal + tax

    # ---- what the invoice reports besides its lines
    inet = sum(
        s.internet_bytes for s in usage.segments if s.start < period.end and s.end > period.start
    )
    local = sum(
        s.local_bytes for s in usage.segments if s.start < period.end and s.end > period.start
    )
    month_outages = clip(outages, *P)
    unbilled_time = subtract(subtract(month_sessions, covered_time), union(billed_windows))
    summary = {
        "internet_bytes": inet,
        "local_bytes": local,
        "bill_local": bill_local,
        "online_seconds": length(month_sessions),
        "sessions": len(month_sessions),
        "outages": {"count": len(month_outages), "seconds": length(month_outages)},
        "devices": list(usage.devices),
        "packs": [
            {
                "sale": p.sale.id,
                "plan": p.sale.plan.name,
                "sold_at": p.sale.sold_at,
                "expires_at": p.expiry,
                **_allowance(p.sale.plan),
                "used": p.used,
                "used_in_period": p.used_in_period,
                "remaining": p.remaining if p.expiry > period.end else 0,
            }
            for p in all_packs
            if p.expiry > period.start or period.start <= p.sale.sold_at
        ],
        "unbilled_bytes": max(
            0,
            billable(inet, local) - covered_bytes(*P) - billed_bytes,
        ),
        "unbilled_seconds": length(unbilled_time),
    }
    active = bool(lines) or inet > 0 or local > 0 or summary["online_seconds"] > 0
    return Rated(
        lines=tuple(lines),
        subtotal=subtotal,
        tax=tax,
        total=total,
        rates=dict(sorted(fx.used.items())),
        summary=summary,
        active=active,
        caps=tuple(caps),
    )


def cap_for_window(cap_bytes: int, w: Interval, period: Period) -> int:
    """A flat plan's data cap for the part ``w`` of the month it covers (pro rata)."""
    if w == (period.start, period.end):
        return cap_bytes
    return cap_bytes * (w[1] - w[0]) // period.seconds


def _allowance(plan: Plan) -> dict[str, int]:
    out = {"validity_seconds": int(plan.validity_seconds or 0)}
    if plan.allowance_seconds is not None:
        out["allowance_seconds"] = plan.allowance_seconds
    if plan.allowance_bytes is not None:
        out["allowance_bytes"] = plan.allowance_bytes
    return out


def _rate_subscription(
    plan: Plan,
    w: Interval,
    period: Period,
    fx: _Converter,
    nbytes: int,
    month_sessions: list[Interval],
    covered_time: list[Interval],
    outages: list[Interval],
) -> list[Line]:
    lines: list[Line] = []
    span = {
        "plan": plan.name,
        "from": w[0],
        "until": w[1],
        "whole_month": w == (period.start, period.end),
    }
    if plan.kind == "per_mb":
        for i, nb in tier_split(nbytes, plan.tiers):
            tier = plan.tiers[i]
            qty = megabytes(nb)
            price = fx.price(tier.price_per_mb, plan.currency)
            lines.append(
                Line(
                    kind="data",
                    amount=round_cents(qty * price),
                    quantity=qty,
                    unit="MB",
                    unit_price=price,
                    params={
                        **span,
                        "bytes": nb,
                        "tier": i + 1,
                        "tiers": len(plan.tiers),
                        "tier_from_bytes": 0 if i == 0 else plan.tiers[i - 1].up_to_bytes,
                        "tier_to_bytes": tier.up_to_bytes,
                    },
                )
            )
    elif plan.kind == "per_hour":
        assert plan.price is not None
        unit = ROUNDING[plan.rounding]
        holes = union(covered_time + (outages if plan.outage_credit else []))
        raw = rounded = excluded = stretches = 0
        for a, b in clip(month_sessions, *w):
            left = subtract([(a, b)], holes)
            secs = length(left)
            excluded += length(subtract([(a, b)], covered_time)) - secs
            if secs > 0:
                stretches += 1
                raw += secs
                rounded += round_up(secs, unit)
        if rounded > 0 or excluded > 0:
            price = fx.price(plan.price, plan.currency)
            lines.append(
                Line(
                    kind="time",
                    amount=round_cents(Decimal(rounded) * price / HOUR),
                    quantity=(Decimal(rounded) / HOUR).quantize(HOURS_STEP, rounding=ROUND_HALF_UP),
                    unit="h",
                    unit_price=price,
                    params={
                        **span,
                        "seconds": rounded,
                        "raw_seconds": raw,
                        "stretches": stretches,
                        "rounding": plan.rounding,
                        "outage_seconds": excluded,
                    },
                )
            )
    elif plan.kind == "flat":
        assert plan.price is not None
        fee = fx.amount(plan.price, plan.currency)
        whole = w == (period.start, period.end)
        fraction = Decimal(1) if whole else Decimal(w[1] - w[0]) / Decimal(period.seconds)
        fee_w = round_cents(fee * fraction)
        lines.append(
            Line(
                kind="plan",
                amount=fee_w,
                quantity=fraction.quantize(HOURS_STEP, rounding=ROUND_HALF_UP),
                unit="month",
                unit_price=round_cents(fee),
                params={**span, "seconds": w[1] - w[0], "month_seconds": period.seconds},
            )
        )
        if plan.cap_bytes is not None:
            cap = cap_for_window(plan.cap_bytes, w, period)
            over = nbytes - cap
            if over > 0:
                assert plan.overage_per_mb is not None
                qty = megabytes(over)
                price = fx.price(plan.overage_per_mb, plan.currency)
                lines.append(
                    Line(
                        kind="overage",
                        amount=round_cents(qty * price),
                        quantity=qty,
                        unit="MB",
                        unit_price=price,
                        params={**span, "bytes": over, "cap_bytes": cap, "used_bytes": nbytes},
                    )
                )
        if plan.outage_credit:
            down = length(clip(outages, *w))
            if down > 0:
                credit = min(fee_w, round_cents(fee * down / period.seconds))
                if credit > 0:
                    lines.append(
                        Line(
                            kind="credit",
                            amount=-credit,
                            quantity=(Decimal(down) / HOUR).quantize(
                                HOURS_STEP, rounding=ROUND_HALF_UP
                            ),
                            unit="h",
                            unit_price=None,
                            params={
                                **span,
                                "outage_seconds": down,
                                "outages": len(clip(outages, *w)),
                                "month_seconds": period.seconds,
                            },
                        )
                    )
    else:
        raise BillingError(f"plan {plan.name!r} ({plan.kind}) cannot be subscribed to")
    return lines


__all__ = [
    "cap_for_window",
    "clip",
    "length",
    "megabytes",
    "pack_expiry",
    "rate",
    "round_up",
    "subtract",
    "tier_split",
    "union",
]
