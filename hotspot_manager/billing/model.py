"""The plain records billing works with: periods, plans, subscriptions, packs, usage, lines.

No I/O and no Qt here: ``rating.rate`` turns these into invoice lines, ``close`` stores them.
Money is ``Decimal``; bytes and seconds are ``int``; times are epoch seconds.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import BillingError
from .money import CURRENCIES, MoneyError

MB = 1_000_000  # data is billed in decimal megabytes (10^6 bytes), like the GUI shows it
HOUR = 3600

PLAN_KINDS: tuple[str, ...] = ("per_mb", "per_hour", "flat", "pack")
#: per-hour rounding: each online stretch is rounded up to a whole number of these seconds
ROUNDING: dict[str, int] = {"second": 1, "minute": 60, "quarter": 900}
LANGUAGES: tuple[str, ...] = ("es", "en")
PAYMENT_METHODS: tuple[str, ...] = ("cash", "transfermovil", "enzona", "other")

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# --------------------------------------------------------------------------- periods


def local_epoch(year: int, month: int, day: int = 1) -> int:
    """Epoch second of local midnight (the computer's time zone, ``TZ``) on that date."""
    return int(_dt.datetime(year, month, day).timestamp())


@dataclass(frozen=True)
class Period:
    """A calendar month in the operator's local time zone: ``[start, end)``."""

    label: str  # "YYYY-MM"
    start: int
    end: int

    @classmethod
    def month(cls, text: str) -> Period:
        m = _MONTH_RE.match(text.strip()) if isinstance(text, str) else None
        if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1970:
            raise BillingError(f"bad month {text!r} (expected YYYY-MM, e.g. 2026-11)")
        y, mo = int(m.group(1)), int(m.group(2))
        ny, nm = (y + 1, 1) if mo == 12 else (y, mo + 1)
        return cls(f"{y:04d}-{mo:02d}", local_epoch(y, mo), local_epoch(ny, nm))

    @property
    def seconds(self) -> int:
        return self.end - self.start

    @property
    def last_day(self) -> str:
        """The month's last date, ``YYYY-MM-DD``: the date whose exchange rates apply."""
        y, mo = int(self.label[:4]), int(self.label[5:])
        ny, nm = (y + 1, 1) if mo == 12 else (y, mo + 1)
        return (_dt.date(ny, nm, 1) - _dt.timedelta(days=1)).isoformat()


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class Tier:
    """Graduated per-MB tier: the MB up to ``up_to_bytes`` (``None``: all the rest)."""

    up_to_bytes: int | None
    price_per_mb: Decimal


@dataclass(frozen=True)
class Plan:
    id: int
    name: str
    kind: str  # one of PLAN_KINDS
    currency: str
    #: per_hour: price of one hour; flat: monthly fee; pack: price of one pack
    price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()  # per_mb
    rounding: str = "minute"  # per_hour
    cap_bytes: int | None = None  # flat: data included per month (None: unlimited)
    overage_per_mb: Decimal | None = None  # flat: price per MB over the cap
    allowance_seconds: int | None = None  # pack of time
    allowance_bytes: int | None = None  # pack of data
    validity_seconds: int | None = None  # pack: usable within this long after the sale
    #: flat: pro-rata credit for uplink outages; per_hour: time during outages is not
    #: billed; pack: the validity clock stops and nothing is consumed during outages
    outage_credit: bool = True
    #: archived: no longer offered (no new subscriptions or sales); what runs keeps running
    archived: bool = False

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise BillingError(f"plan {self.name!r}: {'; '.join(problems)}")

    def problems(self) -> list[str]:
        out: list[str] = []
        if self.kind not in PLAN_KINDS:
            return [f"unknown kind {self.kind!r} (use one of {', '.join(PLAN_KINDS)})"]
        if self.currency not in CURRENCIES:
            out.append(f"unknown currency {self.currency!r}")
        if not self.name.strip():
            out.append("empty name")
        for d in (self.price, self.overage_per_mb, *(t.price_per_mb for t in self.tiers)):
            if d is not None and (not d.is_finite() or d < 0):
                out.append("prices must be zero or more")
        if self.kind == "per_mb":
            if not self.tiers:
                out.append("a per-MB plan needs a price per MB (one tier at least)")
            bounds = [t.up_to_bytes for t in self.tiers]
            if any(b is None for b in bounds[:-1]) or (bounds and bounds[-1] is not None):
                out.append("only the last tier is open-ended, and it must be")
            limits = [b for b in bounds if b is not None]
            if limits != sorted(set(limits)) or any(b <= 0 for b in limits):
                out.append("tier limits must increase")
        elif self.kind == "per_hour":
            if self.price is None:
                out.append("a per-hour plan needs a price per hour")
            if self.rounding not in ROUNDING:
                out.append(f"rounding must be one of {', '.join(ROUNDING)}")
        elif self.kind == "flat":
            if self.price is None:
                out.append("a flat plan needs a monthly fee")
            if self.cap_bytes is not None and self.cap_bytes < 0:
                out.append("the data cap must be zero or more")
            if self.cap_bytes is not None and self.overage_per_mb is None:
                out.append("a data cap needs an overage price per MB")
        elif self.kind == "pack":
            if self.price is None:
                out.append("a pack needs a price")
            if (self.allowance_seconds is None) == (self.allowance_bytes is None):
                out.append("a pack holds either time or data")
            for v in (self.allowance_seconds, self.allowance_bytes):
                if v is not None and v <= 0:
                    out.append("a pack's allowance must be more than zero")
            if not self.validity_seconds or self.validity_seconds <= 0:
                out.append("a pack needs a validity window")
        return out


@dataclass(frozen=True)
class Subscription:
    """A customer on a rate plan (per MB, per hour or flat) over ``[start, end)``."""

    plan: Plan
    start: int
    end: int | None = None


@dataclass(frozen=True)
class PackSale:
    """A prepaid pack sold at ``sold_at``; its price is charged in the month of the sale."""

    id: int
    plan: Plan
    sold_at: int
    price: Decimal
    currency: str


# --------------------------------------------------------------------------- usage


@dataclass(frozen=True)
class Segment:
    """A customer's traffic over ``[start, end)``, summed over the devices assigned then."""

    start: int
    end: int
    internet_bytes: int
    local_bytes: int


@dataclass(frozen=True)
class UsageFacts:
    """What the store knows of one customer, cut to what rating needs.

    ``segments`` cover the month, cut wherever a subscription starts or ends, so each one
    lies inside or outside every subscription window. ``sessions`` are the union of the
    customer's devices' sessions (while assigned) over ``[since, period end)``;
    ``minutes`` the per-minute ``(ts, internet_bytes, local_bytes)`` over the same span,
    needed only when a data pack is involved. ``since`` is the month start, or the sale of
    the oldest pack still running, whichever is earlier.
    """

    segments: tuple[Segment, ...] = ()
    sessions: tuple[tuple[int, int], ...] = ()
    minutes: tuple[tuple[int, int, int], ...] = ()
    since: int | None = None
    devices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tax:
    name: str
    percent: Decimal


@dataclass(frozen=True)
class RatingInput:
    period: Period
    currency: str  # the invoice's currency
    cup_per: Mapping[str, Decimal]  # exchange rates in force (CUP per unit); CUP omitted
    usage: UsageFacts
    subscriptions: tuple[Subscription, ...] = ()
    packs: tuple[PackSale, ...] = ()
    outages: tuple[tuple[int, int], ...] = ()
    tax: Tax | None = None
    bill_local: bool = False
    rate_date: str = ""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Line:
    """One invoice line. ``params`` (JSON-able) let exports word it in either language."""

    kind: str  # plan, data, time, overage, pack, credit, tax
    amount: Decimal  # in the invoice currency, whole cents
    quantity: Decimal | None = None
    unit: str = ""  # MB, h, month, pack, %
    unit_price: Decimal | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rated:
    lines: tuple[Line, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    rates: Mapping[str, Decimal]  # the rates used (CUP per unit), by currency
    summary: Mapping[str, Any]
    active: bool  # anything to bill or report: usage, a plan, a pack
    #: flat plans with a data cap: ``{plan, from, until, cap_bytes, used_bytes}`` per
    #: subscription window (the cap prorated as billed); read by the quota alerts, not stored
    caps: tuple[Mapping[str, Any], ...] = ()


def check_language(code: str) -> str:
    c = code.strip().lower()
    if c not in LANGUAGES:
        raise BillingError(f"unknown language {code!r} (use es or en)")
    return c


def check_method(method: str) -> str:
    m = method.strip().lower().replace("ó", "o").replace("-", "")
    if m not in PAYMENT_METHODS:
        raise BillingError(
            f"unknown payment method {method!r} (use one of {', '.join(PAYMENT_METHODS)})"
        )
    return m


__all__ = [
    "HOUR",
    "LANGUAGES",
    "MB",
    "PAYMENT_METHODS",
    "PLAN_KINDS",
    "ROUNDING",
    "BillingError",
    "Line",
    "MoneyError",
    "PackSale",
    "Period",
    "Plan",
    "Rated",
    "RatingInput",
    "Segment",
    "Subscription",
    "Tax",
    "Tier",
    "UsageFacts",
    "check_language",
    "check_method",
    "local_epoch",
]
