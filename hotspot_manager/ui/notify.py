"""Tray notifications of new alerts, each once, while the app runs (window shown or hidden).

Every 15 s the store worker reads what was recorded since the last notification (the
monitor's events: uplink down / back, router reboot; quota and pack alerts; devices seen
for the first time; seconds in which the kernel dropped frames) and, every 5 minutes, first
records the quota and pack alerts due (``billing.alerts.check_alerts``, as the Alerts
screen and ``hotspot-manager alerts`` do). What was notified is remembered in the store
(``gui.notified``: the last event, alert and device ids and the last drop second), so a
restart does not repeat it; on the very first run the history is skipped, not replayed.

The UI thread only words the result (with the Alerts screen's own texts) and hands it to
``show(title, message)``: the tray's ``showMessage`` in the app, a list in the tests. Where
there is no system tray the app makes no notifier, and nothing else changes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from hotspot_manager.billing.alerts import check_alerts
from hotspot_manager.billing.errors import BillingError
from hotspot_manager.store import alerts as stored
from hotspot_manager.store import monitoring, views

from .alerts import AlertsModel

WATERMARK_KEY = "gui.notified"
# how far back a poll looks for rows above the watermark (a poll missed while suspended)
LOOKBACK = 7 * 86_400
NOTIFIED_EVENTS = ("outage_start", "outage_end", "router_reboot")
MAX_LINES = 4


def poll_new(store, now: int, check: bool) -> list[dict[str, Any]]:
    """Rows (as ``store.alerts.read_all`` makes them) recorded since the watermark, oldest
    first, kernel drops summed into one row; moves the watermark past them. No Qt."""
    raw = store.get_setting(WATERMARK_KEY)
    if raw is None:
        # first run: what was recorded before is history, not news (alerts the check below
        # records are news)
        mark = {**stored.last_ids(store), "drops": now}
        store.set_setting(WATERMARK_KEY, json.dumps(mark, sort_keys=True))
    else:
        mark = json.loads(raw)
    if check:
        try:
            check_alerts(store, now=now)
        except BillingError:
            pass  # the Alerts screen shows why; a notification would repeat it every poll
    since = now - LOOKBACK
    rows: list[dict[str, Any]] = []
    new_mark = dict(mark)
    for e in monitoring.events(store, since, now + 1):
        if e["id"] > mark.get("event", 0):
            new_mark["event"] = max(new_mark.get("event", 0), e["id"])
            if e["kind"] in NOTIFIED_EVENTS:
                rows.append(
                    {"ts": e["ts"], "kind": "event", "event": e["kind"], "detail": e["detail"]}
                )
    for a in stored.alerts(store, after_id=mark.get("alert", 0)):
        new_mark["alert"] = max(new_mark.get("alert", 0), a["id"])
        rows.append(
            {
                "ts": a["ts"],
                "kind": "alert",
                "alert": a["kind"],
                "id": a["id"],
                "key": a["key"],
                "customer_id": a["customer_id"],
                "params": a["params"],
            }
        )
    for d in views.new_devices(store, since, now + 1):
        if d["id"] > mark.get("device", 0):
            new_mark["device"] = max(new_mark.get("device", 0), d["id"])
            rows.append({"ts": d["first_seen"], "kind": "new_device", **d})
    drops = [
        h
        for h in views.drop_seconds(store, max(since, mark.get("drops", now) + 1), now + 1)
        if h["ts"] > mark.get("drops", now)
    ]
    if drops:
        new_mark["drops"] = max(h["ts"] for h in drops)
        rows.append(
            {
                "ts": new_mark["drops"],
                "kind": "drops",
                "kernel_drops": sum(h["kernel_drops"] for h in drops),
                "source": drops[0]["source"],
                "seconds": len(drops),
            }
        )
    if new_mark != mark:
        store.set_setting(WATERMARK_KEY, json.dumps(new_mark, sort_keys=True))
    rows.sort(key=lambda r: r["ts"])
    return rows


class Notifier(QObject):
    """Polls on the store worker; shows each new alert once through ``show``."""

    def __init__(
        self,
        worker,
        show: Callable[[str, str], None],
        clock=time.time,
        interval_ms: int = 15_000,
        check_every: int = 300,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.show = show
        self.clock = clock
        self.check_every = check_every
        self._last_check: float | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        self.timer.start()
        QTimer.singleShot(0, self.poll)

    def stop(self) -> None:
        self.timer.stop()

    def poll(self) -> None:
        now = int(self.clock())
        check = self._last_check is None or now - self._last_check >= self.check_every
        if (
            self.worker.submit(
                lambda store: poll_new(store, now, check), self._deliver, self._failed, key="notify"
            )
            and check
        ):
            self._last_check = now

    def _failed(self, exc: BaseException) -> None:
        pass  # a busy or locked database: the next poll tries again

    def line(self, words: AlertsModel, r: dict[str, Any]) -> tuple[str, str]:
        return words.kind(r), words.detail(r)

    def _deliver(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        words = AlertsModel(self)  # the Alerts screen's texts, in the language now in use
        if len(rows) == 1:
            title, text = self.line(words, rows[0])
        else:
            title = self.tr("%n new alert(s)", "", len(rows))
            lines = [": ".join(self.line(words, r)) for r in rows[-MAX_LINES:]]
            if len(rows) > MAX_LINES:
                lines.insert(0, self.tr("… and %n earlier", "", len(rows) - MAX_LINES))
            text = "\n".join(lines)
        words.deleteLater()
        self.show(title, text)
