"""Plans, exchange rates, a customer's plan, pack sales and history: the dialogs the
Customers screen opens.

Every action calls the billing function the command line calls (``add_plan``,
``edit_plan``, ``archive_plan``, ``subscribe``, ``sell_pack``, ``set_rate``,
``customer_history``) as a job on the store worker. What the operator types (prices, sizes,
durations) goes to the billing parsers as text (``billing.parse``: ``12,50``, ``10GB``,
``1h20m``); never a float. A refusal (``BillingError``) is one line in a message box.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
)

from hotspot_manager import billing
from hotspot_manager.billing.model import ROUNDING
from hotspot_manager.billing.money import CURRENCIES, format_price, parse_stored

from .customers import RowsModel, error_text, fmt_money
from .i18n import fmt_bytes, fmt_date, fmt_datetime, fmt_duration
from .settings import CURRENCY_KEY
from .widgets import ok_cancel

KINDS = ("per_mb", "per_hour", "flat", "pack")


# ---------------------------------------------------------------------- jobs (no Qt)


def plan_changes(kind: str, v: dict[str, Any]) -> dict[str, Any]:
    """The typed texts of the plan form -> ``add_plan``/``edit_plan`` keyword arguments,
    parsed by billing's own parsers (a bad text raises ``BillingError``)."""
    from hotspot_manager.billing.parse import (
        parse_duration,
        parse_price,
        parse_size,
        parse_tiers,
    )

    def text(key: str) -> str:
        return (v.get(key) or "").strip()

    out: dict[str, Any] = {
        "name": v.get("name", ""),
        "currency": v["currency"],
        "outage_credit": bool(v.get("outage_credit", True)),
    }
    if kind == "per_mb":
        out["tiers"] = parse_tiers(text("price"))
    else:
        out["price"] = parse_price(text("price")) if text("price") else None
    if kind == "per_hour":
        out["rounding"] = v.get("rounding") or "minute"
    if kind == "flat" and text("cap"):
        out["cap_bytes"] = parse_size(text("cap"), "data included")
        out["overage_per_mb"] = (
            parse_price(text("overage"), "price per MB over it") if text("overage") else None
        )
    if kind == "pack":
        if text("time") and text("data"):
            raise billing.BillingError("a pack holds either time or data, not both")
        if text("time"):
            out["allowance_seconds"] = parse_duration(text("time"), "time included")
        if text("data"):
            out["allowance_bytes"] = parse_size(text("data"), "data included")
        out["validity_seconds"] = (
            parse_duration(text("validity"), "usable within") if text("validity") else None
        )
    return out


def save_plan(store, plan_id: int | None, kind: str, values: dict[str, Any]):
    args = plan_changes(kind, values)
    if plan_id is None:
        name = args.pop("name")
        return billing.add_plan(store, name, kind, **args)
    return billing.edit_plan(store, plan_id, **args).id


def size_text(n: int) -> str:
    """Bytes as the plan form shows them, exactly (the billing parser reads it back)."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n and n % factor == 0:
            return f"{n // factor}{unit}"
    return f"{n}B"


def duration_text(s: int) -> str:
    for unit, factor in (("d", 86400), ("h", 3600), ("min", 60)):
        if s and s % factor == 0:
            return f"{s // factor}{unit}"
    return f"{s}s"


def set_rate_job(store, currency: str, rate_text: str, date: str) -> None:
    from hotspot_manager.billing.parse import parse_price

    billing.set_rate(store, currency, parse_price(rate_text, "rate"), date)


# ---------------------------------------------------------------------- plans


class PlansModel(RowsModel):
    NAME, KIND, TERMS, OUTAGES, STATE = range(5)

    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                self.tr("Name"),
                self.tr("Kind"),
                self.tr("Terms"),
                self.tr("Outage credit"),
                self.tr("State"),
            ],
            parent,
        )

    def kind_name(self, kind: str) -> str:
        return {
            "per_mb": self.tr("Per MB"),
            "per_hour": self.tr("Per hour"),
            "flat": self.tr("Monthly flat rate"),
            "pack": self.tr("Prepaid pack"),
        }.get(kind, kind)

    def terms(self, p) -> str:
        c = p.currency
        if p.kind == "per_mb":
            parts = []
            below = 0
            for t in p.tiers:
                price = self.tr("%1 %2/MB").replace("%1", format_price(t.price_per_mb))
                price = price.replace("%2", c)
                if t.up_to_bytes is not None:
                    price += " " + self.tr("(up to %1)").replace("%1", fmt_bytes(t.up_to_bytes))
                elif below:
                    price += " " + self.tr("(over %1)").replace("%1", fmt_bytes(below))
                below = t.up_to_bytes or below
                parts.append(price)
            return "; ".join(parts)
        if p.kind == "per_hour":
            return self.tr("%1 per hour").replace("%1", fmt_money(p.price, c))
        if p.kind == "flat":
            text = self.tr("%1 per month").replace("%1", fmt_money(p.price, c))
            if p.cap_bytes is not None:
                text += ", " + (
                    self.tr("%1 included, then %2 %3/MB")
                    .replace("%1", fmt_bytes(p.cap_bytes))
                    .replace("%2", format_price(p.overage_per_mb))
                    .replace("%3", c)
                )
            return text
        what = (
            fmt_duration(p.allowance_seconds)
            if p.allowance_seconds
            else fmt_bytes(p.allowance_bytes or 0)
        )
        return (
            self.tr("%1: %2 usable within %3")
            .replace("%1", fmt_money(p.price, c))
            .replace("%2", what)
            .replace("%3", fmt_duration(p.validity_seconds or 0))
        )

    def cell(self, p, col: int) -> str:
        if col == self.NAME:
            return p.name
        if col == self.KIND:
            return self.kind_name(p.kind)
        if col == self.TERMS:
            return self.terms(p)
        if col == self.OUTAGES:
            return self.tr("yes") if p.outage_credit else self.tr("no")
        return self.tr("archived") if p.archived else self.tr("offered")


class PlanDialog(QDialog):
    """The terms of a new plan, or of one nobody is on yet (a plan in use: its name)."""

    def __init__(self, plan=None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit plan") if plan else self.tr("New plan"))
        self.setMinimumWidth(460)
        self.form = QFormLayout(self)
        self.name = QLineEdit()
        self.kind = QComboBox()
        names = PlansModel(self)
        for k in KINDS:
            self.kind.addItem(names.kind_name(k), k)
        self.currency = QComboBox()
        self.currency.addItems(list(CURRENCIES))
        self.price = QLineEdit()
        self.rounding = QComboBox()
        for key, label in (
            ("second", self.tr("to the second")),
            ("minute", self.tr("to the started minute")),
            ("quarter", self.tr("to the started quarter hour")),
        ):
            assert key in ROUNDING
            self.rounding.addItem(label, key)
        self.rounding.setCurrentIndex(1)
        self.cap = QLineEdit()
        self.cap.setPlaceholderText(self.tr("e.g. 10GB; empty: no cap"))
        self.overage = QLineEdit()
        self.overage.setPlaceholderText(self.tr("e.g. 0.10"))
        self.time = QLineEdit()
        self.time.setPlaceholderText(self.tr("e.g. 1h20m"))
        self.data = QLineEdit()
        self.data.setPlaceholderText(self.tr("e.g. 1GB"))
        self.validity = QLineEdit()
        self.validity.setPlaceholderText(self.tr("e.g. 2d (at most 62 days)"))
        self.outage_credit = QCheckBox(self.tr("Credit uplink outages"))
        self.outage_credit.setChecked(True)
        self.form.addRow(self.tr("Name"), self.name)
        self.form.addRow(self.tr("Kind"), self.kind)
        self.form.addRow(self.tr("Currency"), self.currency)
        self.price_label = QLabel()
        self.form.addRow(self.price_label, self.price)
        self.form.addRow(self.tr("Rounding of each stretch online"), self.rounding)
        self.form.addRow(self.tr("Data included per month"), self.cap)
        self.form.addRow(self.tr("Price per MB over it"), self.overage)
        self.form.addRow(self.tr("Time included"), self.time)
        self.form.addRow(self.tr("Data included"), self.data)
        self.form.addRow(self.tr("Usable within"), self.validity)
        self.form.addRow("", self.outage_credit)
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.form.addRow(self.note)
        self.form.addRow(ok_cancel(self))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        if plan is not None:
            self.load(plan)
        self._kind_changed()

    def load(self, p) -> None:
        self.name.setText(p.name)
        self.kind.setCurrentIndex(self.kind.findData(p.kind))
        self.kind.setEnabled(False)  # a plan's kind never changes
        self.currency.setCurrentText(p.currency)
        if p.kind == "per_mb":
            parts = []
            for t in p.tiers:
                price = format_price(t.price_per_mb).replace(",", "")
                if t.up_to_bytes is None:
                    parts.append(price if len(p.tiers) == 1 else f"*:{price}")
                else:
                    parts.append(f"{size_text(t.up_to_bytes)}:{price}")
            self.price.setText(",".join(parts))
        elif p.price is not None:
            self.price.setText(format_price(p.price).replace(",", ""))
        self.rounding.setCurrentIndex(max(0, self.rounding.findData(p.rounding)))
        if p.cap_bytes is not None:
            self.cap.setText(size_text(p.cap_bytes))
        if p.overage_per_mb is not None:
            self.overage.setText(format_price(p.overage_per_mb).replace(",", ""))
        if p.allowance_seconds:
            self.time.setText(duration_text(p.allowance_seconds))
        if p.allowance_bytes:
            self.data.setText(size_text(p.allowance_bytes))
        if p.validity_seconds:
            self.validity.setText(duration_text(p.validity_seconds))
        self.outage_credit.setChecked(p.outage_credit)
        self.note.setText(
            self.tr(
                "Once customers are on a plan (or a pack is sold) only its name can change: "
                "for new terms add a new plan and move the customers to it."
            )
        )

    def _kind_changed(self, *_: object) -> None:
        kind = self.kind.currentData()
        labels = {
            "per_mb": self.tr("Price per MB (or tiers: 1000:0.50,*:0.30)"),
            "per_hour": self.tr("Price per hour"),
            "flat": self.tr("Monthly fee"),
            "pack": self.tr("Price of the pack"),
        }
        self.price_label.setText(labels[kind])
        shown = {
            self.rounding: kind == "per_hour",
            self.cap: kind == "flat",
            self.overage: kind == "flat",
            self.time: kind == "pack",
            self.data: kind == "pack",
            self.validity: kind == "pack",
        }
        for widget, visible in shown.items():
            self.form.setRowVisible(widget, visible)

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "currency": self.currency.currentText(),
            "price": self.price.text(),
            "rounding": self.rounding.currentData(),
            "cap": self.cap.text(),
            "overage": self.overage.text(),
            "time": self.time.text(),
            "data": self.data.text(),
            "validity": self.validity.text(),
            "outage_credit": self.outage_credit.isChecked(),
        }


class PlansDialog(QDialog):
    """Every plan and pack: new, edit, archive (offered no more) or offer again."""

    def __init__(self, worker, parent=None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.main_currency = "CUP"
        self.setWindowTitle(self.tr("Plans and packs"))
        self.resize(900, 420)
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New plan…"))
        self.new_button.clicked.connect(self.new_plan)
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.archive_button = QPushButton(self.tr("Archive"))
        self.archive_button.clicked.connect(self.toggle_archived)
        for b in (self.new_button, self.edit_button, self.archive_button):
            bar.addWidget(b)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.model = PlansModel(self)
        self.table = _table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(
            PlansModel.TERMS, QHeaderView.ResizeMode.Stretch
        )
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(lambda *_: self.edit_selected())
        lay.addWidget(self.table, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        lay.addWidget(close)
        self._selected()
        self.refresh()

    def refresh(self, select: int | None = None) -> None:
        self.worker.submit(
            lambda store: (billing.list_plans(store), store.get_setting(CURRENCY_KEY) or "CUP"),
            lambda got: self._loaded(*got, select),
            self._failed,
        )

    def _loaded(self, plans, currency: str, select: int | None) -> None:
        self.main_currency = currency
        chosen = select or (self.selected().id if self.selected() else None)
        self.model.set_rows(plans)
        for i, p in enumerate(plans):
            if p.id == chosen:
                self.table.selectRow(i)
        self._selected()

    def _failed(self, exc: BaseException) -> None:
        QMessageBox.warning(self, self.tr("Plans and packs"), error_text(exc))

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _selected(self, *_: object) -> None:
        p = self.selected()
        self.edit_button.setEnabled(p is not None)
        self.archive_button.setEnabled(p is not None)
        self.archive_button.setText(
            self.tr("Offer again") if p is not None and p.archived else self.tr("Archive")
        )

    def new_plan(self) -> None:
        dlg = PlanDialog(parent=self)
        dlg.currency.setCurrentText(self.main_currency)  # the business's main currency
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.save(None, dlg.kind.currentData(), dlg.values())

    def edit_selected(self) -> None:
        p = self.selected()
        if p is None:
            return
        dlg = PlanDialog(p, parent=self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.save(p.id, p.kind, dlg.values())

    def save(self, plan_id: int | None, kind: str, values: dict[str, Any]) -> None:
        self.worker.submit(
            lambda store: save_plan(store, plan_id, kind, values),
            lambda pid: self.refresh(pid),
            lambda exc: QMessageBox.warning(
                self,
                self.tr("Plans and packs"),
                self.tr("Not saved: %1").replace("%1", error_text(exc)),
            ),
        )

    def toggle_archived(self) -> None:
        p = self.selected()
        if p is None:
            return
        self.worker.submit(
            lambda store: billing.archive_plan(store, p.id, archived=not p.archived),
            lambda plan: self.refresh(plan.id),
            self._failed,
        )


# ---------------------------------------------------------------------- rates


class RatesModel(RowsModel):
    DATE, CURRENCY, RATE = range(3)
    RIGHT = (RATE,)

    def __init__(self, parent=None) -> None:
        super().__init__([self.tr("From"), self.tr("Currency"), self.tr("CUP per unit")], parent)

    def cell(self, r: dict[str, Any], col: int) -> str:
        if col == self.DATE:
            return r["valid_from"]
        if col == self.CURRENCY:
            return r["currency"]
        return format_price(parse_stored(r["cup_per_unit"]))


class RatesDialog(QDialog):
    """Dated exchange rates: from a day on, 1 MLC or USD = so many CUP."""

    def __init__(self, worker, parent=None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.setWindowTitle(self.tr("Exchange rates"))
        self.resize(520, 420)
        lay = QVBoxLayout(self)
        note = QLabel(
            self.tr(
                "A bill uses the rates in force on the last day of its month; a payment in "
                "another currency, those of the day it was received."
            )
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        lay.addWidget(note)
        self.model = RatesModel(self)
        self.table = _table(self.model, stretch=True)
        lay.addWidget(self.table, 1)
        form = QFormLayout()
        self.currency = QComboBox()
        self.currency.addItems(["USD", "MLC"])
        self.rate = QLineEdit()
        self.rate.setPlaceholderText(self.tr("CUP per unit, e.g. 400"))
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        form.addRow(self.tr("Currency"), self.currency)
        form.addRow(self.tr("Rate"), self.rate)
        form.addRow(self.tr("From"), self.date)
        lay.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.set_button = buttons.addButton(
            self.tr("Set rate"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.set_button.clicked.connect(self.set_rate)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.worker.submit(
            billing.list_rates, lambda rows: self.model.set_rows(list(reversed(rows)))
        )

    def set_rate(self) -> None:
        currency = self.currency.currentText()
        text = self.rate.text()
        date = self.date.date().toString("yyyy-MM-dd")
        self.worker.submit(
            lambda store: set_rate_job(store, currency, text, date),
            lambda _r: (self.rate.clear(), self.refresh()),
            lambda exc: QMessageBox.warning(
                self,
                self.tr("Exchange rates"),
                self.tr("Not set: %1").replace("%1", error_text(exc)),
            ),
        )


# ---------------------------------------------------------------------- customer's plan, packs


def _plan_combo(plans, kinds: tuple[str, ...]) -> QComboBox:
    box = QComboBox()
    for p in plans:
        if p.kind in kinds and not p.archived:
            box.addItem(p.name, p.id)
    return box


class SubscribeDialog(QDialog):
    """Put a customer on a rate plan from a day (a plan running then is cut back)."""

    def __init__(self, customer: dict[str, Any], plans, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Plan of %1").replace("%1", customer["name"]))
        form = QFormLayout(self)
        self.plan = _plan_combo(plans, ("per_mb", "per_hour", "flat"))
        self.since = QDateEdit(QDate.currentDate())
        self.since.setCalendarPopup(True)
        form.addRow(self.tr("Plan"), self.plan)
        form.addRow(self.tr("From"), self.since)
        note = QLabel(
            self.tr("The plan running on that day ends then; each plan bills its own days.")
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        form.addRow(note)
        form.addRow(ok_cancel(self))

    def plan_id(self) -> int | None:
        return self.plan.currentData()

    def since_epoch(self) -> int:
        return int(QDateTime(self.since.date(), QTime(0, 0)).toSecsSinceEpoch())


class SellPackDialog(QDialog):
    """Sell a prepaid pack: charged on the bill of the month of the sale."""

    def __init__(self, customer: dict[str, Any], plans, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sell a pack to %1").replace("%1", customer["name"]))
        form = QFormLayout(self)
        self.plan = _plan_combo(plans, ("pack",))
        self.at = QDateTimeEdit(QDateTime.currentDateTime())
        self.at.setCalendarPopup(True)
        form.addRow(self.tr("Pack"), self.plan)
        form.addRow(self.tr("Sold at"), self.at)
        form.addRow(ok_cancel(self))

    def plan_id(self) -> int | None:
        return self.plan.currentData()

    def at_epoch(self) -> int:
        return int(self.at.dateTime().toSecsSinceEpoch())


# ---------------------------------------------------------------------- history


class DocumentsModel(RowsModel):
    DOC, MONTH, ISSUED, TOTAL, DUE = range(5)
    RIGHT = (TOTAL, DUE)

    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                self.tr("Document"),
                self.tr("Month"),
                self.tr("Issued"),
                self.tr("Total"),
                self.tr("Amount due"),
            ],
            parent,
        )

    def cell(self, d: dict[str, Any], col: int) -> str:
        if col == self.DOC:
            return d["document"]
        if col == self.MONTH:
            if d["month"]:
                return d["month"]
            return (
                self.tr("credit on F-%1: %2")
                .replace("%1", f"{d['refers_to']:06d}")
                .replace("%2", d["reason"] or "")
            )
        if col == self.ISSUED:
            return fmt_date(d["issued_at"])
        if col == self.TOTAL:
            return fmt_money(Decimal(d["total"]), d["currency"])
        return fmt_money(Decimal(d["amount_due"]), d["currency"]) if d["series"] == "F" else "–"


class PaymentsModel(RowsModel):
    RECEIVED, AMOUNT, APPLIED, METHOD, INVOICE, REFERENCE = range(6)
    RIGHT = (AMOUNT, APPLIED)

    def __init__(self, parent=None) -> None:
        super().__init__(
            [
                self.tr("Received"),
                self.tr("Amount"),
                self.tr("Applied"),
                self.tr("Method"),
                self.tr("Invoice"),
                self.tr("Reference"),
            ],
            parent,
        )

    def cell(self, p: dict[str, Any], col: int) -> str:
        if col == self.RECEIVED:
            return fmt_datetime(p["received_at"])
        if col == self.AMOUNT:
            return fmt_money(Decimal(p["amount"]), p["currency"])
        if col == self.APPLIED:
            return fmt_money(Decimal(p["applied"]), p["ledger_currency"])
        if col == self.METHOD:
            return {
                "cash": self.tr("Cash"),
                "transfermovil": self.tr("Transfermóvil"),
                "enzona": self.tr("EnZona"),
                "other": self.tr("Other"),
            }.get(p["method"], p["method"])
        if col == self.INVOICE:
            return str(p["invoice"]) if p["invoice"] else self.tr("on account")
        return p["reference"] or "–"


class PacksModel(RowsModel):
    SOLD, PACK, PRICE, UNTIL = range(4)
    RIGHT = (PRICE,)

    def __init__(self, parent=None) -> None:
        super().__init__(
            [self.tr("Sold"), self.tr("Pack"), self.tr("Price"), self.tr("Valid until")], parent
        )

    def cell(self, k: dict[str, Any], col: int) -> str:
        if col == self.SOLD:
            return fmt_datetime(k["sold_at"])
        if col == self.PACK:
            return k["plan"]
        if col == self.PRICE:
            return fmt_money(Decimal(k["price"]), k["currency"])
        return fmt_datetime(k["valid_until"])


class SubscriptionsModel(RowsModel):
    PLAN, FROM, UNTIL = range(3)

    def __init__(self, parent=None) -> None:
        super().__init__([self.tr("Plan"), self.tr("From"), self.tr("Until")], parent)

    def cell(self, s: dict[str, Any], col: int) -> str:
        if col == self.PLAN:
            return s["plan"]
        if col == self.FROM:
            return fmt_date(s["valid_from"])
        return fmt_date(s["valid_until"]) if s["valid_until"] else self.tr("open")


class HistoryDialog(QDialog):
    """A customer's bills and credit notes, payments, packs and plans over time."""

    def __init__(self, history: dict[str, Any], parent=None) -> None:
        super().__init__(parent)
        c = history["customer"]
        self.setWindowTitle(self.tr("History of %1").replace("%1", c["name"]))
        self.resize(860, 480)
        lay = QVBoxLayout(self)
        owed = "; ".join(
            fmt_money(Decimal(b["balance"]), b["currency"]) for b in history["balances"]
        ) or fmt_money(Decimal(0), c["currency"])
        self.balance = QLabel(self.tr("Balance: %1").replace("%1", owed))
        self.balance.setObjectName("cardTitle")
        lay.addWidget(self.balance)
        self.tabs = QTabWidget()
        self.documents = DocumentsModel(self)
        self.documents.set_rows(history["documents"])
        self.payments = PaymentsModel(self)
        self.payments.set_rows(history["payments"])
        self.packs = PacksModel(self)
        self.packs.set_rows(history["packs"])
        self.plans = SubscriptionsModel(self)
        self.plans.set_rows(history["subscriptions"])
        for model, title in (
            (self.documents, self.tr("Bills (%1)")),
            (self.payments, self.tr("Payments (%1)")),
            (self.packs, self.tr("Packs (%1)")),
            (self.plans, self.tr("Plans (%1)")),
        ):
            table = _table(model, stretch=True)
            self.tabs.addTab(table, title.replace("%1", str(model.rowCount())))
        lay.addWidget(self.tabs, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        lay.addWidget(close)


def _table(model, stretch: bool = False) -> QTableView:
    t = QTableView()
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    t.verticalHeader().setVisible(False)
    mode = QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.ResizeToContents
    t.horizontalHeader().setSectionResizeMode(mode)
    t.setWordWrap(False)
    t.setTextElideMode(Qt.TextElideMode.ElideRight)
    return t


__all__ = [
    "HistoryDialog",
    "PlanDialog",
    "PlansDialog",
    "RatesDialog",
    "SellPackDialog",
    "SubscribeDialog",
    "plan_changes",
    "save_plan",
    "set_rate_job",
]
