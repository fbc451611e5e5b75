"""Devices: every device ever seen on the hotspot, with usage today and this month, its
owner, and a per-device history chart (by hour, day or month).

The table is a real ``QAbstractTableModel`` with named columns, sorted and searched through
a ``QSortFilterProxyModel``; renaming edits the *Name* cell (or the Rename button) and
writes through ``store.views.rename_device`` on the worker thread.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QRect,
    QSortFilterProxyModel,
    Qt,
    QTime,
    QTimer,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hotspot_manager import billing
from hotspot_manager.store import views

from . import theme
from .graph import LocaleDateAxis
from .i18n import fmt_ago, fmt_bytes, fmt_date, fmt_datetime
from .periods import day_start, history_edges, month_start
from .widgets import ok_cancel

REFRESH_MS = 10_000


def read_devices(store, now: int) -> list[dict[str, Any]]:
    return views.devices_table(store, day_start(now), month_start(now), now)


class DevicesModel(QAbstractTableModel):
    NAME, MAC, VENDOR, ADDRESS, FIRST_SEEN, LAST_SEEN, TODAY, MONTH, OWNER = range(9)
    COLUMNS = 9

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.now = time.time()
        self._headers = [
            self.tr("Name"),
            self.tr("MAC"),
            self.tr("Vendor"),
            self.tr("IP"),
            self.tr("First seen"),
            self.tr("Last seen"),
            self.tr("Today"),
            self.tr("This month"),
            self.tr("Customer"),
        ]
        self.random_text = self.tr("random")
        self.random_tip = self.tr(
            "Randomised (private) MAC address: the phone may show up under another one later."
        )
        self.renamer = None  # callable(device_id, name) set by the screen

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else self.COLUMNS

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            if role == Qt.ItemDataRole.ToolTipRole and section in (self.TODAY, self.MONTH):
                return self.tr("Internet traffic, download plus upload")
        return None

    def flags(self, index):
        f = super().flags(index)
        if index.column() == self.NAME:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def display_name(self, d: dict) -> str:
        return d["name"] or d["hostname"] or ""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        d = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return self.display_name(d) or "–"
            if col == self.MAC:
                return d["mac"]
            if col == self.VENDOR:
                return d["vendor"] or ("–" if d["locally_administered"] else self.tr("unknown"))
            if col == self.ADDRESS:
                return d["ipv4"] or d["ipv6"] or "–"
            if col == self.FIRST_SEEN:
                return fmt_date(d["first_seen"])
            if col == self.LAST_SEEN:
                return fmt_ago(d["last_seen"], self.now)
            if col == self.TODAY:
                return fmt_bytes(d["today_rx"] + d["today_tx"])
            if col == self.MONTH:
                return fmt_bytes(d["month_rx"] + d["month_tx"])
            if col == self.OWNER:
                return d["owner"] or "–"
        elif role == Qt.ItemDataRole.EditRole and col == self.NAME:
            return d["name"] or ""
        elif role == Qt.ItemDataRole.UserRole:  # sort key
            return self.sort_key(d, col)
        elif role == Qt.ItemDataRole.UserRole + 1:  # the randomised-MAC badge
            return bool(d["locally_administered"]) if col == self.MAC else None
        elif role == Qt.ItemDataRole.ToolTipRole:
            if col == self.MAC and d["locally_administered"]:
                return self.random_tip
            if col == self.NAME and d["name"] and d["hostname"]:
                return self.tr("Calls itself %1").replace("%1", d["hostname"])
            if col == self.NAME and not d["name"] and d["hostname"]:
                return self.tr("The name the device gave itself; double-click to rename")
            if col in (self.TODAY, self.MONTH):
                rx, tx = (
                    (d["today_rx"], d["today_tx"])
                    if col == self.TODAY
                    else (d["month_rx"], d["month_tx"])
                )
                return (
                    self.tr("Download %1, upload %2")
                    .replace("%1", fmt_bytes(rx))
                    .replace("%2", fmt_bytes(tx))
                )
            if col == self.LAST_SEEN:
                return fmt_datetime(d["last_seen"])
            if col == self.ADDRESS and d["ipv6"]:
                return d["ipv6"]
        elif role == Qt.ItemDataRole.ForegroundRole and col == self.NAME and not d["name"]:
            return QColor(theme.colours().muted)
        elif role == Qt.ItemDataRole.TextAlignmentRole and col in (self.TODAY, self.MONTH):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort_key(self, d: dict, col: int):
        if col == self.NAME:
            return self.display_name(d).lower()
        if col == self.MAC:
            return d["mac"]
        if col == self.VENDOR:
            return (d["vendor"] or "").lower()
        if col == self.ADDRESS:
            ip = d["ipv4"] or ""
            try:
                return tuple(int(p) for p in ip.split(".")) if ip else (999,)
            except ValueError:
                return (999,)
        if col == self.FIRST_SEEN:
            return d["first_seen"] or 0
        if col == self.LAST_SEEN:
            return d["last_seen"] or 0
        if col == self.TODAY:
            return d["today_rx"] + d["today_tx"]
        if col == self.MONTH:
            return d["month_rx"] + d["month_tx"]
        return (d["owner"] or "").lower()

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if role != Qt.ItemDataRole.EditRole or index.column() != self.NAME:
            return False
        d = self.rows[index.row()]
        label = " ".join(str(value).split()) or None
        if label == d["name"]:
            return False
        if self.renamer is not None:
            self.renamer(d["id"], label)
        return True

    def set_rows(self, rows: list[dict[str, Any]], now: float) -> None:
        self.now = now
        if [r["id"] for r in rows] == [r["id"] for r in self.rows]:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, self.COLUMNS - 1))
        else:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()

    def set_name(self, device_id: int, name: str | None) -> None:
        for i, r in enumerate(self.rows):
            if r["id"] == device_id:
                r["name"] = name
                self.dataChanged.emit(self.index(i, self.NAME), self.index(i, self.NAME))

    def row_of(self, device_id: int) -> int | None:
        for i, r in enumerate(self.rows):
            if r["id"] == device_id:
                return i
        return None


class DeviceFilter(QSortFilterProxyModel):
    """Search over name, own name, vendor, MAC, addresses and customer."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.needle = ""
        self.setSortRole(Qt.ItemDataRole.UserRole)
        self.setDynamicSortFilter(True)

    def set_needle(self, text: str) -> None:
        self.beginFilterChange()
        self.needle = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row, parent) -> bool:
        if not self.needle:
            return True
        d = self.sourceModel().rows[row]
        hay = " ".join(
            str(d.get(k) or "")
            for k in ("name", "hostname", "vendor", "mac", "ipv4", "ipv6", "owner")
        ).lower()
        return all(word in hay for word in self.needle.split())

    def lessThan(self, left, right) -> bool:
        a = left.data(Qt.ItemDataRole.UserRole)
        b = right.data(Qt.ItemDataRole.UserRole)
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


class MacDelegate(QStyledItemDelegate):
    """The MAC in a fixed-width font, with a small badge when it is randomised."""

    def __init__(self, badge_text: str, parent=None) -> None:
        super().__init__(parent)
        self.badge_text = badge_text

    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)
        if not index.data(Qt.ItemDataRole.UserRole + 1):
            return
        painter.save()
        fm = option.fontMetrics
        w = fm.horizontalAdvance(self.badge_text) + 10
        h = fm.height()
        r = option.rect
        box = QRect(r.right() - w - 4, r.center().y() - h // 2, w, h)
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.colours().warn))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(theme.colours().badge_text))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.badge_text)
        painter.restore()

    def sizeHint(self, option, index):
        s = super().sizeHint(option, index)
        if index.data(Qt.ItemDataRole.UserRole + 1):
            s.setWidth(s.width() + option.fontMetrics.horizontalAdvance(self.badge_text) + 18)
        return s

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.font.setFamily("monospace")
        option.font.setStyleHint(option.font.StyleHint.Monospace)


class HistoryChart(QWidget):
    """One device's internet download and upload per hour, day or month (bars)."""

    def __init__(self, worker, parent=None, clock=time.time) -> None:
        super().__init__(parent)
        self.worker = worker
        self.clock = clock
        self.device: dict | None = None
        self.kind = "day"
        c = theme.colours()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.title = QLabel(self.tr("Choose a device to see its history"))
        self.title.setObjectName("cardTitle")
        head.addWidget(self.title, 1)
        self.group = QButtonGroup(self)
        self.buttons = {}
        for kind, text in (
            ("hour", self.tr("By hour")),
            ("day", self.tr("By day")),
            ("month", self.tr("By month")),
        ):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setChecked(kind == self.kind)
            b.clicked.connect(lambda _=False, k=kind: self.set_kind(k))
            self.group.addButton(b)
            self.buttons[kind] = b
            head.addWidget(b)
        lay.addLayout(head)
        self.plot = pg.PlotWidget(
            axisItems={"bottom": LocaleDateAxis(orientation="bottom")}, background=c.graph_bg
        )
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(y=True, alpha=0.15)
        item.setMouseEnabled(x=False, y=False)
        for name in ("left", "bottom"):
            ax = item.getAxis(name)
            ax.setPen(pg.mkPen(c.graph_fg))
            ax.setTextPen(pg.mkPen(c.graph_fg))
        item.getAxis("left").setLabel(self.tr("MB"))
        self.legend = item.addLegend(offset=(8, 4), labelTextColor=c.graph_fg)
        self.down_bars = pg.BarGraphItem(x=[], height=[], width=1, brush=c.down)
        self.up_bars = pg.BarGraphItem(x=[], height=[], width=1, brush=c.up)
        item.addItem(self.down_bars)
        item.addItem(self.up_bars)
        self.legend.addItem(self.down_bars, self.tr("Download"))
        self.legend.addItem(self.up_bars, self.tr("Upload"))
        self.plot.setMinimumHeight(160)
        lay.addWidget(self.plot, 1)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        lay.addWidget(self.summary)

    def clear(self) -> None:
        self.set_device(None, self.tr("Choose a device to see its history"))

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.buttons[kind].setChecked(True)
        self.reload()

    def set_device(self, device: dict | None, title: str) -> None:
        self.device = device
        self.title.setText(title)
        self.reload()

    def reload(self) -> None:
        # no device: no axes with made-up dates, just the invitation in the title
        self.plot.setVisible(self.device is not None)
        if self.device is None:
            self.down_bars.setOpts(x=[], height=[])
            self.up_bars.setOpts(x=[], height=[])
            self.summary.setText("")
            return
        edges = history_edges(self.kind, self.clock())
        device_id, kind = self.device["id"], self.kind
        self.worker.submit(
            lambda store: views.device_history(store, device_id, edges),
            lambda rows: self._draw(device_id, kind, rows),
        )

    def _draw(self, device_id: int, kind: str, rows: list[dict]) -> None:
        if self.device is None or self.device["id"] != device_id or kind != self.kind:
            return
        if not rows:
            return
        starts = np.array([r["start"] for r in rows], dtype=float)
        widths = np.array([r["end"] - r["start"] for r in rows], dtype=float)
        down = np.array([r["inet_rx"] for r in rows], dtype=float) / 1e6
        up = np.array([r["inet_tx"] for r in rows], dtype=float) / 1e6
        w = widths * 0.4
        self.down_bars.setOpts(x=starts + widths * 0.3, height=down, width=w)
        self.up_bars.setOpts(x=starts + widths * 0.7, height=up, width=w)
        item = self.plot.getPlotItem()
        item.setXRange(starts[0], starts[-1] + widths[-1], padding=0.01)
        top = max(float(down.max(initial=0)), float(up.max(initial=0)))
        item.setYRange(0, top * 1.1 if top > 0 else 1, padding=0)
        total_down = sum(r["inet_rx"] for r in rows)
        total_up = sum(r["inet_tx"] for r in rows)
        self.summary.setText(
            self.tr("Shown period: download %1, upload %2")
            .replace("%1", fmt_bytes(total_down))
            .replace("%2", fmt_bytes(total_up))
        )


class DevicesScreen(QWidget):
    def __init__(self, worker, parent=None, clock=time.time) -> None:
        super().__init__(parent)
        self.worker = worker
        self.clock = clock
        self.loaded = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 12)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search by name, vendor, MAC, IP or customer"))
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.rename_button = QPushButton(self.tr("Rename…"))
        self.rename_button.setEnabled(False)
        self.rename_button.clicked.connect(self.rename_selected)
        bar.addWidget(self.rename_button)
        self.assign_button = QPushButton(self.tr("Assign to customer…"))
        self.assign_button.setEnabled(False)
        self.assign_button.clicked.connect(self.assign_selected)
        bar.addWidget(self.assign_button)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        bar.addWidget(self.count_label)
        lay.addLayout(bar)

        self.model = DevicesModel(self)
        self.model.renamer = self.rename
        self.proxy = DeviceFilter(self)
        self.proxy.setSourceModel(self.model)
        self.search.textChanged.connect(self._search)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(DevicesModel.LAST_SEEN, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setItemDelegateForColumn(
            DevicesModel.MAC, MacDelegate(self.model.random_text, self.table)
        )
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        split.addWidget(self.table)
        self.history = HistoryChart(worker, clock=clock)
        split.addWidget(self.history)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([3000, 2000])
        lay.addWidget(split, 1)
        self.empty = QLabel(
            self.tr("No device has been seen yet. Devices appear here once the agent counts.")
        )
        self.empty.setObjectName("muted")
        self.empty.setVisible(False)
        lay.addWidget(self.empty)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def refresh(self) -> None:
        now = int(self.clock())
        self.worker.submit(lambda store: read_devices(store, now), self._loaded, key="devices")

    def _loaded(self, rows: list[dict]) -> None:
        first = not self.loaded
        self.loaded = True
        self.model.set_rows(rows, self.clock())
        self.count_label.setText(self.tr("%n device(s)", "", len(rows)))
        self.empty.setVisible(not rows)
        if first:
            self._fit_columns()

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()
        hh = self.table.horizontalHeader()
        name_w = max(hh.sectionSize(DevicesModel.NAME), 140)
        hh.resizeSection(DevicesModel.NAME, min(name_w, 220))
        hh.resizeSection(DevicesModel.VENDOR, min(hh.sectionSize(DevicesModel.VENDOR), 190))

    def _search(self, text: str) -> None:
        self.proxy.set_needle(text)

    def selected_device(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        src = self.proxy.mapToSource(rows[0])
        return self.model.rows[src.row()]

    def _selected(self, *_: object) -> None:
        d = self.selected_device()
        self.rename_button.setEnabled(d is not None)
        self.assign_button.setEnabled(d is not None)
        if d is None:
            self.history.clear()
            return
        label = self.model.display_name(d) or d["vendor"] or d["mac"]
        self.history.set_device(d, self.tr("History of %1 (internet traffic)").replace("%1", label))

    def select_device(self, device_id: int) -> None:
        row = self.model.row_of(device_id)
        if row is None:
            return
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(idx.row())

    def rename_selected(self) -> None:
        d = self.selected_device()
        if d is None:
            return
        name, ok = QInputDialog.getText(
            self,
            self.tr("Rename device"),
            self.tr("Name for %1 (empty to clear):").replace("%1", d["mac"]),
            QLineEdit.EchoMode.Normal,
            d["name"] or d["hostname"] or "",
        )
        if ok:
            self.rename(d["id"], name)

    def rename(self, device_id: int, name: str | None) -> None:
        self.worker.submit(
            lambda store: views.rename_device(store, device_id, name),
            lambda label: self.model.set_name(device_id, label),
            lambda exc: QMessageBox.warning(
                self, self.tr("Rename device"), self.tr("Not renamed: %1").replace("%1", str(exc))
            ),
        )

    # ------------------------------------------------------------------ owner

    def assign_selected(self) -> None:
        d = self.selected_device()
        if d is None:
            return
        self.worker.submit(
            billing.list_customers,
            lambda customers: self._ask_customer(d, customers),
            lambda exc: QMessageBox.warning(self, self.tr("Assign to customer"), str(exc)),
        )

    def _ask_customer(self, device: dict, customers: list[dict]) -> None:
        if not customers:
            QMessageBox.information(
                self,
                self.tr("Assign to customer"),
                self.tr("No customers yet: add one on the Customers screen."),
            )
            return
        label = self.model.display_name(device) or device["vendor"] or device["mac"]
        dlg = AssignToCustomerDialog(label, customers, parent=self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.customer_id() is not None:
            self.assign(device["mac"], dlg.customer_id(), dlg.since_epoch())

    def assign(self, mac: str, customer_id: int, since: int) -> None:
        """The same billing call as the Customers screen's Assign device."""
        self.worker.submit(
            lambda store: billing.assign_device(store, mac, customer_id, since=since),
            lambda _a: self.refresh(),
            lambda exc: QMessageBox.warning(
                self,
                self.tr("Assign to customer"),
                self.tr("Not assigned: %1").replace("%1", str(exc)),
            ),
        )


class AssignToCustomerDialog(QDialog):
    """A customer, and the day from which the device is theirs."""

    def __init__(self, device_label: str, customers: list[dict], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Assign %1 to a customer").replace("%1", device_label))
        form = QFormLayout(self)
        self.customer = QComboBox()
        for c in customers:
            self.customer.addItem(c["name"], c["id"])
        self.since = QDateEdit(QDate.currentDate())
        self.since.setCalendarPopup(True)
        form.addRow(self.tr("Customer"), self.customer)
        form.addRow(self.tr("From"), self.since)
        note = QLabel(
            self.tr(
                "From that day its use is billed to this customer; an earlier owner keeps "
                "the days before."
            )
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        form.addRow(note)
        form.addRow(ok_cancel(self))

    def customer_id(self) -> int | None:
        return self.customer.currentData()

    def since_epoch(self) -> int:
        return int(QDateTime(self.since.date(), QTime(0, 0)).toSecsSinceEpoch())
