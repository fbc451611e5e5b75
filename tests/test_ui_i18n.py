# ruff: noqa: F811 - the fixtures imported from conftest_ui are parameters here
"""Translation: every visible string goes through tr(), and every one has Spanish.

- the catalogue: ``pyside6-lupdate`` over hotspot_manager/ui finds no string without a
  finished Spanish translation in resources/i18n/hotspot_manager_es.ts, and the shipped
  .qm is what ``pyside6-lrelease`` makes of that .ts;
- the screens: under a pseudo-translator that wraps every translated string in « », every
  visible text with letters on every screen carries the marks (so it went through tr());
  in Spanish, no visible text is still an English source string (a wrong tr() context).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest_ui import (  # noqa: F401 - fixtures
    _no_real_home,
    db_path,
    interfaces,
    now,
    traffic,
    worker,
)
from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QWidget,
)

from hotspot_manager.ui import i18n
from hotspot_manager.ui.main_window import SCREENS, MainWindow

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "resources" / "i18n" / "hotspot_manager_es.ts"
QM = ROOT / "resources" / "i18n" / "hotspot_manager_es.qm"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} not installed (it comes with PySide6-Essentials)")
    return found


def _messages(ts: Path) -> dict[tuple[str, str], list[str] | None]:
    """(context, source) -> finished translation forms, or None when unfinished."""
    out = {}
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.find("name").text
        for m in ctx.iter("message"):
            tr = m.find("translation")
            if tr.get("type") in ("unfinished", "vanished", "obsolete"):
                forms = None
            elif m.get("numerus") == "yes":
                forms = [f.text or "" for f in tr.iter("numerusform")]
            else:
                forms = [tr.text or ""]
            if forms is not None and not all(f.strip() for f in forms):
                forms = None
            out[(name, m.find("source").text)] = forms
    return out


def test_every_string_in_the_code_has_a_finished_spanish_translation(tmp_path):
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in (ROOT / "hotspot_manager" / "ui").glob("*.py"))
    subprocess.run(
        [_tool("pyside6-lupdate"), *sources, "-target-language", "es", "-ts", str(fresh)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    in_code = _messages(fresh)
    shipped = _messages(TS)
    assert len(in_code) > 100
    missing = [k for k in in_code if not shipped.get(k)]
    assert not missing, f"strings without a Spanish translation (run lupdate, translate): {missing}"
    stale = [k for k, v in shipped.items() if k not in in_code]
    assert not stale, (
        f"translations of strings no longer in the code (lupdate -no-obsolete): {stale}"
    )
    es = ET.parse(TS).getroot().get("language")
    assert es and es.startswith("es")


def test_the_shipped_qm_is_compiled_from_the_ts(tmp_path):
    out = tmp_path / "es.qm"
    subprocess.run(
        [_tool("pyside6-lrelease"), str(TS), "-qm", str(out)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert out.read_bytes() == QM.read_bytes(), "run pyside6-lrelease on the .ts"


class _Pseudo(QTranslator):
    def translate(self, context, source, disambiguation=None, n=-1):
        return "«" + source + "»"

    def isEmpty(self):
        return False


# Texts shown as they are, in every language: the languages' own names, currency codes,
# the machine's interfaces and data from the store.
_DATA = re.compile(
    r"^(Español|English|CUP|MLC|USD|wlan0 — .*|eth0 — .*|"
    r"[0-9a-f:]{17}|[\d.,:/ \-–]+|/.*\.db|"
    r"[\d/]+\s[\d:]+\s?(AM|PM|a\.\s?m\.|p\.\s?m\.))$"  # dates in the locale's format
)


def _visible_texts(window: MainWindow) -> list[tuple[str, str]]:
    out = []
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window):
            continue
        kind = type(w).__name__
        if isinstance(w, QLabel):
            out.append((kind, w.text()))
        elif isinstance(w, QAbstractButton):
            out.append((kind, w.text()))
        elif isinstance(w, QLineEdit):
            out.append((kind + ".placeholder", w.placeholderText()))
        elif isinstance(w, QComboBox):
            out += [(kind, w.itemText(i)) for i in range(w.count())]
        if isinstance(w, QListWidget):
            out += [(kind, w.item(i).text()) for i in range(w.count())]
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            m = w.model()
            out += [
                (kind + ".header", m.headerData(c, Qt.Orientation.Horizontal))
                for c in range(m.columnCount())
            ]
        if w.toolTip():
            out.append((kind + ".tooltip", w.toolTip()))
    out.append(("window", window.windowTitle()))
    return [(k, t) for k, t in out if t and re.search(r"[A-Za-zÁÉÍÓÚáéíóúñÑ]", t)]


def _walk(window: MainWindow, qtbot) -> list[tuple[str, str, str]]:
    found = []
    for name in SCREENS:
        window.show_screen(name)
        qtbot.wait(10)
        if name == "devices" and window.devices.model.rows:
            window.devices.select_device(window.devices.model.rows[0]["id"])
        found += [(name, k, t) for k, t in _visible_texts(window)]
    return found


@pytest.fixture
def make_window(qtbot, worker, traffic, interfaces, tmp_path):
    def make():
        s = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
        w = MainWindow(
            worker, s, demo_note=None, clock=lambda: traffic.now + 0.5, interfaces=interfaces
        )
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        qtbot.waitExposed(w)
        return w

    return make


def test_every_visible_string_goes_through_tr(qapp, qtbot, make_window):
    pseudo = _Pseudo(qapp)
    qapp.installTranslator(pseudo)
    try:
        window = make_window()
        texts = _walk(window, qtbot)
    finally:
        qapp.removeTranslator(pseudo)
    bad = [(s, k, t) for s, k, t in texts if "«" not in t and not _DATA.match(t.strip())]
    assert not bad, f"visible strings that did not go through tr(): {bad}"
    assert len(texts) > 60


def test_no_english_left_on_any_screen_in_spanish(qapp, qtbot, make_window):
    english = {
        src: forms[0]
        for (_ctx, src), forms in _messages(TS).items()
        if forms and forms[0] != src and "%" not in src
    }
    i18n.install_language("es")
    try:
        window = make_window()
        texts = _walk(window, qtbot)
        assert QCoreApplication.translate("Format", "just now") == "ahora mismo"
    finally:
        i18n.install_language("en")
    assert window.sidebar.item(0).text() == "Panel"
    left = [(s, k, t) for s, k, t in texts if t in english]
    assert not left, f"English on Spanish screens (wrong tr() context?): {left}"
