"""The live bandwidth graph: internet download and upload of the whole hotspot, plus the
top clients, one point per second; 10 minutes visible, 48 hours to scroll back.

Series live in preallocated numpy buffers indexed by second (``base`` is the epoch second
of index 0); when the newest second reaches the end, the buffers shift left by an hour
(one copy per hour, not per tick). NaN marks seconds not loaded yet (not drawn); a loaded
second without traffic is 0. Each tick ``setData`` is given only the visible slice (the
curve items are made once, never recreated), with peak downsampling and clip-to-view for
long ranges. Scrolling back past what is loaded asks the owner for older seconds
(``need_range``), which it reads off the UI thread.
"""

from __future__ import annotations

import html
import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from . import theme
from .i18n import fmt_rate, locale

KEEP_SECONDS = 48 * 3600  # what the store keeps per second
VISIBLE_SECONDS = 600
SLACK = 3600  # extra room before a shift
TOP_CLIENTS = 3


class LocaleDateAxis(pg.DateAxisItem):
    """Time ticks in the locale's words (pyqtgraph's own use English day names)."""

    def tickStrings(self, values, scale, spacing):
        loc = locale()
        out = []
        for v in values:
            dt = QDateTime.fromSecsSinceEpoch(int(v))
            if spacing >= 28 * 86400:
                fmt = "MMM yyyy"
            elif spacing >= 86400 or (dt.time().hour() == 0 and dt.time().minute() == 0):
                fmt = "d MMM"
            elif spacing >= 60:
                fmt = "HH:mm"
            else:
                fmt = "HH:mm:ss"
            out.append(loc.toString(dt, fmt))
        return out


class _RateAxis(pg.AxisItem):
    """Tick labels as bit rates in the locale's format."""

    def tickStrings(self, values, scale, spacing):
        return [fmt_rate(v / 8) if v >= 0 else "" for v in values]


class BandwidthGraph(QWidget):
    #: [since, until) epoch seconds the graph would like loaded (scrolled back)
    need_range = Signal(int, int)

    def __init__(self, parent: QWidget | None = None, now: float | None = None) -> None:
        super().__init__(parent)
        c = theme.colours()
        self.size = KEEP_SECONDS + SLACK
        now_s = int(time.time() if now is None else now)
        self.base = now_s - KEEP_SECONDS
        self.down = np.full(self.size, np.nan)
        self.up = np.full(self.size, np.nan)
        self.clients = np.full((TOP_CLIENTS, self.size), np.nan)
        self.client_ids: list[int | None] = [None] * TOP_CLIENTS
        self._x = np.arange(self.size, dtype=np.float64)
        self.loaded_from: int | None = None  # oldest second loaded for the totals
        self.newest: int = now_s
        self.follow = True
        self._requested_from: int | None = None

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.title = QLabel(self.tr("Internet traffic of the hotspot"))
        self.title.setObjectName("cardTitle")
        head.addWidget(self.title)
        head.addStretch(1)
        self.hint = QLabel(self.tr("Drag or scroll to look back up to 48 hours"))
        self.hint.setObjectName("muted")
        head.addWidget(self.hint)
        self.live_button = QPushButton(self.tr("Back to live"))
        self.live_button.setVisible(False)
        self.live_button.clicked.connect(self.go_live)
        head.addWidget(self.live_button)
        lay.addLayout(head)

        pg.setConfigOptions(antialias=False)
        axis = LocaleDateAxis(orientation="bottom")
        self.plot = pg.PlotWidget(
            axisItems={"bottom": axis, "left": _RateAxis(orientation="left")},
            background=c.graph_bg,
        )
        self.plot.setMinimumHeight(180)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setMenuEnabled(False)
        item.hideButtons()
        for name in ("left", "bottom"):
            ax = item.getAxis(name)
            ax.setPen(pg.mkPen(c.graph_fg))
            ax.setTextPen(pg.mkPen(c.graph_fg))
        vb = item.getViewBox()
        vb.setMouseEnabled(x=True, y=False)
        vb.setLimits(yMin=0)
        vb.enableAutoRange(axis="y", enable=True)
        vb.setAutoVisible(y=True)
        vb.sigRangeChangedManually.connect(self._user_moved)
        vb.sigXRangeChanged.connect(self._x_changed)

        def curve(colour: str, name: str, width: float = 1.6, style=Qt.PenStyle.SolidLine):
            cv = item.plot(name=name, pen=pg.mkPen(colour, width=width, style=style))
            cv.setDownsampling(auto=True, method="peak")
            cv.setClipToView(True)
            cv.setSkipFiniteCheck(False)
            return cv

        self.down_curve = curve(c.down, "", 2.0)
        self.up_curve = curve(c.up, "", 2.0)
        self.client_curves = [
            curve(c.clients[i], "", 1.2, Qt.PenStyle.DashLine) for i in range(TOP_CLIENTS)
        ]
        self.client_names: list[str] = []
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        lay.addWidget(self.legend)
        lay.addWidget(self.plot, 1)
        self._update_legend()
        self._set_view(now_s)

    # ------------------------------------------------------------------ buffers

    def _index(self, ts: int) -> int:
        return ts - self.base

    def _advance(self, now: int) -> None:
        """Shift the buffers so that ``now`` fits (by whole hours)."""
        over = now - self.base - (self.size - 1)
        if over <= 0:
            return
        shift = math.ceil(over / SLACK) * SLACK
        if shift >= self.size:
            for arr in (self.down, self.up):
                arr[:] = np.nan
            self.clients[:] = np.nan
            self.loaded_from = None
        else:
            for arr in (self.down, self.up):
                arr[:-shift] = arr[shift:]
                arr[-shift:] = np.nan
            self.clients[:, :-shift] = self.clients[:, shift:]
            self.clients[:, -shift:] = np.nan
        self.base += shift
        if self.loaded_from is not None and self.loaded_from < self.base:
            self.loaded_from = self.base

    def put_totals(self, since: int, until: int, rows) -> None:
        """Totals for every second of [since, until): rows (ts, down, up) in bytes;
        seconds without a row had no traffic."""
        self._advance(until - 1)
        a = max(self._index(since), 0)
        b = min(self._index(until), self.size)
        if a >= b:
            return
        self.down[a:b] = 0.0
        self.up[a:b] = 0.0
        if rows:
            arr = np.asarray(rows, dtype=np.float64)
            idx = arr[:, 0].astype(np.int64) - self.base
            ok = (idx >= a) & (idx < b)
            self.down[idx[ok]] = arr[ok, 1] * 8
            self.up[idx[ok]] = arr[ok, 2] * 8
        lo = self.base + a
        if self.loaded_from is None or lo < self.loaded_from:
            if self.loaded_from is None or self.base + b >= self.loaded_from:
                self.loaded_from = lo
        self._requested_from = None

    def set_clients(self, ids: list[int], names: dict[int, str]) -> list[int]:
        """Which devices the dashed lines show; returns the ids that are new (their seconds
        must be loaded)."""
        ids = ids[:TOP_CLIENTS]
        new = []
        for slot in range(TOP_CLIENTS):
            want = ids[slot] if slot < len(ids) else None
            if self.client_ids[slot] != want:
                # keep a device's history when it only moved to another slot
                if want is not None and want in self.client_ids:
                    old = self.client_ids.index(want)
                    self.clients[slot] = self.clients[old]
                else:
                    self.clients[slot] = np.nan
                    if want is not None:
                        new.append(want)
            self.client_ids[slot] = want
        self.client_names = []
        for slot, cv in enumerate(self.client_curves):
            if self.client_ids[slot] is not None:
                self.client_names.append(names.get(self.client_ids[slot], "?"))
            else:
                cv.setData([], [])
        self._update_legend()
        return new

    def _update_legend(self) -> None:
        c = theme.colours()

        def key(colour: str, text: str, dashed: bool = False) -> str:
            mark = "╍╍" if dashed else "━━"
            return (
                f'<span style="color:{colour}; font-weight:bold">{mark}</span>&nbsp;'
                f"{html.escape(text)}"
            )

        parts = [key(c.down, self.tr("Download")), key(c.up, self.tr("Upload"))]
        if self.client_names:
            parts.append(self.tr("Top clients:"))
            parts += [
                key(c.clients[i], n if len(n) <= 22 else n[:21] + "…", True)
                for i, n in enumerate(self.client_names)
            ]
        self.legend.setText("&nbsp;&nbsp;&nbsp;".join(parts))

    def put_clients(self, since: int, until: int, ids: list[int], rows) -> None:
        """Per-second internet download of the given devices over [since, until)."""
        self._advance(until - 1)
        a = max(self._index(since), 0)
        b = min(self._index(until), self.size)
        if a >= b:
            return
        slots = {d: s for s, d in enumerate(self.client_ids) if d is not None and d in ids}
        for s in slots.values():
            self.clients[s, a:b] = 0.0
        for ts, device_id, down, _up in rows:
            s = slots.get(device_id)
            i = ts - self.base
            if s is not None and a <= i < b:
                self.clients[s, i] = down * 8

    # ------------------------------------------------------------------ view

    def _set_view(self, newest: int) -> None:
        vb = self.plot.getPlotItem().getViewBox()
        vb.setXRange(newest - VISIBLE_SECONDS, newest, padding=0)

    def _user_moved(self, *_: object) -> None:
        self.follow = False
        self.live_button.setVisible(True)

    def go_live(self) -> None:
        self.follow = True
        self.live_button.setVisible(False)
        self._set_view(self.newest)
        self.redraw()

    def _x_changed(self, _vb, rng) -> None:
        if not self.follow:
            self._ask_for_older(int(rng[0]))
            self.redraw()

    def _ask_for_older(self, left: int) -> None:
        oldest_kept = self.newest - KEEP_SECONDS
        left = max(left, oldest_kept, self.base)
        if self.loaded_from is None or left >= self.loaded_from:
            return
        since = max(left - 600, oldest_kept, self.base)
        until = self.loaded_from
        if self._requested_from is not None and self._requested_from <= since:
            return
        self._requested_from = since
        self.need_range.emit(since, until)

    def older_loaded(self, since: int, until: int, rows) -> None:
        """Older seconds arrived: store them, draw, and ask for more if the view needs it."""
        self.put_totals(since, until, rows)
        self.redraw()
        if not self.follow:
            (x0, _x1), _ = self.plot.getPlotItem().getViewBox().viewRange()
            self._ask_for_older(int(x0))

    def tick(self, newest: int) -> None:
        """Called after new seconds were put: move the view and draw."""
        self.newest = newest
        if self.follow:
            self._set_view(newest)
        self.redraw()

    def redraw(self) -> None:
        vb = self.plot.getPlotItem().getViewBox()
        (x0, x1), _ = vb.viewRange()
        margin = max(10, int((x1 - x0) * 0.05))
        a = max(int(x0) - margin - self.base, 0)
        b = min(int(x1) + margin + 1 - self.base, self._index(self.newest) + 1, self.size)
        if b <= a:
            a = b = 0
        x = self._x[a:b] + self.base
        self.down_curve.setData(x, self.down[a:b], connect="finite")
        self.up_curve.setData(x, self.up[a:b], connect="finite")
        for slot, cv in enumerate(self.client_curves):
            if self.client_ids[slot] is not None:
                cv.setData(x, self.clients[slot, a:b], connect="finite")
