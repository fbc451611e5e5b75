# ruff: noqa: F811 - the fixtures imported from conftest_ui are parameters here
"""The Billing screen with pytest-qt: usage written through ``Store.write_flush`` (as
tests/test_billing_close.py does), a month closed twice, a payment, an export."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from conftest_ui import _no_real_home, db_path, worker  # noqa: F401 - fixtures
from PySide6.QtWidgets import QMessageBox
from test_billing_support import APPLE, LAPTOP, daily, havana, write_usage  # noqa: F401

from hotspot_manager import billing as B
from hotspot_manager.billing.model import Period
from hotspot_manager.store import Store
from hotspot_manager.ui import i18n
from hotspot_manager.ui.billing import BalancesModel, BillingScreen, PaymentDialog, PreviewModel

MONTH = "2025-06"
MB = 10**6


@pytest.fixture(autouse=True)
def _english(qapp):
    i18n.install_language("en")
    yield
    i18n.install_language("en")


@pytest.fixture
def messages(monkeypatch):
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: seen.append(("w", text)))
    monkeypatch.setattr(
        QMessageBox, "information", lambda _p, _t, text, *a: seen.append(("i", text))
    )
    return seen


@pytest.fixture
def june(db_path, havana):
    p = Period.month(MONTH)
    clock = p.end + 86400
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path) as store:
        # 10 days of a 30-minute stretch each: 5 hours at 20 CUP by the started minute
        write_usage(store, APPLE, daily(p.start, 10, 18 * 3600, 30, 50_000), clock=clock)
        write_usage(store, LAPTOP, daily(p.start, 2, 9 * 3600, 60, 10_000), clock=clock)
        ana = B.add_customer(store, "Ana")
        beto = B.add_customer(store, "Beto", currency="CUP", language="en")
        B.assign_device(store, APPLE, ana, since=p.start - 86400)
        B.assign_device(store, LAPTOP, beto, since=p.start - 86400)
        hourly = B.add_plan(store, "Hora", "per_hour", price=D("20"), rounding="minute")
        B.subscribe(store, ana, hourly, since=p.start - 86400)
        B.subscribe(store, beto, hourly, since=p.start - 86400)
    return clock


@pytest.fixture
def screen(qtbot, worker, june):
    s = BillingScreen(worker, clock=lambda: june)
    qtbot.addWidget(s)
    s.show()
    return s


def cells(model, col):
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def test_preview_close_twice_pay_and_export(screen, messages, tmp_path, db_path):
    assert screen.current_month() == MONTH  # the month before the clock's
    assert sorted(cells(screen.preview_model, PreviewModel.CUSTOMER)) == ["Ana", "Beto"]
    totals = dict(
        zip(
            cells(screen.preview_model, PreviewModel.CUSTOMER),
            cells(screen.preview_model, PreviewModel.TOTAL),
            strict=True,
        )
    )
    assert totals == {"Ana": "100.00 CUP", "Beto": "40.00 CUP"}

    screen.close_month(MONTH)
    assert messages[-1] == ("i", f"2 bill(s) issued for {MONTH}.")
    assert screen.preview_model.rowCount() == 0
    assert sorted(cells(screen.balances_model, BalancesModel.BALANCE)) == [
        "100.00 CUP",
        "40.00 CUP",
    ]
    screen.close_month(MONTH)
    assert messages[-1] == ("i", f"Nothing new was issued: {MONTH} was already closed.")

    with Store.open(db_path) as store:
        docs = B.month_documents(store, MONTH)
    ana_invoice = next(d for d in docs if d.customer_name == "Ana")
    dlg = PaymentDialog(screen)
    dlg.invoice.setText(str(ana_invoice.number))
    dlg.amount.setText("100,00")
    dlg.method.setCurrentIndex(dlg.method.findData("cash"))
    screen.record_payment(dlg.values())
    assert messages[-1] == ("i", "Payment recorded for Ana. Balance now 0.00 CUP.")
    assert cells(screen.balances_model, BalancesModel.CUSTOMER) == ["Beto"]

    bad = dict(dlg.values(), amount="12.345")
    screen.record_payment(bad)
    assert messages[-1][0] == "w" and "at most 2 decimals" in messages[-1][1]
    screen.record_payment(dict(dlg.values(), method="transfermovil"))
    assert messages[-1][0] == "w" and "reference" in messages[-1][1]

    out = tmp_path / "export"
    screen.export_to(str(out))
    assert not screen.progress.isVisible() and screen.export_button.isEnabled()
    assert messages[-1] == ("i", f"2 PDF(s) and the CSV written to {out}.")
    assert screen.steps_seen == [(1, 3), (2, 3), (3, 3)]  # the CSV, then each PDF
    assert len(list(out.glob("*.pdf"))) == 2
    assert len(list(out.glob("*.csv"))) == 1


def test_a_month_not_over_is_refused(screen, messages):
    screen.month.setText("2999-01")
    screen.close_month("2999-01")
    assert messages[-1][0] == "w" and messages[-1][1].startswith("Not closed")
    screen.month.setText("nonsense")
    screen.refresh()
    assert "bad month" in screen.status.text()


def non_blank_png(pdf, tmp_path) -> tuple[int, int, float]:
    """The first page of ``pdf`` rendered by pdftoppm: (width px, height px, dark share)."""
    import shutil
    import subprocess

    from PySide6.QtGui import QImage

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    out = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf), out],
        check=True,
        timeout=60,
    )
    img = QImage(str(out) + ".png")
    assert not img.isNull()
    dark = total = 0
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            total += 1
            if img.pixelColor(x, y).lightness() < 128:
                dark += 1
    return img.width(), img.height(), dark / total


def test_issued_documents_credit_note_and_receipts(screen, messages, tmp_path, db_path):
    from PySide6.QtPrintSupport import QPrinter

    from hotspot_manager.ui.billing import CreditNoteDialog, IssuedModel

    assert screen.issued_model.rowCount() == 0 and not screen.print_button.isEnabled()
    screen.close_month(MONTH)
    assert cells(screen.issued_model, IssuedModel.DOC) == ["F-000001", "F-000002"]
    screen.issued.selectRow(0)
    assert screen.credit_button.isEnabled() and screen.print_button.isEnabled()
    doc = screen.selected_doc()
    dlg = CreditNoteDialog(doc, screen)
    dlg.amount.setText("30,00")
    dlg.reason.setText("cobro doble")
    screen.credit_note(doc.number, dlg.values())
    assert messages[-1] == ("i", "Credit note R-000001 issued.")
    # a credit note is a document of the month it is issued in (here July)
    assert cells(screen.issued_model, IssuedModel.DOC) == ["F-000001", "F-000002"]
    with Store.open(db_path) as store:
        (ana,) = [b for b in B.balances(store) if b["customer"] == "Ana"]
    assert D(ana["balance"]) == D("100.00") - D("30.00")  # 5 h at 20 CUP, less the credit
    # more than is left to credit, or a bad amount: one line, nothing issued
    screen.credit_note(doc.number, {"amount": "80", "reason": "x"})
    assert messages[-1] == ("w", "Not issued: invoice 1 has only 70.00 CUP left to credit")
    screen.credit_note(doc.number, {"amount": "1e3", "reason": "x"})
    assert messages[-1][1].startswith("Not issued: bad amount")
    screen.month.setText("2025-07")
    screen.refresh()
    assert cells(screen.issued_model, IssuedModel.DOC) == ["R-000001"]
    screen.issued.selectRow(0)
    assert not screen.credit_button.isEnabled()  # no credit note against a credit note
    assert screen.print_button.isEnabled()

    # print the invoice's receipt to a PDF printer (the dialog's seam answers for it)
    screen.month.setText(MONTH)
    screen.refresh()
    screen.issued.selectRow(0)
    pdf = tmp_path / "printed.pdf"

    def pdf_printer(printer: QPrinter) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf))
        return True

    screen.ask_printer = pdf_printer
    screen.ask_print()
    assert screen.status.text() == "Receipt F-000001 sent to the printer."
    width, height, dark = non_blank_png(pdf, tmp_path)
    assert abs(width - 80 / 25.4 * 100) <= 2  # 80 mm wide at 100 dpi
    assert height > width and 0.005 < dark < 0.5
    # the fallback: a receipt PDF
    saved = tmp_path / "recibo.pdf"
    with Store.open(db_path) as store:
        from hotspot_manager.ui.billing import read_receipt

        view, settings = read_receipt(store, "F1")
    screen.save_receipt(view, settings, str(saved))
    assert screen.status.text() == f"Receipt saved to {saved}."
    width2, _h, dark2 = non_blank_png(saved, tmp_path)
    assert abs(width2 - width) <= 1 and dark2 > 0.005
    screen.save_receipt(view, settings, str(tmp_path / "no-such-dir" / "x.pdf"))
    assert messages[-1][1].startswith("Not saved: cannot write")
