"""Alerts: what the store already records, newest first, over a chosen period.

The monitor's events (``store.monitoring.events``) and outages (``outages``), devices first
seen in the period and seconds in which the kernel dropped frames (``store/views.py``:
``new_devices``, ``drop_seconds``). Read on the store worker when the screen is shown or the
period changes; nothing is invented.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hotspot_manager.store import monitoring, views

from .customers import RowsModel, error_text
from .i18n import fmt_datetime, fmt_duration, fmt_int
from .periods import day_start

DAY = 86_400
PERIODS = ("today", "7d", "30d")


def period_since(period: str, now: float) -> int:
    if period == "today":
        return day_start(now)
    days = {"7d": 7, "30d": 30}[period]
    return int(now) - days * DAY


def read_alerts(store, since: int, until: int, now: int) -> list[dict[str, Any]]:
    """Rows ``{ts, kind, ...}`` of every source, newest first (no Qt, no text)."""
    rows: list[dict[str, Any]] = []
    for e in monitoring.events(store, since, until):
        rows.append({"ts": e["ts"], "kind": "event", "event": e["kind"], "detail": e["detail"]})
    for o in monitoring.outages(store, since, until, now=now):
        rows.append({"ts": o["start"], "kind": "outage", **o})
    for d in views.new_devices(store, since, until):
        rows.append({"ts": d["first_seen"], "kind": "new_device", **d})
    for h in views.drop_seconds(store, since, until):
        rows.append({"kind": "drops", **h})
    order = {"outage": 0, "event": 1, "new_device": 2, "drops": 3}
    rows.sort(key=lambda r: (-r["ts"], order[r["kind"]]))
    return rows


class AlertsModel(RowsModel):
    TIME, KIND, DETAIL = range(3)

    def __init__(self, parent=None) -> None:
        super().__init__([self.tr("Time"), self.tr("Kind"), self.tr("Detail")], parent)

    def cause(self, cause: str | None) -> str:
        names = {
            "router_unreachable": self.tr("router unreachable"),
            "internet_unreachable": self.tr("internet unreachable"),
            "dns_failing": self.tr("DNS failing"),
        }
        return names.get(cause or "", cause or "–")

    def kind(self, r: dict[str, Any]) -> str:
        if r["kind"] == "outage":
            return self.tr("Outage")
        if r["kind"] == "new_device":
            return self.tr("New device")
        if r["kind"] == "drops":
            return self.tr("Kernel drops")
        names = {
            "outage_start": self.tr("Uplink down"),
            "outage_end": self.tr("Uplink up"),
            "router_reboot": self.tr("Router reboot"),
        }
        return names.get(r["event"], r["event"])

    def detail(self, r: dict[str, Any]) -> str:
        if r["kind"] == "outage":
            if r["ongoing"]:
                text = self.tr("%1, ongoing for %2")
            else:
                text = self.tr("%1, %2, until %3").replace("%3", fmt_datetime(r["end"]))
            text = text.replace("%1", self.cause(r["cause"])).replace(
                "%2", fmt_duration(r["duration"])
            )
            return f"{text} ({r['detail']})" if r["detail"] else text
        if r["kind"] == "new_device":
            label = r["name"] or r["hostname"] or r["vendor"]
            parts = [p for p in (label, r["mac"], r["ipv4"]) if p]
            return "  ".join(parts)
        if r["kind"] == "drops":
            return (
                self.tr("%1 frames dropped by the kernel (%2)")
                .replace("%1", fmt_int(r["kernel_drops"]))
                .replace("%2", r["source"])
            )
        return r["detail"] or "–"

    def cell(self, r: dict[str, Any], col: int) -> str:
        if col == self.TIME:
            return fmt_datetime(r["ts"])
        if col == self.KIND:
            return self.kind(r)
        return self.detail(r)


class AlertsScreen(QWidget):
    def __init__(self, worker, parent=None, clock=time.time) -> None:
        super().__init__(parent)
        self.worker = worker
        self.clock = clock
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 12)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Period")))
        self.period = QComboBox()
        self.period.addItem(self.tr("Today"), "today")
        self.period.addItem(self.tr("Last 7 days"), "7d")
        self.period.addItem(self.tr("Last 30 days"), "30d")
        self.period.currentIndexChanged.connect(lambda *_: self.refresh())
        bar.addWidget(self.period)
        bar.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        bar.addWidget(self.count_label)
        lay.addLayout(bar)
        self.model = AlertsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setStretchLastSection(True)
        lay.addWidget(self.table, 1)
        self.empty = QLabel(self.tr("Nothing recorded in this period."))
        self.empty.setObjectName("muted")
        self.empty.setVisible(False)
        lay.addWidget(self.empty)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        now = int(self.clock())
        since = period_since(self.period.currentData(), now)
        self.worker.submit(
            lambda store: read_alerts(store, since, now + 1, now),
            self._loaded,
            self._failed,
            key="alerts",
        )

    def _loaded(self, rows: list[dict]) -> None:
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("%n alert(s)", "", len(rows)))
        self.empty.setText(self.tr("Nothing recorded in this period."))
        self.empty.setVisible(not rows)

    def _failed(self, exc: BaseException) -> None:
        self.empty.setText(self.tr("Could not read the alerts: %1").replace("%1", error_text(exc)))
        self.empty.setVisible(True)
