"""``hotspot-manager demo``: a capture replayed in real time through the import pipeline.

No Qt here: a plain thread reads ``resources/demo.pcap.gz`` (a synthetic hotspot made by
``resources/make_demo_capture.py`` from the IMIX generator), shifts its timestamps onto the
wall clock, and feeds each second's frames to the same ``Pipeline`` the agent and
``import`` use, flushing once a second into a temporary database, with an agent heartbeat
so the window shows it counting. The capture is first fed at once as the ten minutes just
past, so the graphs have history when the window opens; then it plays again second by
second, and starts over whenever it ends (time keeps running).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

from hotspot_manager.agent.pipeline import Pipeline, store_lan
from hotspot_manager.capture.sources import RawBatch, open_capture
from hotspot_manager.store import Store

DEMO_CAPTURE = Path(__file__).resolve().parents[2] / "resources" / "demo.pcap.gz"
DEMO_LAN = ["192.168.50.0/24", "2001:db8:50::/64"]
DEMO_INTERFACE = "demo"
STATE_KEY = "agent.state"  # hotspot_manager.agent.runner.STATE_KEY (not imported: no scapy)


def unpack_capture(folder: Path, source: Path = DEMO_CAPTURE) -> Path:
    out = folder / "demo.pcap"
    with gzip.open(source, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return out


def _slice(raw: RawBatch, a: int, b: int) -> RawBatch:
    return replace(
        raw,
        data_off=raw.data_off[a:b],
        caplen=raw.caplen[a:b],
        wire_len=raw.wire_len[a:b],
        ts_sec=raw.ts_sec[a:b],
        ts_nsec=raw.ts_nsec[a:b],
        head=raw.head[a:b],
        ts_known=None if raw.ts_known is None else raw.ts_known[a:b],
    )


class DemoFeeder:
    """Replays a capture into ``db_path`` in real time until ``stop()``."""

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        capture: str | os.PathLike[str],
        history_fraction: float = 1.0,
        clock=time.time,
        sleep=time.sleep,
    ) -> None:
        self.db_path = str(db_path)
        self.capture = str(capture)
        self.history_fraction = history_fraction
        self.clock = clock
        self.sleep = sleep
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames = 0
        self.bytes = 0
        self.loops = 0
        self.flushes = 0
        self.error: BaseException | None = None
        self.ready = threading.Event()  # the history part is in the database

    # ------------------------------------------------------------------ thread

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-feeder", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            with Store.open(self.db_path) as store:
                pipe = Pipeline(
                    store, "demo:" + Path(self.capture).name, store_lan(store, DEMO_LAN)
                )
                self._started = self.clock()
                first = True
                while not self._stop.is_set():
                    self._replay_once(store, pipe, catch_up=first)
                    first = False
                    self.loops += 1
        except BaseException as exc:
            self.error = exc
            self.ready.set()

    # ------------------------------------------------------------------ replay

    def _span(self) -> tuple[int, int]:
        with open_capture(self.capture) as cap:
            lo = hi = None
            for raw in cap.batches():
                if len(raw):
                    a, b = int(raw.ts_sec.min()), int(raw.ts_sec.max())
                    lo = a if lo is None else min(lo, a)
                    hi = b if hi is None else max(hi, b)
        if lo is None:
            raise ValueError(f"{self.capture}: no frames")
        return lo, hi

    def _replay_once(self, store: Store, pipe: Pipeline, catch_up: bool) -> None:
        lo, hi = self._span()
        now = int(self.clock())
        if catch_up:
            # the first part is history: it ends now
            offset = now - (lo + int((hi - lo) * self.history_fraction))
        else:
            offset = now + 1 - lo
        fed_to = None  # last second handed to the pipeline
        with open_capture(self.capture) as cap:
            for raw in cap.batches(max_frames=4096):
                if self._stop.is_set():
                    return
                raw.ts_sec = raw.ts_sec + offset
                secs = raw.ts_sec
                i = 0
                n = len(raw)
                while i < n:
                    sec = int(secs[i])
                    j = i
                    while j < n and secs[j] == sec:
                        j += 1
                    self._wait_for(sec, store, pipe)
                    if self._stop.is_set():
                        return
                    pipe.feed_raw(_slice(raw, i, j))
                    self.frames += j - i
                    self.bytes += int(raw.wire_len[i:j].sum())
                    fed_to = sec
                    i = j
        if fed_to is not None:
            self._wait_for(fed_to + 1, store, pipe)

    def _wait_for(self, sec: int, store: Store, pipe: Pipeline) -> None:
        """Return once the wall clock has reached ``sec``, flushing at every wall-clock
        second passed while waiting (seconds already past return at once: history)."""
        while int(self.clock()) < sec and not self._stop.is_set():
            now = self.clock()
            self.sleep(max(0.0, min(1.0, int(now) + 1 - now)))
            self._flush(pipe, int(self.clock()))

    def _flush(self, pipe: Pipeline, now: int) -> None:
        t = self.clock()
        last_t, last_frames, last_bytes = getattr(self, "_mark", (t, self.frames, self.bytes))
        dt = t - last_t
        fps = (self.frames - last_frames) / dt if dt > 0 else 0.0
        bps = (self.bytes - last_bytes) / dt if dt > 0 else 0.0
        self._mark = (t, self.frames, self.bytes)
        state = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "interface": DEMO_INTERFACE,
            "started": int(self._started),
            "last_flush": t,
            "flush_interval": 1.0,
            "frames": self.frames,
            "bytes": self.bytes,
            "malformed_frames": pipe.meter.malformed,
            "kernel_drops": 0,
            "frames_per_second": round(fps, 1),
            "bytes_per_second": round(bps, 1),
            "running": not self._stop.is_set(),
            "lan": DEMO_LAN,
            "demo": True,
        }
        pipe.flush(clock=now, settings=((STATE_KEY, json.dumps(state)),))
        self.flushes += 1
        self.ready.set()
