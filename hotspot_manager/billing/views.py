"""Issued documents as the exports see them: invoices and credit notes with their lines,
amounts as ``Decimal`` and words in the chosen language. Built from the stored rows only,
so an export years later prints exactly what was issued."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hotspot_manager.store import Store
from hotspot_manager.store.books import Books

from .model import Period
from .money import from_cents, parse_stored
from .text import describe, quantity_text, rate_text, unit_price_text


@dataclass(frozen=True)
class LineView:
    position: int
    kind: str
    description: str
    quantity: Decimal | None
    quantity_text: str
    unit: str
    unit_price: Decimal | None
    unit_price_text: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentView:
    id: int
    received_at: int
    method: str
    reference: str | None
    amount: Decimal
    currency: str
    applied: Decimal
    invoice: int | None
    rate: str = ""  # the conversion used, worded ("1 USD = 360.00 CUP"), when converted


@dataclass(frozen=True)
class DocView:
    series: str  # F invoice, R credit note
    number: int
    issued_at: int
    month: str | None
    period_start: int | None
    period_end: int | None
    customer_id: int
    customer_name: str
    customer_phone: str | None
    language: str
    currency: str
    rate_date: str | None
    rates: dict[str, Any]
    lines: tuple[LineView, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    previous_balance: Decimal
    payments: Decimal
    credits: Decimal
    amount_due: Decimal
    summary: dict[str, Any]
    refers_to: int | None = None  # number of the invoice a credit note corrects
    reason: str | None = None
    payment_list: tuple[PaymentView, ...] = field(default_factory=tuple)

    @property
    def code(self) -> str:
        """``F-000012`` / ``R-000003``: file names and the CSV."""
        return f"{self.series}-{self.number:06d}"


def _payment_rate(lang: str, p: dict[str, Any]) -> str:
    if not p.get("rate"):
        return ""
    rates = {c: {**info, "since": None} for c, info in json.loads(p["rate"]).items()}
    return rate_text(lang, p["ledger_currency"], rates)


def doc_view(
    row: dict[str, Any],
    lines: list[dict[str, Any]],
    lang: str,
    payments: list[dict[str, Any]] = (),  # type: ignore[assignment]
    refers_to: int | None = None,
) -> DocView:
    views = []
    for ln in lines:
        params = json.loads(ln["params"])
        qty = None if ln["quantity"] is None else parse_stored(ln["quantity"])
        price = None if ln["unit_price"] is None else parse_stored(ln["unit_price"])
        views.append(
            LineView(
                position=ln["position"],
                kind=ln["kind"],
                description=describe(lang, ln["kind"], params),
                quantity=qty,
                quantity_text=quantity_text(lang, ln["kind"], qty, params),
                unit=ln["unit"],
                unit_price=price,
                unit_price_text=unit_price_text(ln["kind"], price, lang),
                amount=from_cents(ln["amount_cents"]),
            )
        )
    pays = tuple(
        PaymentView(
            id=p["id"],
            received_at=p["received_at"],
            method=p["method"],
            reference=p["reference"],
            amount=from_cents(p["amount_cents"]),
            currency=p["currency"],
            applied=from_cents(p["ledger_cents"]),
            invoice=p.get("invoice_number"),
            rate=_payment_rate(lang, p),
        )
        for p in payments
    )
    return DocView(
        series=row["series"],
        number=row["number"],
        issued_at=row["issued_at"],
        month=row["month"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        customer_phone=row["customer_phone"],
        language=row["language"],
        currency=row["currency"],
        rate_date=row["rate_date"],
        rates=json.loads(row["rates"] or "{}"),
        lines=tuple(views),
        subtotal=from_cents(row["subtotal_cents"]),
        tax=from_cents(row["tax_cents"]),
        total=from_cents(row["total_cents"]),
        previous_balance=from_cents(row["previous_balance_cents"]),
        payments=from_cents(row["payments_cents"]),
        credits=from_cents(row["credits_cents"]),
        amount_due=from_cents(row["amount_due_cents"]),
        summary=json.loads(row["summary"] or "{}"),
        refers_to=refers_to,
        reason=row["reason"],
        payment_list=pays,
    )


def month_documents(store: Store, month: str, lang: str | None = None) -> list[DocView]:
    """The month's invoices, then the credit notes issued during the month, in number
    order; ``lang`` None prints each in its customer's language."""
    period = Period.month(month)
    books = Books(store)
    rows = books.invoices(month=period.label, series="F")
    rows += books.invoices(series="R", issued_between=(period.start, period.end))
    if not rows:
        return []
    lines = books.invoice_lines(r["id"] for r in rows)
    all_f = books.invoices(series="F")  # in number order
    numbers = {r["id"]: r["number"] for r in all_f}
    # an invoice lists the payments it counted: those after the previous invoice's
    through_before: dict[int, int] = {}
    last: dict[tuple[int, str], int] = {}
    for r in all_f:
        key = (r["customer_id"], r["currency"])
        through_before[r["id"]] = last.get(key, 0)
        last[key] = r["payments_through"]
    out = []
    for r in rows:
        pays: list[dict[str, Any]] = []
        if r["series"] == "F":
            span = (through_before[r["id"]], r["payments_through"])
            for p in books.payments(customer_id=r["customer_id"], id_range=span):
                if p["ledger_currency"] == r["currency"]:
                    p["invoice_number"] = numbers.get(p["invoice_id"])
                    pays.append(p)
        out.append(
            doc_view(
                r,
                lines.get(r["id"], []),
                lang or r["language"],
                pays,
                refers_to=numbers.get(r["refers_to"]) if r["refers_to"] else None,
            )
        )
    return out


def document_view(store: Store, number: int | str, lang: str | None = None) -> DocView:
    """One issued document (``12``, ``F12``, ``R3``) as the exports and receipts print it."""
    import datetime as _dt

    from .ledger import find_invoice

    row = find_invoice(Books(store), number)
    month = row["month"] or _dt.datetime.fromtimestamp(row["issued_at"]).strftime("%Y-%m")
    code = f"{row['series']}-{row['number']:06d}"
    for doc in month_documents(store, month, lang):
        if doc.code == code:
            return doc
    raise AssertionError(f"{code} is not among the documents of {month}")  # a bug
