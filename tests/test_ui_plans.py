# ruff: noqa: F811 - the fixtures imported from conftest_ui are parameters here
"""Plans, exchange rates, a customer's plan, pack sales and history from the Customers
screen, and assigning from the Devices screen: real widgets, a real temporary store, the
worker synchronous; every action checked in the store through the billing API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest_ui import (  # noqa: F401 - fixtures
    APPLE,
    XIAOMI,
    _no_real_home,
    db_path,
    now,
    traffic,
    worker,
)
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from hotspot_manager import billing
from hotspot_manager.store import Store
from hotspot_manager.ui import i18n
from hotspot_manager.ui.customers import CustomersScreen
from hotspot_manager.ui.devices import AssignToCustomerDialog, DevicesScreen
from hotspot_manager.ui.plans import (
    HistoryDialog,
    PlanDialog,
    PlansDialog,
    PlansModel,
    RatesDialog,
    SellPackDialog,
    SubscribeDialog,
)

GB = 10**9


@pytest.fixture(autouse=True)
def _english(qapp):
    i18n.install_language("en")
    yield
    i18n.install_language("en")


@pytest.fixture
def warnings(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: seen.append(text))
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a: seen.append(text))
    return seen


@pytest.fixture
def screen(qtbot, worker, traffic, db_path):
    with Store.open(db_path) as store:
        billing.add_customer(store, "Ana")
    s = CustomersScreen(worker, clock=lambda: traffic.now)
    qtbot.addWidget(s)
    s.show()
    s.select_customer(1)
    return s


def plans_in(db_path):
    with Store.open(db_path) as store:
        return {p.name: p for p in billing.list_plans(store)}


def fill_plan(dlg: PlanDialog, **texts) -> None:
    for key, value in texts.items():
        widget = getattr(dlg, key)
        if key == "kind":
            widget.setCurrentIndex(widget.findData(value))
        elif key == "currency":
            widget.setCurrentText(value)
        else:
            widget.setText(value)


def test_create_edit_and_archive_plans(qtbot, worker, db_path, warnings, traffic):
    d = PlansDialog(worker)
    qtbot.addWidget(d)
    new = PlanDialog(parent=d)
    fill_plan(new, name="Plana 10 GB", kind="flat", price="500,00", cap="10GB", overage="0.10")
    assert new.form.isRowVisible(new.cap) and not new.form.isRowVisible(new.time)
    d.save(None, "flat", new.values())
    pack = PlanDialog(parent=d)
    fill_plan(pack, name="1 h 20 min", kind="pack", price="25", time="1h20m", validity="2d")
    assert pack.form.isRowVisible(pack.validity) and not pack.form.isRowVisible(pack.cap)
    d.save(None, "pack", pack.values())
    tiers = PlanDialog(parent=d)
    fill_plan(tiers, name="Por MB", kind="per_mb", price="1000:0.50,*:0.30")
    d.save(None, "per_mb", tiers.values())
    assert not warnings
    got = plans_in(db_path)
    flat = got["Plana 10 GB"]
    assert (flat.price, flat.cap_bytes, flat.overage_per_mb) == (
        Decimal("500.00"),
        10 * GB,
        Decimal("0.10"),
    )
    assert got["1 h 20 min"].allowance_seconds == 4800
    assert got["1 h 20 min"].validity_seconds == 2 * 86400
    assert [t.up_to_bytes for t in got["Por MB"].tiers] == [1000 * 10**6, None]
    names = [d.model.data(d.model.index(r, PlansModel.NAME)) for r in range(d.model.rowCount())]
    assert names == ["Plana 10 GB", "1 h 20 min", "Por MB"]
    terms = d.model.data(d.model.index(0, PlansModel.TERMS))
    assert terms == "500.00 CUP per month, 10.0 GB included, then 0.10 CUP/MB"

    # edit: the form comes back with the stored terms, exactly
    d.table.selectRow(0)
    again = PlanDialog(d.selected(), parent=d)
    assert (again.price.text(), again.cap.text(), again.overage.text()) == (
        "500.00",
        "10GB",
        "0.10",
    )
    assert not again.kind.isEnabled()
    values = again.values()
    values["price"] = "450.50"
    d.save(flat.id, "flat", values)
    assert plans_in(db_path)["Plana 10 GB"].price == Decimal("450.50")

    # bad input: one line, nothing saved
    bad = PlanDialog(parent=d)
    fill_plan(bad, name="Mala", kind="flat", price="12,5x")
    d.save(None, "flat", bad.values())
    assert len(warnings) == 1 and warnings[0].startswith("Not saved: bad price")
    assert "Mala" not in plans_in(db_path)

    # in use: its terms are fixed
    with Store.open(db_path) as store:
        billing.add_customer(store, "Ana")
        billing.subscribe(store, "Ana", "Plana 10 GB", since=traffic.now - 86400)
    values["price"] = "400"
    d.save(flat.id, "flat", values)
    assert "already in use" in warnings[-1]

    # archive, then offer again
    d.table.selectRow(0)
    assert d.archive_button.text() == "Archive"
    d.toggle_archived()
    assert plans_in(db_path)["Plana 10 GB"].archived
    assert d.model.data(d.model.index(0, PlansModel.STATE)) == "archived"
    assert d.archive_button.text() == "Offer again"
    d.toggle_archived()
    assert not plans_in(db_path)["Plana 10 GB"].archived


def test_set_plan_sell_pack_and_history(screen, db_path, warnings, traffic):
    with Store.open(db_path) as store:
        billing.add_plan(store, "Plana", "flat", price=Decimal(500))
        billing.add_plan(store, "Vieja", "flat", price=Decimal(400))
        billing.archive_plan(store, "Vieja")
        billing.add_plan(
            store, "1 GB", "pack", price=Decimal(100), allowance_bytes=GB, validity_seconds=86400
        )
        plans = billing.list_plans(store)
    c = screen.selected_customer()
    dlg = SubscribeDialog(c, plans, parent=screen)
    assert [dlg.plan.itemText(i) for i in range(dlg.plan.count())] == ["Plana"]  # no archived
    dlg.since.setDate(QDate.currentDate().addDays(-3))
    screen.subscribe(c["id"], dlg.plan_id(), dlg.since_epoch())
    assert screen.selected_customer()["plan"] == "Plana"
    sell = SellPackDialog(c, plans, parent=screen)
    assert [sell.plan.itemText(i) for i in range(sell.plan.count())] == ["1 GB"]
    screen.sell_pack(c["id"], sell.plan_id(), traffic.now - 60)
    assert screen.last_sale["plan"] == "1 GB" and screen.last_sale["price"] == "100"
    assert not warnings
    # refused by billing: selling a rate plan as a pack
    screen.sell_pack(c["id"], plans[0].id, traffic.now)
    assert warnings == ["Not sold: 'Plana' is not a pack (subscribe to it instead)"]
    with Store.open(db_path) as store:
        packs = billing.customer_history(store, c["id"])["packs"]
    assert [(k["plan"], k["sold_at"]) for k in packs] == [("1 GB", traffic.now - 60)]

    shown: list[HistoryDialog] = []
    QTimer.singleShot(
        0, lambda: (shown.append(QApplication.activeModalWidget()), shown[0].reject())
    )
    screen.history_selected()
    h = screen.history_dialog
    assert h.windowTitle() == "History of Ana"
    assert h.tabs.tabText(2) == "Packs (1)" and h.tabs.tabText(3) == "Plans (1)"
    assert h.packs.data(h.packs.index(0, 1)) == "1 GB"
    assert h.packs.data(h.packs.index(0, 2)) == "100.00 CUP"
    assert h.plans.data(h.plans.index(0, 2)) == "open"
    assert h.balance.text() == "Balance: 0.00 CUP"


def test_exchange_rates(qtbot, worker, db_path, warnings, traffic):
    d = RatesDialog(worker)
    qtbot.addWidget(d)
    d.currency.setCurrentText("USD")
    d.rate.setText("400,5")
    d.date.setDate(QDate(2026, 11, 15))
    d.set_rate()
    assert not warnings and d.rate.text() == ""
    assert [d.model.data(d.model.index(0, c)) for c in range(3)] == [
        "2026-11-15",
        "USD",
        "400.50",
    ]
    d.rate.setText("-3")
    d.set_rate()
    assert warnings and warnings[0].startswith("Not set: ")
    with Store.open(db_path) as store:
        assert billing.list_rates(store) == [
            {"currency": "USD", "valid_from": "2026-11-15", "cup_per_unit": "400.5"}
        ]


def test_the_plans_button_opens_the_dialog(screen, qtbot):
    seen = []

    def close():
        w = QApplication.activeModalWidget()
        seen.append(w)
        w.reject()

    QTimer.singleShot(0, close)
    screen.open_plans()
    assert isinstance(seen[0], PlansDialog)


def test_assign_from_the_devices_screen(qtbot, worker, db_path, traffic, warnings):
    with Store.open(db_path) as store:
        billing.add_customer(store, "Ana")
        billing.add_customer(store, "Beto")
    s = DevicesScreen(worker, clock=lambda: traffic.now)
    qtbot.addWidget(s)
    s.show()
    assert s.model.rowCount() > 0  # read on show (the worker is synchronous)
    row = next(i for i, d in enumerate(s.model.rows) if d["mac"] == XIAOMI)
    s.select_device(s.model.rows[row]["id"])
    assert s.assign_button.isEnabled()
    with Store.open(db_path) as store:
        customers = billing.list_customers(store)
    dlg = AssignToCustomerDialog("Xiaomi", customers)
    qtbot.addWidget(dlg)
    dlg.customer.setCurrentIndex(1)
    dlg.since.setDate(QDate.currentDate())
    s.assign(XIAOMI, dlg.customer_id(), dlg.since_epoch())
    assert not warnings
    with Store.open(db_path) as store:
        (a,) = billing.list_assignments(store)
    assert (a["mac"], a["customer"], a["valid_from"]) == (XIAOMI, "Beto", dlg.since_epoch())
    # the owner column shows it after the refresh
    row = next(d for d in s.model.rows if d["mac"] == XIAOMI)
    assert row["owner"] == "Beto"
    s.assign("not-a-mac", 1, 0)
    assert warnings and warnings[0].startswith("Not assigned: not a MAC address")


def test_a_new_plan_starts_in_the_business_main_currency(qtbot, worker, db_path, monkeypatch):
    from hotspot_manager.store import Store
    from hotspot_manager.ui.plans import PlanDialog
    from hotspot_manager.ui.settings import CURRENCY_KEY

    db_path.parent.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path) as store:
        store.set_setting(CURRENCY_KEY, "MLC")
    d = PlansDialog(worker)
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: d.main_currency == "MLC")
    shown = []  # the dialog as the operator would see it, then cancelled
    monkeypatch.setattr(PlanDialog, "exec", lambda dlg: shown.append(dlg.currency.currentText()))
    d.new_plan()
    assert shown == ["MLC"]
