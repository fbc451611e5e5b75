"""Fixtures of the GUI tests (imported by tests/test_ui*.py).

Every test gets a fresh temporary database and its own settings folder: the real HOME is
never read or written (XDG folders and QSettings point into tmp_path). Qt runs on the
offscreen platform. Data is written through the store's own ``write_flush``, as the agent
writes it, with totals the tests know.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from hotspot_manager.store import Flush, Sighting, Store, UsageDelta

GATEWAY = "a4:c3:f0:1b:2c:3d"  # the hotspot laptop (universally administered)
APPLE = "f0:18:98:e7:02:a5"  # Apple, Inc.
PHONE = "8a:ef:33:fe:82:ee"  # randomised (locally administered)
XIAOMI = "64:09:80:6e:92:28"  # Xiaomi
BROADCAST = "ff:ff:ff:ff:ff:ff"


@pytest.fixture(autouse=True)
def _no_real_home(tmp_path: Path, monkeypatch):
    """XDG folders and QSettings in tmp_path, for every GUI test."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    yield


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "hotspot.db"


@dataclass
class Traffic:
    """What a fixture wrote: per (second, mac) the 8 counters, and the agent's clock."""

    now: int
    deltas: list[UsageDelta] = field(default_factory=list)

    def inet_down(self, second: int, macs=None) -> int:
        return sum(
            d.inet_rx_bytes
            for d in self.deltas
            if d.second == second and d.mac != BROADCAST and (macs is None or d.mac in macs)
        )

    def inet_up(self, second: int) -> int:
        return sum(
            d.inet_tx_bytes for d in self.deltas if d.second == second and d.mac != BROADCAST
        )

    def per_mac(self, since: int, until: int) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for d in self.deltas:
            if since <= d.second < until:
                row = out.setdefault(d.mac, [0, 0, 0, 0])
                row[0] += d.rx_bytes
                row[1] += d.tx_bytes
                row[2] += d.inet_rx_bytes
                row[3] += d.inet_tx_bytes
        return out


def delta(second: int, mac: str, down: int, up: int, local: int = 0) -> UsageDelta:
    """``down``/``up`` internet bytes plus ``local`` bytes each way."""
    return UsageDelta(
        second,
        mac,
        max(1, up // 500),
        up + local,
        max(1, down // 1000),
        down + local,
        max(1, up // 500) if up else 0,
        up,
        max(1, down // 1000) if down else 0,
        down,
    )


def agent_state(now: float, interface: str = "wlan0", running: bool = True) -> str:
    return json.dumps(
        {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "interface": interface,
            "started": int(now) - 3600,
            "last_flush": now,
            "flush_interval": 1.0,
            "frames": 123_456,
            "bytes": 98_765_432,
            "malformed_frames": 0,
            "kernel_drops": 7,
            "frames_per_second": 321.0,
            "bytes_per_second": 125_000.0,
            "running": running,
            "lan": ["192.168.50.0/24"],
        }
    )


def write_traffic(path: Path, now: int, seconds: int = 120, agent: bool = True) -> Traffic:
    """Three clients, the gateway and broadcast over the last ``seconds`` before ``now``;
    XIAOMI downloads most, PHONE is silent in the last 10 s."""
    t = Traffic(now=now)
    for k, s in enumerate(range(now - seconds, now + 1)):
        t.deltas.append(delta(s, APPLE, 20_000 + 100 * (k % 7), 3_000, local=60))
        t.deltas.append(delta(s, XIAOMI, 90_000 + 1_000 * (k % 5), 9_000, local=60))
        if s < now - 10:
            t.deltas.append(delta(s, PHONE, 5_000, 1_000))
        t.deltas.append(delta(s, GATEWAY, 0, 0, local=150_000))
        t.deltas.append(UsageDelta(s, BROADCAST, 0, 0, 1, 342, 0, 0, 0, 0))
    sightings = (
        Sighting(APPLE, now - seconds, now, "192.168.50.13", None, (now - seconds, now)),
        Sighting(XIAOMI, now - seconds, now, "192.168.50.11", None, (now - seconds, now)),
        Sighting(PHONE, now - seconds, now - 11, "192.168.50.10", None, (now - seconds,)),
        Sighting(GATEWAY, now - seconds, now, "192.168.50.1", None, (now - seconds, now)),
    )
    settings = (("agent.state", agent_state(now)),) if agent else ()
    with Store.open(path) as store:
        store.write_flush(
            Flush(
                clock=now,
                source="live:wlan0",
                usage=tuple(t.deltas),
                sightings=sightings,
                settings=settings,
            )
        )
    return t


@pytest.fixture
def now() -> int:
    # real time: the agent and monitor liveness checks compare with the wall clock
    return int(time.time())


@pytest.fixture
def traffic(db_path: Path, now: int) -> Traffic:
    return write_traffic(db_path, now)


@pytest.fixture
def worker(db_path: Path, qapp):
    from hotspot_manager.ui.worker import StoreWorker

    w = StoreWorker(db_path, synchronous=True)
    yield w
    w.close()


@pytest.fixture
def interfaces():
    from hotspot_manager.ui.settings import Interface

    return [
        Interface("wlan0", True, GATEWAY, [("192.168.50.1", "255.255.255.0")], []),
        Interface("eth0", True, "3c:52:82:10:20:30", [("10.0.0.23", "255.255.255.0")], []),
    ]
