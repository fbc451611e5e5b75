"""Render every screen of the desktop app to PNG in docs/screenshots/.

The data is the demo's: the capture shipped in resources/ replayed through the agent's
pipeline into a temporary database (nothing is invented for the pictures). Each screen is
drawn in Spanish and English at 1366x768 and 1920x1080, plus the dashboard in the dark
theme and the dialogs. Rerun it when a screen changes, then look at the pictures.

    .venv/bin/python scripts/screenshots.py            # offscreen (no display needed)
    xvfb-run -a .venv/bin/python scripts/screenshots.py  # or under Xvfb

The real HOME is never touched: settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SIZES = ((1366, 768), (1920, 1080))
LANGS = ("es", "en")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--quick", action="store_true", help="Spanish at 1366x768 only")
    ap.add_argument("--live-seconds", type=float, default=6.0, help="replay before drawing")
    args = ap.parse_args(argv)

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = tempfile.TemporaryDirectory(prefix="hotspot-shots-")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = os.path.join(tmp.name, var.lower())
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from hotspot_manager.ui import app as gui
    from hotspot_manager.ui import i18n, theme
    from hotspot_manager.ui.agent_control import CaptureRightsDialog
    from hotspot_manager.ui.demo import DemoFeeder, unpack_capture
    from hotspot_manager.ui.settings import FirstRunDialog, Interface

    qapp = gui.make_qapp(["screenshots"])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp.name)
    settings = gui.qsettings()
    # The machine's own interfaces would show in the pictures: use a typical laptop's.
    interfaces = [
        Interface("wlan0", True, "a4:c3:f0:1b:2c:3d", [("192.168.50.1", "255.255.255.0")], []),
        Interface("eth0", True, "3c:52:82:10:20:30", [("10.0.0.23", "255.255.255.0")], []),
        Interface("usb0", False, "02:11:22:33:44:55", [], []),
    ]

    db = os.path.join(tmp.name, "demo.db")
    feeder = DemoFeeder(db, unpack_capture(Path(tmp.name)))
    feeder.start()
    if not feeder.ready.wait(30):
        print("the demo feeder did not start", file=sys.stderr)
        return 1
    time.sleep(args.live_seconds)
    args.out.mkdir(parents=True, exist_ok=True)
    written = []

    def settle(window, ms: int = 600) -> None:
        deadline = time.monotonic() + 10
        QTest.qWait(ms)
        while time.monotonic() < deadline and window.dashboard.ticks < 2:
            QTest.qWait(100)
        window.worker.wait(5000)
        QTest.qWait(200)

    def select_busiest(window) -> None:
        """The busiest device's history, by hour."""
        rows = window.devices.model.rows
        if rows:
            busiest = max(rows, key=lambda r: r["today_rx"] + r["today_tx"])
            window.devices.select_device(busiest["id"])
            window.devices.history.set_kind("hour")
            settle(window)

    def save(widget, name: str) -> None:
        path = args.out / f"{name}.png"
        widget.grab().save(str(path), "PNG", 9)
        written.append(path)

    langs = LANGS[:1] if args.quick else LANGS
    sizes = SIZES[:1] if args.quick else SIZES
    for lang in langs:
        i18n.install_language(lang)
        theme.apply(qapp, "light")
        settings.setValue("language", lang)
        settings.setValue("theme", "light")
        app = gui.App(db, settings, gui.demo_banner(), use_tray=False, interfaces=interfaces)
        w = app.window
        for width, height in sizes:
            w.resize(width, height)
            w.show()
            for screen in ("dashboard", "devices", "customers", "billing", "alerts", "settings"):
                w.show_screen(screen)
                settle(w)
                if screen == "devices":
                    select_busiest(w)
                save(w, f"{screen}-{lang}-{width}x{height}")
        # dialogs, once per language
        dlg = FirstRunDialog(interfaces=interfaces)
        dlg.form.load({"language": lang, "theme": "system"}, {})
        dlg.show()
        QTest.qWait(200)
        save(dlg, f"first-run-{lang}")
        dlg.close()
        from hotspot_manager.capture.live import grant_hint

        rights = CaptureRightsDialog(
            grant_hint("/usr/bin/hotspot-manager"),
            "error: cannot capture on wlan0: Operation not permitted",
        )
        rights.show()
        QTest.qWait(200)
        save(rights, f"capture-rights-{lang}")
        rights.close()
        # dark theme, dashboard and devices
        theme.apply(qapp, "dark")
        w.quitting = True
        w.close()
        app.close()
        app = gui.App(db, settings, gui.demo_banner(), use_tray=False, interfaces=interfaces)
        w = app.window
        w.resize(*SIZES[0])
        w.show()
        for screen in ("dashboard", "devices"):
            w.show_screen(screen)
            settle(w)
            if screen == "devices":
                select_busiest(w)
            save(w, f"{screen}-dark-{lang}-{SIZES[0][0]}x{SIZES[0][1]}")
        w.quitting = True
        w.close()
        app.close()
    feeder.stop()
    QApplication.processEvents()
    for p in written:
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
