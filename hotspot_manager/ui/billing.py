"""Billing: a month's preview, its close, its export, payments and outstanding balances.

Everything goes through the billing API on the store worker (``prepare_month``,
``close_month``, ``export_month``, ``record_payment``, ``balances``); a refused action
(``BillingError``) is shown in a message box, never as a traceback.
"""

from __future__ import annotations

import datetime as _dt
import time
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hotspot_manager import billing
from hotspot_manager.billing.model import PAYMENT_METHODS
from hotspot_manager.billing.money import CURRENCIES, parse_decimal

from .customers import RowsModel, error_text, fmt_money
from .widgets import ok_cancel


def previous_month(now: float) -> str:
    first = _dt.date.fromtimestamp(now).replace(day=1)
    return (first - _dt.timedelta(days=1)).strftime("%Y-%m")


def read_preview(store, month: str) -> dict[str, Any]:
    prepared = billing.prepare_month(store, billing.Period.month(month))
    rows = [
        {
            "customer": d.customer["name"],
            "total": d.rated.total,
            "currency": d.customer["currency"],
        }
        for d in prepared.drafts
    ]
    return {"rows": rows, "already": prepared.already_invoiced}


class PreviewModel(RowsModel):
    CUSTOMER, TOTAL, CURRENCY = range(3)
    RIGHT = (TOTAL,)

    def __init__(self, parent=None) -> None:
        super().__init__([self.tr("Customer"), self.tr("Total"), self.tr("Currency")], parent)

    def cell(self, r: dict[str, Any], col: int) -> str:
        if col == self.CUSTOMER:
            return r["customer"]
        if col == self.TOTAL:
            return fmt_money(r["total"], r["currency"])
        return r["currency"]


class BalancesModel(RowsModel):
    CUSTOMER, BILLED, PAID, BALANCE = range(4)
    RIGHT = (BILLED, PAID, BALANCE)

    def __init__(self, parent=None) -> None:
        super().__init__(
            [self.tr("Customer"), self.tr("Billed"), self.tr("Paid"), self.tr("Balance")], parent
        )

    def cell(self, r: dict[str, Any], col: int) -> str:
        if col == self.CUSTOMER:
            return r["customer"]
        key = {self.BILLED: "billed", self.PAID: "paid"}.get(col, "balance")
        return fmt_money(Decimal(r[key]), r["currency"])


def read_balances(store) -> list[dict[str, Any]]:
    return [b for b in billing.balances(store) if Decimal(b["balance"]) != 0]


def read_issued(store, month: str) -> list[Any]:
    """The documents issued for ``month`` (invoices, and credit notes issued in it)."""
    return billing.month_documents(store, billing.Period.month(month).label)


def read_receipt(store, number: str) -> tuple[Any, Any]:
    """What a receipt prints: the document as the exports see it, and the letterhead."""
    from hotspot_manager.billing.views import document_view
    from hotspot_manager.store.books import Books

    return document_view(store, number), billing.BillingSettings.load(Books(store))


def do_credit_note(store, number: int, values: dict[str, str], now: int) -> int:
    return billing.issue_credit_note(
        store, number, parse_decimal(values["amount"]), values["reason"], now=now
    )


class IssuedModel(RowsModel):
    DOC, CUSTOMER, TOTAL, DUE = range(4)
    RIGHT = (TOTAL, DUE)

    def __init__(self, parent=None) -> None:
        super().__init__(
            [self.tr("Document"), self.tr("Customer"), self.tr("Total"), self.tr("Amount due")],
            parent,
        )

    def cell(self, d, col: int) -> str:
        if col == self.DOC:
            return d.code
        if col == self.CUSTOMER:
            return d.customer_name
        if col == self.TOTAL:
            return fmt_money(d.total, d.currency)
        return fmt_money(d.amount_due, d.currency) if d.series == "F" else "–"


class CreditNoteDialog(QDialog):
    """A credit note against an issued invoice: an amount (text) and the reason."""

    def __init__(self, doc, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Credit note for %1").replace("%1", doc.code))
        form = QFormLayout(self)
        info = QLabel(
            self.tr("%1, total %2. The invoice itself is never changed.")
            .replace("%1", doc.customer_name)
            .replace("%2", fmt_money(doc.total, doc.currency))
        )
        info.setWordWrap(True)
        info.setObjectName("muted")
        form.addRow(info)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("e.g. 30.00"))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("e.g. charged twice"))
        form.addRow(self.tr("Amount (%1)").replace("%1", doc.currency), self.amount)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(ok_cancel(self))

    def values(self) -> dict[str, str]:
        return {"amount": self.amount.text(), "reason": self.reason.text()}


class PaymentDialog(QDialog):
    """Invoice number, amount (text, parsed by the billing API), currency, method,
    reference."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Record payment"))
        form = QFormLayout(self)
        self.invoice = QLineEdit()
        self.invoice.setPlaceholderText(self.tr("e.g. 12"))
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("e.g. 250.00"))
        self.currency = QComboBox()
        self.currency.addItem(self.tr("The invoice's"), "")
        for c in CURRENCIES:
            self.currency.addItem(c, c)
        self.method = QComboBox()
        names = {
            "cash": self.tr("Cash"),
            "transfermovil": self.tr("Transfermóvil"),
            "enzona": self.tr("EnZona"),
            "other": self.tr("Other"),
        }
        for m in PAYMENT_METHODS:
            self.method.addItem(names.get(m, m), m)
        self.reference = QLineEdit()
        form.addRow(self.tr("Invoice number"), self.invoice)
        form.addRow(self.tr("Amount"), self.amount)
        form.addRow(self.tr("Currency"), self.currency)
        form.addRow(self.tr("Method"), self.method)
        form.addRow(self.tr("Reference"), self.reference)
        form.addRow(ok_cancel(self))

    def values(self) -> dict[str, str]:
        return {
            "invoice": self.invoice.text(),
            "amount": self.amount.text(),
            "currency": self.currency.currentData() or "",
            "method": self.method.currentData(),
            "reference": self.reference.text(),
        }


def do_payment(store, values: dict[str, str], at: int) -> dict[str, Any]:
    return billing.record_payment(
        store,
        amount=parse_decimal(values["amount"]),
        method=values["method"],
        invoice=values["invoice"].strip(),
        currency=values.get("currency") or None,
        reference=values.get("reference") or None,
        at=at,
    )


class ExportProgress(QObject):
    """Files written so far, reported from the store worker's thread to the screen's."""

    step = Signal(int, int)  # done, total


class BillingScreen(QWidget):
    def __init__(self, worker, parent=None, clock=time.time) -> None:
        super().__init__(parent)
        self.worker = worker
        self.clock = clock
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 12)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Month (YYYY-MM)")))
        self.month = QLineEdit(previous_month(clock()))
        self.month.setMaximumWidth(100)
        self.month.editingFinished.connect(self.refresh)
        bar.addWidget(self.month)
        self.preview_button = QPushButton(self.tr("Preview"))
        self.preview_button.clicked.connect(self.refresh)
        self.close_button = QPushButton(self.tr("Close month…"))
        self.close_button.clicked.connect(self.ask_close)
        self.export_button = QPushButton(self.tr("Export PDF and CSV…"))
        self.export_button.clicked.connect(self.ask_export)
        self.pay_button = QPushButton(self.tr("Record payment…"))
        self.pay_button.clicked.connect(self.ask_payment)
        for b in (self.preview_button, self.close_button, self.export_button, self.pay_button):
            bar.addWidget(b)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.export_steps = ExportProgress(self)
        self.export_steps.step.connect(self._export_step)
        self.steps_seen: list[tuple[int, int]] = []
        lay.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("muted")
        lay.addWidget(self.status)

        cols = QHBoxLayout()
        left = QVBoxLayout()
        right = QVBoxLayout()
        cols.addLayout(left, 1)
        cols.addLayout(right, 1)
        lay.addLayout(cols, 1)
        title = QLabel(self.tr("Bills to be issued"))
        title.setObjectName("cardTitle")
        left.addWidget(title)
        self.preview_model = PreviewModel(self)
        self.preview = self._table(self.preview_model)
        left.addWidget(self.preview, 2)
        title = QLabel(self.tr("Outstanding balances"))
        title.setObjectName("cardTitle")
        left.addWidget(title)
        self.balances_model = BalancesModel(self)
        self.balances = self._table(self.balances_model)
        left.addWidget(self.balances, 1)

        title = QLabel(self.tr("Issued this month"))
        title.setObjectName("cardTitle")
        right.addWidget(title)
        docs_bar = QHBoxLayout()
        self.credit_button = QPushButton(self.tr("Credit note…"))
        self.credit_button.clicked.connect(self.ask_credit_note)
        self.print_button = QPushButton(self.tr("Print receipt…"))
        self.print_button.clicked.connect(self.ask_print)
        self.save_receipt_button = QPushButton(self.tr("Save receipt PDF…"))
        self.save_receipt_button.clicked.connect(self.ask_save_receipt)
        self.doc_buttons = (self.credit_button, self.print_button, self.save_receipt_button)
        for b in self.doc_buttons:
            docs_bar.addWidget(b)
        docs_bar.addStretch(1)
        right.addLayout(docs_bar)
        self.issued_model = IssuedModel(self)
        self.issued = self._table(self.issued_model)
        self.issued.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.issued.selectionModel().selectionChanged.connect(self._doc_selected)
        right.addWidget(self.issued, 1)
        self._doc_selected()
        # the seam between the Print button and the system's print dialog: asks for a
        # printer and says whether to print (tests set up a PDF printer instead)
        self.ask_printer = self._print_dialog

    def _table(self, model) -> QTableView:
        t = QTableView()
        t.setModel(model)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setAlternatingRowColors(True)
        t.verticalHeader().setVisible(False)
        hh = t.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        return t

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def warn(self, text: str) -> None:
        self.status.setText(text)
        QMessageBox.warning(self, self.tr("Billing"), text)

    def inform(self, text: str) -> None:
        self.status.setText(text)
        QMessageBox.information(self, self.tr("Billing"), text)

    def confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, self.tr("Close month"), text)
        return answer == QMessageBox.StandardButton.Yes

    def current_month(self) -> str:
        return self.month.text().strip()

    # ------------------------------------------------------------------ reads

    def refresh(self) -> None:
        month = self.current_month()
        self.worker.submit(
            lambda store: read_preview(store, month),
            self._preview_loaded,
            lambda exc: self.status.setText(error_text(exc)),
            key="billing-preview",
        )
        self.worker.submit(read_balances, self.balances_model.set_rows, key="billing-balances")
        self.worker.submit(
            lambda store: read_issued(store, month),
            self._issued_loaded,
            lambda exc: self.issued_model.set_rows([]),
            key="billing-issued",
        )

    def _issued_loaded(self, docs: list) -> None:
        self.issued_model.set_rows(docs)
        self._doc_selected()

    def _preview_loaded(self, result: dict[str, Any]) -> None:
        self.preview_model.set_rows(result["rows"])
        self.status.setText(
            self.tr("%n bill(s) to issue", "", len(result["rows"]))
            + " · "
            + self.tr("%n already issued", "", result["already"])
        )

    # ------------------------------------------------------------------ close

    def ask_close(self) -> None:
        month = self.current_month()
        text = self.tr(
            "Issue the bills of %1? Issued bills are numbered and can never be changed "
            "(only corrected by a credit note)."
        ).replace("%1", month)
        if self.confirm(text):
            self.close_month(month)

    def close_month(self, month: str) -> None:
        now = int(self.clock())
        self.worker.submit(
            lambda store: billing.close_month(store, month, now=now),
            self._closed,
            lambda exc: self.warn(self.tr("Not closed: %1").replace("%1", error_text(exc))),
        )

    def _closed(self, result) -> None:
        if result.issued:
            self.inform(
                self.tr("%n bill(s) issued for %1.", "", len(result.issued)).replace(
                    "%1", result.month
                )
            )
        else:
            self.inform(
                self.tr("Nothing new was issued: %1 was already closed.").replace(
                    "%1", result.month
                )
            )
        self.refresh()

    # ------------------------------------------------------------------ export

    def ask_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export to folder"))
        if folder:
            self.export_to(folder)

    def export_to(self, folder: str) -> None:
        month = self.current_month()
        self.progress.setRange(0, 0)  # busy until the first file is written
        self.progress.setVisible(True)
        self.export_button.setEnabled(False)
        self.status.setText(self.tr("Exporting %1…").replace("%1", month))
        self.steps_seen = []
        step = self.export_steps.step.emit  # queued to this thread from the worker's
        self.worker.submit(
            lambda store: billing.export_month(store, month, folder, progress=step),
            self._exported,
            self._export_failed,
        )

    def _export_step(self, done: int, total: int) -> None:
        self.steps_seen.append((done, total))
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(
            self.tr("Writing file %1 of %2…").replace("%1", str(done)).replace("%2", str(total))
        )

    def _export_done(self) -> None:
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)

    def _exported(self, result) -> None:
        self._export_done()
        pdfs = len(result.pdfs)
        folder = str(result.csv.parent) if result.csv else ""
        self.inform(self.tr("%n PDF(s) and the CSV written to %1.", "", pdfs).replace("%1", folder))

    def _export_failed(self, exc: BaseException) -> None:
        self._export_done()
        self.warn(self.tr("Not exported: %1").replace("%1", error_text(exc)))

    # ------------------------------------------------------------------ payments

    def ask_payment(self) -> None:
        dlg = PaymentDialog(self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.record_payment(dlg.values())

    def record_payment(self, values: dict[str, str]) -> None:
        at = int(self.clock())
        self.worker.submit(
            lambda store: do_payment(store, values, at),
            self._paid,
            lambda exc: self.warn(self.tr("Not recorded: %1").replace("%1", error_text(exc))),
        )

    def _paid(self, p: dict[str, Any]) -> None:
        self.inform(
            self.tr("Payment recorded for %1. Balance now %2.")
            .replace("%1", p["customer"])
            .replace("%2", fmt_money(Decimal(p["balance"]), p["ledger_currency"]))
        )
        self.refresh()

    # ------------------------------------------------------------------ issued documents

    def selected_doc(self):
        rows = self.issued.selectionModel().selectedRows()
        return self.issued_model.rows[rows[0].row()] if rows else None

    def _doc_selected(self, *_: object) -> None:
        d = self.selected_doc()
        for b in self.doc_buttons:
            b.setEnabled(d is not None)
        self.credit_button.setEnabled(d is not None and d.series == "F")

    def ask_credit_note(self) -> None:
        d = self.selected_doc()
        if d is None or d.series != "F":
            return
        dlg = CreditNoteDialog(d, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.credit_note(d.number, dlg.values())

    def credit_note(self, number: int, values: dict[str, str]) -> None:
        now = int(self.clock())
        self.worker.submit(
            lambda store: do_credit_note(store, number, values, now),
            self._credited,
            lambda exc: self.warn(self.tr("Not issued: %1").replace("%1", error_text(exc))),
        )

    def _credited(self, number: int) -> None:
        self.inform(self.tr("Credit note R-%1 issued.").replace("%1", f"{number:06d}"))
        self.refresh()

    # ------------------------------------------------------------------ receipts

    def _with_receipt(self, then) -> None:
        d = self.selected_doc()
        if d is None:
            return
        code = f"{d.series}{d.number}"
        self.worker.submit(
            lambda store: read_receipt(store, code),
            lambda result: then(*result),
            lambda exc: self.warn(error_text(exc)),
        )

    def ask_print(self) -> None:
        self._with_receipt(self._print)

    def _print_dialog(self, printer) -> bool:
        from PySide6.QtPrintSupport import QPrintDialog

        dlg = QPrintDialog(printer, self)
        dlg.setWindowTitle(self.tr("Print receipt"))
        return dlg.exec() == QDialog.DialogCode.Accepted

    def _print(self, view, settings) -> None:
        from PySide6.QtPrintSupport import QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(view.code)
        if not self.ask_printer(printer):
            return
        self.print_receipt(view, settings, printer)

    def print_receipt(self, view, settings, printer) -> None:
        """Lay the 80 mm receipt out on ``printer`` (on this, the GUI thread, as Qt's
        painting on a printer must be); the data was read on the worker."""
        from hotspot_manager.billing.pdf import PdfRenderer

        printer.setResolution(96)  # the layout's units; a printer may keep its own
        try:
            renderer = PdfRenderer(settings, "receipt")
            renderer.paint_receipt(view, printer, None, printer.resolution())
        except OSError as exc:
            self.warn(self.tr("Not printed: %1").replace("%1", error_text(exc)))
            return
        self.status.setText(self.tr("Receipt %1 sent to the printer.").replace("%1", view.code))

    def ask_save_receipt(self) -> None:
        d = self.selected_doc()
        if d is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save receipt PDF"), f"{d.code}-recibo.pdf", self.tr("PDF (*.pdf)")
        )
        if path:
            self._with_receipt(lambda view, settings: self.save_receipt(view, settings, path))

    def save_receipt(self, view, settings, path: str) -> None:
        from pathlib import Path

        from hotspot_manager.billing.pdf import PdfRenderer

        try:
            PdfRenderer(settings, "receipt").render(view, path)
            ok = Path(path).is_file() and Path(path).stat().st_size > 0
        except OSError:
            ok = False
        if not ok:  # QPdfWriter says nothing when it cannot write
            self.warn(self.tr("Not saved: cannot write %1").replace("%1", path))
            return
        self.status.setText(self.tr("Receipt saved to %1.").replace("%1", path))
