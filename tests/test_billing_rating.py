"""The pure rating step: usage + plans + packs + outages + rates -> invoice lines.

No database, no clock, no time zone: a period is just two epoch seconds here. Every
expected amount is worked out by hand in the test (or in its parametrize row).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspot_manager.billing.errors import BillingError
from hotspot_manager.billing.model import (
    PackSale,
    Period,
    Plan,
    RatingInput,
    Segment,
    Subscription,
    Tax,
    Tier,
    UsageFacts,
)
from hotspot_manager.billing.money import MissingRate
from hotspot_manager.billing.rating import (
    clip,
    length,
    megabytes,
    pack_expiry,
    rate,
    round_up,
    subtract,
    tier_split,
    union,
)

DAY = 86400
HOUR = 3600
MB = 10**6
GB = 10**9
S = 1_748_736_000  # a month start (any epoch second will do for the pure step)
P = Period("2025-06", S, S + 30 * DAY)  # 30 days: 2,592,000 s


def plan(kind: str, pid: int = 1, name: str = "Plan", currency: str = "CUP", **kw) -> Plan:
    return Plan(id=pid, name=name, kind=kind, currency=currency, **kw)


PER_MB = plan("per_mb", tiers=(Tier(None, D("0.50")),))
TIERED = plan(
    "per_mb",
    tiers=(Tier(1000 * MB, D("0.50")), Tier(5000 * MB, D("0.40")), Tier(None, D("0.30"))),
)
HOURLY = plan("per_hour", price=D("20"), rounding="minute")
FLAT = plan("flat", price=D("500"), cap_bytes=10 * GB, overage_per_mb=D("0.10"))


def usage(inet: int = 0, local: int = 0, sessions=(), minutes=(), segments=None, since=None):
    segs = segments if segments is not None else (Segment(P.start, P.end, inet, local),)
    return UsageFacts(
        segments=tuple(segs),
        sessions=tuple(sessions),
        minutes=tuple(minutes),
        since=since,
    )


def rated(u: UsageFacts, *subs: Subscription, **kw):
    return rate(
        RatingInput(
            period=P,
            currency=kw.pop("currency", "CUP"),
            cup_per=kw.pop("cup_per", {}),
            usage=u,
            subscriptions=subs,
            **kw,
        )
    )


def whole(p: Plan) -> Subscription:
    return Subscription(p, P.start - DAY, None)


def amounts(r) -> list[tuple[str, D]]:
    return [(ln.kind, ln.amount) for ln in r.lines]


# --------------------------------------------------------------------------- per MB


@pytest.mark.parametrize(
    ("nbytes", "price", "qty", "amount"),
    [
        (1, "0.50", "0.000", "0.00"),
        (499, "1", "0.000", "0.00"),
        (500, "1", "0.001", "0.00"),  # 1 kB half-up; 0.001 x 1 rounds to 0.00
        (5 * MB, "0.01", "5.000", "0.05"),
        (1_005_000, "0.50", "1.005", "0.50"),  # 0.5025 -> 0.50
        (1_010_000, "0.50", "1.010", "0.51"),  # 0.505 -> 0.51 (half-up at the cent)
        (123_456_789, "0.50", "123.457", "61.73"),  # 123.457 x 0.5 = 61.7285
        (10 * GB, "0.25", "10000.000", "2500.00"),
    ],
)
def test_per_mb_quantity_and_amount_rounding(nbytes, price, qty, amount):
    p = plan("per_mb", tiers=(Tier(None, D(price)),))
    r = rated(usage(inet=nbytes), whole(p))
    (line,) = r.lines
    assert line.kind == "data"
    assert line.quantity == D(qty)
    assert line.unit_price == D(price)
    assert line.amount == D(amount)
    assert r.total == D(amount)


def test_per_mb_without_usage_has_no_line_and_no_activity():
    r = rated(usage(), whole(PER_MB))
    assert r.lines == () and r.total == 0 and not r.active


def test_local_traffic_is_not_billed_by_default_but_can_be():
    u = usage(inet=100 * MB, local=40 * MB)
    assert rated(u, whole(PER_MB)).total == D("50.00")
    assert rated(u, whole(PER_MB), bill_local=True).total == D("70.00")


@pytest.mark.parametrize(
    ("nbytes", "expected"),
    [
        (6200 * MB, [("1000.000", "500.00"), ("4000.000", "1600.00"), ("1200.000", "360.00")]),
        (1000 * MB, [("1000.000", "500.00")]),
        (1000 * MB + 1, [("1000.000", "500.00"), ("0.000", "0.00")]),
        (999 * MB, [("999.000", "499.50")]),
        (5000 * MB, [("1000.000", "500.00"), ("4000.000", "1600.00")]),
    ],
)
def test_graduated_tiers(nbytes, expected):
    r = rated(usage(inet=nbytes), whole(TIERED))
    assert [(str(ln.quantity), str(ln.amount)) for ln in r.lines] == expected
    assert [ln.params["tier"] for ln in r.lines] == list(range(1, len(expected) + 1))
    assert r.total == sum(D(a) for _, a in expected)


@given(st.integers(0, 10**13))
def test_tier_split_adds_up(nbytes):
    parts = tier_split(nbytes, TIERED.tiers)
    assert sum(n for _, n in parts) == nbytes
    assert all(n > 0 for _, n in parts)


# --------------------------------------------------------------------------- per hour


@pytest.mark.parametrize(
    ("rounding", "spans", "billed", "amount"),
    [
        ("minute", [(0, 60)], 60, "0.33"),
        ("minute", [(0, 61)], 120, "0.67"),
        ("minute", [(0, 1)], 60, "0.33"),
        ("minute", [(0, 59)], 60, "0.33"),
        ("minute", [(0, 61), (1000, 1001)], 180, "1.00"),
        ("minute", [(0, 100), (50, 200)], 240, "1.33"),  # two devices at once count once
        ("minute", [(0, 100), (100, 130)], 180, "1.00"),  # back to back: one stretch
        ("minute", [(0, 3600)], 3600, "20.00"),
        ("minute", [(0, 3601)], 3660, "20.33"),
        ("quarter", [(0, 900)], 900, "5.00"),
        ("quarter", [(0, 901)], 1800, "10.00"),
        ("quarter", [(0, 1)], 900, "5.00"),
        ("quarter", [(0, 1), (2000, 2001)], 1800, "10.00"),
        ("second", [(0, 61)], 61, "0.34"),  # 61 x 20 / 3600 = 0.3388..
        ("second", [(0, 1)], 1, "0.01"),  # 0.00555.. -> 0.01
    ],
)
def test_per_hour_rounding_at_boundaries(rounding, spans, billed, amount):
    p = plan("per_hour", price=D("20"), rounding=rounding)
    r = rated(usage(sessions=[(S + a, S + b) for a, b in spans]), whole(p))
    (line,) = r.lines
    assert line.kind == "time"
    assert line.params["seconds"] == billed
    assert line.amount == D(amount)


def test_per_hour_clips_sessions_at_the_month_edges():
    spans = [(S - 100, S + 30), (P.end - 10, P.end + 500)]
    (line,) = rated(usage(sessions=spans), whole(HOURLY)).lines
    assert line.params["raw_seconds"] == 40
    assert line.params["seconds"] == 120  # 30 s and 10 s, each a started minute


@pytest.mark.parametrize(
    ("credit", "billed", "amount"), [(True, 3000, "16.67"), (False, 3600, "20.00")]
)
def test_per_hour_does_not_bill_outage_time_when_crediting(credit, billed, amount):
    p = plan("per_hour", price=D("20"), rounding="minute", outage_credit=credit)
    u = usage(sessions=[(S, S + 3600)])
    (line,) = rated(u, whole(p), outages=((S + 600, S + 1200),)).lines
    assert line.params["seconds"] == billed
    assert line.amount == D(amount)
    assert line.params["outage_seconds"] == (600 if credit else 0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 20 * DAY), st.integers(1, 4 * HOUR)), max_size=12),
    st.sampled_from(["second", "minute", "quarter"]),
)
def test_per_hour_rounding_properties(raw, rounding):
    unit = {"second": 1, "minute": 60, "quarter": 900}[rounding]
    spans = [(S + a, S + a + n) for a, n in raw]
    p = plan("per_hour", price=D("7.5"), rounding=rounding)
    r = rated(usage(sessions=spans), whole(p))
    stretches = union(spans)
    if not stretches:
        assert r.lines == ()
        return
    (line,) = r.lines
    secs = line.params["seconds"]
    assert secs % unit == 0
    assert length(stretches) <= secs < length(stretches) + len(stretches) * unit
    assert secs == sum(round_up(b - a, unit) for a, b in stretches)
    assert line.amount == (D(secs) * D("7.5") / 3600).quantize(D("0.01"), rounding="ROUND_HALF_UP")


# --------------------------------------------------------------------------- flat


def test_flat_whole_month_with_cap_overage_and_outage_credit():
    u = usage(inet=10 * GB + 250 * MB)
    outages = ((S + DAY, S + DAY + 2 * HOUR), (S + 5 * DAY, S + 5 * DAY + HOUR))
    r = rated(u, whole(FLAT), outages=outages)
    assert amounts(r) == [("plan", D("500.00")), ("overage", D("25.00")), ("credit", D("-2.08"))]
    # credit = 500 x 10,800 s / 2,592,000 s = 2.0833..
    assert r.lines[1].quantity == D("250.000")
    assert r.lines[2].params["outage_seconds"] == 3 * HOUR
    assert r.total == D("522.92")


def test_flat_pro_rata_from_mid_month_prorates_fee_cap_and_counts_only_its_outages():
    start = S + 9 * DAY  # the 10th: 21 of 30 days
    segs = (Segment(S, start, 1 * GB, 0), Segment(start, P.end, 7 * GB + 500 * MB, 0))
    outages = ((S + DAY, S + DAY + HOUR), (S + 20 * DAY, S + 20 * DAY + 6 * HOUR))
    r = rated(usage(segments=segs), Subscription(FLAT, start, None), outages=outages)
    # fee 500 x 21/30 = 350; cap 10 GB x 21/30 = 7 GB; over 500 MB x 0.10 = 50;
    # credit 500 x 21,600 / 2,592,000 = 4.1666.. -> 4.17 (the outage before the 10th is not ours)
    assert amounts(r) == [("plan", D("350.00")), ("overage", D("50.00")), ("credit", D("-4.17"))]
    assert r.lines[0].quantity == D("0.7")
    assert r.lines[1].params["cap_bytes"] == 7 * GB
    assert r.summary["unbilled_bytes"] == 1 * GB  # before the subscription started


def test_flat_outage_credit_never_exceeds_the_fee():
    r = rated(usage(inet=0), whole(FLAT), outages=((S - DAY, P.end + DAY),))
    assert amounts(r) == [("plan", D("500.00")), ("credit", D("-500.00"))]
    assert r.total == 0


def test_flat_without_outage_credit_has_no_credit_line():
    p = plan("flat", price=D("500"), outage_credit=False)
    r = rated(usage(), whole(p), outages=((S, S + DAY),))
    assert amounts(r) == [("plan", D("500.00"))]


def test_plan_change_mid_month_bills_each_plan_for_its_own_days():
    change = S + 15 * DAY
    segs = (Segment(S, change, 300 * MB, 0), Segment(change, P.end, 2 * GB, 0))
    r = rated(
        usage(segments=segs),
        Subscription(PER_MB, S - DAY, change),
        Subscription(plan("flat", pid=2, name="Flat", price=D("300")), change, None),
    )
    # 300 MB x 0.50 = 150; flat 300 x 15/30 = 150
    assert amounts(r) == [("data", D("150.00")), ("plan", D("150.00"))]


def test_overlapping_subscriptions_are_refused():
    with pytest.raises(BillingError, match="overlap"):
        rated(usage(), Subscription(PER_MB, S, None), Subscription(FLAT, S + DAY, None))


# --------------------------------------------------------------------------- packs

TIME_PACK = plan(
    "pack", pid=7, name="1h20", price=D("25"), allowance_seconds=4800, validity_seconds=2 * DAY
)
DATA_PACK = plan(
    "pack", pid=8, name="1GB", price=D("100"), allowance_bytes=1 * GB, validity_seconds=2 * DAY
)


def sale(p: Plan, at: int, sid: int = 1) -> PackSale:
    assert p.price is not None
    return PackSale(sid, p, at, p.price, p.currency)


def test_time_pack_is_charged_when_sold_and_covers_time_until_used_up():
    at = S + 10 * HOUR
    spans = [
        (at, at + HOUR),  # covered
        (at + DAY, at + DAY + HOUR),  # 1200 s left in the pack: 20 min covered, 40 not
        (at + 3 * DAY, at + 3 * DAY + 1800),  # pack expired: not covered
    ]
    r = rated(usage(sessions=spans), whole(HOURLY), packs=(sale(TIME_PACK, at),))
    # uncovered: 2400 + 1800 s = 70 min x 20/h = 23.33; the pack 25
    assert amounts(r) == [("time", D("23.33")), ("pack", D("25.00"))]
    assert r.lines[0].params["seconds"] == 4200
    (p,) = r.summary["packs"]
    assert p["used"] == 4800 and p["remaining"] == 0 and p["expires_at"] == at + 2 * DAY


def test_pack_that_expires_mid_session_covers_only_until_expiry():
    at = S  # valid until S + 2 days, midnight
    spans = [(S + 2 * DAY - 1800, S + 2 * DAY + 1800)]
    r = rated(usage(sessions=spans), whole(HOURLY), packs=(sale(TIME_PACK, at),))
    assert amounts(r) == [("time", D("10.00")), ("pack", D("25.00"))]  # 30 min x 20/h
    assert r.summary["packs"][0]["used"] == 1800


def test_pack_pauses_during_outages_and_its_validity_grows():
    at = S
    outage = (S + DAY, S + DAY + HOUR)
    spans = [(S + 2 * DAY - 1800, S + 2 * DAY + 1800)]
    assert pack_expiry(sale(TIME_PACK, at), [outage]) == S + 2 * DAY + HOUR
    r = rated(usage(sessions=spans), whole(HOURLY), packs=(sale(TIME_PACK, at),), outages=(outage,))
    assert amounts(r) == [("pack", D("25.00"))]  # the whole session is inside the longer validity
    # without the pause the validity ends mid-session as before
    no_pause = plan(
        "pack", pid=9, name="np", price=D("25"), allowance_seconds=4800,
        validity_seconds=2 * DAY, outage_credit=False,
    )  # fmt: skip
    r = rated(usage(sessions=spans), whole(HOURLY), packs=(sale(no_pause, at),), outages=(outage,))
    assert amounts(r) == [("time", D("10.00")), ("pack", D("25.00"))]


def test_pack_consumes_nothing_during_an_outage():
    at = S
    outage = (S + DAY, S + DAY + HOUR)
    spans = [(S + DAY - 600, S + DAY + 600)]
    r = rated(usage(sessions=spans), packs=(sale(TIME_PACK, at),), outages=(outage,))
    (p,) = r.summary["packs"]
    assert p["used"] == 600  # the 600 s inside the outage are covered, not consumed


@pytest.mark.parametrize(
    ("outages", "expected"),
    [
        ((), S + 2 * DAY),
        (((S - 10, S + 10),), S + 2 * DAY + 10),  # started before the sale: only its tail
        (((S + DAY, S + DAY + 5),), S + 2 * DAY + 5),
        (((S + 3 * DAY, S + 4 * DAY),), S + 2 * DAY),  # after the pack ran out
        (((S + DAY, S + DAY + 5), (S + 2 * DAY + 2, S + 2 * DAY + 4)), S + 2 * DAY + 7),
        (((S + 2 * DAY, S + 3 * DAY),), S + 2 * DAY),  # starts exactly at the end
    ],
)
def test_pack_expiry(outages, expected):
    assert pack_expiry(sale(TIME_PACK, S), list(outages)) == expected


def test_data_pack_covers_traffic_in_time_order_then_the_plan_bills_the_rest():
    minutes = [(S + 60 * i, 10 * MB, 0) for i in range(150)]  # 1.5 GB in 150 minutes
    u = usage(inet=1500 * MB, minutes=minutes)
    r = rated(u, whole(PER_MB), packs=(sale(DATA_PACK, S),))
    assert amounts(r) == [("data", D("250.00")), ("pack", D("100.00"))]  # 500 MB x 0.50
    assert r.summary["packs"][0]["used"] == 1 * GB


def test_pack_sold_last_month_still_covers_this_month_without_being_charged_again():
    hour_pack = plan(
        "pack", pid=3, name="1h", price=D("15"), allowance_seconds=HOUR, validity_seconds=2 * DAY
    )
    at = S - DAY
    spans = [(at + HOUR, at + HOUR + 2400), (S + HOUR, S + HOUR + 2400)]  # 40 min each
    r = rated(usage(sessions=spans, since=at), whole(HOURLY), packs=(sale(hour_pack, at),))
    # 20 of this month's 40 minutes are left in the pack: 20 min x 20/h = 6.67
    assert amounts(r) == [("time", D("6.67"))]
    (p,) = r.summary["packs"]
    assert p["used"] == HOUR and p["used_in_period"] == 1200


def test_packs_valid_together_are_used_earliest_expiry_first():
    short = plan(
        "pack", pid=4, name="short", price=D("5"), allowance_seconds=HOUR, validity_seconds=DAY
    )
    long_ = plan(
        "pack", pid=5, name="long", price=D("9"), allowance_seconds=HOUR, validity_seconds=5 * DAY
    )
    spans = [(S + HOUR, S + 2 * HOUR)]
    r = rated(usage(sessions=spans), packs=(sale(long_, S, sid=1), sale(short, S + 600, sid=2)))
    used = {p["plan"]: p["used"] for p in r.summary["packs"]}
    assert used == {"long": 0, "short": HOUR}
    assert r.total == D("14.00")


# --------------------------------------------------------------------------- money


def test_invoice_in_usd_converts_cup_prices_and_states_the_rate():
    cup_flat = plan("flat", price=D("3600"))
    cup_mb = plan("per_mb", pid=2, name="mb", tiers=(Tier(None, D("0.50")),))
    r = rated(usage(), whole(cup_flat), currency="USD", cup_per={"USD": D("360")})
    assert amounts(r) == [("plan", D("10.00"))]
    assert r.rates == {"USD": D("360")}
    # 0.50 CUP/MB = 0.001388.. USD/MB: a unit price keeps 4 decimals, 0.0014
    r = rated(usage(inet=1000 * MB), whole(cup_mb), currency="USD", cup_per={"USD": D("360")})
    (line,) = r.lines
    assert line.unit_price == D("0.0014") and line.amount == D("1.40")


def test_invoice_in_cup_for_a_usd_plan_and_mlc_through_cup():
    usd_flat = plan("flat", price=D("10"), currency="USD")
    rates = {"USD": D("360"), "MLC": D("300")}
    assert rated(usage(), whole(usd_flat), cup_per=rates).total == D("3600.00")
    r = rated(usage(), whole(usd_flat), currency="MLC", cup_per=rates)
    assert r.total == D("12.00")  # 10 x 360 / 300
    assert r.rates == {"MLC": D("300"), "USD": D("360")}


def test_conversion_that_does_not_terminate_is_rounded_once_at_the_end():
    r = rated(
        usage(), whole(plan("flat", price=D("1000"))), currency="USD", cup_per={"USD": D("333")}
    )
    assert r.total == D("3.00")  # 3.003003..


def test_a_missing_rate_is_an_error_not_a_guess():
    usd_flat = plan("flat", price=D("10"), currency="USD")
    with pytest.raises(MissingRate, match="USD"):
        rated(usage(), whole(usd_flat))


def test_invoice_currency_rate_is_stated_even_without_conversion():
    usd_flat = plan("flat", price=D("10"), currency="USD")
    r = rated(usage(), whole(usd_flat), currency="USD", cup_per={"USD": D("360")})
    assert r.total == D("10.00") and r.rates == {"USD": D("360")}


# --------------------------------------------------------------------------- tax, activity


def test_tax_on_the_subtotal_after_credits():
    u = usage(inet=10 * GB + 250 * MB)
    outages = ((S + DAY, S + DAY + 3 * HOUR),)
    r = rated(u, whole(FLAT), outages=outages, tax=Tax("IVA", D("10")))
    assert r.subtotal == D("522.92")
    assert r.lines[-1].kind == "tax" and r.tax == D("52.29")  # 52.292
    assert r.total == D("575.21")


def test_no_tax_on_nothing():
    r = rated(usage(), whole(FLAT), outages=((S - DAY, P.end),), tax=Tax("IVA", D("10")))
    assert r.tax == 0 and [ln.kind for ln in r.lines] == ["plan", "credit"]


def test_usage_without_any_plan_is_reported_not_charged():
    r = rated(usage(inet=3 * MB, sessions=[(S, S + 100)]))
    assert r.active and r.total == 0 and r.lines == ()
    assert r.summary["unbilled_bytes"] == 3 * MB and r.summary["unbilled_seconds"] == 100


# --------------------------------------------------------------------------- intervals


spans_st = st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 200)), max_size=15).map(
    lambda xs: [(a, a + n) for a, n in xs]
)


@given(spans_st, spans_st)
def test_interval_arithmetic(a, b):
    ua, ub = union(a), union(b)
    covered = {t for s, e in a for t in range(s, e)}
    holes = {t for s, e in b for t in range(s, e)}
    assert length(ua) == len(covered)
    assert length(subtract(ua, ub)) == len(covered - holes)
    assert length(clip(ua, 100, 600)) == len({t for t in covered if 100 <= t < 600})
    assert all(x[1] < y[0] for x, y in zip(ua, ua[1:], strict=False))


def test_megabytes_rounds_half_up_to_a_kilobyte():
    assert megabytes(1_234_500) == D("1.235")
    assert megabytes(1_234_499) == D("1.234")
