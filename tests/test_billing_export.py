"""Exports: the month's CSV summed back to the invoices, PDFs read back with poppler
(``pdftotext`` for the words and totals, ``pdftoppm`` for pages), hostile names exported
harmlessly. The totals in the PDFs, the CSV and the database must agree to the cent.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from collections import defaultdict
from decimal import Decimal as D
from pathlib import Path

import pytest
from test_billing_support import (
    APPLE,
    LAPTOP,
    PHONE,
    PHONE2,
    add_outage,
    daily,
    havana,  # noqa: F401  (fixture)
    png,
    store,  # noqa: F401  (fixture)
    write_usage,
)

from hotspot_manager import billing as B
from hotspot_manager.billing.csvexport import neutralise
from hotspot_manager.billing.layout import page_html, receipt_html
from hotspot_manager.billing.model import Period, Tier
from hotspot_manager.billing.views import month_documents
from hotspot_manager.store.books import Books

DAY = 86400
HOUR = 3600
MB = 10**6
MONTH = "2025-06"
NAMES = ('=HYPERLINK("x")', "<b>x</b>", "José Ñúñez & Hijos", "+cmd|' /C calc'!A0")


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} (poppler-utils) is required in CI")
        pytest.skip(f"{tool} not installed (Debian: apt-get install poppler-utils)")


@pytest.fixture
def month(store, tmp_path):  # noqa: F811
    """A closed month: four customers (hostile names included), two currencies, outages,
    payments, taxes, business details and a logo."""
    p = Period.month(MONTH)
    clock = p.end + DAY
    write_usage(store, APPLE, daily(p.start, 30, 10 * HOUR, 30, 1 * MB, 50_000), clock=clock)
    write_usage(store, LAPTOP, daily(p.start, 12, 18 * HOUR, 45, 100_000), clock=clock)
    write_usage(store, PHONE, daily(p.start, 30, 20 * HOUR, 40, 1 * MB), clock=clock)
    write_usage(store, PHONE2, daily(p.start, 5, 8 * HOUR, 15, 2 * MB), clock=clock)
    add_outage(store, p.start + 4 * DAY + 10 * HOUR, p.start + 4 * DAY + 13 * HOUR)
    B.set_rate(store, "USD", D("360"), "2025-06-01")
    B.save_settings(
        store,
        {
            "business_name": "WiFi El Vedado — Conexión Ñandú",
            "business_address": "Calle 23 n.º 456, e/ L y M\nEl Vedado, La Habana",
            "business_phone": "+53 5 123 4567",
            "logo": str(png(tmp_path / "logo.png")),
            "tax_name": "Impuesto",
            "tax_percent": "10",
        },
    )
    ids = [
        B.add_customer(store, NAMES[0], currency="USD", language="en"),
        B.add_customer(store, NAMES[1]),
        B.add_customer(store, NAMES[2], phone="+53 5 555 0000"),
        B.add_customer(store, NAMES[3]),
    ]
    for mac, c in zip((APPLE, LAPTOP, PHONE, PHONE2), ids, strict=True):
        B.assign_device(store, mac, c, since=p.start)
    plans = [
        B.add_plan(
            store, "Datos <i>", "per_mb", tiers=(Tier(500 * MB, D("0.5")), Tier(None, D("0.3")))
        ),
        B.add_plan(store, "Hora", "per_hour", price=D("20"), rounding="quarter"),
        B.add_plan(
            store, "Plana", "flat", price=D("500"), cap_bytes=1000 * MB, overage_per_mb=D("0.1")
        ),
        B.add_plan(store, "MB", "per_mb", tiers=(Tier(None, D("0.25")),)),
    ]
    for c, pl in zip(ids, plans, strict=True):
        B.subscribe(store, c, pl, since=p.start)
    B.close_month(store, MONTH)
    B.record_payment(store, invoice=3, amount=D("100"), method="enzona", reference="EZ-<42>")
    B.close_month(store, "2025-07")
    return p


def _csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_sums_back_to_the_invoices(store, month, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    B.export_month(store, MONTH, out, formats="csv", lang="en")
    rows = _csv(out / f"bills-{MONTH}.csv")
    sums: dict[str, D] = defaultdict(D)
    totals: dict[str, D] = {}
    for r in rows:
        sums[r["document"]] += D(r["amount"])
        totals[r["document"]] = D(r["document_total"])
    db = {f"F-{r['number']:06d}": r for r in Books(store).invoices(month=MONTH, series="F")}
    assert set(sums) == set(db)
    for code, inv in db.items():
        assert sums[code] == totals[code] == D(inv["total_cents"]) / 100
        due = {D(r["amount_due"]) for r in rows if r["document"] == code}
        assert due == {D(inv["amount_due_cents"]) / 100}
    assert sum(sums.values()) == D(sum(r["total_cents"] for r in db.values())) / 100
    usd = [r for r in rows if r["currency"] == "USD"]
    assert usd and all(r["exchange_rate"].startswith("1 USD = 360.00 CUP") for r in usd)


def test_csv_neutralises_formulas_and_keeps_accents(store, month, tmp_path):  # noqa: F811
    B.export_month(store, MONTH, tmp_path, formats="csv")  # Spanish by default
    rows = _csv(tmp_path / f"bills-{MONTH}.csv")
    customers = {r["cliente"] for r in rows}
    assert '\'=HYPERLINK("x")' in customers
    assert "'+cmd|' /C calc'!A0" in customers
    assert "<b>x</b>" in customers and "José Ñúñez & Hijos" in customers
    for r in rows:
        for col in ("cliente", "concepto", "tasa_de_cambio", "tipo", "documento"):
            assert not r[col].startswith(("=", "+", "-", "@", "\t", "\r")), (col, r[col])


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\uff1dx", "'\uff1dx"),
        ("Ana", "Ana"),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(text, safe):
    assert neutralise(text) == safe


def test_html_escapes_every_piece_of_user_text(store, month):  # noqa: F811
    docs = {d.customer_name: d for d in month_documents(store, MONTH, "es")}
    settings = B.BillingSettings.load(Books(store))
    for layout in (page_html, receipt_html):
        html = layout(docs["<b>x</b>"], settings, "es")
        assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
        html = layout(docs['=HYPERLINK("x")'], settings, "es")
        assert "=HYPERLINK(&quot;x&quot;)" in html
        assert "«Datos &lt;i&gt;»" in html and "<i>" not in html
        html = layout(docs["José Ñúñez & Hijos"], settings, "es", logo=True)
        assert "José Ñúñez &amp; Hijos" in html
        assert "EZ-&lt;42&gt;" not in html  # June's invoice predates the payment
    july = {d.customer_name: d for d in month_documents(store, "2025-07")}
    assert "EZ-&lt;42&gt;" in page_html(july["José Ñúñez & Hijos"], settings, "es")


def _pdftext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _money_after(label: str, text: str) -> D:
    m = re.search(re.escape(label) + r"\s+(-?[\d,]+\.\d\d) (CUP|USD|MLC)", text)
    assert m, f"{label!r} not found in:\n{text}"
    return D(m.group(1).replace(",", ""))


def test_pdfs_state_the_same_totals_as_the_database_and_the_csv(store, month, tmp_path):  # noqa: F811
    _need("pdftotext")
    _need("pdftoppm")
    out = tmp_path / "out"
    result = B.export_month(store, MONTH, out)
    db = {r["number"]: r for r in Books(store).invoices(month=MONTH, series="F")}
    assert len(result.pdfs) == len(db) == 4 and result.pages == 4
    csv_due = {int(r["numero"]): D(r["total_a_pagar"]) for r in _csv(result.csv)}
    for pdf in result.pdfs:
        number = int(pdf.name[2:8])
        inv = db[number]
        text = _pdftext(pdf)
        es = inv["language"] == "es"
        assert (f"Factura N.º {number}" if es else f"Invoice No. {number}") in text
        assert inv["customer_name"] in text  # hostile names print as plain text
        total = _money_after("Total del periodo" if es else "Total for the period", text)
        due = _money_after("Total a pagar" if es else "Amount due", text)
        assert total == D(inv["total_cents"]) / 100
        assert due == D(inv["amount_due_cents"]) / 100 == csv_due[number]
        assert inv["currency"] in text
        if inv["currency"] == "USD":
            assert "1 USD = 360.00 CUP" in text
        # one A4 page, rendered
        subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "pg")], check=True)
        pages = sorted(tmp_path.glob("pg*.png"))
        assert len(pages) == 1
        for pg in pages:
            pg.unlink()
    spanish = _pdftext(next(p for p in result.pdfs if "jose" in p.name))
    for word in ("José Ñúñez & Hijos", "Conexión Ñandú", "Tráfico local", "Fecha de emisión"):
        assert word in spanish.replace("ﬁ", "fi")


def test_english_letter_and_receipt_layouts(store, month, tmp_path):  # noqa: F811
    _need("pdftotext")
    _need("pdftoppm")
    letter = B.export_month(
        store, MONTH, tmp_path / "letter", formats="pdf", lang="en", paper="letter"
    )
    text = _pdftext(letter.pdfs[1])
    assert "Invoice No. 2" in text and "Amount due" in text and "Page 1 of 1" in text
    receipt = B.export_month(store, MONTH, tmp_path / "receipt", formats="pdf", paper="receipt")
    for pdf in receipt.pdfs:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        w_pt, h_pt = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
        assert abs(w_pt - 80 / 25.4 * 72) < 1  # 80 mm wide, one long page
        assert h_pt > w_pt
        assert "Pages:           1" in info
    text = _pdftext(receipt.pdfs[2])
    assert "José Ñúñez & Hijos" in text and "Total a pagar" in text


def test_a_long_invoice_breaks_into_numbered_pages(store, month, tmp_path):  # noqa: F811
    _need("pdftotext")
    _need("pdftoppm")
    for k in range(70):
        B.record_payment(store, invoice=1, amount=D("1"), method="cash", at=month.end + k)
    aug = Period.month("2025-08")
    write_usage(store, APPLE, daily(aug.start, 1, HOUR, 5, 1 * MB), clock=aug.end + DAY)
    B.close_month(store, "2025-08")
    r = B.export_month(store, "2025-08", tmp_path, formats="pdf", lang="es")
    pdf = next(p for p in r.pdfs if "hyperlink" in p.name)
    text = _pdftext(pdf)
    pages = int(re.search(r"Página 1 de (\d+)", text).group(1))
    assert pages >= 2
    assert all(f"Página {k} de {pages}" in text for k in range(1, pages + 1))
    assert text.count("Forma de pago") == pages  # the payments table's header repeats on each page
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "long")], check=True)
    assert len(list(tmp_path.glob("long*.png"))) == pages


def test_export_of_a_month_without_invoices_writes_an_empty_csv(store, tmp_path):  # noqa: F811
    r = B.export_month(store, "2024-01", tmp_path)
    assert r.documents == 0 and r.pdfs == []
    assert _csv(tmp_path / "bills-2024-01.csv") == []
