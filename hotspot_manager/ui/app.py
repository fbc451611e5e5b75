"""Start the desktop app: QApplication, Fusion and the palette, the language, the first-run
questions, the main window and the tray icon.

``run()`` is what ``hotspot-manager`` with no arguments calls (through
``commands/gui.py``); ``App`` holds what lives as long as the process (the store worker,
the tray, the agent control) so that the window can be rebuilt when the language changes.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QSettings, QTimer
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QSystemTrayIcon

from . import i18n, theme
from .agent_control import AgentControl
from .keeper import AgentKeeper, set_keep
from .main_window import MainWindow
from .notify import Notifier
from .settings import (
    INTERFACE_KEY,
    FirstRunDialog,
    qsettings_values,
    save_qsettings,
    setup_done,
    write_store_settings,
)
from .worker import StoreWorker

log = logging.getLogger(__name__)

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "hotspot-manager.svg"
ORG = "hotspot-manager"


def make_qapp(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORG)
    app.setApplicationName(ORG)
    app.setDesktopFileName("hotspot-manager")
    if ICON.exists():
        app.setWindowIcon(QIcon(str(ICON)))
    return app


def qsettings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, ORG)


class App(QObject):
    """The process-long part of the GUI."""

    def __init__(
        self,
        db_path: str,
        settings: QSettings,
        demo_note: str | None = None,
        synchronous: bool = False,
        use_tray: bool = True,
        interfaces=None,
        keep_agent: bool = True,
    ) -> None:
        super().__init__()
        self.qapp = QApplication.instance()
        self.settings = settings
        self.demo_note = demo_note
        self.interfaces = interfaces
        self.worker = StoreWorker(db_path, synchronous=synchronous)
        self.agent = AgentControl(db_path)
        self.agent.failed.connect(self._agent_failed)
        # restarts the agent while the operator wants counting (crash, kill, reboot)
        self.keeper = AgentKeeper(self.worker, self.agent, parent=self)
        if keep_agent and not demo_note:
            self.keeper.start()
        self.window: MainWindow | None = None
        self.tray: QSystemTrayIcon | None = None
        self.notifier: Notifier | None = None
        self._tray_told = False
        self.build_window()
        if use_tray and QSystemTrayIcon.isSystemTrayAvailable():
            self._make_tray()

    # ------------------------------------------------------------------ window

    def build_window(self, screen: str | None = None) -> MainWindow:
        old = self.window
        geometry = old.saveGeometry() if old is not None else None
        w = MainWindow(self.worker, self.settings, self.demo_note, interfaces=self.interfaces)
        w.dashboard.start_agent.connect(self.start_agent)
        w.dashboard.stop_agent.connect(self.stop_agent)
        w.settings_screen.applied.connect(self.settings_applied)
        w.hidden_to_tray.connect(self._hidden)
        w.keep_in_tray = self.tray is not None
        self.agent.setParent(w)
        if geometry is not None:
            w.restoreGeometry(geometry)
        else:
            w.resize(1280, 760)
        self.window = w
        if old is not None:
            old.quitting = True
            old.close()
            old.deleteLater()
        if screen:
            w.show_screen(screen)
        return w

    def settings_applied(self, values: dict) -> None:
        lang_changed = values["language"] != i18n.locale().name().split("_")[0]
        theme.apply(self.qapp, values["theme"])
        if lang_changed:
            i18n.install_language(values["language"])
        # rebuilt in the new language and palette (graph colours are set at build time)
        QTimer.singleShot(0, lambda: self.build_window("settings").show())

    # ------------------------------------------------------------------ agent

    def start_agent(self) -> None:
        self.worker.submit(lambda store: store.get_setting(INTERFACE_KEY) or "", self._start_with)

    def _start_with(self, interface: str) -> None:
        if not interface:
            QMessageBox.information(
                self.window,
                self.tr("Start counting"),
                self.tr("Choose the hotspot interface in Settings first."),
            )
            self.window.show_screen("settings")
            return
        if self.agent.start(interface):
            self.keeper.operator_started()
            self.worker.submit(lambda store: set_keep(store, True))

    def stop_agent(self) -> None:
        self.worker.submit(lambda store: set_keep(store, False))  # and do not bring it back
        snap = self.window.dashboard._last
        if snap is not None and snap.status:
            self.agent.stop(snap.status["agent"])

    def _agent_failed(self, message: str) -> None:
        QMessageBox.warning(self.window, self.tr("The agent did not start"), message)

    # ------------------------------------------------------------------ tray

    def _make_tray(self) -> None:
        tray = QSystemTrayIcon(QIcon(str(ICON)), self)
        tray.setToolTip(self.tr("Hotspot Manager"))
        menu = QMenu()
        show = QAction(self.tr("Show the window"), menu)
        show.triggered.connect(self.show_window)
        quit_ = QAction(self.tr("Close the window (counting goes on)"), menu)
        quit_.triggered.connect(self.quit)
        menu.addAction(show)
        menu.addAction(quit_)
        tray.setContextMenu(menu)
        tray.activated.connect(
            lambda reason: (
                self.show_window() if reason == QSystemTrayIcon.ActivationReason.Trigger else None
            )
        )
        tray.show()
        self._menu = menu
        self.tray = tray
        # new alerts of every kind as notifications, read on the store worker
        self.notifier = Notifier(self.worker, self.notify, parent=self)
        self.notifier.start()
        self.qapp.setQuitOnLastWindowClosed(False)
        if self.window is not None:
            self.window.keep_in_tray = True

    def notify(self, title: str, message: str) -> None:
        if self.tray is not None:
            self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Warning, 10_000)

    def _hidden(self) -> None:
        if self.tray is not None and not self._tray_told:
            self._tray_told = True
            self.tray.showMessage(
                self.tr("Hotspot Manager"),
                self.tr("The window is in the tray; the agent keeps counting."),
            )

    def show_window(self) -> None:
        w = self.window
        w.show()
        w.raise_()
        w.activateWindow()

    def quit(self) -> None:
        if self.window is not None:
            self.window.quitting = True
            self.window.close()
        self.qapp.quit()

    def close(self) -> None:
        self.keeper.stop()
        if self.notifier is not None:
            self.notifier.stop()
        if self.tray is not None:
            self.tray.hide()
        self.worker.close()


def first_run(settings: QSettings, db_path: str, interfaces=None) -> bool:
    """Ask the first-run questions when they were never answered; False if cancelled."""
    if setup_done(settings):
        return True
    dlg = FirstRunDialog(interfaces=interfaces)
    dlg.form.load(qsettings_values(settings), {})
    if dlg.exec() != FirstRunDialog.DialogCode.Accepted:
        return False
    values = dlg.form.values()
    save_qsettings(settings, values)
    from hotspot_manager.store import Store

    with Store.open(db_path) as store:
        write_store_settings(store, values)
    i18n.install_language(values["language"])
    theme.apply(QApplication.instance(), values["theme"])
    return True


def demo_banner() -> str:
    return QCoreApplication.translate(
        "Demo",
        "DEMO — not a real hotspot. A synthetic capture of a small hotspot (made with the "
        "project's IMIX generator, shipped in resources/) is replayed in real time through "
        "the same pipeline the agent uses, into a temporary database that is deleted on "
        "exit. It was first fed at once as the last ten minutes, so the graphs have history.",
    )


def run(
    db_path: str | None = None,
    demo: bool = False,
    language: str | None = None,
    theme_name: str | None = None,
    startup_check: bool = False,
    tray_only: bool = False,
) -> int:
    t0 = time.monotonic()
    qapp = make_qapp()
    settings = qsettings()
    values = qsettings_values(settings)
    i18n.install_language(language or values["language"])
    theme.apply(qapp, theme_name or values["theme"])

    feeder = None
    tmp = None
    demo_note = None
    if demo:
        from .demo import DemoFeeder, unpack_capture

        tmp = tempfile.TemporaryDirectory(prefix="hotspot-demo-")
        db_path = os.path.join(tmp.name, "demo.db")
        capture = unpack_capture(Path(tmp.name))
        feeder = DemoFeeder(db_path, capture)
        feeder.start()
        demo_note = demo_banner()
    else:
        if db_path is None:
            from hotspot_manager.store import default_db_path

            db_path = str(default_db_path())
        if not startup_check and not first_run(settings, db_path):
            return 0

    app = App(
        db_path,
        settings,
        demo_note,
        use_tray=not (startup_check or demo),
        keep_agent=not (startup_check or demo),
    )
    if not (tray_only and app.tray is not None):  # at login: only the tray icon
        app.window.show()
    if feeder is not None:
        # the replay's history lands a second or two after the window: read it again then
        def history_landed() -> None:
            if feeder.ready.is_set():
                poll.stop()
                app.window.dashboard.resync()
                app.window.devices.refresh()

        poll = QTimer(app)
        poll.setInterval(200)
        poll.timeout.connect(history_landed)
        poll.start()
    if startup_check:
        # time from the process' start to the window's first frame, for the acceptance check
        def report() -> None:
            import psutil

            since_exec = time.time() - psutil.Process().create_time()
            print(
                f"window shown {since_exec:.2f} s after the process started "
                f"({time.monotonic() - t0:.2f} s in run())",
                flush=True,
            )
            app.quit()

        QTimer.singleShot(0, report)
    # Ctrl-C or SIGTERM in a terminal closes the window cleanly (the demo's temporary
    # database is removed); Python only sees the signal when it runs, hence the timer.
    import signal

    def stop(*_: object) -> None:
        app.quit()

    old = [(sig, signal.signal(sig, stop)) for sig in (signal.SIGINT, signal.SIGTERM)]
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(250)
    try:
        return int(qapp.exec() or 0)
    finally:
        for sig, handler in old:
            signal.signal(sig, handler)
        app.close()
        if feeder is not None:
            feeder.stop()
        if tmp is not None:
            tmp.cleanup()
