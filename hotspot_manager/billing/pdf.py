"""PDF bills with Qt (QTextDocument laid out on a QPdfWriter). The only Qt in ``billing/``.

QTextDocument needs a QGuiApplication; when none exists one is created here, offscreen if
there is no display (so exports run headless: from the command line, a cron job, tests).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .accounts import BillingSettings
from .layout import LOGO_URL, page_html, receipt_html, title
from .text import w
from .views import DocView

PAPERS = ("A4", "Letter", "receipt")
_MM_PER_INCH = 25.4
_RESOLUTION = 96  # layout units: 1 px = 1/96 in, so HTML sizes mean what they do on screen
_FONTS = ("DejaVu Sans", "Noto Sans", "Liberation Sans", "Arial", "Segoe UI", "Helvetica")
_RESOURCES = Path(__file__).resolve().parents[2] / "resources"

_app = None


def _ensure_app():
    """The Qt application fonts and layout need; offscreen when there is no display.

    A QApplication (a QGuiApplication that widgets can use too), so that the GUI, or a test
    session that shows widgets later in the same process, finds an application it can use.
    """
    global _app
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance()
    if app is not None:
        from PySide6.QtGui import QGuiApplication

        if not isinstance(app, QGuiApplication):
            raise RuntimeError("PDF bills need a QGuiApplication, not a QCoreApplication")
        return app
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _app = QApplication(["hotspot-manager"])
    return _app


class PdfRenderer:
    """Renders documents to PDF files; reuse one for many documents (fonts load once)."""

    def __init__(self, settings: BillingSettings, paper: str | None = None) -> None:
        from PySide6.QtGui import QFont, QFontDatabase, QImage

        _ensure_app()
        self.settings = settings
        self.paper = paper or settings.paper
        if self.paper not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
        fonts_dir = _RESOURCES / "fonts"
        if fonts_dir.is_dir():
            for f in sorted(fonts_dir.glob("*.[ot]tf")):
                QFontDatabase.addApplicationFont(str(f))
        families = set(QFontDatabase.families())
        family = next((f for f in _FONTS if f in families), None)
        self.font = QFont(family) if family else QFont()
        self.font.setPointSizeF(7.5 if self.paper == "receipt" else 9.5)
        self.logo = None
        if settings.logo and Path(settings.logo).is_file():
            image = QImage(settings.logo)
            if not image.isNull():
                from PySide6.QtCore import Qt

                if image.height() > 400:
                    image = image.scaledToHeight(400, Qt.TransformationMode.SmoothTransformation)
                self.logo = image

    def _document(self, html: str, device):
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(device)
        doc.setDefaultFont(self.font)
        doc.setDocumentMargin(0)
        if self.logo is not None:
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(LOGO_URL), self.logo)
        doc.setHtml(html)
        return doc

    def render(self, view: DocView, path: str | os.PathLike[str], lang: str | None = None) -> int:
        """Write ``view`` as a PDF at ``path``; returns the number of pages."""
        lang = lang or view.language
        if self.paper == "receipt":
            return self._render_receipt(view, Path(path), lang)
        return self._render_page(view, Path(path), lang)

    def _writer(self, path: Path, view: DocView, lang: str):
        from PySide6.QtGui import QPdfWriter

        writer = QPdfWriter(str(path))
        writer.setResolution(_RESOLUTION)
        writer.setCreator("Hotspot Manager")
        writer.setTitle(f"{title(view, lang)} — {view.customer_name}")
        return writer

    def _render_page(self, view: DocView, path: Path, lang: str) -> int:
        from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
        from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter

        writer = self._writer(path, view, lang)
        size = QPageSize.PageSizeId.A4 if self.paper == "A4" else QPageSize.PageSizeId.Letter
        writer.setPageLayout(
            QPageLayout(
                QPageSize(size),
                QPageLayout.Orientation.Portrait,
                QMarginsF(16, 14, 16, 14),
                QPageLayout.Unit.Millimeter,
            )
        )
        html = page_html(view, self.settings, lang, logo=self.logo is not None)
        doc = self._document(html, writer)
        body = writer.pageLayout().paintRectPixels(_RESOLUTION)
        footer_h = 22.0
        page_h = body.height() - footer_h
        doc.setPageSize(QSizeF(body.width(), page_h))
        pages = doc.pageCount()
        small = QFont(self.font)
        small.setPointSizeF(7.5)
        painter = QPainter(writer)
        try:
            for i in range(pages):
                if i:
                    writer.newPage()
                painter.save()
                painter.translate(0, -i * page_h)
                doc.drawContents(painter, QRectF(0, i * page_h, body.width(), page_h))
                painter.restore()
                painter.setFont(small)
                painter.setPen(QColor("#5f6368"))
                foot = QRectF(0, body.height() - footer_h + 6, body.width(), footer_h - 6)
                left = f"{title(view, lang)} · {view.customer_name}"
                if self.settings.business_name:
                    left = f"{self.settings.business_name} · {left}"
                painter.drawText(
                    foot,
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    left,
                )
                painter.drawText(
                    foot,
                    int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                    w(lang, "page").format(page=i + 1, pages=pages),
                )
        finally:
            painter.end()
        return pages

    def _render_receipt(self, view: DocView, path: Path, lang: str) -> int:
        writer = self._writer(path, view, lang)
        return self.paint_receipt(view, writer, lang, _RESOLUTION)

    def paint_receipt(self, view: DocView, device, lang: str | None = None, resolution=None) -> int:
        """Lay the 80 mm receipt out on ``device`` (a QPdfWriter, or a QPrinter for a
        thermal printer), one page as long as the receipt; returns 1. ``resolution``: the
        device's dots per inch (default: what it reports)."""
        from PySide6.QtCore import QMarginsF, QRectF, QSizeF
        from PySide6.QtGui import QPageLayout, QPageSize, QPainter

        lang = lang or view.language
        dpi = float(resolution or device.resolution())
        width_mm, margin_mm = 80.0, 4.0
        html = receipt_html(view, self.settings, lang, logo=self.logo is not None)
        doc = self._document(html, device)
        text_w = (width_mm - 2 * margin_mm) / _MM_PER_INCH * dpi
        doc.setTextWidth(text_w)
        height_px = doc.size().height()
        height_mm = height_px / dpi * _MM_PER_INCH + 2 * margin_mm + 2
        device.setPageLayout(
            QPageLayout(
                QPageSize(QSizeF(width_mm, height_mm), QPageSize.Unit.Millimeter, "receipt"),
                QPageLayout.Orientation.Portrait,
                QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm),
                QPageLayout.Unit.Millimeter,
            )
        )
        painter = QPainter()
        if not painter.begin(device):
            raise OSError("the printer could not be opened")
        try:
            doc.drawContents(painter, QRectF(0, 0, text_w, height_px + 4))
        finally:
            painter.end()
        return 1


def render_pdf(
    view: DocView,
    path: str | os.PathLike[str],
    settings: BillingSettings,
    *,
    lang: str | None = None,
    paper: str | None = None,
) -> int:
    """One document to one PDF file; returns its page count."""
    return PdfRenderer(settings, paper).render(view, path, lang)
