"""Customers: who they are, their plan, their balance and their devices.

Reads and writes go through the billing API (``billing.list_customers``, ``balances``,
``add_customer``, ``edit_customer``, ``assign_device``) on the store worker; a refused
change (``BillingError``) is shown in a message box, never as a traceback.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hotspot_manager import billing
from hotspot_manager.billing.money import CURRENCIES, format_amount

from .devices import read_devices
from .i18n import locale
from .settings import CURRENCY_KEY
from .widgets import ok_cancel


def fmt_money(amount: Decimal | str, currency: str) -> str:
    """Exact Decimal text (two decimals, no float) with the locale's marks and the code."""
    text = format_amount(Decimal(amount))  # "1,234.50": comma groups, point decimals
    loc = locale()
    point, group = loc.decimalPoint(), loc.groupSeparator()
    text = text.replace(",", "\x00").replace(".", point).replace("\x00", group)
    return f"{text} {currency}"


def error_text(exc: BaseException) -> str:
    """One line for the operator: the billing API's own message, else the error's text."""
    return str(exc) or type(exc).__name__


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of dicts; subclasses name their columns and cells."""

    RIGHT: tuple[int, ...] = ()

    def __init__(self, headers: list[str], parent=None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self._headers = headers

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def cell(self, row: dict[str, Any], col: int) -> str:
        raise NotImplementedError

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(self.rows[index.row()], index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()


def read_customers(store) -> list[dict[str, Any]]:
    owed: dict[int, list[tuple[Decimal, str]]] = {}
    for b in billing.balances(store):
        owed.setdefault(b["customer_id"], []).append((Decimal(b["balance"]), b["currency"]))
    return [{**c, "balances": owed.get(c["id"], [])} for c in billing.list_customers(store)]


class CustomersModel(RowsModel):
    NAME, PHONE, CURRENCY, PLAN, BALANCE, DEVICES = range(6)
    RIGHT = (BALANCE, DEVICES)

    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                self.tr("Name"),
                self.tr("Phone"),
                self.tr("Currency"),
                self.tr("Plan"),
                self.tr("Balance"),
                self.tr("Devices"),
            ],
            parent,
        )

    def cell(self, c: dict[str, Any], col: int) -> str:
        if col == self.NAME:
            return c["name"]
        if col == self.PHONE:
            return c["phone"] or "–"
        if col == self.CURRENCY:
            return c["currency"]
        if col == self.PLAN:
            return c["plan"] or "–"
        if col == self.BALANCE:
            if not c["balances"]:
                return fmt_money(Decimal(0), c["currency"])
            return "; ".join(fmt_money(a, cur) for a, cur in c["balances"])
        return str(len(c["devices"]))


class CustomerDialog(QDialog):
    """Name, phone, notes, preferred currency and language of a customer."""

    def __init__(
        self, customer: dict[str, Any] | None = None, parent=None, currency: str = "CUP"
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit customer") if customer else self.tr("New customer"))
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.phone = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(70)
        self.currency = QComboBox()
        self.currency.addItems(list(CURRENCIES))
        self.currency.setCurrentText(currency)  # a new customer: the business's main currency
        self.language = QComboBox()
        self.language.addItem(self.tr("Spanish (es)"), "es")
        self.language.addItem(self.tr("English (en)"), "en")
        if customer:
            self.name.setText(customer["name"])
            self.phone.setText(customer["phone"] or "")
            self.notes.setPlainText(customer["notes"] or "")
            self.currency.setCurrentText(customer["currency"])
            self.language.setCurrentIndex(max(0, self.language.findData(customer["language"])))
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Phone"), self.phone)
        form.addRow(self.tr("Notes"), self.notes)
        form.addRow(self.tr("Currency"), self.currency)
        form.addRow(self.tr("Language of the bills"), self.language)
        form.addRow(ok_cancel(self))

    def values(self) -> dict[str, str]:
        return {
            "name": self.name.text(),
            "phone": self.phone.text(),
            "notes": self.notes.toPlainText(),
            "currency": self.currency.currentText(),
            "language": self.language.currentData(),
        }


class AssignDialog(QDialog):
    """A device seen by the store, and the day from which it is the customer's."""

    def __init__(self, customer: dict[str, Any], devices: list[dict], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Assign a device to %1").replace("%1", customer["name"]))
        form = QFormLayout(self)
        self.device = QComboBox()
        for d in devices:
            label = d["name"] or d["hostname"] or d["vendor"] or ""
            self.device.addItem(f"{label}  {d['mac']}".strip(), d["mac"])
        self.since = QDateEdit(QDate.currentDate())
        self.since.setCalendarPopup(True)
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("From"), self.since)
        form.addRow(ok_cancel(self))

    def mac(self) -> str | None:
        return self.device.currentData()

    def since_epoch(self) -> int:
        return int(QDateTime(self.since.date(), QTime(0, 0)).toSecsSinceEpoch())


class CustomersScreen(QWidget):
    def __init__(self, worker, parent=None, clock=time.time) -> None:
        super().__init__(parent)
        self.worker = worker
        self.clock = clock
        self.pending_select: int | None = None
        self.main_currency = "CUP"  # the business's (Settings), read with the customers
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 12)
        bar = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New customer…"))
        self.new_button.clicked.connect(self.new_customer)
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.assign_button = QPushButton(self.tr("Assign device…"))
        self.assign_button.clicked.connect(self.assign_selected)
        self.plan_button = QPushButton(self.tr("Set plan…"))
        self.plan_button.clicked.connect(self.subscribe_selected)
        self.pack_button = QPushButton(self.tr("Sell pack…"))
        self.pack_button.clicked.connect(self.sell_pack_selected)
        self.history_button = QPushButton(self.tr("History…"))
        self.history_button.clicked.connect(self.history_selected)
        self.customer_buttons = (
            self.edit_button,
            self.assign_button,
            self.plan_button,
            self.pack_button,
            self.history_button,
        )
        for b in (self.new_button, *self.customer_buttons):
            bar.addWidget(b)
        bar.addStretch(1)
        self.plans_button = QPushButton(self.tr("Plans and packs…"))
        self.plans_button.clicked.connect(self.open_plans)
        self.rates_button = QPushButton(self.tr("Exchange rates…"))
        self.rates_button.clicked.connect(self.open_rates)
        bar.addWidget(self.plans_button)
        bar.addWidget(self.rates_button)
        lay.addLayout(bar)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        self.model = CustomersModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(CustomersModel.PLAN, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.doubleClicked.connect(lambda *_: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(self._selected)
        lay.addWidget(self.table, 1)
        self.empty = QLabel(self.tr("No customers yet. Add one with New customer."))
        self.empty.setObjectName("muted")
        self.empty.setVisible(False)
        lay.addWidget(self.empty)
        lay.addWidget(self.count_label)
        self._selected()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        self.worker.submit(
            lambda store: (read_customers(store), store.get_setting(CURRENCY_KEY) or "CUP"),
            self._loaded,
            self._failed,
            key="customers",
        )

    def _loaded(self, result: tuple[list[dict], str]) -> None:
        rows, self.main_currency = result
        selected = self.selected_customer()
        pick = self.pending_select or (selected["id"] if selected else None)
        self.pending_select = None
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("%n customer(s)", "", len(rows)))
        self.empty.setVisible(not rows)
        if pick is not None:
            self.select_customer(pick)
        self._selected()

    def _selected(self, *_: object) -> None:
        has = self.selected_customer() is not None
        for b in self.customer_buttons:
            b.setEnabled(has)

    def selected_customer(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def select_customer(self, customer_id: int) -> None:
        for i, r in enumerate(self.model.rows):
            if r["id"] == customer_id:
                self.table.selectRow(i)

    def _failed(self, exc: BaseException) -> None:
        self.warn(self.tr("Customers"), error_text(exc))

    def warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    # ------------------------------------------------------------------ actions

    def new_customer(self) -> None:
        dlg = CustomerDialog(parent=self, currency=self.main_currency)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.create_customer(dlg.values())

    def create_customer(self, values: dict[str, str]) -> None:
        v = dict(values)
        name = v.pop("name")
        self.worker.submit(
            lambda store: billing.add_customer(store, name, now=int(self.clock()), **v),
            self._added,
            lambda exc: self.warn(
                self.tr("New customer"),
                self.tr("Not added: %1").replace("%1", error_text(exc)),
            ),
        )

    def _added(self, customer_id: int) -> None:
        self.pending_select = customer_id
        self.refresh()

    def edit_selected(self) -> None:
        c = self.selected_customer()
        if c is None:
            return
        dlg = CustomerDialog(c, parent=self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.save_customer(c["id"], dlg.values())

    def save_customer(self, customer_id: int, values: dict[str, str]) -> None:
        self.worker.submit(
            lambda store: billing.edit_customer(store, customer_id, **values),
            lambda _c: self.refresh(),
            lambda exc: self.warn(
                self.tr("Edit customer"),
                self.tr("Not saved: %1").replace("%1", error_text(exc)),
            ),
        )

    def assign_selected(self) -> None:
        c = self.selected_customer()
        if c is None:
            return
        now = int(self.clock())
        self.worker.submit(
            lambda store: read_devices(store, now),
            lambda devices: self._ask_device(c, devices),
            self._failed,
        )

    def _ask_device(self, customer: dict, devices: list[dict]) -> None:
        if not devices:
            self.warn(
                self.tr("Assign device"),
                self.tr("No device has been seen yet. Devices appear once the agent counts."),
            )
            return
        dlg = AssignDialog(customer, devices, parent=self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.mac():
            self.assign(customer["id"], dlg.mac(), dlg.since_epoch())

    def assign(self, customer_id: int, mac: str, since: int) -> None:
        self.worker.submit(
            lambda store: billing.assign_device(store, mac, customer_id, since=since),
            lambda _a: self.refresh(),
            lambda exc: self.warn(
                self.tr("Assign device"),
                self.tr("Not assigned: %1").replace("%1", error_text(exc)),
            ),
        )

    # ------------------------------------------------------------------ plans, packs, rates

    def open_plans(self) -> None:
        from .plans import PlansDialog

        PlansDialog(self.worker, parent=self).exec()
        self.refresh()

    def open_rates(self) -> None:
        from .plans import RatesDialog

        RatesDialog(self.worker, parent=self).exec()

    def subscribe_selected(self) -> None:
        c = self.selected_customer()
        if c is not None:
            self.worker.submit(
                billing.list_plans, lambda plans: self._ask_plan(c, plans), self._failed
            )

    def _ask_plan(self, customer: dict, plans) -> None:
        from .plans import SubscribeDialog

        if not any(p.kind != "pack" and not p.archived for p in plans):
            self.warn(self.tr("Set plan"), self.tr("No plan to offer yet: add one in Plans."))
            return
        dlg = SubscribeDialog(customer, plans, parent=self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.plan_id():
            self.subscribe(customer["id"], dlg.plan_id(), dlg.since_epoch())

    def subscribe(self, customer_id: int, plan_id: int, since: int) -> None:
        self.worker.submit(
            lambda store: billing.subscribe(store, customer_id, plan_id, since=since),
            lambda _s: self.refresh(),
            lambda exc: self.warn(
                self.tr("Set plan"), self.tr("Not changed: %1").replace("%1", error_text(exc))
            ),
        )

    def sell_pack_selected(self) -> None:
        c = self.selected_customer()
        if c is not None:
            self.worker.submit(
                billing.list_plans, lambda plans: self._ask_pack(c, plans), self._failed
            )

    def _ask_pack(self, customer: dict, plans) -> None:
        from .plans import SellPackDialog

        if not any(p.kind == "pack" and not p.archived for p in plans):
            self.warn(self.tr("Sell pack"), self.tr("No pack to sell yet: add one in Plans."))
            return
        dlg = SellPackDialog(customer, plans, parent=self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.plan_id():
            self.sell_pack(customer["id"], dlg.plan_id(), dlg.at_epoch())

    def sell_pack(self, customer_id: int, plan_id: int, at: int) -> None:
        self.worker.submit(
            lambda store: billing.sell_pack(store, customer_id, plan_id, at=at),
            self._sold,
            lambda exc: self.warn(
                self.tr("Sell pack"), self.tr("Not sold: %1").replace("%1", error_text(exc))
            ),
        )

    def _sold(self, sale: dict) -> None:
        self.last_sale = sale
        self.refresh()

    def history_selected(self) -> None:
        c = self.selected_customer()
        if c is not None:
            self.worker.submit(
                lambda store: billing.customer_history(store, c["id"]),
                self.show_history,
                self._failed,
            )

    def show_history(self, history: dict) -> None:
        from .plans import HistoryDialog

        self.history_dialog = HistoryDialog(history, parent=self)
        self.history_dialog.exec()
