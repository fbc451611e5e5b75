"""Billing commands: customers, devices, plans, subscribe, packs, pay, balance, rates, bills.

``register`` only builds argparse parsers (the command line starts fast); each handler
imports billing (and, for PDFs, Qt) when it runs. Bad input is one line on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

_DB_HELP = "database file (default: the app's data folder)"


# --------------------------------------------------------------------------- plumbing


def _handler(name: str):
    """Run ``_cmd_<name>`` turning billing's errors into the CLI's one-line errors."""

    def run(args: argparse.Namespace) -> int:
        import sqlite3

        from hotspot_manager.billing.errors import BillingError
        from hotspot_manager.cli import UserError

        try:
            return int(globals()[f"_cmd_{name}"](args) or 0)
        except BillingError as exc:
            raise UserError(str(exc)) from None
        except sqlite3.IntegrityError as exc:
            # the database's own guards (immutable invoices, unique names) said no
            raise UserError(f"refused by the database: {exc}") from None

    return run


def _open(args: argparse.Namespace, *, create: bool = False):
    import os

    from hotspot_manager.cli import UserError
    from hotspot_manager.store import Store, default_db_path

    path = args.db or str(default_db_path())
    if not create and not os.path.exists(path):
        raise UserError(f"no database at {path} (add a customer or run the agent first)")
    try:
        # durable: an invoice issued or a payment recorded is on disk before we say so
        return Store.open(path, durable=True)
    except Exception as exc:  # a file that is not a database, a folder, no permission
        raise UserError(f"cannot open the database at {path}: {exc}") from None


def _print_json(data: Any) -> None:
    import json
    import sys

    json.dump(data, sys.stdout, ensure_ascii=False, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


def _table(head: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    all_rows = [head, *rows]
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(head))]
    out = []
    for k, r in enumerate(all_rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out) + "\n"


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _when(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    from hotspot_manager.billing.parse import parse_when

    return parse_when(text, option)


def _date(t: int | None) -> str:
    if t is None:
        return ""
    import datetime as dt

    d = dt.datetime.fromtimestamp(t)
    return (
        d.strftime("%Y-%m-%d")
        if d.hour == d.minute == d.second == 0
        else d.strftime("%Y-%m-%d %H:%M")
    )


def _amount(text: str, option: str = "--amount"):
    from hotspot_manager.billing.money import parse_decimal

    return parse_decimal(text, what=f"{option}", places=2)


def _yes_no(text: str) -> bool:
    from hotspot_manager.cli import UserError

    t = text.strip().lower()
    if t in ("yes", "y", "si", "sí", "1", "true", "on"):
        return True
    if t in ("no", "n", "0", "false", "off"):
        return False
    raise UserError(f"expected yes or no, not {text!r}")


# --------------------------------------------------------------------------- customers


def _cmd_customers_add(args):
    from hotspot_manager.billing import add_customer

    with _open(args, create=True) as store:
        cid = add_customer(
            store,
            args.name,
            phone=args.phone,
            notes=args.notes,
            currency=args.currency,
            language=args.lang,
        )
    if args.json:
        _print_json({"id": cid, "name": args.name.strip()})
    else:
        print(f"customer {cid}: {_one_line(args.name)}")
    return 0


def _cmd_customers_list(args):
    from hotspot_manager.billing import list_customers

    with _open(args) as store:
        rows = list_customers(store)
    if args.json:
        _print_json(rows)
        return 0
    body = [
        [
            str(c["id"]),
            _one_line(c["name"]),
            _one_line(c["phone"]),
            c["currency"],
            c["language"],
            str(len(c["devices"])),
            _one_line(c["plan"]),
        ]
        for c in rows
    ]
    print(
        _table(["Id", "Name", "Phone", "Currency", "Lang", "Devices", "Plan now"], body, {0, 5}),
        end="",
    )
    print(f"{len(rows)} customers")
    return 0


def _cmd_customers_edit(args):
    from hotspot_manager.billing import edit_customer

    with _open(args) as store:
        c = edit_customer(
            store,
            args.customer,
            name=args.name,
            phone=args.phone,
            notes=args.notes,
            currency=args.currency,
            language=args.lang,
        )
    if args.json:
        _print_json(c)
    else:
        print(f"customer {c['id']}: {_one_line(c['name'])} ({c['currency']}, {c['language']})")
    return 0


# --------------------------------------------------------------------------- devices


def _cmd_devices_assign(args):
    from hotspot_manager.billing import assign_device

    since = _when(args.since, "--from")
    until = _when(args.until, "--until")
    with _open(args, create=True) as store:
        a = assign_device(store, args.mac, args.customer, since=since, until=until)
    if args.json:
        _print_json(a)
    else:
        span = f"from {_date(a['from'])}" + (f" until {_date(a['until'])}" if a["until"] else "")
        print(f"{a['mac']} belongs to customer {a['customer_id']} {span}")
    return 0


def _cmd_devices_list(args):
    from hotspot_manager.billing import list_assignments

    with _open(args) as store:
        rows = list_assignments(store, args.customer)
    if args.json:
        _print_json(rows)
        return 0
    body = [
        [
            r["mac"],
            f"{r['customer_id']} {_one_line(r['customer'])}",
            _date(r["valid_from"]),
            _date(r["valid_until"]) or "-",
            _one_line(r["device_name"] or r["vendor"])
            or ("randomised MAC" if r["locally_administered"] else ""),
        ]
        for r in rows
    ]
    print(_table(["Device", "Customer", "From", "Until", "Name/vendor"], body), end="")
    print(f"{len(rows)} assignments")
    return 0


# --------------------------------------------------------------------------- plans


def _cmd_plans_add(args):
    from hotspot_manager.billing import add_plan
    from hotspot_manager.billing.errors import BillingError
    from hotspot_manager.billing.parse import parse_duration, parse_price, parse_size, parse_tiers

    kind = args.kind.replace("-", "_")
    price = None if args.price is None else parse_price(args.price)
    tiers = ()
    if kind == "per_mb":
        spec = args.tiers or args.price
        if spec is None:
            raise BillingError("a per-MB plan needs --price (per MB) or --tiers")
        tiers = parse_tiers(spec)
        price = None
    for opt, val, kinds in (
        ("--tiers", args.tiers, ("per_mb",)),
        ("--rounding", args.rounding, ("per_hour",)),
        ("--cap", args.cap, ("flat",)),
        ("--overage", args.overage, ("flat",)),
        ("--time", args.time, ("pack",)),
        ("--data", args.data, ("pack",)),
        ("--validity", args.validity, ("pack",)),
    ):
        if val is not None and kind not in kinds:
            raise BillingError(f"{opt} does not apply to a {args.kind} plan")
    with _open(args, create=True) as store:
        pid = add_plan(
            store,
            args.name,
            kind,
            currency=args.currency,
            price=price,
            tiers=tiers,
            rounding=args.rounding or "minute",
            cap_bytes=None if args.cap is None else parse_size(args.cap, "--cap"),
            overage_per_mb=None if args.overage is None else parse_price(args.overage, "--overage"),
            allowance_seconds=None if args.time is None else parse_duration(args.time, "--time"),
            allowance_bytes=None if args.data is None else parse_size(args.data, "--data"),
            validity_seconds=(
                None if args.validity is None else parse_duration(args.validity, "--validity")
            ),
            outage_credit=_yes_no(args.outage_credit),
        )
    if args.json:
        _print_json({"id": pid, "name": args.name.strip()})
    else:
        print(f"plan {pid}: {_one_line(args.name)}")
    return 0


def _plan_terms(p) -> str:
    from hotspot_manager.billing.money import format_price
    from hotspot_manager.billing.parse import format_duration, format_size

    c = p.currency
    if p.kind == "per_mb":
        parts = []
        below = 0
        for t in p.tiers:
            rng = (
                f"{format_size(below)}-{format_size(t.up_to_bytes)}"
                if t.up_to_bytes is not None
                else (f"over {format_size(below)}" if below else "")
            )
            parts.append(f"{format_price(t.price_per_mb)} {c}/MB" + (f" ({rng})" if rng else ""))
            below = t.up_to_bytes or below
        return "; ".join(parts)
    if p.kind == "per_hour":
        return f"{format_price(p.price)} {c}/h, rounded per {p.rounding}"
    if p.kind == "flat":
        text = f"{format_price(p.price)} {c}/month"
        if p.cap_bytes is not None:
            over = format_price(p.overage_per_mb)
            text += f", {format_size(p.cap_bytes)} included, then {over} {c}/MB"
        return text
    what = (
        format_duration(p.allowance_seconds)
        if p.allowance_seconds
        else format_size(p.allowance_bytes)
    )
    return f"{format_price(p.price)} {c}: {what} within {format_duration(p.validity_seconds)}"


def _cmd_plans_list(args):
    from hotspot_manager.billing import list_plans
    from hotspot_manager.billing.accounts import plan_dict

    with _open(args) as store:
        plans = list_plans(store)
    if args.json:
        _print_json([plan_dict(p) for p in plans])
        return 0
    body = [
        [
            str(p.id),
            _one_line(p.name) + (" (archived)" if p.archived else ""),
            p.kind.replace("_", "-"),
            _plan_terms(p),
            "yes" if p.outage_credit else "no",
        ]
        for p in plans
    ]
    print(_table(["Id", "Name", "Kind", "Terms", "Outage credit"], body, {0}), end="")
    print(f"{len(plans)} plans")
    return 0


def _plan_changes(args, kind: str) -> dict[str, Any]:
    from hotspot_manager.billing.errors import BillingError
    from hotspot_manager.billing.parse import parse_duration, parse_price, parse_size, parse_tiers

    changes: dict[str, Any] = {"name": args.name, "currency": args.currency}
    if args.price is not None:
        if kind == "per_mb":
            changes["tiers"] = parse_tiers(args.price)
        else:
            changes["price"] = parse_price(args.price)
    if args.tiers is not None:
        if kind != "per_mb":
            raise BillingError("--tiers only applies to a per-mb plan")
        changes["tiers"] = parse_tiers(args.tiers)
    if args.rounding is not None:
        changes["rounding"] = args.rounding
    if args.cap is not None:
        changes["cap_bytes"] = parse_size(args.cap, "--cap")
    if args.overage is not None:
        changes["overage_per_mb"] = parse_price(args.overage, "--overage")
    if args.time is not None:
        changes["allowance_seconds"] = parse_duration(args.time, "--time")
    if args.data is not None:
        changes["allowance_bytes"] = parse_size(args.data, "--data")
    if args.validity is not None:
        changes["validity_seconds"] = parse_duration(args.validity, "--validity")
    if args.outage_credit is not None:
        changes["outage_credit"] = _yes_no(args.outage_credit)
    return changes


def _cmd_plans_edit(args):
    from hotspot_manager.billing import edit_plan
    from hotspot_manager.billing.accounts import find_plan, plan_dict
    from hotspot_manager.store.books import Books

    with _open(args) as store:
        kind = find_plan(Books(store), args.plan).kind
        p = edit_plan(store, args.plan, **_plan_changes(args, kind))
    if args.json:
        _print_json(plan_dict(p))
    else:
        print(f"plan {p.id}: {_one_line(p.name)} ({_plan_terms(p)})")
    return 0


def _cmd_plans_archive(args):
    from hotspot_manager.billing import archive_plan
    from hotspot_manager.billing.accounts import plan_dict

    with _open(args) as store:
        p = archive_plan(store, args.plan, archived=not args.undo)
    if args.json:
        _print_json(plan_dict(p))
    else:
        state = "archived: offered no more" if p.archived else "offered again"
        print(f"plan {p.id}: {_one_line(p.name)} {state}")
    return 0


def _cmd_payments_list(args):
    from hotspot_manager.billing import list_payments

    with _open(args) as store:
        rows = list_payments(store, args.customer, args.invoice)
    if args.json:
        _print_json(rows)
        return 0
    body = [
        [
            str(r["id"]),
            _date(r["received_at"]),
            str(r["customer_id"]),
            str(r["invoice"] or "-"),
            f"{r['amount']} {r['currency']}",
            f"{r['applied']} {r['ledger_currency']}",
            r["method"],
            _one_line(r["reference"]),
        ]
        for r in rows
    ]
    print(
        _table(
            ["Id", "Received", "Customer", "Invoice", "Amount", "Applied", "Method", "Reference"],
            body,
            {0, 2, 3, 4, 5},
        ),
        end="",
    )
    print(f"{len(rows)} payments")
    return 0


def _cmd_customers_history(args):
    from hotspot_manager.billing import customer_history

    with _open(args) as store:
        h = customer_history(store, args.customer)
    if args.json:
        _print_json(h)
        return 0
    c = h["customer"]
    print(f"customer {c['id']}: {_one_line(c['name'])} ({c['currency']})")
    print("plans:")
    for s in h["subscriptions"]:
        until = _date(s["valid_until"]) or "open"
        print(f"  {_one_line(s['plan'])} from {_date(s['valid_from'])} until {until}")
    print("documents:")
    for d in h["documents"]:
        what = d["month"] or f"credit on F-{d['refers_to']:06d}: {_one_line(d['reason'])}"
        print(f"  {d['document']}  {what}  total {d['total']} {d['currency']}")
    print("payments:")
    for p in h["payments"]:
        inv = f" on invoice {p['invoice']}" if p["invoice"] else " on account"
        print(f"  {_date(p['received_at'])}  {p['amount']} {p['currency']} {p['method']}{inv}")
    print("packs:")
    for k in h["packs"]:
        print(
            f"  {_date(k['sold_at'])}  {_one_line(k['plan'])}  {k['price']} {k['currency']}  "
            f"valid until {_date(k['valid_until'])}"
        )
    for b in h["balances"]:
        print(f"balance {b['balance']} {b['currency']}")
    return 0


def _cmd_subscribe(args):
    from hotspot_manager.billing import subscribe

    since = _when(args.since, "--from")
    until = _when(args.until, "--until")
    with _open(args) as store:
        s = subscribe(store, args.customer, args.plan, since=since, until=until)
    if args.json:
        _print_json(s)
    else:
        span = f"from {_date(s['from'])}" + (f" until {_date(s['until'])}" if s["until"] else "")
        print(f"customer {s['customer_id']} on plan {_one_line(s['plan'])} {span}")
    return 0


def _cmd_packs_sell(args):
    from hotspot_manager.billing import sell_pack

    at = _when(args.at, "--at")
    with _open(args) as store:
        s = sell_pack(store, args.customer, args.plan, at=at)
    if args.json:
        _print_json(s)
    else:
        print(
            f"pack sale {s['id']}: {_one_line(s['plan'])} to customer {s['customer_id']} for "
            f"{s['price']} {s['currency']}, usable until {_date(s['valid_until'])} "
            "(later if it pauses during outages)"
        )
    return 0


def _cmd_packs_list(args):
    from hotspot_manager.billing.accounts import find_customer
    from hotspot_manager.store.books import Books

    with _open(args) as store:
        books = Books(store)
        cid = None if args.customer is None else find_customer(books, args.customer)["id"]
        rows = books.pack_sales(-(2**62), 2**62, cid)
    if args.json:
        _print_json(rows)
        return 0
    body = [
        [
            str(r["id"]),
            _date(r["sold_at"]),
            str(r["customer_id"]),
            _one_line(r["plan"]),
            f"{r['price']} {r['currency']}",
        ]
        for r in rows
    ]
    print(_table(["Sale", "Sold", "Customer", "Pack", "Price"], body, {0, 2}), end="")
    print(f"{len(rows)} pack sales")
    return 0


# --------------------------------------------------------------------------- money


def _cmd_pay(args):
    from hotspot_manager.billing import record_payment

    amount = _amount(args.amount)
    at = _when(args.at, "--at")
    with _open(args) as store:
        p = record_payment(
            store,
            amount=amount,
            method=args.method,
            invoice=args.invoice,
            customer=args.customer,
            currency=args.currency,
            reference=args.reference,
            at=at,
        )
    if args.json:
        _print_json(p)
        return 0
    conv = (
        ""
        if p["currency"] == p["ledger_currency"]
        else f" (= {p['applied']} {p['ledger_currency']})"
    )
    where = f"invoice {p['invoice']}" if p["invoice"] else f"customer {p['customer_id']}'s account"
    bal = p["balance"]
    state = (
        f"balance {bal} {p['ledger_currency']}"
        if not bal.startswith("-")
        else f"credit {bal[1:]} {p['ledger_currency']} in the customer's favour"
    )
    print(f"payment {p['id']}: {p['amount']} {p['currency']}{conv} to {where}; {state}")
    return 0


def _cmd_balance(args):
    from hotspot_manager.billing import balances

    with _open(args) as store:
        rows = balances(store, args.customer)
    if args.json:
        _print_json(rows)
        return 0
    body = [
        [
            str(r["customer_id"]),
            _one_line(r["customer"]),
            r["currency"],
            r["billed"],
            r["paid"],
            r["balance"],
        ]
        for r in rows
    ]
    print(
        _table(["Id", "Customer", "Currency", "Billed", "Paid", "Balance"], body, {0, 3, 4, 5}),
        end="",
    )
    print("balance > 0: owed by the customer; < 0: credit in the customer's favour")
    return 0


def _cmd_rates_set(args):
    import datetime as dt

    from hotspot_manager.billing import set_rate
    from hotspot_manager.billing.parse import parse_date, parse_price

    date = parse_date(args.date, "--date") if args.date else dt.date.today().isoformat()
    rate = parse_price(args.rate, "rate")
    with _open(args, create=True) as store:
        set_rate(store, args.currency, rate, date)
    print(f"from {date}: 1 {args.currency.upper()} = {args.rate} CUP")
    return 0


def _cmd_rates_list(args):
    from hotspot_manager.store.books import Books

    with _open(args) as store:
        rows = Books(store).rates()
    if args.json:
        _print_json(rows)
        return 0
    body = [[r["valid_from"], r["currency"], r["cup_per_unit"]] for r in rows]
    print(_table(["From", "Currency", "CUP per unit"], body, {2}), end="")
    return 0


# --------------------------------------------------------------------------- bills


def _cmd_bills_close(args):
    import sys

    from hotspot_manager.billing import close_month

    with _open(args) as store:
        result = close_month(store, args.month)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        from hotspot_manager.billing.money import decimal_text, from_cents

        _print_json(
            {
                "month": result.month,
                "issued": [
                    {
                        "number": i["number"],
                        "customer_id": i["customer_id"],
                        "customer": i["customer_name"],
                        "currency": i["currency"],
                        "total": decimal_text(from_cents(i["total_cents"])),
                        "amount_due": decimal_text(from_cents(i["amount_due_cents"])),
                    }
                    for i in result.issued
                ],
                "already_invoiced": result.already_invoiced,
                "inactive": result.inactive,
                "warnings": result.warnings,
            }
        )
        return 0
    if result.issued:
        nums = [i["number"] for i in result.issued]
        print(
            f"{result.month}: issued {len(nums)} invoices, numbers {nums[0]} to {nums[-1]}"
            f" ({result.already_invoiced} customers already invoiced, {result.inactive} "
            "without activity)"
        )
    else:
        print(
            f"{result.month}: nothing new to issue ({result.already_invoiced} customers already "
            f"invoiced, {result.inactive} without activity)"
        )
    return 0


def _cmd_bills_export(args):
    from hotspot_manager.billing import export_month

    def progress(done: int, total: int) -> None:  # on a terminal only, on stderr
        sys.stderr.write(f"\rwriting {done}/{total}…")
        if done == total:
            sys.stderr.write("\r\033[K")
        sys.stderr.flush()

    with _open(args) as store:
        r = export_month(
            store,
            args.month,
            args.out,
            formats=args.format,
            lang=args.lang,
            paper=args.paper,
            progress=progress if sys.stderr.isatty() else None,
        )
    if args.json:
        _print_json(
            {
                "month": r.month,
                "documents": r.documents,
                "csv": None if r.csv is None else str(r.csv),
                "pdfs": [str(p) for p in r.pdfs],
                "pages": r.pages,
            }
        )
        return 0
    parts = []
    if r.pdfs:
        parts.append(f"{len(r.pdfs)} PDFs ({r.pages} pages)")
    if r.csv is not None:
        parts.append(f"CSV {r.csv.name}")
    if not r.documents:
        parts.append("no documents issued for the month (run `bills close` first)")
    print(f"{r.month}: {', '.join(parts)} in {args.out}")
    return 0


def _cmd_bills_list(args):
    from hotspot_manager.billing.accounts import find_customer
    from hotspot_manager.billing.model import Period
    from hotspot_manager.billing.money import decimal_text, from_cents
    from hotspot_manager.store.books import Books

    with _open(args) as store:
        books = Books(store)
        month = None if args.month is None else Period.month(args.month).label
        cid = None if args.customer is None else find_customer(books, args.customer)["id"]
        rows = books.invoices(month=month, customer_id=cid)
        paid: dict[int, int] = {}
        for p in books.payments(customer_id=cid):
            if p["invoice_id"] is not None:
                paid[p["invoice_id"]] = paid.get(p["invoice_id"], 0) + p["ledger_cents"]
    data = [
        {
            "document": f"{r['series']}-{r['number']:06d}",
            "series": r["series"],
            "number": r["number"],
            "month": r["month"],
            "issued_at": r["issued_at"],
            "customer_id": r["customer_id"],
            "customer": r["customer_name"],
            "currency": r["currency"],
            "total": decimal_text(from_cents(r["total_cents"])),
            "amount_due": decimal_text(from_cents(r["amount_due_cents"])),
            "paid_against": decimal_text(from_cents(paid.get(r["id"], 0))),
        }
        for r in rows
    ]
    if args.json:
        _print_json(data)
        return 0
    body = [
        [
            d["document"],
            d["month"] or _date(d["issued_at"]),
            _one_line(d["customer"]),
            d["currency"],
            d["total"],
            d["amount_due"],
            d["paid_against"],
        ]
        for d in data
    ]
    print(
        _table(
            ["Document", "Month", "Customer", "Cur", "Total", "Due", "Paid against"],
            body,
            {4, 5, 6},
        ),
        end="",
    )
    print(f"{len(data)} documents")
    return 0


def _cmd_bills_show(args):
    from hotspot_manager.billing.ledger import find_invoice
    from hotspot_manager.billing.money import format_amount
    from hotspot_manager.billing.views import doc_view
    from hotspot_manager.store.books import Books

    with _open(args) as store:
        books = Books(store)
        row = find_invoice(books, args.number)
        lines = books.invoice_lines([row["id"]]).get(row["id"], [])
    view = doc_view(row, lines, args.lang or row["language"])
    if args.json:
        _print_json(
            {
                "document": view.code,
                "customer_id": view.customer_id,
                "customer": view.customer_name,
                "month": view.month,
                "currency": view.currency,
                "rates": view.rates,
                "lines": [
                    {
                        "kind": ln.kind,
                        "description": ln.description,
                        "quantity": None if ln.quantity is None else str(ln.quantity),
                        "unit": ln.unit,
                        "unit_price": None if ln.unit_price is None else str(ln.unit_price),
                        "amount": str(ln.amount),
                    }
                    for ln in view.lines
                ],
                "total": str(view.total),
                "previous_balance": str(view.previous_balance),
                "payments": str(view.payments),
                "credits": str(view.credits),
                "amount_due": str(view.amount_due),
                "summary": view.summary,
            }
        )
        return 0
    print(f"{view.code}  {_one_line(view.customer_name)}  {view.month or ''}  {view.currency}")
    body = [
        [_one_line(ln.description), ln.quantity_text, ln.unit_price_text, format_amount(ln.amount)]
        for ln in view.lines
    ]
    print(_table(["Description", "Quantity", "Unit price", "Amount"], body, {1, 2, 3}), end="")
    print(
        f"Total {format_amount(view.total)}  Due {format_amount(view.amount_due)} {view.currency}"
    )
    return 0


def _cmd_bills_credit(args):
    from hotspot_manager.billing import issue_credit_note

    amount = _amount(args.amount)
    with _open(args) as store:
        number = issue_credit_note(store, args.invoice, amount, args.reason)
    print(f"credit note {number} for {amount} against invoice {args.invoice}")
    return 0


def _cmd_bills_settings(args):
    from hotspot_manager.billing import BillingSettings, save_settings
    from hotspot_manager.billing.money import decimal_text
    from hotspot_manager.store.books import Books

    changes = {
        k: v
        for k, v in {
            "business_name": args.business_name,
            "business_address": (
                None if args.address is None else args.address.replace("\\n", "\n")
            ),
            "business_phone": args.phone,
            "business_tax_id": args.tax_id,
            "logo": args.logo,
            "paper": args.paper,
            "tax_name": args.tax_name,
            "tax_percent": args.tax_percent,
            "bill_local": None if args.bill_local is None else _yes_no(args.bill_local),
            "footer": args.footer,
        }.items()
        if v is not None
    }
    with _open(args, create=bool(changes)) as store:
        s = save_settings(store, changes) if changes else BillingSettings.load(Books(store))
    data = {
        "business_name": s.business_name,
        "business_address": s.business_address,
        "business_phone": s.business_phone,
        "business_tax_id": s.business_tax_id,
        "logo": s.logo,
        "paper": s.paper,
        "tax_name": s.tax_name,
        "tax_percent": decimal_text(s.tax_percent),
        "bill_local": s.bill_local,
        "footer": s.footer,
    }
    if args.json:
        _print_json(data)
    else:
        for k, v in data.items():
            print(f"{k}: {_one_line(str(v))}")
    return 0


# --------------------------------------------------------------------------- parsers


def _db(p: argparse.ArgumentParser, json_flag: bool = True) -> None:
    p.add_argument("--db", metavar="PATH", help=_DB_HELP)
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON")


def _sub(parent: argparse.ArgumentParser, dest: str):
    sub = parent.add_subparsers(dest=dest, metavar="ACTION")
    sub.required = True
    return sub


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the billing commands to the main parser (parsers only; no imports here)."""
    currencies = ("CUP", "MLC", "USD")

    # customers
    c = subparsers.add_parser("customers", help="add, list and edit customers")
    cs = _sub(c, "action")
    a = cs.add_parser("add", help="add a customer", description="Add a customer.")
    a.add_argument("name", help="the customer's name (unique)")
    a.add_argument("--phone")
    a.add_argument("--notes")
    a.add_argument(
        "--currency",
        default="CUP",
        type=str.upper,
        choices=currencies,
        help="currency of the customer's invoices (default CUP)",
    )
    a.add_argument("--lang", default="es", choices=("es", "en"), help="invoice language")
    _db(a)
    a.set_defaults(func=_handler("customers_add"))
    lst = cs.add_parser("list", help="list customers")
    _db(lst)
    lst.set_defaults(func=_handler("customers_list"))
    e = cs.add_parser("edit", help="change a customer's details")
    e.add_argument("customer", help="customer id or exact name")
    e.add_argument("--name")
    e.add_argument("--phone")
    e.add_argument("--notes")
    e.add_argument("--currency", type=str.upper, choices=currencies)
    e.add_argument("--lang", choices=("es", "en"))
    _db(e)
    e.set_defaults(func=_handler("customers_edit"))
    hi = cs.add_parser("history", help="a customer's plans, bills, payments and packs")
    hi.add_argument("customer", help="customer id or exact name")
    _db(hi)
    hi.set_defaults(func=_handler("customers_history"))

    # devices
    d = subparsers.add_parser("devices", help="who owns which device, and when")
    ds = _sub(d, "action")
    da = ds.add_parser(
        "assign",
        help="a device belongs to a customer from a date (until a date)",
        description="Assign a device (MAC) to a customer over [--from, --until). An earlier "
        "owner's assignment that overlaps is cut back, so each owner is billed for their days.",
    )
    da.add_argument("mac", help="the device's MAC address")
    da.add_argument("--customer", required=True, help="customer id or exact name")
    da.add_argument("--from", dest="since", metavar="DATE", help="start (default now), local time")
    da.add_argument("--until", metavar="DATE", help="end, exclusive (default: open)")
    _db(da)
    da.set_defaults(func=_handler("devices_assign"))
    dl = ds.add_parser("list", help="list device assignments")
    dl.add_argument("--customer", help="only this customer's")
    _db(dl)
    dl.set_defaults(func=_handler("devices_list"))

    # plans
    p = subparsers.add_parser("plans", help="add and list plans and packs")
    ps = _sub(p, "action")
    pa = ps.add_parser(
        "add",
        help="add a plan: per-mb, per-hour, flat or pack",
        description="Add a plan. per-mb: --price per MB or --tiers 1000:0.50,*:0.30. "
        "per-hour: --price per hour, --rounding. flat: --price per month, --cap 10GB "
        "--overage PRICE_PER_MB. pack: --price, --time 1h20m or --data 1GB, --validity 2d.",
    )
    pa.add_argument("name", help="plan name (unique)")
    pa.add_argument("--kind", required=True, choices=("per-mb", "per-hour", "flat", "pack"))
    pa.add_argument("--currency", default="CUP", type=str.upper, choices=currencies)
    pa.add_argument("--price", help="price per MB / per hour / per month / per pack")
    pa.add_argument("--tiers", help="per-MB tiers, e.g. 1000:0.50,5000:0.40,*:0.30 (MB:price)")
    pa.add_argument(
        "--rounding",
        choices=("second", "minute", "quarter"),
        help="per-hour: round each online stretch up to this (default minute)",
    )
    pa.add_argument("--cap", help="flat: data included per month, e.g. 10GB")
    pa.add_argument("--overage", help="flat: price per MB over the cap")
    pa.add_argument("--time", help="pack: time included, e.g. 1h20m")
    pa.add_argument("--data", help="pack: data included, e.g. 1GB")
    pa.add_argument("--validity", help="pack: usable within, e.g. 2d")
    pa.add_argument(
        "--outage-credit",
        default="yes",
        metavar="yes|no",
        help="credit uplink outages (flat: pro rata; per-hour: not billed; "
        "pack: the clock stops). Default yes",
    )
    _db(pa)
    pa.set_defaults(func=_handler("plans_add"))
    pl = ps.add_parser("list", help="list plans")
    _db(pl)
    pl.set_defaults(func=_handler("plans_list"))
    pe = ps.add_parser(
        "edit",
        help="rename a plan, or change its terms while nobody is on it",
        description="Rename a plan, or change its terms (price, cap, allowance, ...) while "
        "it has no subscription and no pack sale yet; after that its terms are fixed: add a "
        "new plan and move the customers to it with `subscribe --from`.",
    )
    pe.add_argument("plan", help="plan id or exact name")
    pe.add_argument("--name")
    pe.add_argument("--currency", type=str.upper, choices=currencies)
    pe.add_argument("--price", help="price per MB / per hour / per month / per pack")
    pe.add_argument("--tiers", help="per-MB tiers, e.g. 1000:0.50,*:0.30")
    pe.add_argument("--rounding", choices=("second", "minute", "quarter"))
    pe.add_argument("--cap", help="flat: data included per month")
    pe.add_argument("--overage", help="flat: price per MB over the cap")
    pe.add_argument("--time", help="pack: time included")
    pe.add_argument("--data", help="pack: data included")
    pe.add_argument("--validity", help="pack: usable within")
    pe.add_argument("--outage-credit", metavar="yes|no")
    _db(pe)
    pe.set_defaults(func=_handler("plans_edit"))
    par = ps.add_parser(
        "archive",
        help="stop offering a plan (what runs on it goes on)",
        description="Archive a plan: no new subscription or sale; customers already on it "
        "keep it until moved. --undo offers it again.",
    )
    par.add_argument("plan", help="plan id or exact name")
    par.add_argument("--undo", action="store_true", help="offer it again")
    _db(par)
    par.set_defaults(func=_handler("plans_archive"))

    # subscribe
    s = subparsers.add_parser(
        "subscribe",
        help="put a customer on a plan from a date",
        description="Put a customer on a per-MB, per-hour or flat plan over [--from, "
        "--until). A plan already running then is cut back (a change of plan).",
    )
    s.add_argument("--customer", required=True, help="customer id or exact name")
    s.add_argument("--plan", required=True, help="plan id or exact name")
    s.add_argument("--from", dest="since", metavar="DATE", help="start (default now)")
    s.add_argument("--until", metavar="DATE", help="end, exclusive (default: open)")
    _db(s)
    s.set_defaults(func=_handler("subscribe"))

    # packs
    k = subparsers.add_parser("packs", help="sell prepaid packs of time or data")
    ks = _sub(k, "action")
    kse = ks.add_parser("sell", help="sell a pack to a customer")
    kse.add_argument("--customer", required=True, help="customer id or exact name")
    kse.add_argument("--plan", required=True, help="pack plan id or exact name")
    kse.add_argument("--at", metavar="DATETIME", help="time of the sale (default now)")
    _db(kse)
    kse.set_defaults(func=_handler("packs_sell"))
    kl = ks.add_parser("list", help="list pack sales")
    kl.add_argument("--customer", help="only this customer's")
    _db(kl)
    kl.set_defaults(func=_handler("packs_list"))

    # pay, balance
    y = subparsers.add_parser(
        "pay",
        help="record a payment",
        description="Record a payment against an invoice (or on a customer's account). "
        "Partial payments leave a balance; over-payment is kept as credit. A negative amount "
        "reverses a payment recorded by mistake.",
    )
    y.add_argument("--invoice", help="invoice number")
    y.add_argument("--customer", help="customer id or name (payment on account)")
    y.add_argument("--amount", required=True, help="e.g. 250 or 12.50")
    y.add_argument(
        "--currency",
        type=str.upper,
        choices=currencies,
        help="currency paid in (default: the invoice's)",
    )
    y.add_argument("--method", required=True, choices=("cash", "transfermovil", "enzona", "other"))
    y.add_argument("--reference", help="transaction reference (required for mobile payments)")
    y.add_argument("--at", metavar="DATETIME", help="when it was received (default now)")
    _db(y)
    y.set_defaults(func=_handler("pay"))
    pm = subparsers.add_parser("payments", help="payments as recorded")
    pms = _sub(pm, "action")
    pml = pms.add_parser("list", help="list payments (of a customer, or against an invoice)")
    pml.add_argument("--customer", help="customer id or exact name")
    pml.add_argument("--invoice", help="invoice number")
    _db(pml)
    pml.set_defaults(func=_handler("payments_list"))
    b = subparsers.add_parser("balance", help="what each customer owes, or has in credit")
    b.add_argument("--customer", help="customer id or exact name")
    _db(b)
    b.set_defaults(func=_handler("balance"))

    # rates
    r = subparsers.add_parser("rates", help="exchange rates (CUP per unit), by date")
    rs = _sub(r, "action")
    rset = rs.add_parser("set", help="from a date on, 1 CURRENCY = RATE CUP")
    rset.add_argument("currency", type=str.upper, choices=("MLC", "USD"))
    rset.add_argument("rate", help="CUP per 1 unit, e.g. 400")
    rset.add_argument("--date", help="first day it applies (default today)")
    _db(rset, json_flag=False)
    rset.set_defaults(func=_handler("rates_set"))
    rl = rs.add_parser("list", help="list exchange rates")
    _db(rl)
    rl.set_defaults(func=_handler("rates_list"))

    # bills
    bl = subparsers.add_parser("bills", help="close a month, export bills, credit notes")
    bs = _sub(bl, "action")
    bc = bs.add_parser(
        "close",
        help="issue the month's invoices (idempotent)",
        description="Issue one invoice per customer with activity in the month (local time), "
        "numbered without gaps. Issued invoices are never changed; running it again issues "
        "nothing new.",
    )
    bc.add_argument("--month", required=True, metavar="YYYY-MM")
    _db(bc)
    bc.set_defaults(func=_handler("bills_close"))
    be = bs.add_parser("export", help="PDFs per customer and a CSV for the month")
    be.add_argument("--month", required=True, metavar="YYYY-MM")
    be.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    be.add_argument("--format", default="pdf,csv", help="pdf, csv or pdf,csv (default)")
    be.add_argument(
        "--lang", choices=("es", "en"), help="language (default: each customer's; CSV: es)"
    )
    be.add_argument(
        "--paper",
        type=str.lower,
        choices=("a4", "letter", "receipt"),
        help="page size (default from settings); receipt: 80 mm thermal",
    )
    _db(be)
    be.set_defaults(func=_handler("bills_export"))
    bli = bs.add_parser("list", help="list issued invoices and credit notes")
    bli.add_argument("--month", metavar="YYYY-MM")
    bli.add_argument("--customer")
    _db(bli)
    bli.set_defaults(func=_handler("bills_list"))
    bsh = bs.add_parser("show", help="show one invoice (or R12 for a credit note)")
    bsh.add_argument("number")
    bsh.add_argument("--lang", choices=("es", "en"))
    _db(bsh)
    bsh.set_defaults(func=_handler("bills_show"))
    bcr = bs.add_parser("credit", help="issue a credit note against an invoice")
    bcr.add_argument("--invoice", required=True)
    bcr.add_argument("--amount", required=True)
    bcr.add_argument("--reason", required=True)
    _db(bcr, json_flag=False)
    bcr.set_defaults(func=_handler("bills_credit"))
    bse = bs.add_parser("settings", help="business details, paper, taxes on the bills")
    bse.add_argument("--business-name")
    bse.add_argument("--address", help="business address (\\n for a new line)")
    bse.add_argument("--phone")
    bse.add_argument("--tax-id")
    bse.add_argument("--logo", metavar="IMAGE", help="PNG/JPEG logo for the PDFs")
    bse.add_argument("--paper", choices=("A4", "Letter", "a4", "letter"))
    bse.add_argument("--tax-name", help="e.g. IVA")
    bse.add_argument("--tax-percent", help="e.g. 10; 0 for none")
    bse.add_argument("--bill-local", metavar="yes|no", help="bill local traffic too (default no)")
    bse.add_argument("--footer", help="a note printed at the bottom of every bill")
    _db(bse)
    bse.set_defaults(func=_handler("bills_settings"))
