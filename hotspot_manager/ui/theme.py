"""Fusion style with a light or a dark palette, and the few colours the app adds.

"system" follows the desktop's colour scheme when Qt can tell it (Qt 6.5+), else light.
The palettes are set explicitly so both themes look the same on every desktop.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class Colours:
    """Colours outside the palette: graph series and states."""

    down: str
    up: str
    clients: tuple[str, ...]
    ok: str
    warn: str
    bad: str
    muted: str
    card: str
    demo: str
    demo_text: str
    graph_bg: str
    graph_fg: str
    badge_text: str  # on the state colours


LIGHT = Colours(
    down="#1f77b4",
    up="#d62728",
    clients=("#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"),
    ok="#1b7f3b",
    warn="#a86400",
    bad="#b3261e",
    muted="#5f6368",
    card="#ffffff",
    demo="#fff4c2",
    demo_text="#4a3b00",
    graph_bg="#ffffff",
    graph_fg="#303030",
    badge_text="#ffffff",
)

DARK = Colours(
    down="#4fa3e0",
    up="#ff6b6b",
    clients=("#6fd36f", "#b99cf0", "#ffae5c", "#d9a58f", "#5fd8e6"),
    ok="#5fd37f",
    warn="#f0b24a",
    bad="#ff7b72",
    muted="#a0a4aa",
    card="#2b2d31",
    demo="#5a4a00",
    demo_text="#fff4c2",
    graph_bg="#1e1f22",
    graph_fg="#dcdcdc",
    badge_text="#1e1f22",
)

_current = LIGHT


def colours() -> Colours:
    return _current


def resolve(theme: str) -> str:
    """ "light" or "dark" for a theme setting."""
    if theme in ("light", "dark"):
        return theme
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None and scheme() == Qt.ColorScheme.Dark:
        return "dark"
    return "light"


def _dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d31"), QColor("#e6e6e6")
    disabled = QColor("#7a7d82")
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor("#26282c")),
        (QPalette.ColorRole.ToolTipBase, QColor("#3a3d42")),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, QColor("#8f9399")),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, QColor("#34373c")),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor("#ff7b72")),
        (QPalette.ColorRole.Link, QColor("#6cb6ff")),
        (QPalette.ColorRole.Highlight, QColor("#2f6fbd")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Light, QColor("#45484e")),
        (QPalette.ColorRole.Midlight, QColor("#3a3d42")),
        (QPalette.ColorRole.Mid, QColor("#2f3236")),
        (QPalette.ColorRole.Dark, QColor("#18191b")),
        (QPalette.ColorRole.Shadow, QColor("#000000")),
    ):
        p.setColor(role, colour)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def _light_palette() -> QPalette:
    p = QApplication.style().standardPalette()
    p.setColor(QPalette.ColorRole.Window, QColor("#f3f4f6"))
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#f6f7f9"))
    p.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fbd"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#6b7078"))
    return p


def apply(app: QApplication, theme: str) -> str:
    """Fusion with the palette of ``theme``; returns "light" or "dark"."""
    global _current
    app.setStyle("Fusion")
    mode = resolve(theme)
    if mode == "dark":
        app.setPalette(_dark_palette())
        _current = DARK
    else:
        app.setPalette(_light_palette())
        _current = LIGHT
    app.setStyleSheet(stylesheet())
    return mode


def stylesheet() -> str:
    c = _current
    return f"""
QFrame#card {{
    background: {c.card};
    border: 1px solid palette(mid);
    border-radius: 6px;
}}
QLabel#cardTitle {{ font-weight: 600; }}
QLabel#big {{ font-size: 20px; font-weight: 600; }}
QLabel#muted {{ color: {c.muted}; }}
QLabel#screenTitle {{ font-size: 18px; font-weight: 600; }}
QLabel#demoBanner {{
    background: {c.demo};
    color: {c.demo_text};
    padding: 6px 10px;
    border-bottom: 1px solid palette(mid);
}}
QListWidget#sidebar {{
    border: none;
    border-right: 1px solid palette(mid);
    font-size: 14px;
}}
QListWidget#sidebar::item {{ padding: 9px 10px; }}
QPushButton:checked {{
    background: palette(highlight);
    color: palette(highlighted-text);
    border: 1px solid palette(highlight);
    border-radius: 3px;
    padding: 4px 10px;
}}
QLabel#badge {{
    border-radius: 4px;
    padding: 1px 6px;
}}
"""


def state_colour(state: str | None) -> str:
    c = _current
    return {
        "up": c.ok,
        "ok": c.ok,
        "running": c.ok,
        "degraded": c.warn,
        "warning": c.warn,
        "down": c.bad,
        "stopped": c.bad,
    }.get(state or "", c.muted)
