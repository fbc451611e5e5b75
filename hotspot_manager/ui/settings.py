"""Settings and the first-run questions: business name, language, currency, theme, and the
hotspot interface chosen among the real ones (with their addresses); the LAN is detected
from the chosen interface's address.

Where each is kept: language, theme and "first run done" in ``QSettings`` (per user, read
before the window is built); the business name through billing's own settings
(``billing.business_name``); the interface and currency in the store (``gui.interface``,
``gui.currency``); the LAN in the store's ``lan`` setting, which the agent classifies with.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from dataclasses import dataclass

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from . import autostart, i18n
from .theme import THEMES
from .widgets import screen_title

CURRENCIES = ("CUP", "MLC", "USD")
INTERFACE_KEY = "gui.interface"
CURRENCY_KEY = "gui.currency"
BUSINESS_KEY = "billing.business_name"  # billing's key (billing.accounts.SETTING_KEYS)


@dataclass(frozen=True)
class Interface:
    name: str
    up: bool
    mac: str | None
    ipv4: list[tuple[str, str]]  # (address, netmask)
    ipv6: list[str]

    def lan(self) -> str | None:
        """The IPv4 network of the first address, e.g. 192.168.137.0/24."""
        for addr, mask in self.ipv4:
            if mask:
                try:
                    return str(ipaddress.ip_interface(f"{addr}/{mask}").network)
                except ValueError:
                    continue
        return None


def list_interfaces() -> list[Interface]:
    """The machine's network interfaces (loopback left out), up ones first."""
    import psutil

    stats = psutil.net_if_stats()
    out = []
    for name, addrs in psutil.net_if_addrs().items():
        st = stats.get(name)
        v4 = [(a.address, a.netmask or "") for a in addrs if a.family == socket.AF_INET]
        if any(ipaddress.ip_address(a).is_loopback for a, _ in v4) or name == "lo":
            continue
        v6 = [a.address.split("%")[0] for a in addrs if a.family == socket.AF_INET6]
        mac = next(
            (a.address.lower() for a in addrs if a.family == psutil.AF_LINK and a.address), None
        )
        out.append(Interface(name, bool(st and st.isup), mac, v4, v6))
    out.sort(key=lambda i: (not i.up, not i.ipv4, i.name))
    return out


# ---------------------------------------------------------------------- store side


def read_store_settings(store) -> dict:
    lan = store.get_setting("lan")
    return {
        "business": store.get_setting(BUSINESS_KEY) or "",
        "interface": store.get_setting(INTERFACE_KEY) or "",
        "currency": store.get_setting(CURRENCY_KEY) or "CUP",
        "lan": ", ".join(json.loads(lan)) if lan else "",
    }


def write_store_settings(store, values: dict) -> dict:
    """Save what the form holds; billing validates its own setting."""
    from hotspot_manager.agent.pipeline import store_lan

    try:
        from hotspot_manager.billing import save_settings
    except ImportError:  # billing not installed: keep the name under its key anyway
        store.set_setting(BUSINESS_KEY, values["business"])
    else:
        save_settings(store, {"business_name": values["business"]})
    store.set_setting(INTERFACE_KEY, values["interface"])
    store.set_setting(CURRENCY_KEY, values["currency"])
    cidrs = [c.strip() for c in values["lan"].split(",") if c.strip()]
    if cidrs:
        store_lan(store, cidrs)
    return read_store_settings(store)


# ---------------------------------------------------------------------- the form


class SetupForm(QWidget):
    """The fields shared by the first-run dialog and the Settings screen."""

    changed = Signal()

    def __init__(self, parent=None, interfaces: list[Interface] | None = None) -> None:
        super().__init__(parent)
        self.interfaces = list_interfaces() if interfaces is None else interfaces
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.business = QLineEdit()
        self.business.setMaxLength(120)
        self.business.setPlaceholderText(self.tr("As it appears on bills"))
        form.addRow(self.tr("Business name"), self.business)
        self.language = QComboBox()
        for code, name in i18n.LANGUAGES.items():
            self.language.addItem(name, code)
        form.addRow(self.tr("Language"), self.language)
        self.currency = QComboBox()
        for code in CURRENCIES:
            self.currency.addItem(code, code)
        form.addRow(self.tr("Main currency"), self.currency)
        self.theme = QComboBox()
        for code, text in zip(
            THEMES, (self.tr("Like the system"), self.tr("Light"), self.tr("Dark")), strict=True
        ):
            self.theme.addItem(text, code)
        form.addRow(self.tr("Appearance"), self.theme)
        self.interface = QComboBox()
        for itf in self.interfaces:
            self.interface.addItem(self.describe(itf), itf.name)
        if not self.interfaces:
            self.interface.addItem(self.tr("No network interface found"), "")
        self.interface.currentIndexChanged.connect(self._interface_chosen)
        form.addRow(self.tr("Hotspot interface"), self.interface)
        lan_row = QHBoxLayout()
        self.lan = QLineEdit()
        self.lan.setPlaceholderText("192.168.137.0/24")
        lan_row.addWidget(self.lan, 1)
        self.detect = QPushButton(self.tr("Detect"))
        self.detect.clicked.connect(self._interface_chosen)
        lan_row.addWidget(self.detect)
        form.addRow(self.tr("Hotspot network (LAN)"), lan_row)
        self.lan_note = QLabel(
            self.tr(
                "Traffic to addresses outside this range is internet usage; the rest is local "
                "and not billed."
            )
        )
        self.lan_note.setObjectName("muted")
        self.lan_note.setWordWrap(True)
        self.lan_note.setMinimumWidth(360)
        form.addRow("", self.lan_note)
        self.autostart = QCheckBox(
            self.tr("Open at login, in the tray (counting comes back after a power cut)")
        )
        if autostart.supported():
            form.addRow(self.tr("Start"), self.autostart)
        else:
            self.autostart.setVisible(False)
        self.autostart.toggled.connect(self.changed)
        for w in (self.business, self.lan):
            w.textEdited.connect(self.changed)
        for c in (self.language, self.currency, self.theme, self.interface):
            c.currentIndexChanged.connect(self.changed)

    def describe(self, itf: Interface) -> str:
        addrs = ", ".join(a for a, _ in itf.ipv4) or self.tr("no IPv4 address")
        state = "" if itf.up else " " + self.tr("(down)")
        return f"{itf.name} — {addrs}{state}"

    def _interface_chosen(self, *_: object) -> None:
        name = self.interface.currentData()
        for itf in self.interfaces:
            if itf.name == name and itf.lan():
                self.lan.setText(itf.lan())
                self.changed.emit()
                return

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        i = combo.findData(value)
        if i >= 0:
            combo.setCurrentIndex(i)

    def load(self, qsettings: dict, store_values: dict) -> None:
        self.business.setText(store_values.get("business", ""))
        self._select(self.language, qsettings.get("language", i18n.DEFAULT_LANGUAGE))
        self._select(self.theme, qsettings.get("theme", "system"))
        self._select(self.currency, store_values.get("currency", "CUP"))
        if store_values.get("interface"):
            self._select(self.interface, store_values["interface"])
        if store_values.get("lan"):
            self.lan.setText(store_values["lan"])
        elif not self.lan.text():
            self._interface_chosen()
        self.autostart.setChecked(autostart.enabled())

    def values(self) -> dict:
        return {
            "business": self.business.text().strip(),
            "language": self.language.currentData(),
            "theme": self.theme.currentData(),
            "currency": self.currency.currentData(),
            "interface": self.interface.currentData() or "",
            "lan": self.lan.text().strip(),
            "autostart": self.autostart.isChecked(),
        }

    def check(self) -> str | None:
        """A problem with the values, translated, or None."""
        for c in [c.strip() for c in self.lan.text().split(",") if c.strip()]:
            try:
                ipaddress.ip_network(c, strict=False)
            except ValueError:
                return self.tr("“%1” is not a network range such as 192.168.1.0/24.").replace(
                    "%1", c
                )
        return None


def qsettings_values(settings: QSettings) -> dict:
    return {
        "language": settings.value("language", i18n.system_language()),
        "theme": settings.value("theme", "system"),
    }


def setup_done(settings: QSettings) -> bool:
    """Whether the first-run questions were answered.

    Read as text: ``QSettings.value(key, type=bool)`` in PySide6 6.12 drops a reference to
    ``True`` each time it converts a stored string, until the interpreter aborts."""
    return str(settings.value("setup_done", "false")).lower() in ("true", "1")


def save_qsettings(settings: QSettings, values: dict) -> None:
    settings.setValue("language", values["language"])
    settings.setValue("theme", values["theme"])
    settings.setValue("setup_done", "true")
    settings.sync()
    if "autostart" in values:  # this user's login on this computer, like QSettings
        autostart.set_enabled(values["autostart"])


class FirstRunDialog(QDialog):
    """Asked once, before the main window: the few facts the app cannot guess."""

    def __init__(self, parent=None, interfaces: list[Interface] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Welcome to Hotspot Manager"))
        lay = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "A few questions before we start. You can change every answer later in Settings."
            )
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.form = SetupForm(self, interfaces)
        lay.addWidget(self.form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Start"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _accept(self) -> None:
        problem = self.form.check()
        if problem:
            self.error.setText(problem)
            self.error.setVisible(True)
            return
        self.accept()


class SettingsScreen(QWidget):
    """The same questions, any time; language and appearance apply at once."""

    applied = Signal(dict)  # the values, after saving

    def __init__(self, worker, settings: QSettings, parent=None, interfaces=None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.settings = settings
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 16)
        lay.addWidget(screen_title(self.tr("Settings")))
        self.form = SetupForm(self, interfaces)
        self.form.setMaximumWidth(760)
        lay.addWidget(self.form)
        row = QHBoxLayout()
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        self.message = QLabel()
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        lay.addLayout(row)
        self.db_label = QLabel(self.tr("Database: %1").replace("%1", worker.db_path))
        self.db_label.setObjectName("muted")
        self.db_label.setWordWrap(True)
        lay.addWidget(self.db_label)
        lay.addStretch(1)
        self.form.changed.connect(lambda: self.save_button.setEnabled(True))
        self.form.load(qsettings_values(settings), {})
        worker.submit(read_store_settings, self._loaded)

    def _loaded(self, values: dict) -> None:
        self.form.load(qsettings_values(self.settings), values)
        self.save_button.setEnabled(False)

    def save(self) -> None:
        problem = self.form.check()
        if problem:
            self.message.setText(problem)
            return
        values = self.form.values()
        save_qsettings(self.settings, values)
        self.save_button.setEnabled(False)
        self.message.setText(self.tr("Saving…"))
        self.worker.submit(
            lambda store: write_store_settings(store, values),
            lambda _: self._saved(values),
            lambda exc: self.message.setText(self.tr("Not saved: %1").replace("%1", str(exc))),
        )

    def _saved(self, values: dict) -> None:
        self.message.setText(self.tr("Saved."))
        self.applied.emit(values)
