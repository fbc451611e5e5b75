"""Customers, their devices, plans, subscriptions, packs and exchange rates.

The operations the GUI offers and the commands script (`customers add|list|edit`,
`devices assign`, `plans add|list`, `subscribe`, `packs sell`, `rates set|list`). Each
validates its input and raises :class:`BillingError` with a one-line message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hotspot_manager.store import Store
from hotspot_manager.store.books import Books

from .errors import BillingError
from .model import LANGUAGES, Plan, Tier, check_language
from .money import CURRENCIES, check_currency, decimal_text, parse_stored

#: packs cannot run longer than this, so a month close only looks this far back for them
MAX_PACK_VALIDITY = 62 * 86400

SETTING_KEYS: dict[str, str] = {
    "business_name": "billing.business_name",
    "business_address": "billing.business_address",
    "business_phone": "billing.business_phone",
    "business_tax_id": "billing.business_tax_id",
    "logo": "billing.logo_path",
    "paper": "billing.paper",
    "tax_name": "billing.tax_name",
    "tax_percent": "billing.tax_percent",
    "bill_local": "billing.bill_local",
    "footer": "billing.footer",
}


@dataclass(frozen=True)
class BillingSettings:
    business_name: str = ""
    business_address: str = ""
    business_phone: str = ""
    business_tax_id: str = ""
    logo: str = ""
    paper: str = "A4"  # A4, Letter
    tax_name: str = ""
    tax_percent: Decimal = Decimal(0)
    bill_local: bool = False
    footer: str = ""

    @classmethod
    def load(cls, books: Books) -> BillingSettings:
        raw = books.settings("billing.")
        get = {k: raw.get(v) for k, v in SETTING_KEYS.items()}
        percent = Decimal(0)
        if get["tax_percent"]:
            try:
                percent = parse_stored(get["tax_percent"])
            except BillingError:
                percent = Decimal(0)
        return cls(
            business_name=get["business_name"] or "",
            business_address=get["business_address"] or "",
            business_phone=get["business_phone"] or "",
            business_tax_id=get["business_tax_id"] or "",
            logo=get["logo"] or "",
            paper=get["paper"] if get["paper"] in ("A4", "Letter") else "A4",
            tax_name=get["tax_name"] or "",
            tax_percent=percent,
            bill_local=(get["bill_local"] or "0") in ("1", "yes", "true"),
            footer=get["footer"] or "",
        )


def save_settings(store: Store, changes: dict[str, Any]) -> BillingSettings:
    """Store the given settings (keys of ``SETTING_KEYS``), validated."""
    books = Books(store)
    for key, value in changes.items():
        if key not in SETTING_KEYS:
            raise BillingError(f"unknown setting {key!r}")
        if key == "paper":
            value = {"a4": "A4", "letter": "Letter"}.get(str(value).lower())
            if value is None:
                raise BillingError("paper must be A4 or Letter")
        elif key == "tax_percent":
            from .parse import parse_price

            pct = parse_price(str(value), "tax percent")
            if pct > 100:
                raise BillingError("tax percent must be between 0 and 100")
            value = decimal_text(pct)
        elif key == "bill_local":
            value = "1" if value in (True, "1", "yes", "true", "on") else "0"
        elif key == "logo" and value:
            from pathlib import Path

            path = Path(str(value)).expanduser()
            if not path.is_file():
                raise BillingError(f"no logo file at {value}")
            value = str(path.resolve())
        books.set_setting(SETTING_KEYS[key], str(value))
    return BillingSettings.load(books)


# --------------------------------------------------------------------------- lookups


def find_customer(books: Books, ref: str | int) -> dict[str, Any]:
    """A customer by id (``12``, ``#12``) or by exact name (case-insensitive)."""
    text = str(ref).strip()
    row = None
    if text.lstrip("#").isdigit():
        row = books.customer(int(text.lstrip("#")))
    if row is None:
        row = books.customer_by_name(text)
    if row is None:
        raise BillingError(f"unknown customer {text!r} (see `hotspot-manager customers list`)")
    return row


def plan_from_row(row: dict[str, Any]) -> Plan:
    def dec(v: str | None) -> Decimal | None:
        return None if v is None else parse_stored(v)

    return Plan(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        currency=row["currency"],
        price=dec(row["price"]),
        tiers=tuple(Tier(t["up_to_bytes"], parse_stored(t["price_per_mb"])) for t in row["tiers"]),
        rounding=row["rounding"],
        cap_bytes=row["cap_bytes"],
        overage_per_mb=dec(row["overage_per_mb"]),
        allowance_seconds=row["allowance_seconds"],
        allowance_bytes=row["allowance_bytes"],
        validity_seconds=row["validity_seconds"],
        outage_credit=bool(row["outage_credit"]),
        archived=bool(row.get("archived", 0)),
    )


def find_plan(books: Books, ref: str | int) -> Plan:
    text = str(ref).strip()
    plan_id = None
    if text.lstrip("#").isdigit():
        plan_id = int(text.lstrip("#"))
        rows = books.plans([plan_id])
        if rows:
            return plan_from_row(rows[0])
    plan_id = books.plan_id_by_name(text)
    if plan_id is None:
        raise BillingError(f"unknown plan {text!r} (see `hotspot-manager plans list`)")
    return plan_from_row(books.plans([plan_id])[0])


# --------------------------------------------------------------------------- customers


def _clean(text: str | None, what: str, limit: int = 500) -> str | None:
    if text is None:
        return None
    t = text.strip()
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in t):
        raise BillingError(f"{what} contains control characters")
    if len(t) > limit:
        raise BillingError(f"{what} is longer than {limit} characters")
    return t or None


def add_customer(
    store: Store,
    name: str,
    *,
    phone: str | None = None,
    notes: str | None = None,
    currency: str = "CUP",
    language: str = "es",
    now: int | None = None,
) -> int:
    books = Books(store)
    clean = _clean(name, "name", 200)
    if not clean:
        raise BillingError("a customer needs a name")
    if books.customer_by_name(clean) is not None:
        raise BillingError(f"there is already a customer named {clean!r}")
    return books.add_customer(
        clean,
        _clean(phone, "phone", 50),
        _clean(notes, "notes", 2000),
        check_currency(currency),
        check_language(language),
        int(time.time()) if now is None else now,
    )


def edit_customer(store: Store, ref: str | int, **changes: str | None) -> dict[str, Any]:
    books = Books(store)
    customer = find_customer(books, ref)
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "name":
            name = _clean(value, "name", 200)
            if not name:
                raise BillingError("a customer needs a name")
            other = books.customer_by_name(name)
            if other is not None and other["id"] != customer["id"]:
                raise BillingError(f"there is already a customer named {name!r}")
            clean["name"] = name
        elif key in ("phone", "notes"):
            clean[key] = _clean(value, key, 2000)
        elif key == "currency":
            clean[key] = check_currency(value)
        elif key == "language":
            clean[key] = check_language(value)
        else:
            raise BillingError(f"a customer has no field {key!r}")
    books.update_customer(customer["id"], clean)
    return find_customer(books, customer["id"])


def list_customers(store: Store) -> list[dict[str, Any]]:
    books = Books(store)
    now = int(time.time())
    devices: dict[int, list[str]] = {}
    for a in books.assignments(lo=now, hi=now + 1):
        devices.setdefault(a["customer_id"], []).append(a["mac"])
    plans: dict[int, str] = {}
    for s in books.subscriptions(lo=now, hi=now + 1):
        plans[s["customer_id"]] = s["plan"]
    out = []
    for c in books.customers():
        out.append({**c, "devices": devices.get(c["id"], []), "plan": plans.get(c["id"])})
    return out


# --------------------------------------------------------------------------- devices


def assign_device(
    store: Store,
    mac: str,
    customer_ref: str | int,
    *,
    since: int | None = None,
    until: int | None = None,
) -> dict[str, Any]:
    """The device belongs to the customer over [since, until) (default: from now, open).
    Earlier assignments of the same device that overlap are cut back (or split) around it,
    so a phone that changes hands bills to each owner for their own days."""
    from .parse import parse_mac

    books = Books(store)
    mac = parse_mac(mac)
    customer = find_customer(books, customer_ref)
    lo = int(time.time()) if since is None else since
    if until is not None and until <= lo:
        raise BillingError("--until must be after --from")
    assignment = books.assign_device(mac, customer["id"], lo, until)
    return {"id": assignment, "mac": mac, "customer_id": customer["id"], "from": lo, "until": until}


def list_assignments(store: Store, customer_ref: str | int | None = None) -> list[dict[str, Any]]:
    books = Books(store)
    cid = None if customer_ref is None else find_customer(books, customer_ref)["id"]
    return books.assignments(customer_id=cid)


# --------------------------------------------------------------------------- plans


def add_plan(
    store: Store,
    name: str,
    kind: str,
    *,
    currency: str = "CUP",
    price: Decimal | None = None,
    tiers: tuple[Tier, ...] = (),
    rounding: str = "minute",
    cap_bytes: int | None = None,
    overage_per_mb: Decimal | None = None,
    allowance_seconds: int | None = None,
    allowance_bytes: int | None = None,
    validity_seconds: int | None = None,
    outage_credit: bool = True,
    now: int | None = None,
) -> int:
    books = Books(store)
    clean = _clean(name, "plan name", 200) or ""
    kind = kind.replace("-", "_").lower()
    plan = Plan(
        id=0,
        name=clean,
        kind=kind,
        currency=check_currency(currency),
        price=price,
        tiers=tiers,
        rounding=rounding,
        cap_bytes=cap_bytes,
        overage_per_mb=overage_per_mb,
        allowance_seconds=allowance_seconds,
        allowance_bytes=allowance_bytes,
        validity_seconds=validity_seconds,
        outage_credit=outage_credit,
    )  # validates
    if kind == "pack" and (validity_seconds or 0) > MAX_PACK_VALIDITY:
        raise BillingError("a pack can be valid for 62 days at most")
    if books.plan_id_by_name(clean) is not None:
        raise BillingError(f"there is already a plan named {clean!r}")

    def text(d: Decimal | None) -> str | None:
        return None if d is None else decimal_text(d)

    fields = {
        "name": plan.name,
        "kind": plan.kind,
        "currency": plan.currency,
        "price": text(plan.price),
        "rounding": plan.rounding,
        "cap_bytes": plan.cap_bytes,
        "overage_per_mb": text(plan.overage_per_mb),
        "allowance_seconds": plan.allowance_seconds,
        "allowance_bytes": plan.allowance_bytes,
        "validity_seconds": plan.validity_seconds,
        "outage_credit": int(plan.outage_credit),
        "created": int(time.time()) if now is None else now,
    }
    return books.add_plan(fields, [(t.up_to_bytes, decimal_text(t.price_per_mb)) for t in tiers])


def list_plans(store: Store, *, include_archived: bool = True) -> list[Plan]:
    plans = [plan_from_row(r) for r in Books(store).plans()]
    return [p for p in plans if include_archived or not p.archived]


#: what ``edit_plan`` may change besides the name; changing them is refused once the plan has
#: been subscribed to or sold (a bill not yet issued would change behind the customer's back)
PLAN_TERMS: tuple[str, ...] = (
    "currency",
    "price",
    "tiers",
    "rounding",
    "cap_bytes",
    "overage_per_mb",
    "allowance_seconds",
    "allowance_bytes",
    "validity_seconds",
    "outage_credit",
)


def edit_plan(store: Store, ref: str | int, **changes: Any) -> Plan:
    """Rename a plan, or change its terms while nobody is on it yet.

    ``changes``: ``name`` and the fields of ``PLAN_TERMS`` (``tiers`` a tuple of ``Tier``;
    ``None`` leaves a field as it is). Its kind never changes. Once the plan has a subscription
    or a pack sale its terms are fixed: make a new plan and move the customers to it
    (``subscribe --from``); issued invoices keep their own copy of what they charged."""
    import dataclasses

    books = Books(store)
    plan = find_plan(books, ref)
    given = {k: v for k, v in changes.items() if v is not None}
    unknown = set(given) - {"name", *PLAN_TERMS}
    if unknown:
        raise BillingError(f"a plan has no field {sorted(unknown)[0]!r}")
    if "name" in given:
        clean = _clean(given["name"], "plan name", 200) or ""
        other = books.plan_id_by_name(clean)
        if other is not None and other != plan.id:
            raise BillingError(f"there is already a plan named {clean!r}")
        given["name"] = clean
    if "currency" in given:
        given["currency"] = check_currency(given["currency"])
    if "tiers" in given:
        given["tiers"] = tuple(given["tiers"])
    terms = {k: v for k, v in given.items() if k != "name" and getattr(plan, k) != v}
    if terms:
        uses = books.plan_uses(plan.id)
        if uses["subscriptions"] or uses["pack_sales"]:
            raise BillingError(
                f"plan {plan.name!r} is already in use ({uses['subscriptions']} subscriptions, "
                f"{uses['pack_sales']} pack sales): its terms are fixed; add a new plan and "
                "move the customers to it"
            )
    new = dataclasses.replace(plan, **given)  # validates
    if new.kind == "pack" and (new.validity_seconds or 0) > MAX_PACK_VALIDITY:
        raise BillingError("a pack can be valid for 62 days at most")

    def text(d: Decimal | None) -> str | None:
        return None if d is None else decimal_text(d)

    fields: dict[str, Any] = {"name": new.name}
    tiers = None
    if terms:
        fields.update(
            {
                "currency": new.currency,
                "price": text(new.price),
                "rounding": new.rounding,
                "cap_bytes": new.cap_bytes,
                "overage_per_mb": text(new.overage_per_mb),
                "allowance_seconds": new.allowance_seconds,
                "allowance_bytes": new.allowance_bytes,
                "validity_seconds": new.validity_seconds,
                "outage_credit": int(new.outage_credit),
            }
        )
        tiers = [(t.up_to_bytes, decimal_text(t.price_per_mb)) for t in new.tiers]
    books.update_plan(plan.id, fields, tiers)
    return find_plan(books, plan.id)


def archive_plan(store: Store, ref: str | int, archived: bool = True) -> Plan:
    """Stop offering a plan (``archived=False`` offers it again). Subscriptions already
    running on it go on, and it stays on the invoices; no new subscription or sale."""
    books = Books(store)
    plan = find_plan(books, ref)
    books.update_plan(plan.id, {"archived": int(bool(archived))})
    return find_plan(books, plan.id)


def plan_dict(plan: Plan) -> dict[str, Any]:
    """A plan as JSON-able data (Decimals as text)."""

    def text(d: Decimal | None) -> str | None:
        return None if d is None else decimal_text(d)

    return {
        "id": plan.id,
        "name": plan.name,
        "kind": plan.kind,
        "currency": plan.currency,
        "price": text(plan.price),
        "tiers": [
            {"up_to_bytes": t.up_to_bytes, "price_per_mb": decimal_text(t.price_per_mb)}
            for t in plan.tiers
        ],
        "rounding": plan.rounding if plan.kind == "per_hour" else None,
        "cap_bytes": plan.cap_bytes,
        "overage_per_mb": text(plan.overage_per_mb),
        "allowance_seconds": plan.allowance_seconds,
        "allowance_bytes": plan.allowance_bytes,
        "validity_seconds": plan.validity_seconds,
        "outage_credit": plan.outage_credit,
        "archived": plan.archived,
    }


# --------------------------------------------------------------------------- subscriptions


def subscribe(
    store: Store,
    customer_ref: str | int,
    plan_ref: str | int,
    *,
    since: int | None = None,
    until: int | None = None,
) -> dict[str, Any]:
    """Put the customer on a rate plan over [since, until); a plan already running then is
    cut back (a change of plan), split around it, or replaced."""
    books = Books(store)
    customer = find_customer(books, customer_ref)
    plan = find_plan(books, plan_ref)
    if plan.kind == "pack":
        raise BillingError(f"{plan.name!r} is a pack: sell it with `hotspot-manager packs sell`")
    if plan.archived:
        raise BillingError(f"plan {plan.name!r} is archived: it is offered no more")
    lo = int(time.time()) if since is None else since
    if until is not None and until <= lo:
        raise BillingError("--until must be after --from")
    sid = books.subscribe(customer["id"], plan.id, lo, until)
    return {"id": sid, "customer_id": customer["id"], "plan": plan.name, "from": lo, "until": until}


def sell_pack(
    store: Store, customer_ref: str | int, plan_ref: str | int, *, at: int | None = None
) -> dict[str, Any]:
    """Record the sale of a prepaid pack; it is charged on the invoice of the month of the
    sale and covers usage from ``at`` for its validity."""
    books = Books(store)
    customer = find_customer(books, customer_ref)
    plan = find_plan(books, plan_ref)
    if plan.kind != "pack":
        raise BillingError(f"{plan.name!r} is not a pack (subscribe to it instead)")
    if plan.archived:
        raise BillingError(f"pack {plan.name!r} is archived: it is sold no more")
    sold_at = int(time.time()) if at is None else at
    assert plan.price is not None and plan.validity_seconds is not None
    sale = books.sell_pack(
        customer["id"], plan.id, sold_at, decimal_text(plan.price), plan.currency
    )
    return {
        "id": sale,
        "customer_id": customer["id"],
        "plan": plan.name,
        "sold_at": sold_at,
        "valid_until": sold_at + plan.validity_seconds,
        "price": decimal_text(plan.price),
        "currency": plan.currency,
    }


# --------------------------------------------------------------------------- rates


def set_rate(store: Store, currency: str, cup_per_unit: Decimal, date: str) -> None:
    """From ``date`` on, 1 ``currency`` = ``cup_per_unit`` CUP."""
    c = check_currency(currency)
    if c == "CUP":
        raise BillingError("rates are stated in CUP per unit: CUP itself is always 1")
    if cup_per_unit <= 0:
        raise BillingError("a rate must be more than zero")
    Books(store).set_rate(c, date, decimal_text(cup_per_unit))


def list_rates(store: Store) -> list[dict[str, Any]]:
    """Every recorded rate: ``{currency, valid_from, cup_per_unit}`` (Decimal text), by date."""
    return Books(store).rates()


def rates_on(books: Books, date: str) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Rates in force on ``date``: (CUP per unit, the date each was set for)."""
    raw = books.rates_on(date)
    return (
        {c: parse_stored(v) for c, (v, _) in raw.items()},
        {c: since for c, (_, since) in raw.items()},
    )


__all__ = [
    "CURRENCIES",
    "LANGUAGES",
    "MAX_PACK_VALIDITY",
    "SETTING_KEYS",
    "BillingSettings",
    "add_customer",
    "add_plan",
    "archive_plan",
    "assign_device",
    "edit_customer",
    "edit_plan",
    "find_customer",
    "find_plan",
    "list_assignments",
    "list_customers",
    "list_plans",
    "list_rates",
    "plan_dict",
    "plan_from_row",
    "rates_on",
    "save_settings",
    "sell_pack",
    "set_rate",
    "subscribe",
]
