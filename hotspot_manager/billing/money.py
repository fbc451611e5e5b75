"""Exact money: ``Decimal`` amounts, integer cents in the database, never ``float``.

Currencies are CUP, MLC and USD, all with two decimals. Exchange rates are stated as CUP per
one unit of a currency (CUP itself is 1), so any conversion goes through CUP::

    amount_in_b = amount_in_a * cup_per(a) / cup_per(b)

Rounding is half-up ("commercial" rounding, what an operator does by hand): amounts to the
cent, converted unit prices to 4 decimals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import BillingError

CURRENCIES: tuple[str, ...] = ("CUP", "MLC", "USD")
BASE_CURRENCY = "CUP"
CENT = Decimal("0.01")
PRICE_STEP = Decimal("0.0001")  # converted unit prices keep 4 decimals
ZERO = Decimal(0)

# one optional sign, digits, one optional decimal separator ("." or ",") and decimals;
# no thousands separators: "1,234" would be ambiguous between the two conventions
_AMOUNT_RE = re.compile(r"^([+-]?)(\d+)(?:[.,](\d+))?$")


class MoneyError(BillingError):
    """A bad amount, price, currency or rate (shown to the operator as one line)."""


class MissingRate(MoneyError):
    """No exchange rate was recorded for a currency on the date it is needed."""

    def __init__(self, currency: str, date: str) -> None:
        super().__init__(
            f"no exchange rate for {currency} on {date}: record one (CUP per 1 {currency}) "
            f"with `hotspot-manager rates set {currency} RATE --date {date[:8]}01`"
        )
        self.currency = currency
        self.date = date


def check_currency(code: str) -> str:
    c = code.strip().upper()
    if c not in CURRENCIES:
        raise MoneyError(f"unknown currency {code!r} (use one of {', '.join(CURRENCIES)})")
    return c


def parse_decimal(text: str, *, what: str = "amount", places: int = 2) -> Decimal:
    """Parse an operator-typed number: ``12``, ``12.5``, ``12,50``, ``-3``.

    At most ``places`` decimals; anything else (``12,5x``, ``1e3``, ``1,234.5``, ``nan``)
    is refused with a :class:`MoneyError`.
    """
    m = _AMOUNT_RE.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise MoneyError(f"bad {what}: {text!r} (expected e.g. 12.50 or 12,50)")
    sign, whole, frac = m.groups()
    frac = frac or ""
    if len(frac) > places:
        raise MoneyError(f"bad {what}: {text!r} (at most {places} decimals)")
    value = Decimal(f"{sign}{whole}.{frac or '0'}")
    return value


def to_cents(amount: Decimal) -> int:
    """Integer cents of an amount that is already a whole number of cents."""
    q = amount.quantize(CENT)
    if q != amount:
        raise MoneyError(f"{amount} is not a whole number of cents")
    return int(q * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_price(amount: Decimal) -> Decimal:
    """A unit price after conversion: exact when it has at most 4 decimals, else rounded."""
    q = amount.quantize(PRICE_STEP, rounding=ROUND_HALF_UP)
    return amount.normalize() if q == amount else q


def decimal_text(value: Decimal) -> str:
    """A Decimal as plain text for storage (no exponent): ``Decimal('1E+2')`` -> ``100``."""
    if not value.is_finite():
        raise MoneyError(f"not a finite number: {value}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def parse_stored(text: str) -> Decimal:
    """A Decimal written by :func:`decimal_text` (trusted storage, still checked)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"corrupt stored number: {text!r}") from None
    if not value.is_finite():
        raise MoneyError(f"corrupt stored number: {text!r}")
    return value


def convert(amount: Decimal, source: str, target: str, cup_per: Mapping[str, Decimal]) -> Decimal:
    """Exact (unrounded where it terminates) conversion of ``amount`` through CUP."""
    if source == target:
        return amount
    for c in (source, target):
        if c != BASE_CURRENCY and c not in cup_per:
            raise MissingRate(c, "the invoice date")
    a = amount * _cup(source, cup_per)
    b = _cup(target, cup_per)
    # Decimal division is exact when it terminates within the context precision (28 digits);
    # callers round the result to cents or to a 4-decimal price.
    return a / b


def _cup(currency: str, cup_per: Mapping[str, Decimal]) -> Decimal:
    return Decimal(1) if currency == BASE_CURRENCY else cup_per[currency]


def format_amount(amount: Decimal, *, places: int = 2, grouping: bool = True) -> str:
    """``1234.5`` -> ``1,234.50``; negative amounts with a leading ``-``.

    Both languages use the point as the decimal mark and the comma for thousands, as Latin
    American Spanish (CLDR es-419, Cuba's convention) and English do.
    """
    q = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, _, frac = format(abs(q), "f").partition(".")
    if grouping:
        whole = f"{int(whole):,}"
    return f"{sign}{whole}.{frac}" if places else f"{sign}{whole}"


def format_money(amount: Decimal, currency: str) -> str:
    return f"{format_amount(amount)} {currency}"


def format_price(value: Decimal) -> str:
    """A unit price or exchange rate: 2 to 4 decimals, as many as it needs."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return format_amount(value, places=min(max(-exponent, 2), 4))
