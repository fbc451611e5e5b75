"""`bills export`: one PDF per issued document of the month and one CSV for bookkeeping.

Files are written under a temporary name and renamed when complete, so a power cut never
leaves a half-written bill that looks whole.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hotspot_manager.store import Store
from hotspot_manager.store.books import Books

from .accounts import BillingSettings
from .errors import BillingError
from .model import Period, check_language
from .views import DocView, month_documents

FORMATS = ("pdf", "csv")


@dataclass
class ExportResult:
    month: str
    documents: int
    csv: Path | None = None
    pdfs: list[Path] = field(default_factory=list)
    pages: int = 0


def slug(text: str, fallback: str) -> str:
    """A file-name-safe ASCII rendering of a name (accents folded, no path characters)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-").lower()[:40].strip("-")
    return s or fallback


def pdf_name(doc: DocView) -> str:
    return f"{doc.code}-{slug(doc.customer_name, f'customer-{doc.customer_id}')}.pdf"


def csv_name(month: str) -> str:
    return f"bills-{month}.csv"


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    out = []
    for item in items:
        f = item.strip().lower()
        if not f:
            continue
        if f not in FORMATS:
            raise BillingError(f"unknown format {item!r} (use pdf, csv or pdf,csv)")
        if f not in out:
            out.append(f)
    if not out:
        raise BillingError("no export format given (use pdf, csv or pdf,csv)")
    return tuple(out)


def export_month(
    store: Store,
    month: str,
    out_dir: str | os.PathLike[str],
    *,
    formats: Iterable[str] = FORMATS,
    lang: str | None = None,
    paper: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the month's documents: PDFs in each customer's language unless ``lang`` is
    given, and the CSV in ``lang`` (Spanish by default). ``progress(done, total)`` is
    called after each file written (the CSV counts as one)."""
    period = Period.month(month)
    fmts = parse_formats(formats)
    if lang is not None:
        lang = check_language(lang)
    if paper is not None:
        paper = {"a4": "A4", "letter": "Letter", "receipt": "receipt"}.get(paper.lower())
        if paper is None:
            raise BillingError("paper must be A4, Letter or receipt")
    docs = month_documents(store, period.label, lang)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BillingError(f"cannot create {out}: {exc.strerror}") from None
    result = ExportResult(period.label, len(docs))
    total = ("csv" in fmts) + (len(docs) if "pdf" in fmts else 0)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    if "csv" in fmts:
        from .csvexport import write_csv

        target = out / csv_name(period.label)
        part = target.with_name(target.name + ".part")
        write_csv(docs, part, lang or "es")
        os.replace(part, target)
        result.csv = target
        step()
    if "pdf" in fmts and docs:
        from .pdf import PdfRenderer

        settings = BillingSettings.load(Books(store))
        renderer = PdfRenderer(settings, paper)
        for d in docs:
            target = out / pdf_name(d)
            part = target.with_name(target.name + ".part")
            result.pages += renderer.render(d, part, lang)
            os.replace(part, target)
            result.pdfs.append(target)
            step()
    return result
