"""Languages, translations and locale-aware formatting.

Every visible string goes through ``tr()`` (``self.tr`` in a widget class, or
``QCoreApplication.translate(context, text)`` elsewhere); ``pyside6-lupdate`` collects
them into ``resources/i18n/hotspot_manager_es.ts`` and ``pyside6-lrelease`` compiles the
``.qm`` loaded here (see docs/gui.md). Numbers, dates and sizes are formatted with the
``QLocale`` of the chosen language (the system's own locale when it speaks it).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

#: language code -> its own name (never translated: people look for their language)
LANGUAGES: dict[str, str] = {"es": "Español", "en": "English"}
DEFAULT_LANGUAGE = "es"

I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
CATALOG = "hotspot_manager"

_installed: list[QTranslator] = []
_locale = QLocale(QLocale.Language.Spanish)


def system_language() -> str:
    """The system's language when we have it, else Spanish (our first market)."""
    code = QLocale.system().name().split("_")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def qm_path(lang: str) -> Path:
    return I18N_DIR / f"{CATALOG}_{lang}.qm"


def install_language(lang: str) -> str:
    """Load the translations of ``lang`` (ours and Qt's standard dialogs); returns the
    language in effect. Widgets built afterwards come up in it."""
    app = QCoreApplication.instance()
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if lang != "en":
        qt = QTranslator(app)
        if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _installed.append(qt)
        ours = QTranslator(app)
        if ours.load(str(qm_path(lang))):
            app.installTranslator(ours)
            _installed.append(ours)
    set_locale(lang)
    return lang


def set_locale(lang: str) -> None:
    global _locale
    system = QLocale.system()
    if system.name().split("_")[0] == lang:
        _locale = system
    elif lang == "es":
        _locale = QLocale(QLocale.Language.Spanish, QLocale.Country.Cuba)
    else:
        _locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    QLocale.setDefault(_locale)


def locale() -> QLocale:
    return _locale


# ---------------------------------------------------------------------- numbers


def fmt_int(n: int | float) -> str:
    return _locale.toString(int(round(n)))


def fmt_float(x: float, digits: int = 1) -> str:
    return _locale.toString(float(x), "f", digits)


def fmt_bytes(n: int | float) -> str:
    """Decimal units, as operators and ISPs count (1 MB = 1,000,000 bytes)."""
    units = (
        QCoreApplication.translate("Format", "B"),
        QCoreApplication.translate("Format", "kB"),
        QCoreApplication.translate("Format", "MB"),
        QCoreApplication.translate("Format", "GB"),
        QCoreApplication.translate("Format", "TB"),
    )
    value = float(n)
    for i, unit in enumerate(units):
        if abs(value) < 1000 or i == len(units) - 1:
            return f"{fmt_int(value)} {unit}" if i == 0 else f"{fmt_float(value, 1)} {unit}"
        value /= 1000
    return str(n)


def fmt_rate(bytes_per_second: float) -> str:
    """A bit rate, as links are sold (kbit/s, Mbit/s)."""
    bits = float(bytes_per_second) * 8
    if bits < 1000:
        return f"{fmt_int(bits)} {QCoreApplication.translate('Format', 'bit/s')}"
    if bits < 1e6:
        return f"{fmt_float(bits / 1e3, 1)} {QCoreApplication.translate('Format', 'kbit/s')}"
    return f"{fmt_float(bits / 1e6, 2)} {QCoreApplication.translate('Format', 'Mbit/s')}"


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "–"
    return f"{fmt_float(ms, 0 if ms >= 100 else 1)} {QCoreApplication.translate('Format', 'ms')}"


def fmt_percent(p: float | None) -> str:
    if p is None:
        return "–"
    return f"{fmt_float(p, 1)} %"


# ---------------------------------------------------------------------- times


def fmt_datetime(ts: float | None) -> str:
    if ts is None:
        return "–"
    from PySide6.QtCore import QDateTime

    dt = QDateTime.fromSecsSinceEpoch(int(ts))
    return _locale.toString(dt, QLocale.FormatType.ShortFormat)


def fmt_date(ts: float | None) -> str:
    if ts is None:
        return "–"
    from PySide6.QtCore import QDateTime

    return _locale.toString(QDateTime.fromSecsSinceEpoch(int(ts)).date(), "d MMM yyyy")


def fmt_time(ts: float) -> str:
    from PySide6.QtCore import QDateTime

    return _locale.toString(QDateTime.fromSecsSinceEpoch(int(ts)).time(), "HH:mm:ss")


def fmt_duration(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return QCoreApplication.translate("Format", "%n s", "", s)
    if s < 3600:
        # (no "//" inside the call: pyside6-lupdate 6.11 would not see the string)
        minutes = s // 60
        return QCoreApplication.translate("Format", "%n min", "", minutes)
    h, m = divmod(s // 60, 60)
    if h < 48:
        return (
            QCoreApplication.translate("Format", "%1 h %2 min")
            .replace("%1", str(h))
            .replace("%2", f"{m:02d}")
        )
    days = h // 24
    return QCoreApplication.translate("Format", "%n day(s)", "", days)


def fmt_ago(ts: float | None, now: float | None = None) -> str:
    if ts is None:
        return "–"
    now = time.time() if now is None else now
    d = max(0, int(now - ts))
    if d < 60:
        return QCoreApplication.translate("Format", "just now")
    return QCoreApplication.translate("Format", "%1 ago").replace("%1", fmt_duration(d))
