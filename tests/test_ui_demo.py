"""`hotspot-manager demo`: the shipped capture replayed through the agent's pipeline.

The replay runs on a fake clock (its sleeps advance the clock at once), so ten minutes of
capture take a second; the counts must equal what `usage` counts in the same file."""

from __future__ import annotations

import json

from conftest_ui import _no_real_home  # noqa: F401 - fixtures

from hotspot_manager.agent.pipeline import Pipeline, store_lan
from hotspot_manager.capture.accounting import account_file
from hotspot_manager.capture.lan import Lan
from hotspot_manager.store import Store
from hotspot_manager.ui.demo import DEMO_CAPTURE, DEMO_LAN, DemoFeeder, unpack_capture


class FakeClock:
    def __init__(self, t: float) -> None:
        self.t = t

    def time(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += max(s, 0.001)


def test_the_demo_capture_is_shipped_and_small():
    assert DEMO_CAPTURE.exists()
    assert DEMO_CAPTURE.stat().st_size < 3_000_000


def test_history_pass_counts_exactly_what_usage_counts(tmp_path):
    capture = unpack_capture(tmp_path)
    clock = FakeClock(1_800_000_000.25)
    db = tmp_path / "demo.db"
    feeder = DemoFeeder(db, capture, clock=clock.time, sleep=clock.sleep)
    with Store.open(db) as store:
        pipe = Pipeline(store, "demo:test", store_lan(store, DEMO_LAN))
        feeder._started = clock.t
        feeder._replay_once(store, pipe, catch_up=True)
        assert feeder.flushes >= 1 and feeder.ready.is_set()
        report = store.report()
        state = json.loads(store.get_setting("agent.state"))
        newest = store._conn.execute("SELECT max(ts), min(ts) FROM usage_second").fetchone()
    want = account_file(str(capture), by="mac", lan=Lan(DEMO_LAN))
    got = {a["address"]: a for a in report["addresses"]}
    assert len(got) == len(want["addresses"])
    for a in want["addresses"]:
        g = got[a["address"]]
        assert [g[k] for k in ("tx_frames", "tx_bytes", "rx_frames", "rx_bytes")] == [
            a[k] for k in ("tx_frames", "tx_bytes", "rx_frames", "rx_bytes")
        ]
        assert g["internet"] == a["internet"]
    # the capture became the ten minutes just past, on the wall clock
    assert newest[0] <= int(clock.t) and newest[0] - newest[1] >= 590
    assert state["interface"] == "demo" and state["demo"] is True
    assert state["frames"] == want["capture"]["frames"]


def test_real_time_pass_never_writes_the_future(tmp_path):
    capture = unpack_capture(tmp_path)
    clock = FakeClock(1_800_000_000.5)
    db = tmp_path / "demo.db"
    feeder = DemoFeeder(db, capture, clock=clock.time, sleep=clock.sleep)
    start = int(clock.t)
    stop_at = start + 20

    def sleep(s: float) -> None:
        clock.sleep(s)
        if clock.t >= stop_at:
            feeder._stop.set()

    feeder.sleep = sleep
    with Store.open(db) as store:
        pipe = Pipeline(store, "demo:test", store_lan(store, DEMO_LAN))
        feeder._started = clock.t
        feeder._replay_once(store, pipe, catch_up=False)
        rows = store._conn.execute(
            "SELECT ts, sum(tx_frames) FROM usage_second GROUP BY ts ORDER BY ts"
        ).fetchall()
    assert 15 <= feeder.flushes <= 21  # one per second of fake wall clock
    assert rows and rows[0][0] >= start + 1 and rows[-1][0] <= stop_at
    assert feeder.frames > 0


def test_feeder_thread_starts_and_stops(tmp_path):
    capture = unpack_capture(tmp_path)
    feeder = DemoFeeder(tmp_path / "d.db", capture)
    feeder.start()
    try:
        assert feeder.ready.wait(30)
        assert feeder.error is None
    finally:
        feeder.stop()
    assert not feeder._thread.is_alive()
