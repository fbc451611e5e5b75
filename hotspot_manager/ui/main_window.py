"""The main window: a sidebar of screens, the demo banner, and a status bar.

Closing the window never stops the agent (a separate process): with a tray icon the window
only hides; without one the window closes and the agent keeps counting.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .alerts import AlertsScreen
from .billing import BillingScreen
from .customers import CustomersScreen
from .dashboard import DashboardScreen
from .devices import DevicesScreen
from .settings import SettingsScreen

SCREENS = ("dashboard", "devices", "customers", "billing", "alerts", "settings")


class MainWindow(QMainWindow):
    closing = Signal()  # the window is closing for good (no tray)
    hidden_to_tray = Signal()

    def __init__(
        self,
        worker,
        settings: QSettings,
        demo_note: str | None = None,
        clock=time.time,
        interfaces=None,
    ) -> None:
        super().__init__()
        self.worker = worker
        self.settings = settings
        self.clock = clock
        self.keep_in_tray = False  # set by the app when a tray icon is shown
        self.quitting = False
        title = self.tr("Hotspot Manager")
        if demo_note:
            title = self.tr("%1 — demo").replace("%1", title)
        self.setWindowTitle(title)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.banner = QLabel(demo_note or "")
        self.banner.setObjectName("demoBanner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(bool(demo_note))
        outer.addWidget(self.banner)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(180)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body.addWidget(self.sidebar)
        self.stack = QStackedWidget()
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        self.dashboard = DashboardScreen(worker, clock=clock)
        self.dashboard.allow_agent_control = not demo_note
        self.devices = DevicesScreen(worker, clock=clock)
        self.customers = CustomersScreen(worker, clock=clock)
        self.billing = BillingScreen(worker, clock=clock)
        self.alerts = AlertsScreen(worker, clock=clock)
        self.settings_screen = SettingsScreen(worker, settings, interfaces=interfaces)
        names = (
            self.tr("Dashboard"),
            self.tr("Devices"),
            self.tr("Customers"),
            self.tr("Billing"),
            self.tr("Alerts"),
            self.tr("Settings"),
        )
        screens = (
            self.dashboard,
            self.devices,
            self.customers,
            self.billing,
            self.alerts,
            self.settings_screen,
        )
        for name, screen in zip(names, screens, strict=True):
            self.sidebar.addItem(name)
            self.stack.addWidget(screen)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setCurrentRow(0)

        self.agent_label = QLabel()
        self.statusBar().addWidget(self.agent_label, 1)
        self.db_label = QLabel(self.tr("Database: %1").replace("%1", worker.db_path))
        self.db_label.setObjectName("muted")
        self.statusBar().addPermanentWidget(self.db_label)
        self.dashboard.status_seen.connect(self._status_seen)

    def _status_seen(self, st: dict) -> None:
        a = st["agent"]
        if a["running"]:
            self.agent_label.setText(
                self.tr("Counting on %1. Closing this window does not stop counting.").replace(
                    "%1", a["interface"]
                )
            )
        else:
            self.agent_label.setText(self.tr("Not counting: usage is not being recorded."))

    def show_screen(self, name: str) -> None:
        self.sidebar.setCurrentRow(SCREENS.index(name))

    def current_screen(self) -> str:
        return SCREENS[self.stack.currentIndex()]

    def closeEvent(self, event) -> None:
        if self.keep_in_tray and not self.quitting:
            event.ignore()
            self.hide()
            self.hidden_to_tray.emit()
            return
        self.closing.emit()
        super().closeEvent(event)
