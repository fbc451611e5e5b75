"""Month close against a real store: golden bills per plan type, devices changing hands,
outages, packs, exchange rates, gapless immutable numbering, payments and credit notes.

Usage is written through ``Store.write_flush`` (``test_billing_support.write_usage``);
outages through the monitor's ``open_outage``/``close_outage``. Months are June 2025 in
Havana time (30 days) unless a test says otherwise.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal as D

import pytest
from test_billing_support import (
    APPLE,
    LAPTOP,
    PHONE,
    PHONE2,
    TABLET,
    add_outage,
    daily,
    havana,  # noqa: F401  (fixture)
    store,  # noqa: F401  (fixture)
    write_usage,
)

from hotspot_manager import billing as B
from hotspot_manager.billing.errors import BillingError
from hotspot_manager.billing.model import Period, Tier
from hotspot_manager.store.books import Books

DAY = 86400
HOUR = 3600
MB = 10**6
MONTH = "2025-06"


@pytest.fixture
def june(havana):  # noqa: F811
    return Period.month(MONTH)


def clock_after(p: Period) -> int:
    return p.end + DAY


def invoice(store, number: int) -> dict:  # noqa: F811
    row = Books(store).invoice("F", number)
    assert row is not None
    return row


def lines(store, number: int) -> list[dict]:  # noqa: F811
    row = invoice(store, number)
    return Books(store).invoice_lines([row["id"]])[row["id"]]


def by_customer(result) -> dict[int, dict]:
    return {i["customer_id"]: i for i in result.issued}


def cents(text: str) -> int:
    return int(D(text) * 100)


# --------------------------------------------------------------------------- golden bills


def test_golden_bills_for_each_plan_type(store, june):  # noqa: F811
    p = june
    clock = clock_after(p)
    # Ana, per MB with tiers: 30 days x 30 active seconds of 1 MB internet + 100 kB local
    write_usage(store, APPLE, daily(p.start, 30, 10 * HOUR, 30, 1 * MB, 100_000), clock=clock)
    # Beto, per hour by started quarter hour: 10 days of one 20-minute stretch
    write_usage(store, LAPTOP, daily(p.start, 10, 18 * HOUR, 20, 50_000), clock=clock)
    # Carla, flat with a 1 GB cap: 30 days x 40 MB
    write_usage(store, PHONE, daily(p.start, 30, 20 * HOUR, 40, 1 * MB), clock=clock)
    # Dora, a time pack sold on the 10th at 09:00 plus per hour by the started minute
    dora_days = daily(p.start + 9 * DAY, 2, 10 * HOUR, 60, 10_000)
    write_usage(store, TABLET, dora_days, clock=clock)

    ana = B.add_customer(store, "Ana Pérez")
    beto = B.add_customer(store, "Beto Núñez")
    carla = B.add_customer(store, "Carla")
    dora = B.add_customer(store, "Dora")
    B.add_customer(store, "Idle customer")  # no devices, no plan: no invoice
    for mac, who in ((APPLE, ana), (LAPTOP, beto), (PHONE, carla), (TABLET, dora)):
        B.assign_device(store, mac, who, since=p.start - 30 * DAY)
    tiered = B.add_plan(
        store, "Datos", "per_mb", tiers=(Tier(500 * MB, D("0.50")), Tier(None, D("0.30")))
    )
    hourly_q = B.add_plan(store, "Hora (cuarto)", "per_hour", price=D("20"), rounding="quarter")
    hourly_m = B.add_plan(store, "Hora (minuto)", "per_hour", price=D("20"), rounding="minute")
    flat = B.add_plan(
        store, "Plana 1 GB", "flat", price=D("500"), cap_bytes=1000 * MB, overage_per_mb=D("0.10")
    )
    pack = B.add_plan(
        store, "1 h 20 min", "pack", price=D("25"), allowance_seconds=4800,
        validity_seconds=2 * DAY,
    )  # fmt: skip
    since = p.start - 30 * DAY
    B.subscribe(store, ana, tiered, since=since)
    B.subscribe(store, beto, hourly_q, since=since)
    B.subscribe(store, carla, flat, since=since)
    B.subscribe(store, dora, hourly_m, since=since)
    B.sell_pack(store, dora, pack, at=p.start + 9 * DAY + 9 * HOUR)

    result = B.close_month(store, MONTH)
    got = {i["customer_name"]: D(i["total_cents"]) / 100 for i in result.issued}

    # Ana: 900 MB internet (local not billed): 500 x 0.50 + 400 x 0.30 = 250 + 120
    # Beto: each stretch is 19 min 1 s -> a started quarter hour twice = 30 min; 10 x 30 min
    #       = 5 h x 20 = 100
    # Carla: 500 + (1200 - 1000) MB x 0.10 = 520
    # Dora: stretches of 59 min 1 s (3541 s) on the 10th and 11th; the pack covers 4800 s:
    #       all of the first, 1259 s of the second; 2282 s left -> 39 started minutes x 20/h
    #       = 13.00, plus the pack's 25
    assert got == {
        "Ana Pérez": D("370.00"),
        "Beto Núñez": D("100.00"),
        "Carla": D("520.00"),
        "Dora": D("38.00"),
    }
    assert [i["number"] for i in result.issued] == [1, 2, 3, 4]
    assert result.inactive == 1

    ana_lines = lines(store, by_customer(result)[ana]["number"])
    assert [(ln["kind"], ln["quantity"], ln["amount_cents"]) for ln in ana_lines] == [
        ("data", "500", 25000),
        ("data", "400", 12000),
    ]
    summary = json.loads(invoice(store, by_customer(result)[ana]["number"])["summary"])
    assert summary["internet_bytes"] == 900 * MB
    assert summary["local_bytes"] == 90 * MB
    assert summary["online_seconds"] == 30 * (29 * 60 + 1)

    dora_lines = lines(store, by_customer(result)[dora]["number"])
    assert [(ln["kind"], ln["amount_cents"]) for ln in dora_lines] == [
        ("time", 1300),
        ("pack", 2500),
    ]
    assert json.loads(dora_lines[0]["params"])["seconds"] == 39 * 60
    packs = json.loads(invoice(store, by_customer(result)[dora]["number"])["summary"])["packs"]
    assert packs[0]["used"] == 4800


def test_a_device_moving_between_customers_mid_month_bills_each_owner_for_their_days(
    store,  # noqa: F811
    june,
):
    p = june
    write_usage(store, PHONE2, daily(p.start, 30, 12 * HOUR, 30, 1 * MB), clock=clock_after(p))
    eva = B.add_customer(store, "Eva")
    fede = B.add_customer(store, "Fede")
    per_mb = B.add_plan(store, "MB", "per_mb", tiers=(Tier(None, D("0.50")),))
    B.subscribe(store, eva, per_mb, since=p.start)
    B.subscribe(store, fede, per_mb, since=p.start)
    B.assign_device(store, PHONE2, eva, since=p.start - DAY)
    # the phone changes hands on the 15th at midnight: Eva's open assignment is cut there
    B.assign_device(store, PHONE2, fede, since=p.start + 14 * DAY)

    rows = Books(store).assignments()
    assert [(r["customer_id"], r["valid_from"], r["valid_until"]) for r in rows] == [
        (eva, p.start - DAY, p.start + 14 * DAY),
        (fede, p.start + 14 * DAY, None),
    ]
    result = B.close_month(store, MONTH)
    got = {i["customer_name"]: i["total_cents"] for i in result.issued}
    assert got == {"Eva": cents("210.00"), "Fede": cents("240.00")}  # 420 MB, 480 MB
    for i in result.issued:
        s = json.loads(invoice(store, i["number"])["summary"])
        assert s["sessions"] == (14 if i["customer_id"] == eva else 16)


def test_lending_a_device_for_a_week_splits_the_owners_assignment(store, june):  # noqa: F811
    p = june
    write_usage(store, APPLE, daily(p.start, 30, 9 * HOUR, 10, 1 * MB), clock=clock_after(p))
    owner = B.add_customer(store, "Owner")
    friend = B.add_customer(store, "Friend")
    per_mb = B.add_plan(store, "MB", "per_mb", tiers=(Tier(None, D("1")),))
    for c in (owner, friend):
        B.subscribe(store, c, per_mb, since=p.start)
    B.assign_device(store, APPLE, owner, since=p.start)
    B.assign_device(store, APPLE, friend, since=p.start + 7 * DAY, until=p.start + 14 * DAY)
    got = {i["customer_name"]: i["total_cents"] for i in B.close_month(store, MONTH).issued}
    assert got == {"Owner": cents("230.00"), "Friend": cents("70.00")}


def test_a_month_with_outages(store, june):  # noqa: F811
    p = june
    clock = clock_after(p)
    # 1 h of an outage that began in May counts; 3 h on the 5th; 3 h across the 20th/21st
    add_outage(store, p.start - HOUR, p.start + HOUR)
    add_outage(store, p.start + 4 * DAY + 10 * HOUR, p.start + 4 * DAY + 13 * HOUR)
    add_outage(store, p.start + 19 * DAY + 22 * HOUR, p.start + 20 * DAY + HOUR, "dns_failing")
    # a per-hour customer online 09:00-14:00 on the 5th (the outage is 10:00-13:00)
    write_usage(store, LAPTOP, daily(p.start + 4 * DAY, 1, 9 * HOUR, 300, 10_000), clock=clock)
    write_usage(store, PHONE, daily(p.start, 30, 20 * HOUR, 10, 1 * MB), clock=clock)
    flat_c = B.add_customer(store, "Flat customer")
    hour_c = B.add_customer(store, "Hourly customer")
    B.assign_device(store, PHONE, flat_c, since=p.start)
    B.assign_device(store, LAPTOP, hour_c, since=p.start)
    B.subscribe(store, flat_c, B.add_plan(store, "Plana", "flat", price=D("500")), since=p.start)
    hourly = B.add_plan(store, "Hora", "per_hour", price=D("12"), rounding="minute")
    B.subscribe(store, hour_c, hourly, since=p.start)

    result = B.close_month(store, MONTH)
    got = {i["customer_name"]: i for i in result.issued}
    flat_lines = lines(store, got["Flat customer"]["number"])
    # 7 h = 25,200 s of 2,592,000: 500 x 25,200 / 2,592,000 = 4.861.. -> 4.86
    assert [(ln["kind"], ln["amount_cents"]) for ln in flat_lines] == [
        ("plan", 50000),
        ("credit", -486),
    ]
    assert json.loads(flat_lines[1]["params"])["outage_seconds"] == 7 * HOUR
    # the stretch is 09:00:00-13:59:01 (17,941 s); 3 h of it were during the outage:
    # 7,141 s billed -> 120 started minutes = 2 h x 12 = 24.00
    (time_line,) = lines(store, got["Hourly customer"]["number"])
    params = json.loads(time_line["params"])
    assert params["outage_seconds"] == 3 * HOUR
    assert params["seconds"] == 120 * 60
    assert time_line["amount_cents"] == 2400
    s = json.loads(invoice(store, got["Flat customer"]["number"])["summary"])
    assert s["outages"] == {"count": 3, "seconds": 7 * HOUR}


def test_an_outage_still_going_on_counts_to_the_month_end(store, june):  # noqa: F811
    p = june
    add_outage(store, p.end - 2 * HOUR, None)
    c = B.add_customer(store, "Flat")
    B.subscribe(store, c, B.add_plan(store, "Plana", "flat", price=D("2592")), since=p.start)
    (i,) = B.close_month(store, MONTH).issued
    assert i["total_cents"] == cents("2592") - cents("7.20")  # 2592 x 7200 / 2,592,000


def test_a_pack_that_expires_mid_session(store, june):  # noqa: F811
    p = june
    sold = p.start + 2 * DAY + 12 * HOUR  # the 3rd at noon, valid one day
    # online on the 4th 11:30-12:29:01: half an hour inside the validity, the rest after it
    write_usage(
        store, TABLET, daily(p.start + 3 * DAY, 1, 11 * HOUR + 1800, 60, 10_000),
        clock=clock_after(p),
    )  # fmt: skip
    c = B.add_customer(store, "Pack customer")
    B.assign_device(store, TABLET, c, since=p.start)
    B.subscribe(
        store, c, B.add_plan(store, "Hora", "per_hour", price=D("20"), rounding="minute"),
        since=p.start,
    )  # fmt: skip
    pack = B.add_plan(
        store, "2 h en un día", "pack", price=D("15"), allowance_seconds=2 * HOUR,
        validity_seconds=DAY,
    )  # fmt: skip
    B.sell_pack(store, c, pack, at=sold)
    (i,) = B.close_month(store, MONTH).issued
    got = [(ln["kind"], ln["amount_cents"]) for ln in lines(store, i["number"])]
    # 1,741 s after the expiry: 30 started minutes x 20/h = 10.00; the pack 15.00
    assert got == [("time", 1000), ("pack", 1500)]
    (pk,) = json.loads(invoice(store, i["number"])["summary"])["packs"]
    assert pk["used"] == 1800 and pk["expires_at"] == sold + DAY


def test_a_data_pack_read_from_the_minute_rollups(store, june):  # noqa: F811
    p = june
    write_usage(store, PHONE, daily(p.start, 3, 8 * HOUR, 100, 10 * MB), clock=clock_after(p))
    c = B.add_customer(store, "Data pack")
    B.assign_device(store, PHONE, c, since=p.start)
    B.subscribe(
        store, c, B.add_plan(store, "MB", "per_mb", tiers=(Tier(None, D("0.20")),)), since=p.start
    )
    pack = B.add_plan(
        store, "1 GB", "pack", price=D("80"), allowance_bytes=1000 * MB, validity_seconds=2 * DAY
    )
    B.sell_pack(store, c, pack, at=p.start)
    (i,) = B.close_month(store, MONTH).issued
    # 3 GB in all; the pack takes the first 1 GB; 2000 MB x 0.20 = 400
    assert [(ln["kind"], ln["amount_cents"]) for ln in lines(store, i["number"])] == [
        ("data", 40000),
        ("pack", 8000),
    ]


# --------------------------------------------------------------------------- currencies


def test_exchange_rates_in_force_on_the_last_day_are_used_and_stated(store, june):  # noqa: F811
    p = june
    B.set_rate(store, "USD", D("300"), "2025-05-01")
    B.set_rate(store, "USD", D("360"), "2025-06-15")
    B.set_rate(store, "USD", D("400"), "2025-07-01")
    B.set_rate(store, "MLC", D("250"), "2025-01-01")
    usd = B.add_customer(store, "Cliente USD", currency="USD")
    mlc = B.add_customer(store, "Cliente MLC", currency="MLC")
    flat = B.add_plan(store, "Plana CUP", "flat", price=D("3600"))
    for c in (usd, mlc):
        B.subscribe(store, c, flat, since=p.start)
    issued = by_customer(B.close_month(store, MONTH))
    assert issued[usd]["total_cents"] == 1000  # 3600 / 360
    assert issued[mlc]["total_cents"] == 1440  # 3600 / 250
    inv = invoice(store, issued[usd]["number"])
    assert inv["currency"] == "USD" and inv["rate_date"] == "2025-06-30"
    assert json.loads(inv["rates"]) == {"USD": {"cup_per_unit": "360", "since": "2025-06-15"}}

    # a payment in CUP for the USD invoice is converted at the rate of its own day
    pay = B.record_payment(
        store, invoice=issued[usd]["number"], amount=D("1800"), currency="CUP", method="cash",
        at=p.end + DAY,
    )  # fmt: skip
    assert pay["applied"] == "4.5" and pay["ledger_currency"] == "USD"  # 1800 / 400
    (bal,) = B.balances(store, usd)
    assert bal["balance"] == "5.5"


def test_a_missing_rate_stops_the_close_and_issues_nothing(store, june):  # noqa: F811
    c = B.add_customer(store, "Needs a rate", currency="USD")
    B.subscribe(store, c, B.add_plan(store, "Plana", "flat", price=D("100")), since=june.start)
    with pytest.raises(BillingError, match="no exchange rate for USD on 2025-06-30"):
        B.close_month(store, MONTH)
    assert Books(store).invoices() == []


# --------------------------------------------------------------------------- numbers, immutability


def _three_flat_customers(store, p):  # noqa: F811
    flat = B.add_plan(store, "Plana", "flat", price=D("100"))
    ids = [B.add_customer(store, n) for n in ("Uno", "Dos", "Tres")]
    for c in ids:
        B.subscribe(store, c, flat, since=p.start)
    return ids, flat


def test_close_is_idempotent_and_numbers_are_gapless_across_months(store, june):  # noqa: F811
    ids, flat = _three_flat_customers(store, june)
    first = B.close_month(store, MONTH)
    assert [i["number"] for i in first.issued] == [1, 2, 3]
    again = B.close_month(store, MONTH)
    assert again.issued == [] and again.already_invoiced == 3
    # a customer that shows up later gets the next number, nobody else anything new
    late = B.add_customer(store, "Late")
    B.subscribe(store, late, flat, since=june.start)
    assert [(i["number"], i["customer_id"]) for i in B.close_month(store, MONTH).issued] == [
        (4, late)
    ]
    july = B.close_month(store, "2025-07")
    assert [i["number"] for i in july.issued] == [5, 6, 7, 8]
    numbers = [r["number"] for r in Books(store).invoices(series="F")]
    assert numbers == list(range(1, 9))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE invoices SET total_cents = 1 WHERE number = 1",
        "UPDATE invoices SET customer_name = 'x'",
        "DELETE FROM invoices WHERE number = 3",
        "UPDATE invoice_lines SET amount_cents = 0",
        "DELETE FROM invoice_lines",
        "INSERT INTO invoice_lines (invoice_id, position, kind, amount_cents) "
        "VALUES (1, 5, 'plan', 1)",
        "INSERT INTO invoices (series, number, customer_id, month, issued_at, customer_name, "
        "language, currency, line_count, subtotal_cents, tax_cents, total_cents, "
        "amount_due_cents) VALUES ('F', 9, 1, '2025-08', 0, 'x', 'es', 'CUP', 0, 0, 0, 0, 0)",
        "UPDATE payments SET amount_cents = 1",
        "DELETE FROM payments",
    ],
)
def test_the_database_refuses_to_change_issued_invoices(store, june, tmp_path, statement):  # noqa: F811
    _three_flat_customers(store, june)
    B.close_month(store, MONTH)
    B.record_payment(store, invoice=1, amount=D("10"), method="cash")
    conn = sqlite3.connect(tmp_path / "hotspot.db")  # as another program would
    try:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(statement)
    finally:
        conn.close()
    assert invoice(store, 1)["total_cents"] == 10000
    assert len(lines(store, 1)) == 1


def test_lines_must_add_up_to_the_invoice_total(store, june):  # noqa: F811
    c = B.add_customer(store, "X")
    row = {
        "customer_id": c, "customer_name": "X", "customer_phone": None, "language": "es",
        "currency": "CUP", "period_start": june.start, "period_end": june.end,
        "rate_date": june.last_day, "rates": "{}", "subtotal_cents": 500, "tax_cents": 0,
        "total_cents": 500, "summary": "{}", "lines": [("plan", "1", "", "5", 400, "{}")],
    }  # fmt: skip
    with pytest.raises(sqlite3.IntegrityError, match="add up"):
        Books(store).issue_invoices(MONTH, [row], 0)
    assert Books(store).invoices() == []  # the whole close rolled back


def test_closing_a_month_that_is_not_over_is_refused(store):  # noqa: F811
    with pytest.raises(BillingError, match="not over yet"):
        B.close_month(store, "2099-01")


def test_month_boundaries_are_local_midnights_even_across_dst(havana):  # noqa: F811
    nov = Period.month("2025-11")  # Cuba leaves DST on 2 November 2025
    assert nov.end - nov.start == 30 * DAY + HOUR
    import datetime as dt

    assert dt.datetime.fromtimestamp(nov.start).strftime("%Y-%m-%d %H:%M") == "2025-11-01 00:00"
    assert dt.datetime.fromtimestamp(nov.end).strftime("%Y-%m-%d %H:%M") == "2025-12-01 00:00"


# --------------------------------------------------------------------------- payments


def test_partial_payments_overpayment_and_balance_carried_forward(store, june):  # noqa: F811
    c = B.add_customer(store, "Pagador")
    B.subscribe(store, c, B.add_plan(store, "Plana", "flat", price=D("100")), since=june.start)
    (jun,) = B.close_month(store, MONTH).issued
    assert jun["amount_due_cents"] == 10000
    p1 = B.record_payment(store, invoice=jun["number"], amount=D("40"), method="cash")
    assert p1["balance"] == "60"
    p2 = B.record_payment(
        store, invoice=jun["number"], amount=D("80"), method="transfermovil", reference="TMX123"
    )
    assert p2["balance"] == "-20"  # 20 in the customer's favour
    (jul,) = B.close_month(store, "2025-07").issued
    inv = invoice(store, jul["number"])
    assert (inv["previous_balance_cents"], inv["payments_cents"], inv["total_cents"]) == (
        10000,
        12000,
        10000,
    )
    assert inv["amount_due_cents"] == 8000  # 100 - 120 + 100
    (bal,) = B.balances(store, c)
    assert bal["balance"] == "80"


def test_credit_notes_correct_an_invoice_without_touching_it(store, june):  # noqa: F811
    c = B.add_customer(store, "Corrige")
    B.subscribe(store, c, B.add_plan(store, "Plana", "flat", price=D("100")), since=june.start)
    (jun,) = B.close_month(store, MONTH).issued
    assert B.issue_credit_note(store, jun["number"], D("30"), "cobro de más") == 1
    assert B.issue_credit_note(store, jun["number"], D("20.50"), "otro error") == 2
    with pytest.raises(BillingError, match="49.50"):
        B.issue_credit_note(store, jun["number"], D("50"), "demasiado")
    assert invoice(store, jun["number"])["total_cents"] == 10000
    with pytest.raises(BillingError, match="not credit notes"):
        B.record_payment(store, invoice="R1", amount=D("1"), method="cash")
    with pytest.raises(BillingError, match="not another credit note"):
        B.issue_credit_note(store, "R1", D("1"), "x")
    (bal,) = B.balances(store, c)
    assert bal["balance"] == "49.5"
    (jul,) = B.close_month(store, "2025-07").issued
    inv = invoice(store, jul["number"])
    assert inv["credits_cents"] == 5050 and inv["amount_due_cents"] == 10000 + 4950


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"invoice": 99, "amount": D("1"), "method": "cash"}, "no invoice number 99"),
        ({"customer": "Nadie", "amount": D("1"), "method": "cash"}, "unknown customer"),
        ({"invoice": 1, "amount": D("1"), "method": "bitcoin"}, "unknown payment method"),
        ({"invoice": 1, "amount": D("1"), "method": "enzona"}, "reference"),
        ({"invoice": 1, "amount": D("0"), "method": "cash"}, "zero"),
        ({"invoice": 1, "amount": D("1.005"), "method": "cash"}, "cents"),
        ({"amount": D("1"), "method": "cash"}, "--invoice"),
    ],
)
def test_bad_payments_are_refused(store, june, kwargs, message):  # noqa: F811
    _three_flat_customers(store, june)
    B.close_month(store, MONTH)
    with pytest.raises(BillingError, match=message):
        B.record_payment(store, **kwargs)


def test_a_payment_on_account_before_any_invoice_is_carried_into_the_first(store, june):  # noqa: F811
    c = B.add_customer(store, "Prepaga")
    B.subscribe(store, c, B.add_plan(store, "Plana", "flat", price=D("100")), since=june.start)
    B.record_payment(store, customer=c, amount=D("150"), method="cash")
    (jun,) = B.close_month(store, MONTH).issued
    assert jun["amount_due_cents"] == -5000
