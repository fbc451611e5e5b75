"""Payments, credit notes and balances.

The ledger is kept per customer and currency, in integer cents:

    balance = invoices' totals - credit notes - payments

A payment is recorded as received (amount, currency, method, reference) and also in the
currency of the ledger it settles (the invoice's currency, or the customer's for a payment
not tied to an invoice), converted at the rate in force on the day it was received. Partial
payments simply leave a balance; over-payment leaves a negative balance, a credit that the
next invoice carries forward ("previous balance" minus "payments").
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from decimal import Decimal
from typing import Any

from hotspot_manager.store import Store
from hotspot_manager.store.books import Books

from .accounts import find_customer, rates_on
from .errors import BillingError
from .model import check_method
from .money import (
    MissingRate,
    check_currency,
    convert,
    decimal_text,
    from_cents,
    round_cents,
    to_cents,
)


def find_invoice(books: Books, number: int | str, series: str = "F") -> dict[str, Any]:
    text = str(number).strip().lstrip("#")
    if text[:1].upper() in ("F", "R") and text[1:].lstrip("-").isdigit():
        series, text = text[0].upper(), text[1:].lstrip("-")
    if not text.isdigit():
        raise BillingError(f"bad invoice number {number!r}")
    inv = books.invoice(series, int(text))
    if inv is None:
        kind = "invoice" if series == "F" else "credit note"
        raise BillingError(f"no {kind} number {int(text)}")
    return inv


def record_payment(
    store: Store,
    *,
    amount: Decimal,
    method: str,
    invoice: int | str | None = None,
    customer: int | str | None = None,
    currency: str | None = None,
    reference: str | None = None,
    at: int | None = None,
) -> dict[str, Any]:
    """Record a payment against an invoice (or, without one, on a customer's account).

    ``amount`` may be negative to reverse a payment recorded by mistake (payments, like
    invoices, are never edited)."""
    books = Books(store)
    method = check_method(method)
    if invoice is None and customer is None:
        raise BillingError("say which --invoice (or --customer) the payment is for")
    inv = None
    if invoice is not None:
        inv = find_invoice(books, invoice)
        if inv["series"] != "F":
            raise BillingError("payments go against invoices, not credit notes")
        cust = books.customer(inv["customer_id"])
        if customer is not None and find_customer(books, customer)["id"] != inv["customer_id"]:
            raise BillingError(f"invoice {inv['number']} is not that customer's")
        ledger_currency = inv["currency"]
    else:
        cust = find_customer(books, customer)  # type: ignore[arg-type]
        ledger_currency = cust["currency"]
    assert cust is not None
    cur = check_currency(currency) if currency else ledger_currency
    if amount == 0:
        raise BillingError("a payment of zero records nothing")
    cents = to_cents(amount)  # refuses fractions of a cent
    reference = (reference or "").strip() or None
    if reference and (len(reference) > 200 or any(ord(c) < 32 for c in reference)):
        raise BillingError("the reference must be one line of at most 200 characters")
    if method in ("transfermovil", "enzona") and not reference:
        raise BillingError(f"a {method} payment needs its transaction --reference")
    received = int(time.time()) if at is None else at
    rate_text = None
    ledger_amount = amount
    if cur != ledger_currency:
        day = _dt.datetime.fromtimestamp(received).date().isoformat()
        cup_per, since = rates_on(books, day)
        for c in (cur, ledger_currency):
            if c != "CUP" and c not in cup_per:
                raise MissingRate(c, day)
        ledger_amount = round_cents(convert(amount, cur, ledger_currency, cup_per))
        rate_text = json.dumps(
            {
                c: {"cup_per_unit": decimal_text(cup_per[c]), "since": since[c]}
                for c in sorted({cur, ledger_currency} - {"CUP"})
            },
            sort_keys=True,
        )
    pid = books.add_payment(
        {
            "customer_id": cust["id"],
            "invoice_id": None if inv is None else inv["id"],
            "received_at": received,
            "amount_cents": cents,
            "currency": cur,
            "method": method,
            "reference": reference,
            "ledger_currency": ledger_currency,
            "ledger_cents": to_cents(ledger_amount),
            "rate": rate_text,
            "recorded_at": int(time.time()),
        }
    )
    bal = balance_of(books, cust["id"], ledger_currency)
    return {
        "id": pid,
        "customer_id": cust["id"],
        "customer": cust["name"],
        "invoice": None if inv is None else inv["number"],
        "amount": decimal_text(amount),
        "currency": cur,
        "applied": decimal_text(ledger_amount),
        "ledger_currency": ledger_currency,
        "method": method,
        "reference": reference,
        "balance": decimal_text(bal),
    }


def balance_of(books: Books, customer_id: int, currency: str) -> Decimal:
    for row in books.balances(customer_id):
        if row["currency"] == currency:
            return from_cents(row["balance_cents"])
    return from_cents(0)


def balances(store: Store, customer: int | str | None = None) -> list[dict[str, Any]]:
    """Per customer and currency: billed, paid and balance (positive: the customer owes;
    negative: credit in the customer's favour), as Decimal text."""
    books = Books(store)
    cid = None if customer is None else find_customer(books, customer)["id"]
    out = []
    for r in books.balances(cid):
        out.append(
            {
                "customer_id": r["customer_id"],
                "customer": r["customer"],
                "currency": r["currency"],
                "billed": decimal_text(from_cents(r["billed_cents"])),
                "paid": decimal_text(from_cents(r["paid_cents"])),
                "balance": decimal_text(from_cents(r["balance_cents"])),
            }
        )
    return out


def issue_credit_note(
    store: Store,
    invoice: int | str,
    amount: Decimal,
    reason: str,
    *,
    now: int | None = None,
) -> int:
    """Correct an issued invoice: a credit note (series R, gapless) for ``amount`` in the
    invoice's currency. The invoice itself is never changed."""
    books = Books(store)
    inv = find_invoice(books, invoice)
    if inv["series"] != "F":
        raise BillingError("a credit note corrects an invoice, not another credit note")
    if amount <= 0:
        raise BillingError("a credit note's amount must be more than zero")
    cents = to_cents(amount)
    reason = (reason or "").strip()
    if not reason or any(ord(c) < 32 for c in reason) or len(reason) > 300:
        raise BillingError("a credit note needs a --reason (one line, at most 300 characters)")
    cust = books.customer(inv["customer_id"])
    assert cust is not None
    doc = {
        "refers_to": inv["id"],
        "customer_id": inv["customer_id"],
        "issued_at": int(time.time()) if now is None else now,
        "customer_name": cust["name"],
        "customer_phone": cust["phone"],
        "language": inv["language"],
        "currency": inv["currency"],
        "reason": reason,
        "total_cents": -cents,
    }
    line = (
        "refund",
        "1",
        "",
        None,
        -cents,
        json.dumps({"invoice": inv["number"], "reason": reason}, sort_keys=True),
    )
    try:
        return books.issue_credit_note(doc, [line])
    except OverflowError as exc:
        left = from_cents(exc.args[0])
        raise BillingError(
            f"invoice {inv['number']} has only {left} {inv['currency']} left to credit"
        ) from None


def _payment_dict(p: dict[str, Any], invoice_numbers: dict[int, int]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "customer_id": p["customer_id"],
        "invoice": invoice_numbers.get(p["invoice_id"]) if p["invoice_id"] else None,
        "received_at": p["received_at"],
        "amount": str(from_cents(p["amount_cents"])),
        "currency": p["currency"],
        "applied": str(from_cents(p["ledger_cents"])),
        "ledger_currency": p["ledger_currency"],
        "method": p["method"],
        "reference": p["reference"],
    }


def list_payments(
    store: Store, customer: int | str | None = None, invoice: int | str | None = None
) -> list[dict[str, Any]]:
    """Payments as recorded (oldest first), of one customer and/or against one invoice:
    amount and currency as received, ``applied`` in the ledger's currency (Decimal text)."""
    books = Books(store)
    cid = None if customer is None else find_customer(books, customer)["id"]
    inv_id = None
    if invoice is not None:
        inv = find_invoice(books, invoice)
        inv_id = inv["id"]
    rows = books.payments(customer_id=cid, invoice_id=inv_id)
    numbers = {r["id"]: r["number"] for r in books.invoices(series="F", customer_id=cid)}
    return [_payment_dict(p, numbers) for p in rows]


def customer_history(store: Store, customer: int | str) -> dict[str, Any]:
    """Everything billed to and paid by one customer: the customer, its invoices and credit
    notes (``document`` F-000012 / R-000003, totals and amount due as Decimal text), its
    payments, the packs sold to it (with the end of their validity when no outage pauses
    them), its plans over time and its balances."""
    books = Books(store)
    cust = find_customer(books, customer)
    cid = cust["id"]
    docs = books.invoices(customer_id=cid)
    numbers = {r["id"]: r["number"] for r in docs if r["series"] == "F"}
    documents = [
        {
            "document": f"{r['series']}-{r['number']:06d}",
            "series": r["series"],
            "number": r["number"],
            "month": r["month"],
            "issued_at": r["issued_at"],
            "currency": r["currency"],
            "total": str(from_cents(r["total_cents"])),
            "amount_due": str(from_cents(r["amount_due_cents"])),
            "refers_to": numbers.get(r["refers_to"]) if r["refers_to"] else None,
            "reason": r["reason"],
        }
        for r in sorted(docs, key=lambda r: (r["issued_at"], r["series"], r["number"]))
    ]
    plans = {p["id"]: p for p in books.plans()}
    packs = []
    for s in books.pack_sales(-(2**62), 2**62, cid):
        plan = plans.get(s["plan_id"], {})
        packs.append(
            {
                "id": s["id"],
                "plan": s["plan"],
                "sold_at": s["sold_at"],
                "price": s["price"],
                "currency": s["currency"],
                "valid_until": s["sold_at"] + int(plan.get("validity_seconds") or 0),
                "allowance_seconds": plan.get("allowance_seconds"),
                "allowance_bytes": plan.get("allowance_bytes"),
            }
        )
    return {
        "customer": cust,
        "documents": documents,
        "payments": [_payment_dict(p, numbers) for p in books.payments(customer_id=cid)],
        "packs": packs,
        "subscriptions": books.subscriptions(customer_id=cid),
        "balances": balances(store, cid),
    }


__all__ = [
    "balance_of",
    "balances",
    "customer_history",
    "find_invoice",
    "issue_credit_note",
    "list_payments",
    "record_payment",
]
