"""Dashboard: the agent, the uplink and the router, today's totals, the live graph, and
who is connected now with their rates.

A 1 s ``QTimer`` runs only while the screen is visible; each tick asks the worker for one
snapshot (``read_snapshot``, plain Python over the store) and draws it when it comes back.
A tick whose previous snapshot is still being read is skipped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hotspot_manager.store import views

from . import i18n
from .graph import TOP_CLIENTS, VISIBLE_SECONDS, BandwidthGraph
from .i18n import fmt_ago, fmt_bytes, fmt_datetime, fmt_duration, fmt_int, fmt_ms, fmt_rate
from .periods import day_start
from .widgets import Card

RATE_WINDOW = 5  # seconds the live rates are averaged over (as `status`)
RELOAD_SECONDS = 5  # recent seconds re-read each tick: the agent adds to the current one
TOP_EVERY = 10  # seconds between choices of the top clients
TODAY_EVERY = 10  # seconds between reads of today's totals
RESYNC_EVERY = 30  # seconds between re-reads of the whole visible window (late writes)
OLDER_CHUNK = 2 * 3600  # seconds per read when scrolling back


def device_label(d: dict[str, Any]) -> str:
    """What to call a device: the operator's name, its own, its vendor, else its MAC."""
    return d.get("name") or d.get("hostname") or d.get("vendor") or d.get("mac") or "?"


@dataclass
class Request:
    now: int
    fetch_from: int
    top_ids: list[int]
    choose_top: bool
    new_top_from: int
    today_from: int | None
    window: int = RATE_WINDOW
    older: tuple[int, int] | None = None


@dataclass
class Snapshot:
    now: int
    fetch_from: int
    totals: list = field(default_factory=list)
    rates: list = field(default_factory=list)
    top_ids: list[int] = field(default_factory=list)
    new_top: list[int] = field(default_factory=list)
    series: list = field(default_factory=list)
    new_series: list = field(default_factory=list)
    new_top_from: int = 0
    status: dict | None = None
    today: dict | None = None
    names: dict = field(default_factory=dict)


def read_snapshot(store, req: Request) -> Snapshot:
    """Everything one tick draws, read in the worker thread."""
    from hotspot_manager.commands.agent import agent_status

    now = req.now
    snap = Snapshot(now=now, fetch_from=req.fetch_from, new_top_from=req.new_top_from)
    snap.totals = views.totals_per_second(store, req.fetch_from, now + 1)
    snap.rates = views.device_rates(store, now - req.window + 1, now + 1)
    top = list(req.top_ids)
    if req.choose_top:
        top = views.top_devices(store, now - VISIBLE_SECONDS, now + 1, TOP_CLIENTS)
    snap.top_ids = top
    known = [i for i in top if i in req.top_ids]
    snap.new_top = [i for i in top if i not in req.top_ids]
    snap.series = views.device_series(store, known, req.fetch_from, now + 1)
    snap.new_series = views.device_series(store, snap.new_top, req.new_top_from, now + 1)
    if snap.new_top:
        snap.names = views.device_names(store, snap.new_top)
    snap.status = agent_status(store, req.window, now=now + 0.999)
    if req.today_from is not None:
        snap.today = views.usage_totals(store, req.today_from)
    return snap


def read_older(store, since: int, until: int) -> tuple[int, int, list]:
    return since, until, views.totals_per_second(store, since, until)


# ---------------------------------------------------------------------- live devices


class LiveDevicesModel(QAbstractTableModel):
    """Devices with traffic in the last seconds, with their internet rates.

    It sorts itself (no proxy): with 200 devices a proxy re-sorting on every tick and a
    view measuring every row cost the UI thread tens of milliseconds a second."""

    DEVICE, ADDRESS, DOWN, UP = range(4)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []
        self._window = RATE_WINDOW
        self._sort = (self.DOWN, Qt.SortOrder.DescendingOrder)
        self._headers = [
            self.tr("Device"),
            self.tr("Address"),
            self.tr("Download"),
            self.tr("Upload"),
        ]

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else 4

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            if role == Qt.ItemDataRole.ToolTipRole and section in (self.DOWN, self.UP):
                return self.tr(
                    "Internet traffic, averaged over the last %n second(s)", "", self._window
                )
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            d = self._rows[index.row()]
            col = index.column()
            if col == self.DEVICE:
                return device_label(d)
            if col == self.ADDRESS:
                return d["ipv4"] or d["mac"]
            if col == self.DOWN:
                return fmt_rate(d["inet_rx_bytes"] / self._window)
            return fmt_rate(d["inet_tx_bytes"] / self._window)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= self.DOWN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() <= self.ADDRESS:
            d = self._rows[index.row()]
            return f"{d['mac']}  {d['vendor'] or ''}".strip()
        return None

    @staticmethod
    def _key(col: int):
        if col == LiveDevicesModel.DEVICE:
            return lambda d: device_label(d).lower()
        if col == LiveDevicesModel.ADDRESS:
            return lambda d: (d["ipv4"] is None, _ip_key(d["ipv4"]), d["mac"])
        if col == LiveDevicesModel.DOWN:
            return lambda d: d["inet_rx_bytes"]
        return lambda d: d["inet_tx_bytes"]

    def _sorted(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        col, order = self._sort
        return sorted(rows, key=self._key(col), reverse=order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._rows = self._sorted(self._rows)
        self.layoutChanged.emit()

    def set_rows(self, rows: list[dict[str, Any]], window: int) -> None:
        self._window = window
        rows = self._sorted(rows)
        if len(rows) == len(self._rows):
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, 3))
        else:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()

    def row(self, i: int) -> dict[str, Any]:
        return self._rows[i]


def _ip_key(ip: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in (ip or "").split("."))
    except ValueError:
        return ()


# ---------------------------------------------------------------------- the screen


class DashboardScreen(QWidget):
    """The live overview."""

    start_agent = Signal()
    stop_agent = Signal()
    status_seen = Signal(dict)

    def __init__(self, worker, parent=None, clock=time.time) -> None:
        super().__init__(parent)
        self.worker = worker
        self.clock = clock
        self._last: Snapshot | None = None
        self._top_ids: list[int] = []
        self._names: dict[int, str] = {}
        self._last_top = 0.0
        self._last_today = 0.0
        self._last_resync = time.monotonic()
        self._fetched_to: int | None = None
        self._older: tuple[int, int] | None = None
        self.ticks = 0
        self.allow_agent_control = True  # off in the demo: its "agent" is this process

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(10)

        cards = QHBoxLayout()
        cards.setSpacing(10)
        self.agent_card = Card(self.tr("Counting agent"))
        self.uplink_card = Card(self.tr("Uplink"))
        self.router_card = Card(self.tr("Router"))
        self.today_card = Card(self.tr("Today"))
        for c in (self.agent_card, self.uplink_card, self.router_card, self.today_card):
            cards.addWidget(c, 1)
        buttons = QHBoxLayout()
        self.start_button = QPushButton(self.tr("Start counting"))
        self.stop_button = QPushButton(self.tr("Stop counting"))
        self.start_button.clicked.connect(self.start_agent)
        self.stop_button.clicked.connect(self.stop_agent)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        self.agent_card.extra.addLayout(buttons)
        self.start_button.setVisible(False)
        self.stop_button.setVisible(False)
        outer.addLayout(cards)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        self.graph = BandwidthGraph(now=self.clock())
        self.graph.need_range.connect(self._load_older)
        split.addWidget(self.graph)

        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(4, 0, 0, 0)
        self.live_title = QLabel(self.tr("Connected now"))
        self.live_title.setObjectName("cardTitle")
        bl.addWidget(self.live_title)
        self.live_model = LiveDevicesModel(self)
        self.live_table = QTableView()
        self.live_table.setModel(self.live_model)
        self.live_table.setSortingEnabled(True)
        self.live_table.sortByColumn(LiveDevicesModel.DOWN, Qt.SortOrder.DescendingOrder)
        self.live_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.live_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.live_table.setAlternatingRowColors(True)
        self.live_table.verticalHeader().setVisible(False)
        self.live_table.verticalHeader().setDefaultSectionSize(24)
        hh = self.live_table.horizontalHeader()
        # fixed widths: measuring 200 rows' contents on every tick would block the UI
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setSectionResizeMode(LiveDevicesModel.DEVICE, QHeaderView.ResizeMode.Stretch)
        fm = self.live_table.fontMetrics()
        for col, sample in (
            (LiveDevicesModel.ADDRESS, "192.168.137.255"),
            (LiveDevicesModel.DOWN, fmt_rate(999_900 / 8)),
            (LiveDevicesModel.UP, fmt_rate(999_900 / 8)),
        ):
            header = self.live_model.headerData(col, Qt.Orientation.Horizontal)
            width = max(fm.horizontalAdvance(sample), fm.horizontalAdvance(header) + 14)
            hh.resizeSection(col, width + 12)
        bl.addWidget(self.live_table, 1)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("muted")
        self.empty_label.setWordWrap(True)
        bl.addWidget(self.empty_label)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([1100, 900])
        outer.addWidget(split, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.refresh)
        self._show_waiting()

    # ------------------------------------------------------------------ visibility

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.timer.stop()

    # ------------------------------------------------------------------ ticks

    def refresh(self) -> None:
        """Ask for one snapshot (skipped while the previous one is being read)."""
        if self.worker.busy("dashboard"):
            return
        now = int(self.clock())
        mono = time.monotonic()
        if mono - self._last_resync >= RESYNC_EVERY:
            # seconds written late (an import, an agent catching up) are picked up too
            self._fetched_to = None
            self._last_resync = mono
        if self._fetched_to is None:
            fetch_from = now - VISIBLE_SECONDS
        else:
            fetch_from = max(self._fetched_to - RELOAD_SECONDS, now - VISIBLE_SECONDS)
        choose_top = self._last is None or not self._last_top or mono - self._last_top >= TOP_EVERY
        if choose_top:
            self._last_top = mono
        today_from = None
        if self._last is None or not self._last_today or mono - self._last_today >= TODAY_EVERY:
            today_from = day_start(now)
            self._last_today = mono
        req = Request(
            now=now,
            fetch_from=fetch_from,
            top_ids=list(self._top_ids),
            choose_top=choose_top,
            new_top_from=now - VISIBLE_SECONDS,
            today_from=today_from,
        )
        self.worker.submit(lambda store: read_snapshot(store, req), self._draw, key="dashboard")

    def resync(self) -> None:
        """Read the whole visible window again at the next tick (and choose the top)."""
        self._fetched_to = None
        self._last_top = 0.0
        self._last_today = 0.0
        if self.isVisible():
            self.refresh()

    def _draw(self, snap: Snapshot) -> None:
        self.ticks += 1
        self._last = snap
        self._fetched_to = snap.now + 1
        g = self.graph
        g.put_totals(snap.fetch_from, snap.now + 1, snap.totals)
        for r in snap.rates:
            self._names[r["id"]] = device_label(r)
        for i, d in snap.names.items():
            self._names[i] = device_label(d)
        if snap.top_ids != self._top_ids:
            g.set_clients(snap.top_ids, self._names)
            self._top_ids = list(snap.top_ids)
        if snap.series:
            g.put_clients(snap.fetch_from, snap.now + 1, snap.top_ids, snap.series)
        if snap.new_top:
            g.put_clients(snap.new_top_from, snap.now + 1, snap.new_top, snap.new_series)
        # the newest second is still being counted: draw up to the one before
        g.tick(snap.now - 1)
        self.live_model.set_rows(snap.rates, RATE_WINDOW)
        if snap.status is not None:
            self._draw_status(snap.status)
            self.status_seen.emit(snap.status)
        if snap.today is not None:
            self._draw_today(snap.today)

    def _load_older(self, since: int, until: int) -> None:
        since = max(since, until - OLDER_CHUNK)
        self.worker.submit(
            lambda store: read_older(store, since, until),
            lambda r: self.graph.older_loaded(*r),
            key="dashboard-older",
        )

    # ------------------------------------------------------------------ cards

    def _show_waiting(self) -> None:
        for card in (self.agent_card, self.uplink_card, self.router_card, self.today_card):
            card.set_state("", None)
            card.set_headline("…")
            card.set_note("")
        self.empty_label.setText("")

    def _draw_status(self, st: dict) -> None:
        a = st["agent"]
        card = self.agent_card
        if a["running"]:
            card.set_state(self.tr("counting"), "running")
            card.set_headline(fmt_rate(a["bytes_per_second"]))
            card.set_note(self.tr("on %1").replace("%1", a["interface"]))
            card.set_rows(
                [
                    (self.tr("Frames per second"), fmt_int(a["frames_per_second"])),
                    (self.tr("Dropped by the system"), fmt_int(a["kernel_drops"])),
                    (self.tr("Since"), fmt_datetime(a["started"])),
                ]
            )
        elif a.get("last_flush"):
            card.set_state(self.tr("stopped"), "stopped")
            card.set_headline(self.tr("Not counting"))
            card.set_note(
                self.tr("Last counted %1. Usage is not being recorded.").replace(
                    "%1", fmt_ago(a["last_flush"], self.clock())
                )
            )
            card.set_rows([])
        else:
            card.set_state(self.tr("never run"), "stopped")
            card.set_headline(self.tr("Not counting"))
            card.set_note(self.tr("The agent has never counted into this database."))
            card.set_rows([])
        self.start_button.setVisible(self.allow_agent_control and not a["running"])
        self.stop_button.setVisible(self.allow_agent_control and bool(a["running"]))
        self._draw_monitor(st.get("monitor"))
        if not st["devices"] and not a["running"]:
            self.empty_label.setText(
                self.tr("Nobody is shown because the agent is not counting. Start it above.")
            )
        elif not st["devices"]:
            self.empty_label.setText(self.tr("No device has sent anything in the last seconds."))
        else:
            self.empty_label.setText("")
        self.empty_label.setVisible(bool(self.empty_label.text()))

    def _state_word(self, state: str | None) -> str:
        words = {
            "up": self.tr("up"),
            "degraded": self.tr("degraded"),
            "down": self.tr("down"),
            "unknown": self.tr("unknown"),
            "reachable": self.tr("reachable"),
            "unreachable": self.tr("unreachable"),
        }
        return words.get(state or "unknown", state or "")

    def _verdict(self, v: str | None) -> str:
        return {"good": self.tr("good"), "fair": self.tr("fair"), "poor": self.tr("poor")}.get(
            v or "", v or ""
        )

    def _draw_monitor(self, m: dict | None) -> None:
        up, router = self.uplink_card, self.router_card
        if not m or not m.get("running"):
            for card in (up, router):
                card.set_state(self.tr("no data"), None)
                card.set_headline(self.tr("Monitor not running"))
                card.set_rows([])
            up.set_note(self.tr("Start the monitor to see latency, loss and outages."))
            router.set_note(self.tr("Router reachability comes from the monitor."))
            return
        state = (m.get("uplink") or {}).get("state")
        up.set_state(self._state_word(state), "up" if state == "up" else state)
        q = m.get("call_quality") or {}
        target = None
        for t in m.get("targets") or []:
            if q.get("target") and t.get("name") == q.get("target"):
                target = t
        if target is None and m.get("targets"):
            target = m["targets"][0]
        rows = []
        if target:
            rows += [
                (self.tr("Latency"), fmt_ms(target.get("latency_ms"))),
                (self.tr("Jitter"), fmt_ms(target.get("jitter_ms"))),
                (self.tr("Loss"), i18n.fmt_percent(target.get("loss_percent"))),
            ]
        if q:
            rows.append(
                (
                    self.tr("Video calls"),
                    f"{self._verdict(q.get('verdict'))} (MOS {i18n.fmt_float(q['mos'], 1)})",
                )
            )
        up.set_rows(rows)
        outage = m.get("current_outage")
        if outage:
            up.set_headline(self.tr("Outage"))
            up.set_note(
                self.tr("Since %1 (%2)")
                .replace("%1", fmt_datetime(outage["start"]))
                .replace("%2", fmt_duration(outage["duration"]))
            )
        else:
            up.set_headline(self._state_word(state).capitalize())
            up.set_note("")
        r = m.get("router") or {}
        rstate = r.get("state")
        router.set_state(self._state_word(rstate), "up" if rstate == "reachable" else "down")
        router.set_headline(r.get("address") or self.tr("No router configured"))
        snmp = r.get("snmp") or {}
        rrows = [
            (self.tr("Latency"), fmt_ms(r.get("latency_ms"))),
            (self.tr("Loss"), i18n.fmt_percent(r.get("loss_percent"))),
        ]
        if snmp.get("state") == "ok":
            rrows.append((self.tr("Name"), snmp.get("sys_name") or "–"))
            if snmp.get("uptime_seconds") is not None:
                rrows.append((self.tr("Up for"), fmt_duration(snmp["uptime_seconds"])))
        router.set_rows(rrows)
        router.set_note(r.get("error") or "")

    def _draw_today(self, t: dict) -> None:
        c = self.today_card
        c.set_state("", None)
        c.set_headline(fmt_bytes(t["inet_rx_bytes"] + t["inet_tx_bytes"]))
        c.set_note(self.tr("internet traffic since midnight"))
        c.set_rows(
            [
                (self.tr("Downloaded"), fmt_bytes(t["inet_rx_bytes"])),
                (self.tr("Uploaded"), fmt_bytes(t["inet_tx_bytes"])),
                (self.tr("Devices"), fmt_int(t["devices"])),
            ]
        )
