"""Plans edited and archived, payments listed, a customer's history: the API the GUI calls
and the commands that script it, against a real store."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from test_billing_support import PHONE, daily, havana, store, write_usage  # noqa: F401

from hotspot_manager import billing as B
from hotspot_manager.billing.errors import BillingError
from hotspot_manager.billing.model import Period, Tier
from hotspot_manager.cli import main
from hotspot_manager.store import monitoring

DAY = 86400
MB = 10**6


def test_edit_plan_terms_until_it_is_used_then_only_its_name(store):  # noqa: F811
    pid = B.add_plan(store, "Plana", "flat", price=D(500), cap_bytes=10**9, overage_per_mb=D(1))
    p = B.edit_plan(store, pid, price=D("450.50"), cap_bytes=2 * 10**9)
    assert (p.price, p.cap_bytes, p.overage_per_mb) == (D("450.50"), 2 * 10**9, D(1))
    with pytest.raises(BillingError, match="no field 'kind'"):
        B.edit_plan(store, pid, kind="pack")
    with pytest.raises(BillingError, match="monthly fee|prices must"):
        B.edit_plan(store, pid, price=D(-1))
    B.add_customer(store, "Ana")
    B.subscribe(store, "Ana", pid, since=0)
    with pytest.raises(BillingError, match="already in use"):
        B.edit_plan(store, pid, price=D(400))
    assert B.edit_plan(store, pid, price=D("450.50")).price == D("450.50")  # unchanged: fine
    p = B.edit_plan(store, "Plana", name="Plana 2 GB")
    assert p.name == "Plana 2 GB" and p.price == D("450.50")
    B.add_plan(store, "Otra", "per_mb", tiers=(Tier(None, D("0.5")),))
    with pytest.raises(BillingError, match="already a plan named"):
        B.edit_plan(store, "Otra", name="plana 2 gb")
    p = B.edit_plan(store, "Otra", tiers=(Tier(1000 * MB, D("0.5")), Tier(None, D("0.3"))))
    assert [t.price_per_mb for t in p.tiers] == [D("0.5"), D("0.3")]


def test_archived_plans_are_offered_no_more_but_keep_billing(store, havana):  # noqa: F811
    june = Period.month("2025-06")
    write_usage(store, PHONE, daily(june.start, 3, 9 * 3600, 10, MB), clock=june.end + DAY)
    B.add_customer(store, "Ana")
    B.assign_device(store, PHONE, "Ana", since=june.start)
    B.add_plan(store, "Por MB", "per_mb", tiers=(Tier(None, D(1)),))
    B.add_plan(store, "1 GB", "pack", price=D(100), allowance_bytes=10**9, validity_seconds=DAY)
    B.subscribe(store, "Ana", "Por MB", since=june.start)
    assert B.archive_plan(store, "Por MB").archived
    B.archive_plan(store, "1 GB")
    with pytest.raises(BillingError, match="archived"):
        B.subscribe(store, "Ana", "Por MB", since=june.start + DAY)
    with pytest.raises(BillingError, match="archived"):
        B.sell_pack(store, "Ana", "1 GB")
    assert [p.name for p in B.list_plans(store, include_archived=False)] == []
    result = B.close_month(store, "2025-06", now=june.end + DAY)
    assert [i["total_cents"] for i in result.issued] == [3000]  # 30 MB at 1 CUP
    assert not B.archive_plan(store, "1 GB", archived=False).archived
    B.sell_pack(store, "Ana", "1 GB")


def test_payments_list_and_customer_history(store, havana):  # noqa: F811
    june = Period.month("2025-06")
    write_usage(store, PHONE, daily(june.start, 3, 9 * 3600, 10, MB), clock=june.end + DAY)
    B.add_customer(store, "Ana", currency="CUP")
    B.assign_device(store, PHONE, "Ana", since=june.start)
    B.add_plan(store, "Por MB", "per_mb", tiers=(Tier(None, D(1)),))
    B.add_plan(store, "1 h", "pack", price=D(25), allowance_seconds=3600, validity_seconds=DAY)
    B.subscribe(store, "Ana", "Por MB", since=june.start)
    B.sell_pack(store, "Ana", "1 h", at=june.start + 5 * DAY)
    B.close_month(store, "2025-06", now=june.end + DAY)  # 30 + 25 = 55 CUP
    B.set_rate(store, "USD", D(400), "2025-07-01")
    B.record_payment(store, amount=D(20), method="cash", invoice=1, at=june.end + DAY)
    B.record_payment(
        store,
        amount=D("0.05"),
        currency="USD",
        method="transfermovil",
        reference="TM1",
        invoice=1,
        at=june.end + DAY,
    )
    B.issue_credit_note(store, 1, D(5), "cobro doble", now=june.end + 2 * DAY)
    pays = B.list_payments(store, "Ana")
    assert [(p["amount"], p["currency"], p["applied"], p["invoice"]) for p in pays] == [
        ("20.00", "CUP", "20.00", 1),
        ("0.05", "USD", "20.00", 1),
    ]
    assert B.list_payments(store, invoice="1") == pays
    h = B.customer_history(store, "Ana")
    assert [(d["document"], d["total"]) for d in h["documents"]] == [
        ("F-000001", "55.00"),
        ("R-000001", "-5.00"),
    ]
    assert h["documents"][1]["refers_to"] == 1 and h["documents"][1]["reason"] == "cobro doble"
    assert [k["plan"] for k in h["packs"]] == ["1 h"]
    assert h["packs"][0]["valid_until"] == june.start + 6 * DAY
    assert [s["plan"] for s in h["subscriptions"]] == ["Por MB"]
    assert [(b["currency"], b["balance"]) for b in h["balances"]] == [("CUP", "10")]
    with pytest.raises(BillingError, match="unknown customer"):
        B.customer_history(store, "Nadie")


def test_the_commands(store, havana, capsys):  # noqa: F811
    db = monitoring.database_path(store)

    def ok(*argv):
        code = main([*argv, "--db", db])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    B.add_customer(store, "Ana")
    ok(
        "plans",
        "add",
        "Plana",
        "--kind",
        "flat",
        "--price",
        "500",
        "--cap",
        "10GB",
        "--overage",
        "1",
    )
    out = ok("plans", "edit", "Plana", "--price", "450,50", "--cap", "20GB", "--json")
    plan = json.loads(out)
    assert plan["price"] == "450.5" and plan["cap_bytes"] == 20 * 10**9
    ok("subscribe", "--customer", "Ana", "--plan", "Plana", "--from", "2025-06-01")
    code = main(["plans", "edit", "Plana", "--price", "400", "--db", db])
    _, err = capsys.readouterr()
    assert code == 2 and "already in use" in err and "Traceback" not in err
    assert "offered no more" in ok("plans", "archive", "Plana")
    assert "(archived)" in ok("plans", "list")
    assert json.loads(ok("plans", "archive", "Plana", "--undo", "--json"))["archived"] is False
    assert json.loads(ok("payments", "list", "--json")) == []
    ok("pay", "--customer", "Ana", "--amount", "100", "--method", "cash")
    assert "100.00 CUP" in ok("payments", "list", "--customer", "Ana")
    hist = json.loads(ok("customers", "history", "Ana", "--json"))
    assert hist["customer"]["name"] == "Ana" and len(hist["payments"]) == 1
    assert "Plana from 2025-06-01" in ok("customers", "history", "Ana")
