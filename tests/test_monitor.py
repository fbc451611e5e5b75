"""Monitor unit tests (no root): jitter, loss window, E-model, outages, counters, config,
store functions, and the probes against loopback responders started here.

The end-to-end test at the bottom runs the whole Monitor in this process against UDP
echo, DNS and HTTP responders on 127.0.0.1, so it needs no raw sockets.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import math
import os
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hotspot_manager.monitor import emodel
from hotspot_manager.monitor.config import (
    ConfigError,
    MonitorConfig,
    load_config,
    parse_config,
    parse_target,
)
from hotspot_manager.monitor.outage import OutageTracker
from hotspot_manager.monitor.probes import (
    ProbeError,
    UdpEcho,
    build_dns_query,
    dns_query,
    http_check,
    tcp_connect,
)
from hotspot_manager.monitor.rates import Counter, UptimeTracker
from hotspot_manager.monitor.stats import ProbeStats, rfc3550_jitter
from hotspot_manager.store import Store
from hotspot_manager.store import monitoring as sm

REPO_ROOT = Path(__file__).resolve().parents[1]


# ============================================================================ jitter, loss


def test_jitter_rfc3550_transit_example():
    # RFC 3550 6.4.1: D(i,j) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16
    sent = [0.0, 20.0, 40.0, 60.0]
    received = [100.0, 125.0, 140.0, 170.0]  # transit 100, 105, 100, 110
    transit = [r - s for r, s in zip(received, sent, strict=True)]
    j = 0.0
    j += (5 - j) / 16  # 0.3125
    j += (5 - j) / 16  # 0.60546875
    j += (10 - j) / 16  # 1.1926...
    assert j == pytest.approx(1.19262695, abs=1e-8)
    assert rfc3550_jitter(transit) == pytest.approx(j, abs=1e-12)


def test_jitter_known_series_and_limits():
    assert rfc3550_jitter([10.0] * 50) == 0.0
    # 10, 20, 10, 20 ms: J = 0.625, 1.2109375, 1.76025390625
    assert rfc3550_jitter([10.0, 20.0, 10.0, 20.0]) == pytest.approx(1.76025390625)
    # alternating by d converges to d (J -> d geometrically, factor 15/16 per step)
    series = [0.0 if i % 2 else 0.008 for i in range(400)]
    assert rfc3550_jitter(series) == pytest.approx(0.008, rel=1e-6)
    # ProbeStats uses the same estimator on round trips; lost probes are skipped over
    s = ProbeStats(window=100)
    for rtt in (0.010, None, 0.020, 0.010, None, None, 0.020):
        s.add(rtt)
    assert s.jitter == pytest.approx(rfc3550_jitter([0.010, 0.020, 0.010, 0.020]))


def test_loss_over_rolling_window():
    s = ProbeStats(window=10)
    assert s.loss is None and s.summary().latency is None
    for _ in range(5):
        s.add(None)
    for _ in range(5):
        s.add(0.050)
    sm_ = s.summary()
    assert sm_.loss == pytest.approx(0.5)
    assert sm_.latency == pytest.approx(0.050)
    assert (sm_.sent, sm_.received, sm_.consecutive_failures) == (10, 5, 0)
    for _ in range(5):
        s.add(0.010)  # the five losses leave the window
    assert s.loss == 0.0
    assert s.summary().latency == pytest.approx(0.030)
    assert s.summary().latency_min == pytest.approx(0.010)
    s.add(None)
    s.add(None)
    assert s.consecutive_failures == 2
    assert s.loss == pytest.approx(0.2)
    assert (s.total_sent, s.total_received) == (17, 10)


# ============================================================================ E-model


def test_mos_reference_points():
    # G.107 Annex B (figure B.1 / table of R -> MOS)
    assert emodel.mos(93.2) == pytest.approx(4.41, abs=0.005)
    assert emodel.mos(90) == pytest.approx(4.34, abs=0.005)
    assert emodel.mos(80) == pytest.approx(4.02, abs=0.01)
    assert emodel.mos(70) == pytest.approx(3.60, abs=0.005)
    assert emodel.mos(60) == pytest.approx(3.10, abs=0.005)
    assert emodel.mos(50) == pytest.approx(2.58, abs=0.005)
    assert emodel.mos(-5) == 1.0
    assert emodel.mos(120) == 4.5


def test_delay_and_loss_impairments():
    # Cole & Rosenbluth: Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3)
    assert emodel.delay_impairment(0) == 0
    assert emodel.delay_impairment(150) == pytest.approx(3.6)
    assert emodel.delay_impairment(177.3) == pytest.approx(4.2552)
    assert emodel.delay_impairment(400) == pytest.approx(9.6 + 0.11 * 222.7)
    # G.711 with PLC, random loss: Ie,eff = 95 Ppl / (Ppl + 25.1)
    assert emodel.loss_impairment(0) == 0
    assert emodel.loss_impairment(1) == pytest.approx(95 / 26.1)
    assert emodel.loss_impairment(10) == pytest.approx(950 / 35.1)
    assert emodel.loss_impairment(100) == pytest.approx(95 * 100 / 125.1)


def test_r_factor_and_verdicts():
    # a perfect path: only the 20 ms codec delay remains
    assert emodel.r_factor(0, 0, 0) == pytest.approx(93.2 - 0.48)
    q = emodel.call_quality(20, 2, 0)
    assert q.verdict == "good" and q.mos > 4.3
    # 300 ms RTT, 20 ms jitter: Ta = 150 + 40 + 20 = 210 ms
    r = emodel.r_factor(300, 20, 0)
    assert r == pytest.approx(93.2 - (0.024 * 210 + 0.11 * (210 - 177.3)))
    assert emodel.verdict(r) == "good"
    # RTT 50 ms, jitter 5 ms: Ta 55 ms, Id 1.32; loss 3 % -> R 81.7, 5 % -> 76.1, 10 % -> 64.8
    assert emodel.r_factor(50, 5, 5) == pytest.approx(93.2 - 1.32 - 95 * 5 / 30.1)
    assert emodel.call_quality(50, 5, 3).verdict == "good"
    assert emodel.call_quality(50, 5, 5).verdict == "fair"
    assert emodel.call_quality(50, 5, 10).verdict == "poor"
    assert emodel.call_quality(600, 50, 0).verdict == "poor"
    assert emodel.verdict(80) == "good" and emodel.verdict(79.9) == "fair"
    assert emodel.verdict(70) == "fair" and emodel.verdict(69.9) == "poor"


# ============================================================================ outages

T = ("a", "b")


def feed(tr, seq):
    """seq: (time, stream, ok) with stream a target name, 'dns' or 'router'."""
    events = []
    for t, stream, ok in seq:
        if stream == "dns":
            events += tr.dns(ok, t)
        elif stream == "router":
            events += tr.router(ok, t)
        else:
            events += tr.internet(stream, ok, t)
    return events


def rounds(start, n, ok_a, ok_b, router=None):
    seq = []
    for i in range(n):
        t = start + i
        seq += [(t, "a", ok_a), (t + 0.1, "b", ok_b)]
        if router is not None:
            seq.append((t + 0.2, "router", router))
    return seq


def test_blips_shorter_than_threshold_are_not_outages():
    tr = OutageTracker(T, threshold=3, dns=False)
    ev = feed(tr, rounds(0, 5, True, True) + rounds(5, 2, False, False) + rounds(7, 5, True, True))
    assert ev == [] and tr.current is None
    # one target down for long while the other answers: not an outage
    ev = feed(tr, rounds(20, 30, False, True))
    assert ev == [] and tr.internet_state() == "up"


def test_outage_start_end_and_cause():
    tr = OutageTracker(T, threshold=3, dns=False, router=True)
    feed(tr, rounds(0, 3, True, True, router=True))
    # b fails from t=3.1, a from t=4: the internet is gone since 4 (a answered at 3)
    ev = feed(tr, [(3, "a", True), (3.1, "b", False)] + rounds(4, 2, False, False, router=True))
    assert ev == []
    ev = feed(tr, [(6, "a", False)])
    assert [e.kind for e in ev] == ["start"]
    out = ev[0].outage
    assert out.start == 4 and out.cause == "internet_unreachable"
    assert tr.internet_state() == "down"
    ev = feed(tr, [(6.1, "b", False), (7, "a", False), (7.2, "b", True)])
    assert [e.kind for e in ev] == ["end"]
    assert out.end == 7.2 and tr.current is None


def test_router_unreachable_cause_and_escalation():
    tr = OutageTracker(T, threshold=2, dns=False, router=True)
    ev = feed(tr, [(0, "router", False), (0.1, "router", False)] + rounds(0, 2, False, False))
    assert [e.kind for e in ev] == ["start"]
    assert (
        ev[0].outage.cause == "router_unreachable" and ev[0].outage.start == 0.1
    )  # b failed from 0.1
    ev = feed(tr, rounds(2, 1, True, False, router=True))
    assert [e.kind for e in ev] == ["end"]
    # the router's answers time out a moment after the targets': found one probe later
    tr = OutageTracker(T, threshold=2, dns=False, router=True)
    ev = feed(tr, rounds(0, 2, False, False, router=False))
    assert [e.kind for e in ev] == ["start", "cause"]
    assert (
        ev[0].outage.cause == "router_unreachable" and ev[0].outage.start == 0.1
    )  # b failed from 0.1
    ev = feed(tr, rounds(2, 1, True, False, router=True))
    assert [e.kind for e in ev] == ["end"]
    # the router first answers, then stops answering: cause escalates, same outage
    tr = OutageTracker(T, threshold=2, dns=False, router=True)
    ev = feed(tr, rounds(0, 2, False, False, router=True))
    assert [e.kind for e in ev] == ["start"] and ev[0].outage.cause == "internet_unreachable"
    ev = feed(tr, rounds(2, 2, False, False, router=False))
    assert [e.kind for e in ev] == ["cause"] and ev[0].outage.cause == "router_unreachable"
    assert ev[0].outage.start == 0.1


def test_dns_failing_outage_and_reset_after_internet_recovery():
    tr = OutageTracker(T, threshold=3, dns_threshold=2, dns=True, router=False)
    feed(tr, rounds(0, 3, True, True))
    ev = feed(tr, [(3, "dns", False)])
    assert ev == []
    ev = feed(tr, [(13, "dns", False)])
    assert [e.kind for e in ev] == ["start"]
    assert ev[0].outage.cause == "dns_failing" and ev[0].outage.start == 3
    ev = feed(tr, [(23, "dns", True)])
    assert [e.kind for e in ev] == ["end"] and ev[0].outage.end == 23
    # an internet outage makes DNS fail too; when the internet is back the outage ends
    # at once, without waiting for the next DNS probe
    tr = OutageTracker(T, threshold=3, dns_threshold=2, dns=True, router=False)
    ev = feed(tr, rounds(0, 3, False, False) + [(3.5, "dns", False), (4.5, "dns", False)])
    assert [e.kind for e in ev] == ["start"]
    assert ev[0].outage.cause == "internet_unreachable"
    ev = feed(tr, [(5, "a", True)])
    assert [e.kind for e in ev] == ["end"] and ev[0].outage.end == 5


def test_unusable_targets_and_close():
    tr = OutageTracker(("a", "b", "typo"), threshold=2, dns=False)
    tr.set_usable("typo", False)  # never resolves: left out of the decision
    ev = feed(tr, rounds(0, 2, False, False))
    assert [e.kind for e in ev] == ["start"]
    ev = tr.close(10.0)
    assert [e.kind for e in ev] == ["end"] and ev[0].outage.end == 10.0
    assert tr.close(11.0) == []
    tr2 = OutageTracker(("x",), threshold=1, dns=False)
    tr2.set_usable("x", False)
    assert tr2.internet_state() == "unknown"


# ============================================================================ counters


def test_counter_rates_wrap_and_reset():
    c = Counter(64)
    assert c.update(1000, 0.0) is None
    assert c.update(11000, 10.0) == pytest.approx(1000.0)
    # 64-bit wrap: 5000 below the top, then 5000 past zero -> 10000 bytes in 10 s
    top = 2**64
    c = Counter(64)
    c.update(top - 5000, 0.0)
    assert c.update(5000, 10.0) == pytest.approx(1000.0)
    assert c.wraps == 1
    # a 64-bit counter falling from the middle is a reset, not a wrap
    c.update(10**12, 20.0)
    assert c.update(10, 30.0) is None
    assert c.resets == 1
    assert c.update(1010, 40.0) == pytest.approx(100.0)
    # 32-bit counters wrap for real
    c = Counter(32)
    c.update(2**32 - 1_000_000, 0.0)
    assert c.update(1_000_000, 2.0) == pytest.approx(1_000_000.0)
    # ... unless the wrapped difference is faster than the link could go
    c = Counter(32)
    c.update(3_000_000_000, 0.0)
    assert c.update(1_000, 1.0, max_rate=125e6) is None  # 1.29 GB in 1 s on 1 Gbit/s
    # a reboot in between: no rate for that interval, whatever the values
    c = Counter(64)
    c.update(500, 0.0)
    assert c.update(900, 10.0, discontinuity=True) is None
    assert c.update(1900, 20.0) == pytest.approx(100.0)


def test_uptime_reboot_and_wrap():
    u = UptimeTracker(tolerance=3)
    assert u.update(100_000, 0.0) == "first"
    assert u.update(101_000, 10.0) == "ok"
    assert u.update(50, 20.0) == "reboot"  # went down: restarted
    # restarted between polls and already up longer than the old value: still a reboot
    u = UptimeTracker(tolerance=3)
    u.update(500, 0.0)  # up 5 s
    assert u.update(2_000, 60.0) == "reboot"  # 60 s later it says 20 s
    # the 32-bit sysUpTime wraps after 497 days: not a reboot
    u = UptimeTracker(tolerance=3)
    u.update(2**32 - 500, 0.0)
    assert u.update(500, 10.0) == "wrap"
    assert u.reboots == 0


# ============================================================================ config


def test_defaults_need_no_file():
    cfg = load_config(None)
    assert cfg == MonitorConfig()
    assert len(cfg.targets) >= 2 and cfg.outage_after == 3
    assert cfg.snmp.enabled is False and cfg.dns.server == "system"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"targets": ["1.1.1.1", "bad host!"]}, "monitor.targets[1]: not a host name or address"),
        ({"targets": ["1.1.1.1", 8]}, "monitor.targets[1]: expected a string"),
        ({"targets": ["1.1.1.1"]}, "monitor.targets: give at least 2"),
        ({"targets": "1.1.1.1"}, "monitor.targets: expected a list"),
        ({"targets": ["1.1.1.1", "1.1.1.1"]}, "monitor.targets[1]: listed twice"),
        ({"targets": ["1.1.1.1", "udp://9.9.9.9"]}, "monitor.targets[1]: udp targets need a port"),
        ({"targets": ["1.1.1.1", "ftp://x.org:21"]}, "monitor.targets[1]: unknown probe kind"),
        ({"targets": ["1.1.1.1", "300.1.1.1"]}, "monitor.targets[1]: not a host name"),
        ({"ping_interval": 0}, "monitor.ping_interval: must be between"),
        ({"ping_interval": "fast"}, "monitor.ping_interval: expected a number"),
        ({"ping_timeout": True}, "monitor.ping_timeout: expected a number"),
        ({"outage_after": 0}, "monitor.outage_after: must be between 1"),
        ({"outage_after": 2.5}, "monitor.outage_after: expected a whole number"),
        ({"loss_window": 1}, "monitor.loss_window: must be between 2"),
        ({"gateway": "not a host"}, "monitor.gateway: not a host name or address"),
        ({"colour": "blue"}, "monitor.colour: unknown key"),
        ({"dns": {"server": "x y"}}, "monitor.dns.server: not a host name"),
        ({"dns": {"name": "10.0.0.1"}}, "monitor.dns.name: not a DNS name"),
        ({"dns": {"port": 70000}}, "monitor.dns.port: must be between 1 and 65535"),
        ({"dns": {"enabled": "yes"}}, "monitor.dns.enabled: expected true or false"),
        ({"dns": 3}, "monitor.dns: expected a table"),
        ({"http": {"url": "ftp://example.org/"}}, "monitor.http.url: must start with http"),
        ({"http": {"url": "http://exa mple.org/"}}, "monitor.http.url: not a host name"),
        ({"http": {"ca_file": "/nonexistent/ca.pem"}}, "monitor.http.ca_file: no such file"),
        ({"http": {"expect_status": 42}}, "monitor.http.expect_status: an HTTP status"),
        ({"snmp": {"version": "1"}}, "monitor.snmp.version: must be one of 2c, 3"),
        ({"snmp": {"enabled": True, "version": 3}}, "monitor.snmp.user: SNMP v3 needs a user"),
        (
            {"snmp": {"enabled": True, "version": "3", "user": "u", "auth_password": "short"}},
            "monitor.snmp.auth_password: SNMP v3 pass phrases have 8",
        ),
        ({"snmp": {"auth_protocol": "SHA1024"}}, "monitor.snmp.auth_protocol: must be one of"),
        ({"snmp": {"wan_interface": 0}}, "monitor.snmp.wan_interface: an ifIndex is 1"),
        ({"snmp": {"enabled": True, "community": ""}}, "monitor.snmp.community: SNMP v2c needs"),
        (
            {"gateway": "", "snmp": {"enabled": True}},
            'monitor.snmp.host: is "gateway" but monitor.gateway is empty',
        ),
        ({"interfaces": {"uplink": 3}}, "monitor.interfaces.uplink: expected a string"),
    ],
)
def test_bad_values_name_the_key(doc, message):
    with pytest.raises(ConfigError) as err:
        parse_config({"monitor": doc})
    assert str(err.value).startswith(message), str(err.value)


def test_config_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[monitor\ntargets = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    other = tmp_path / "other.toml"
    other.write_text("[billing]\ncurrency = 'CUP'\n")  # other sections are someone else's
    assert load_config(other).targets == MonitorConfig().targets


def test_targets_forms():
    assert parse_target("1.1.1.1", "k").kind == "icmp"
    assert parse_target("[2606:4700:4700::1111]", "k").host == "2606:4700:4700::1111"
    t = parse_target("udp://203.0.113.1:7001", "k")
    assert (t.kind, t.host, t.port, t.name) == (
        "udp",
        "203.0.113.1",
        7001,
        "udp://203.0.113.1:7001",
    )
    assert parse_target("tcp://example.org:443", "k").port == 443
    assert parse_target("icmp://dns.google", "k").kind == "icmp"


def test_documented_example_parses():
    """The full example of docs/monitor.md is a valid configuration."""
    import tomllib

    text = (REPO_ROOT / "docs" / "monitor.md").read_text()
    start = text.index("```toml\n") + len("```toml\n")
    example = text[start : text.index("```", start)]
    cfg = parse_config(tomllib.loads(example), source="docs")
    assert cfg.snmp.enabled and cfg.snmp.version == "3"
    # every key of every section is in the example, so the docs cover them all
    from dataclasses import fields

    doc = tomllib.loads(example)["monitor"]
    for sec in ("dns", "http", "interfaces", "snmp"):
        assert {f.name for f in fields(getattr(cfg, sec))} == set(doc[sec]), sec
    top = {f.name for f in fields(MonitorConfig)} - {"dns", "http", "interfaces", "snmp", "source"}
    assert top <= set(doc)


# ============================================================================ store


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "m.db") as s:
        yield s


def test_outages_for_billing(store):
    a = sm.open_outage(store, 1000.4, "internet_unreachable", "all failed")
    sm.close_outage(store, a, 1100.2)
    b = sm.open_outage(store, 5000, "dns_failing")
    sm.set_outage_cause(store, b, "router_unreachable", "router too")
    assert sm.current_outage(store, now=5060)["duration"] == 60
    allo = sm.outages(store, now=6000)
    assert [(o["start"], o["end"], o["duration"], o["cause"]) for o in allo] == [
        (1000, 1101, 101, "internet_unreachable"),
        (5000, None, 1000, "router_unreachable"),
    ]
    assert allo[1]["ongoing"] and allo[0]["end_reason"] == "recovered"
    # range: overlapping ones, with the overlap inside it
    part = sm.outages(store, since=1050, until=5010, now=6000)
    assert [(o["id"], o["overlap_seconds"]) for o in part] == [(a, 51), (b, 10)]
    assert sm.outages(store, since=1101, until=4999) == []
    with pytest.raises(ValueError):
        sm.outages(store, since=10, until=5)
    # a monitor that died: the open outage ends at its last status write
    sm.write_status(store, {"running": True}, updated=5500.7)
    assert sm.close_stale_outages(store) == 1
    last = sm.outages(store)[-1]
    assert (last["end"], last["end_reason"]) == (5500, "monitor_stopped")
    assert sm.current_outage(store) is None


def test_status_staleness(store):
    from hotspot_manager.monitor.status import format_status, monitor_status

    st = monitor_status(store, now=1000)
    assert st["running"] is False and st["uplink"]["state"] == "unknown"
    doc = {
        "running": True,
        "status_interval": 5,
        "uplink": {"state": "up"},
        "router": {"state": "reachable"},
        "targets": [],
        "call_quality": {"r_factor": 90, "mos": 4.3, "verdict": "good"},
    }
    sm.write_status(store, doc, updated=1000)
    st = monitor_status(store, now=1004)
    assert st["running"] and not st["stale"] and st["uplink"]["state"] == "up"
    st = monitor_status(store, now=1100)
    assert not st["running"] and st["stale"]
    assert st["uplink"] == {"state": "unknown", "last_state": "up"}
    assert "Video calls: good" in format_status(monitor_status(store, now=1001))


def test_samples_traffic_events_prune(store):
    sm.write_samples(
        store,
        [(60, "1.1.1.1", "icmp", "internet", 60, 58, 20000, 15000, 40000, 1200)],
        [(60, "host", "eth0", "uplink", 60, 1000, 2000, 0, 0, 0, 0)],
    )
    sm.add_events(store, [(70, "router_reboot", "x")])
    assert sm.samples(store)[0]["received"] == 58
    assert sm.traffic(store)[0]["tx_bytes"] == 2000
    assert sm.events(store, kind="router_reboot")[0]["ts"] == 70
    assert sm.prune(store, 100) == 3
    assert sm.samples(store) == [] and sm.events(store) == []


# ============================================================================ probes


class EchoServer:
    """UDP echo on 127.0.0.1 that waits ``delay`` seconds before answering."""

    def __init__(self, delay: float = 0.0, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.delay = delay
        self.sock.settimeout(0.1)
        self._stop = threading.Event()
        self._timers: list[threading.Timer] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(2048)
            except (TimeoutError, OSError):
                continue
            if self.delay:
                t = threading.Timer(self.delay, self._send, (data, addr))
                t.start()
                self._timers.append(t)
            else:
                self._send(data, addr)

    def _send(self, data, addr) -> None:
        try:
            self.sock.sendto(data, addr)
        except OSError:
            pass

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        for t in self._timers:
            t.cancel()
        self.sock.close()


class FakeDns:
    """Answers A queries with 192.0.2.7 (or ``rcode``), or stays silent."""

    def __init__(self, rcode: int = 0, silent: bool = False) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.rcode, self.silent = rcode, silent
        self.sock.settimeout(0.1)
        self.queries = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                q, addr = self.sock.recvfrom(512)
            except (TimeoutError, OSError):
                continue
            self.queries += 1
            if self.silent:
                continue
            qid = q[:2]
            question = q[12:]
            an = 1 if self.rcode == 0 else 0
            flags = 0x8180 | self.rcode
            resp = qid + struct.pack("!HHHHH", flags, 1, an, 0, 0) + question
            if an:
                resp += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 7])
            self.sock.sendto(resp, addr)

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/generate_204":
            self.send_response(204)
            self.end_headers()
        elif self.path == "/portal":
            self.send_response(302)
            self.send_header("Location", "http://login.portal.example/")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


class HttpServer:
    def __init__(self, tls_context=None) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        if tls_context is not None:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_dns_query_building():
    q = build_dns_query(0x1234, "www.example.com")
    assert q[:2] == b"\x12\x34" and q[2:4] == b"\x01\x00"
    assert b"\x03www\x07example\x03com\x00\x00\x01\x00\x01" in q


def test_dns_probe_times_answers_and_failures():
    ok, servfail, silent = FakeDns(), FakeDns(rcode=2), FakeDns(silent=True)
    closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        r = asyncio.run(dns_query("127.0.0.1", ok.port, "example.com", 2))
        assert r.ok and r.rcode_name == "NOERROR" and r.answers == 1 and 0 < r.rtt < 1
        r = asyncio.run(dns_query("127.0.0.1", servfail.port, "example.com", 2))
        assert not r.ok and r.rcode_name == "SERVFAIL"
        t0 = time.monotonic()
        with pytest.raises(ProbeError, match="no answer from 127.0.0.1 within 0.3 s"):
            asyncio.run(dns_query("127.0.0.1", silent.port, "example.com", 0.3))
        assert time.monotonic() - t0 < 2
        with pytest.raises(ProbeError, match="refused"):
            asyncio.run(dns_query("127.0.0.1", closed_port, "example.com", 2))
    finally:
        ok.close()
        servfail.close()
        silent.close()


def test_http_check_status_redirect_and_refused():
    srv = HttpServer()
    try:
        base = f"http://127.0.0.1:{srv.port}"
        r = asyncio.run(http_check(base + "/generate_204", 5))
        assert r.status == 204 and 0 < r.elapsed < 2 and r.connect <= r.elapsed
        r = asyncio.run(http_check(base + "/portal", 5))
        assert r.status == 302 and r.location == "http://login.portal.example/"
    finally:
        srv.close()
    with pytest.raises(ProbeError, match="refused"):
        asyncio.run(http_check(f"http://127.0.0.1:{srv.port}/", 5))
    with pytest.raises(ProbeError, match="unknown host"):
        asyncio.run(http_check("http://no-such-host.invalid/", 5))


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 made with the cryptography package."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_check_with_ca_file(tmp_path):
    import ssl

    pytest.importorskip("cryptography")
    cert, key = _self_signed(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    srv = HttpServer(server_ctx)
    try:
        url = f"https://127.0.0.1:{srv.port}/generate_204"
        with pytest.raises(ProbeError, match="TLS failed"):
            asyncio.run(http_check(url, 5, ssl.create_default_context()))
        r = asyncio.run(http_check(url, 5, ssl.create_default_context(cafile=str(cert))))
        assert r.status == 204
    finally:
        srv.close()


def _udp_rtts(port: int, n: int, timeout: float = 1.0) -> list:
    async def go():
        loop = asyncio.get_running_loop()
        echo = UdpEcho(loop, "127.0.0.1", port)
        out = []
        try:
            for _ in range(n):
                fut = loop.create_future()
                echo.ping(timeout, lambda r, e, f=fut: f.done() or f.set_result((r, e)))
                out.append(await fut)
                await asyncio.sleep(0.01)
        finally:
            echo.close()
        return out

    return asyncio.run(go())


def test_udp_echo_probe_measures_a_delayed_responder():
    srv = EchoServer(delay=0.080)
    try:
        res = _udp_rtts(srv.port, 8)
    finally:
        srv.close()
    rtts = [r for r, e in res]
    assert all(r is not None for r in rtts)
    mean = sum(rtts) / len(rtts)
    assert 0.075 <= mean <= 0.090, mean
    # nothing listening: each probe fails at once (port unreachable), no 1 s wait
    t0 = time.monotonic()
    res = _udp_rtts(srv.port, 2)
    assert [r for r, _ in res] == [None, None]
    assert "unreachable" in res[0][1]
    assert time.monotonic() - t0 < 1.5


def test_tcp_connect_probe():
    srv = HttpServer()
    try:
        rtt = asyncio.run(tcp_connect("127.0.0.1", srv.port, 2))
        assert 0 < rtt < 1
    finally:
        srv.close()
    with pytest.raises(ProbeError, match="refused"):
        asyncio.run(tcp_connect("127.0.0.1", srv.port, 2))


# ============================================================================ end to end


def wait_for(pred, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            return v
        time.sleep(step)


def _loopback_config(echo_ports, dns_port, http_port, **over) -> MonitorConfig:
    doc = {
        "gateway": "",
        "targets": [f"udp://127.0.0.1:{p}" for p in echo_ports],
        "ping_interval": 0.05,
        "ping_timeout": 0.5,
        "loss_window": 20,
        "outage_after": 3,
        "status_interval": 0.2,
        "sample_interval": 1,
        "dns": {"server": "127.0.0.1", "port": dns_port, "interval": 0.3, "timeout": 0.5},
        "http": {"url": f"http://127.0.0.1:{http_port}/generate_204", "interval": 0.5,
                 "expect_status": 204},
        "interfaces": {"uplink": "lo", "interval": 0.5},
    }  # fmt: skip
    doc.update(over)
    return parse_config({"monitor": doc}, source="test")


def test_monitor_end_to_end_on_loopback(tmp_path):
    from hotspot_manager.monitor import Monitor, monitor_status

    echo1, echo2 = EchoServer(delay=0.02), EchoServer()
    dns, web = FakeDns(), HttpServer()
    db = tmp_path / "mon.db"
    with Store.open(db) as store:
        mon = Monitor(_loopback_config([echo1.port, echo2.port], dns.port, web.port), store)
        t0 = time.monotonic()
        mon.start()
        assert time.monotonic() - t0 < 0.5  # start() never blocks its caller
        try:

            def ready():
                st = monitor_status(store)
                t = st.get("targets") or []
                return (
                    st["running"]
                    and len(t) == 2
                    and all((x["probes"] or 0) >= 10 for x in t)
                    and st["dns"].get("state") == "ok"
                    and st["http"].get("state") == "ok"
                    and st["call_quality"] is not None
                    and (st["uplink"].get("interface") or {}).get("rx_bytes_per_second") is not None
                    and st
                )

            st = wait_for(ready, 10)
            assert st, monitor_status(store)
            assert st["uplink"]["state"] == "up"
            slow = st["targets"][0]
            assert 15 <= slow["latency_ms"] <= 40, slow
            assert slow["loss_percent"] == 0
            assert st["call_quality"]["verdict"] == "good"
            assert st["call_quality"]["target"] == st["targets"][1]["name"]  # the better one
            assert st["dns"]["last_ms"] < 500 and st["http"]["status"] == 204
            assert st["current_outage"] is None
            assert mon.status()["running"]

            # the "internet" goes away: both responders stop (ports now closed)
            echo1.close()
            echo2.close()
            t_down = time.time()
            found = wait_for(lambda: sm.current_outage(store), 5)
            assert found, monitor_status(store)
            assert found["cause"] == "internet_unreachable"
            assert t_down - 1 <= found["start"] <= t_down + 1
            st = wait_for(
                lambda: (s := monitor_status(store))["uplink"]["state"] == "down" and s, 3
            )
            assert st and st["current_outage"]["cause"] == "internet_unreachable"
            assert st["call_quality"]["verdict"] == "poor"
            # back again on the same ports
            echo1 = EchoServer(port=echo1.port)
            echo2 = EchoServer(port=echo2.port)
            t_up = time.time()
            assert wait_for(lambda: sm.current_outage(store) is None, 5)
            out = sm.outages(store)[-1]
            assert out["end"] is not None and t_up - 1 <= out["end"] <= t_up + 2
            assert out["end_reason"] == "recovered"
            assert out["duration"] >= 1
        finally:
            mon.stop()
            echo1.close()
            echo2.close()
            dns.close()
            web.close()
        assert not mon.running and mon.failure is None
        st = monitor_status(store)
        assert st["running"] is False
        kinds = {s["kind"] for s in sm.samples(store)}
        assert {"udp", "dns", "http"} <= kinds
        assert any(t["interface"] == "lo" for t in sm.traffic(store))
        evs = [e["kind"] for e in sm.events(store)]
        assert "outage_start" in evs and "outage_end" in evs


def test_monitor_command_exits_cleanly_on_sigterm(tmp_path):
    echo = EchoServer()
    echo2 = EchoServer()
    cfg = tmp_path / "m.toml"
    cfg.write_text(
        "[monitor]\n"
        'gateway = ""\n'
        f'targets = ["udp://127.0.0.1:{echo.port}", "udp://127.0.0.1:{echo2.port}"]\n'
        "ping_interval = 0.1\nstatus_interval = 0.2\n"
        "[monitor.dns]\nenabled = false\n[monitor.http]\nenabled = false\n"
        '[monitor.interfaces]\nuplink = "lo"\n'
    )
    db = tmp_path / "cmd.db"
    Store.open(db).close()  # created first: the test reads it while the monitor runs
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotspot_manager", "monitor", "--db", str(db), "--config", str(cfg)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def running():
            if not db.exists():
                return False
            try:
                with Store.open(db) as s:
                    st = sm.read_status(s)
            except sqlite3.OperationalError:  # the monitor is creating the database
                return False
            return st is not None and st[1].get("running")

        assert wait_for(running, 15, 0.1)
        proc.terminate()
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        echo.close()
        echo2.close()
    assert proc.returncode == 0, err
    assert "monitor stopped" in err
    status = subprocess.run(
        [sys.executable, "-m", "hotspot_manager", "status", "--db", str(db), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    doc = json.loads(status.stdout)["monitor"]
    assert doc["running"] is False
    assert [t["name"] for t in doc["targets"]] == [
        f"udp://127.0.0.1:{echo.port}",
        f"udp://127.0.0.1:{echo2.port}",
    ]
    for t in doc["targets"]:
        assert t["latency_ms"] is not None and t["loss_percent"] == 0
        assert math.isfinite(t["jitter_ms"])


def test_monitor_command_config_error_names_the_key(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[monitor]\ntargets = ["1.1.1.1", "no such host"]\n')
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    r = subprocess.run(
        [sys.executable, "-m", "hotspot_manager", "monitor", "--config", str(cfg),
         "--db", str(tmp_path / "x.db")],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert r.returncode == 2
    assert "monitor.targets[1]: not a host name or address: 'no such host'" in r.stderr
    assert "Traceback" not in r.stderr


def test_check_reports_unknown_host_clearly(tmp_path):
    echo, echo2 = EchoServer(), EchoServer()
    cfg = tmp_path / "m.toml"
    cfg.write_text(
        "[monitor]\n"
        'gateway = ""\n'
        f'targets = ["udp://127.0.0.1:{echo.port}", "udp://no-such-host.invalid:{echo2.port}"]\n'
        "[monitor.dns]\nenabled = false\n[monitor.http]\nenabled = false\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    try:
        r = subprocess.run(
            [sys.executable, "-m", "hotspot_manager", "monitor", "--check", "--config", str(cfg)],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        echo.close()
        echo2.close()
    assert r.returncode == 4, r.stderr
    assert f"ok   udp://127.0.0.1:{echo.port}" in r.stdout
    assert "monitor.targets[1]: cannot resolve 'no-such-host.invalid'" in r.stdout
    assert "unknown host" in r.stdout
