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

from hotspot_manager.billing.alerts import check_alerts
from hotspot_manager.billing.errors import BillingError
from hotspot_manager.store import alerts as stored_alerts

from .customers import RowsModel, error_text
from .i18n import fmt_bytes, fmt_datetime, fmt_duration, fmt_int
from .periods import day_start

DAY = 86_400
PERIODS = ("today", "7d", "30d")


def period_since(period: str, now: float) -> int:
    if period == "today":
        return day_start(now)
    days = {"7d": 7, "30d": 30}[period]
    return int(now) - days * DAY


def read_alerts(
    store, since: int, until: int, now: int, check: bool = True
) -> list[dict[str, Any]]:
    """Rows ``{ts, kind, ...}`` of every source, newest first (no Qt, no text). With
    ``check`` the quota and pack alerts due now are recorded first (as ``hotspot-manager
    alerts`` does); a check that fails (a rate plan the month close would refuse too) does
    not hide the rest: it is one more row."""
    problem = None
    if check:
        try:
            check_alerts(store, now=now)
        except BillingError as exc:
            problem = str(exc)
    rows = stored_alerts.read_all(store, since, until, now)
    if problem:
        rows.insert(0, {"ts": now, "kind": "check_failed", "detail": problem})
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
        if r["kind"] == "check_failed":
            return self.tr("Quota check failed")
        if r["kind"] == "alert":
            names = {
                "quota_near": self.tr("Near quota"),
                "quota_over": self.tr("Over quota"),
                "pack_near": self.tr("Pack nearly used"),
                "pack_used_up": self.tr("Pack used up"),
                "pack_expiring": self.tr("Pack expiring"),
                "pack_expired": self.tr("Pack expired"),
            }
            return names.get(r["alert"], r["alert"])
        names = {
            "outage_start": self.tr("Uplink down"),
            "outage_end": self.tr("Uplink up"),
            "router_reboot": self.tr("Router reboot"),
        }
        return names.get(r["event"], r["event"])

    def amount(self, value: int, unit: str) -> str:
        return fmt_duration(value) if unit == "seconds" else fmt_bytes(value)

    def alert_detail(self, r: dict[str, Any]) -> str:
        p = r["params"]
        used = self.amount(p["used"], p["unit"])
        limit = self.amount(p["limit"], p["unit"])
        kind = r["alert"]
        if kind == "quota_near":
            text = self.tr("%1 has used %2 of the %3 included in %4 this month")
        elif kind == "quota_over":
            text = self.tr("%1 has used %2, over the %3 included in %4 this month")
        elif kind == "pack_near":
            text = self.tr("%1 has used %2 of the %3 of pack %4")
        elif kind == "pack_used_up":
            text = self.tr("%1 has used all of pack %4 (%3)")
        elif kind == "pack_expiring":
            text = self.tr("%1: pack %4 expires %5 (%2 of %3 used)")
        else:
            text = self.tr("%1: pack %4 expired %5 (%2 of %3 used)")
        return (
            text.replace("%1", p["customer"])
            .replace("%2", used)
            .replace("%3", limit)
            .replace("%4", p["plan"])
            .replace("%5", fmt_datetime(p.get("expires_at")))
        )

    def detail(self, r: dict[str, Any]) -> str:
        if r["kind"] == "alert":
            return self.alert_detail(r)
        if r["kind"] == "check_failed":
            return r["detail"]
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
