"""The month's bookkeeping CSV: one row per invoice line, UTF-8 with a BOM (so spreadsheet
programs read the accents), comma-separated, amounts with a point and two decimals.

Every row repeats its document's number, customer, currency, rate and totals, so the file
can be filtered and summed on its own: per document, the ``amount`` column adds up to
``document_total``. A document without lines (usage but nothing to charge) has one row with
an empty line number and a zero amount.

Cells written from people's text are neutralised against formula injection: a cell that
would start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe, so ``=HYPERLINK("x")`` is shown as text, never evaluated.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

from .money import format_amount
from .text import rate_text, w
from .views import DocView

COLUMNS = {
    "en": (
        "document",
        "type",
        "number",
        "issued",
        "month",
        "customer_id",
        "customer",
        "currency",
        "exchange_rate",
        "line",
        "kind",
        "description",
        "quantity",
        "unit",
        "unit_price",
        "amount",
        "document_total",
        "previous_balance",
        "payments",
        "credit_notes",
        "amount_due",
    ),
    "es": (
        "documento",
        "tipo",
        "numero",
        "emitido",
        "mes",
        "cliente_id",
        "cliente",
        "moneda",
        "tasa_de_cambio",
        "linea",
        "clase",
        "concepto",
        "cantidad",
        "unidad",
        "precio_unitario",
        "importe",
        "total_documento",
        "saldo_anterior",
        "pagos",
        "notas_de_credito",
        "total_a_pagar",
    ),
}

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(text: str) -> str:
    """Text that a spreadsheet would not run as a formula."""
    return "'" + text if text.startswith(_DANGEROUS) else text


def _amount(d) -> str:
    return format_amount(d, grouping=False)


def rows(docs: Iterable[DocView], lang: str) -> list[list[str]]:
    import datetime as _dt

    out = []
    for d in docs:
        head = [
            d.code,
            w(lang, "invoice") if d.series == "F" else w(lang, "credit_note"),
            str(d.number),
            _dt.datetime.fromtimestamp(d.issued_at).date().isoformat(),
            d.month or "",
            str(d.customer_id),
            neutralise(d.customer_name),
            d.currency,
            neutralise(rate_text(lang, d.currency, d.rates)) if d.rates else "",
        ]
        tail = [
            _amount(d.total),
            _amount(d.previous_balance),
            _amount(d.payments),
            _amount(d.credits),
            _amount(d.amount_due),
        ]
        if not d.lines:
            out.append([*head, "", "", "", "", "", "", "", _amount(0), *tail])
        for ln in d.lines:
            out.append(
                [
                    *head,
                    str(ln.position + 1),
                    ln.kind,
                    neutralise(ln.description),
                    "" if ln.quantity is None else format(ln.quantity, "f"),
                    ln.unit,
                    "" if ln.unit_price is None else format(ln.unit_price, "f"),
                    _amount(ln.amount),
                    *tail,
                ]
            )
    return out


def write_csv(docs: Iterable[DocView], path: str | os.PathLike[str], lang: str) -> int:
    """Write the CSV; returns the number of data rows."""
    data = rows(docs, lang)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS[lang])
    writer.writerows(data)
    Path(path).write_text(buf.getvalue(), encoding="utf-8-sig", newline="")
    return len(data)
