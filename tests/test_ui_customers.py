# ruff: noqa: F811 - the fixtures imported from conftest_ui are parameters here
"""The Customers screen with pytest-qt on a fresh database, the worker synchronous."""

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
from PySide6.QtWidgets import QMessageBox

from hotspot_manager import billing
from hotspot_manager.store import Store
from hotspot_manager.ui import i18n
from hotspot_manager.ui.customers import (
    AssignDialog,
    CustomerDialog,
    CustomersModel,
    CustomersScreen,
    fmt_money,
)


@pytest.fixture(autouse=True)
def _english(qapp):
    i18n.install_language("en")
    yield
    i18n.install_language("en")


@pytest.fixture
def warnings(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: seen.append(text))
    return seen


@pytest.fixture
def screen(qtbot, worker, traffic):
    s = CustomersScreen(worker, clock=lambda: traffic.now)
    qtbot.addWidget(s)
    s.show()
    return s


def cells(model, col):
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def test_money_is_exact_decimal_text_with_the_code():
    assert fmt_money(Decimal("1234.5"), "CUP") == "1,234.50 CUP"
    assert fmt_money(Decimal("0.1") + Decimal("0.2"), "USD") == "0.30 USD"
    assert fmt_money("-3", "MLC") == "-3.00 MLC"


def test_create_edit_and_list_a_customer(screen, warnings, db_path):
    assert screen.model.rowCount() == 0 and screen.empty.isVisibleTo(screen)
    dlg = CustomerDialog(parent=screen)
    dlg.name.setText("Ana Pérez")
    dlg.phone.setText("+53 5 123 4567")
    dlg.notes.setPlainText("Calle 10")
    dlg.currency.setCurrentText("MLC")
    dlg.language.setCurrentIndex(1)
    screen.create_customer(dlg.values())
    assert not warnings
    assert cells(screen.model, CustomersModel.NAME) == ["Ana Pérez"]
    assert cells(screen.model, CustomersModel.CURRENCY) == ["MLC"]
    assert cells(screen.model, CustomersModel.BALANCE) == ["0.00 MLC"]
    assert cells(screen.model, CustomersModel.DEVICES) == ["0"]
    assert screen.selected_customer()["name"] == "Ana Pérez"
    with Store.open(db_path) as store:
        (c,) = billing.list_customers(store)
    assert (c["phone"], c["notes"], c["language"]) == ("+53 5 123 4567", "Calle 10", "en")

    edit = CustomerDialog(screen.selected_customer(), parent=screen)
    assert edit.name.text() == "Ana Pérez" and edit.language.currentData() == "en"
    edit.phone.setText("555")
    screen.save_customer(c["id"], edit.values())
    assert cells(screen.model, CustomersModel.PHONE) == ["555"]


def test_refusals_are_shown_not_raised(screen, warnings):
    screen.create_customer({"name": "Beto", "phone": "", "notes": "", "currency": "CUP",
                            "language": "es"})  # fmt: skip
    screen.create_customer({"name": "beto", "phone": "", "notes": "", "currency": "CUP",
                            "language": "es"})  # fmt: skip
    screen.create_customer({"name": "  ", "phone": "", "notes": "", "currency": "CUP",
                            "language": "es"})  # fmt: skip
    assert len(warnings) == 2
    assert "already a customer" in warnings[0]
    assert "needs a name" in warnings[1]
    assert screen.model.rowCount() == 1


def test_assign_a_device(screen, warnings, db_path, traffic):
    screen.create_customer({"name": "Carla", "phone": "", "notes": "", "currency": "CUP",
                            "language": "es"})  # fmt: skip
    c = screen.selected_customer()
    from hotspot_manager.ui.devices import read_devices

    with Store.open(db_path) as store:
        devices = read_devices(store, traffic.now)
    dlg = AssignDialog(c, devices, parent=screen)
    dlg.device.setCurrentIndex(dlg.device.findData(XIAOMI))
    assert dlg.mac() == XIAOMI
    screen.assign(c["id"], dlg.mac(), traffic.now - 3600)
    screen.assign(c["id"], APPLE, traffic.now - 3600)
    screen.assign(c["id"], "not a mac", traffic.now - 3600)
    assert len(warnings) == 1 and warnings[0].startswith("Not assigned")
    assert cells(screen.model, CustomersModel.DEVICES) == ["2"]
    with Store.open(db_path) as store:
        macs = {a["mac"] for a in billing.list_assignments(store, c["id"])}
    assert macs == {XIAOMI, APPLE}


def test_a_new_customer_starts_in_the_business_main_currency(
    qtbot, worker, traffic, db_path, monkeypatch
):
    from hotspot_manager.ui.settings import CURRENCY_KEY

    with Store.open(db_path) as store:
        store.set_setting(CURRENCY_KEY, "USD")  # chosen at first run or in Settings
    s = CustomersScreen(worker, clock=lambda: traffic.now)
    qtbot.addWidget(s)
    s.show()
    qtbot.waitUntil(lambda: s.main_currency == "USD")
    shown = []  # the dialog as the operator would see it, then cancelled
    monkeypatch.setattr(CustomerDialog, "exec", lambda d: shown.append(d.currency.currentText()))
    s.new_customer()
    assert shown == ["USD"]
