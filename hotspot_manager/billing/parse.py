"""Operator input: dates, durations, data sizes, MAC addresses, per-MB tiers.

Everything here raises :class:`BillingError` with a one-line message on bad input.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal

from .errors import BillingError
from .model import MB, Tier
from .money import MoneyError, parse_decimal

_DURATION_RE = re.compile(
    r"(\d+)\s*(days?|d[ií]as?|d|hours?|horas?|h|minutes?|minutos?|mins?|m"
    r"|seconds?|segundos?|secs?|s)",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_SIZE_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_MAC_RE = re.compile(r"^[0-9a-f]{12}$")


def parse_when(text: str, option: str = "date") -> int:
    """``2026-11-15`` (local midnight) or ``2026-11-15T08:30[:00]`` (local time) -> epoch."""
    try:
        when = _dt.datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise BillingError(
            f"{option}: not a date: {text!r} (expected e.g. 2026-11-15 or 2026-11-15T08:30)"
        ) from None
    return int(when.timestamp())


def parse_date(text: str, option: str = "date") -> str:
    """A calendar date ``YYYY-MM-DD``."""
    try:
        return _dt.date.fromisoformat(text.strip()).isoformat()
    except (ValueError, AttributeError):
        raise BillingError(f"{option}: not a date: {text!r} (expected YYYY-MM-DD)") from None


def parse_duration(text: str, option: str = "duration") -> int:
    """``1h20m``, ``1 h 20 min``, ``2d``, ``90m``, ``45s`` -> seconds (> 0)."""
    s = text.strip().lower() if isinstance(text, str) else ""
    pos = 0
    total = 0
    found = False
    for m in _DURATION_RE.finditer(s):
        if s[pos : m.start()].strip(" ,y"):
            break
        total += int(m.group(1)) * _UNIT_SECONDS[m.group(2)[0]]
        pos = m.end()
        found = True
    if not found or s[pos:].strip() or total <= 0:
        raise BillingError(f"{option}: not a duration: {text!r} (expected e.g. 1h20m, 2d, 90min)")
    return total


def parse_size(text: str, option: str = "size") -> int:
    """``500MB``, ``1.5GB``, ``1GiB``, ``700`` (MB) -> bytes. Units are decimal (1 MB =
    10^6 bytes) unless written with ``i`` (MiB, GiB)."""
    m = _SIZE_RE.match(text) if isinstance(text, str) else None
    if m is None:
        raise BillingError(f"{option}: not a data size: {text!r} (expected e.g. 500MB, 1.5GB)")
    number = Decimal(m.group(1).replace(",", "."))
    unit = (m.group(2) or "mb").lower()
    if not unit.endswith("b"):
        unit += "b"
    factor = _SIZE_UNITS.get(unit)
    if factor is None:
        raise BillingError(f"{option}: unknown unit in {text!r}")
    value = number * factor
    if value != value.to_integral_value():
        raise BillingError(f"{option}: {text!r} is not a whole number of bytes")
    return int(value)


def parse_mac(text: str) -> str:
    """Any common MAC spelling -> ``aa:bb:cc:dd:ee:ff``."""
    raw = re.sub(r"[\s:.\-]", "", text.strip().lower()) if isinstance(text, str) else ""
    if not _MAC_RE.match(raw):
        raise BillingError(f"not a MAC address: {text!r} (expected e.g. aa:bb:cc:dd:ee:ff)")
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def parse_price(text: str, what: str = "price") -> Decimal:
    """A price (up to 4 decimals), zero or more."""
    try:
        value = parse_decimal(text, what=what, places=4)
    except MoneyError as exc:
        raise BillingError(str(exc)) from None
    if value < 0:
        raise BillingError(f"bad {what}: {text!r} (must be zero or more)")
    return value


def parse_tiers(text: str) -> tuple[Tier, ...]:
    """Per-MB tiers: ``0.50`` (one price), or ``1000:0.50,5000:0.40,*:0.30`` (the first
    1000 MB at 0.50, up to 5000 MB at 0.40, the rest at 0.30). Limits accept units
    (``1GB:0.5,*:0.3``); a bare number is MB."""
    parts = [p.strip() for p in text.split(";" if ";" in text else ",")] if text else []
    if len(parts) == 1 and ":" not in parts[0]:
        return (Tier(None, parse_price(parts[0], "price per MB")),)
    tiers = []
    for part in parts:
        limit, sep, price = part.partition(":")
        if not sep:
            raise BillingError(f"bad tier {part!r} (expected LIMIT:PRICE, e.g. 1000:0.50)")
        up = None if limit.strip() in ("*", "") else parse_size(limit, "tier limit")
        tiers.append(Tier(up, parse_price(price, "price per MB")))
    if not tiers:
        raise BillingError("no tiers given")
    return tuple(tiers)


def format_size(nbytes: int) -> str:
    """Decimal units, integer arithmetic only: ``1500000`` -> ``1.5 MB``."""
    for unit, factor in (("GB", 10**9), ("MB", MB), ("kB", 10**3)):
        if nbytes >= factor:
            return f"{_trim(Decimal(nbytes) / factor)} {unit}"
    return f"{nbytes} B"


def _trim(value: Decimal) -> str:
    q = value.quantize(Decimal("0.01"))
    text = format(q, "f").rstrip("0").rstrip(".")
    return text


def format_duration(seconds: int) -> str:
    """``4800`` -> ``1 h 20 min``; days for whole days (``2 d``)."""
    if seconds % 86400 == 0 and seconds >= 86400:
        return f"{seconds // 86400} d"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    parts = []
    if h:
        parts.append(f"{h} h")
    if m:
        parts.append(f"{m} min")
    if s or not parts:
        parts.append(f"{s} s")
    return " ".join(parts)


def format_hms(seconds: int) -> str:
    """``3725`` -> ``1:02:05``."""
    h, rest = divmod(int(seconds), 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}"
