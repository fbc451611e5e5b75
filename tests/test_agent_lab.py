"""The live agent in the virtual hotspot: exact counts, split, sessions, names, crashes.

The agent runs inside the gateway namespace, capturing on the bridge that
faces the clients, as it would on the operator's laptop. Ground truth is the
kernel's counters of each client's own interface.

Counter comparisons need a quiet lab: IPv6 is off in the lab, and the tests
pin ARP entries so that no broadcast reaches a client while it is measured.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hotspot_manager.lab import Lab
from hotspot_manager.store import Store
from tests.test_lab import need_lab

REPO_ROOT = Path(__file__).resolve().parents[1]
PREFIX = "hma"
FLUSH = 0.5

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def lab():
    need_lab()
    with Lab(clients=3, prefix=PREFIX) as built:
        gw_mac = built.run(built.gateway_ns, "cat", "/sys/class/net/br0/address").stdout.strip()
        for c in built.clients:
            # Pin neighbours both ways: no ARP broadcast during a measurement.
            built.run(
                c,
                "ip",
                "neigh",
                "replace",
                "192.168.77.1",
                "lladdr",
                gw_mac,
                "dev",
                c.ifname,
                "nud",
                "permanent",
            )
            built.run(
                built.gateway_ns,
                "ip",
                "neigh",
                "replace",
                c.ip,
                "lladdr",
                c.mac,
                "dev",
                "br0",
                "nud",
                "permanent",
            )
        yield built


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotspot_manager", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


class Agent:
    """The agent as a process in the gateway namespace."""

    def __init__(self, lab: Lab, db: Path, *extra: str) -> None:
        self.lab, self.db = lab, db
        self.proc = lab.popen(
            lab.gateway_ns,
            sys.executable,
            "-m",
            "hotspot_manager",
            "agent",
            "-i",
            "br0",
            "--db",
            str(db),
            "--lan",
            "192.168.77.0/24",
            "--flush-interval",
            str(FLUSH),
            *extra,
        )
        self.wait_running()

    def state(self) -> dict | None:
        if not self.db.exists():
            return None
        try:
            with sqlite3.connect(self.db, timeout=5) as conn:
                row = conn.execute(
                    "SELECT value FROM settings WHERE key = 'agent.state'"
                ).fetchone()
        except sqlite3.OperationalError:
            return None
        return json.loads(row[0]) if row else None

    def wait_running(self, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.state()
            if s and s["pid"] == self.proc.pid and s["running"]:
                return s
            if self.proc.poll() is not None:
                log = Path(self.proc.log_path).read_text() if self.proc.log_path else ""
                pytest.fail(f"agent exited {self.proc.returncode}: {log[-2000:]}")
            time.sleep(0.05)
        pytest.fail("agent did not start flushing")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=20)


def report(db: Path, *args: str) -> dict:
    p = cli("report", "--db", str(db), "--json", *args)
    assert p.returncode == 0, p.stderr
    return {a["address"]: a for a in json.loads(p.stdout)["addresses"]}


def snapshot(lab: Lab, quiet: bool = False) -> dict[str, dict[str, int]]:
    if quiet:
        quiesce(lab, still=1.5)
    return {c.mac: lab.counters(c) for c in lab.clients}


def quiesce(lab: Lab, timeout: float = 15, still: float = 0.5) -> None:
    """Wait until no client interface moves for ``still`` seconds (TCP teardown, iperf's end).

    After interfaces come up the kernel repeats its IGMPv3 reports for up to a
    second or two (multicast, flooded to every client): ask for 1.5 s before a
    baseline.
    """
    deadline = time.monotonic() + timeout
    last = snapshot(lab)
    while time.monotonic() < deadline:
        time.sleep(still)
        now = snapshot(lab)
        if now == last:
            return
        last = now
    pytest.fail("the lab never went quiet")


def delta(before: dict, after: dict) -> dict[str, tuple[int, int, int, int]]:
    """Per client: (tx_frames, tx_bytes, rx_frames, rx_bytes) seen by its own interface."""
    out = {}
    for mac, a in after.items():
        b = before[mac]
        out[mac] = (
            a["tx_packets"] - b["tx_packets"],
            a["tx_bytes"] - b["tx_bytes"],
            a["rx_packets"] - b["rx_packets"],
            a["rx_bytes"] - b["rx_bytes"],
        )
    return out


def counted(rep: dict, mac: str) -> tuple[int, int, int, int]:
    a = rep.get(mac)
    if a is None:
        return (0, 0, 0, 0)
    return (a["tx_frames"], a["tx_bytes"], a["rx_frames"], a["rx_bytes"])


def test_each_device_equals_its_kernel_counters(lab, tmp_path):
    db = tmp_path / "h.db"
    before = snapshot(lab, quiet=True)  # nothing in flight while the agent starts
    agent = Agent(lab, db)
    m = snapshot(lab)
    assert m == before, "traffic while the agent started: the comparison would be unfair"
    c1, c2, c3 = lab.clients
    lab.curl(c1, "/100k")
    lab.curl(c2, "/1m")
    lab.ping(c3, "192.168.77.1", count=5, interval=0.05)
    lab.iperf(c1, seconds=1)
    quiesce(lab)
    assert agent.stop() == 0
    after = snapshot(lab)
    rep = report(db)
    truth = delta(before, after)
    for mac, want in truth.items():
        assert want[1] > 0
        assert counted(rep, mac) == want, mac


def test_internet_and_local_split(lab, tmp_path):
    db = tmp_path / "h.db"
    agent = Agent(lab, db)
    c = lab.clients[0]
    # DNS to the gateway's resolver only: local.
    for _ in range(3):
        lab.run(c, "getent", "hosts", "example.org")
    time.sleep(FLUSH * 3)
    dns_only = report(db)[c.mac]
    assert dns_only["local"]["tx_bytes"] > 0
    assert dns_only["internet"]["tx_bytes"] == 0 and dns_only["internet"]["rx_bytes"] == 0
    lab.curl(c, "/100k")
    assert agent.stop() == 0
    after = report(db)[c.mac]
    assert after["internet"]["rx_bytes"] > 100_000
    assert after["local"] == dns_only["local"]


def test_sessions_follow_the_idle_gap(lab, tmp_path):
    db = tmp_path / "h.db"
    with Store.open(db) as store:
        store.set_setting("session_idle_gap_seconds", "2")
    agent = Agent(lab, db)
    c = lab.clients[1]
    lab.ping(c, "192.168.77.1", count=3, interval=0.1)
    time.sleep(4.5)
    lab.ping(c, "192.168.77.1", count=3, interval=0.1)
    assert agent.stop() == 0
    sessions = report(db)[c.mac]["sessions"]
    assert len(sessions) == 2, sessions
    assert sessions[1]["start"] - sessions[0]["end"] >= 2


def test_dhcp_hostname_vendor_and_a_new_ip_stays_one_device(lab, tmp_path):
    db = tmp_path / "h.db"
    agent = Agent(lab, db)
    apple = next((c for c in lab.clients if c.mac.startswith("00:1b:63")), lab.clients[0])
    # Ask for a lease again while the agent watches (as a phone does on joining).
    lab.renew_lease(apple) if hasattr(lab, "renew_lease") else lab.run(
        apple,
        "busybox",
        "udhcpc",
        "-i",
        apple.ifname,
        "-n",
        "-q",
        "-t",
        "3",
        "-x",
        f"hostname:{apple.hostname}",
        "-s",
        "/bin/true",
        timeout=30,
    )
    # The device moves to another address and keeps talking.
    lab.run(apple, "ip", "addr", "add", "192.168.77.250/24", "dev", apple.ifname)
    lab.run(
        apple, "ping", "-c", "3", "-i", "0.1", "-I", "192.168.77.250", "192.168.77.1", check=False
    )
    time.sleep(FLUSH * 3)
    assert agent.stop() == 0
    lab.run(apple, "ip", "addr", "del", "192.168.77.250/24", "dev", apple.ifname)
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT hostname, vendor, last_ipv4 FROM devices WHERE mac = ?", (apple.mac,)
        ).fetchall()
    assert len(rows) == 1
    hostname, vendor, ipv4 = rows[0]
    assert hostname == apple.hostname
    if apple.mac.startswith("00:1b:63"):
        assert vendor and "Apple" in vendor
    assert ipv4 == "192.168.77.250"


def test_status_shows_live_rates_and_one_agent_per_database(lab, tmp_path):
    db = tmp_path / "h.db"
    agent = Agent(lab, db)
    c = lab.clients[2]
    lab.iperf(c, seconds=2)
    p = cli("status", "--db", str(db), "--json", "--window", "3")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["agent"]["running"] and doc["agent"]["interface"] == "br0"
    assert doc["agent"]["kernel_drops"] == 0
    mine = [d for d in doc["devices"] if d["address"] == c.mac]
    assert mine and mine[0]["tx_bytes_per_second"] + mine[0]["rx_bytes_per_second"] > 10_000
    second = lab.run(
        lab.gateway_ns,
        sys.executable,
        "-m",
        "hotspot_manager",
        "agent",
        "-i",
        "br0",
        "--db",
        str(db),
        check=False,
    )
    assert second.returncode == 2 and "already counting" in second.stderr
    assert agent.stop() == 0
    p = cli("status", "--db", str(db), "--json")
    assert json.loads(p.stdout)["agent"]["running"] is False


def test_sigkill_loses_at_most_one_interval_and_never_double_counts(lab, tmp_path):
    """Kill the agent at random moments under steady traffic, ten times."""
    db = tmp_path / "h.db"
    c = lab.clients[0]
    rng = random.Random(20261122)
    # Steady, known-rate traffic for the whole test: 100 echo requests a second.
    before = snapshot(lab)
    pinger = lab.popen(c, "ping", "-n", "-q", "-i", "0.01", "-s", "472", "192.168.77.1")
    gaps = []  # seconds without a capturing agent, per kill
    try:
        agent = Agent(lab, db)
        for _ in range(10):
            time.sleep(rng.uniform(0.3, 1.7))
            killed_at = time.time()
            agent.kill()
            with sqlite3.connect(db) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            agent = Agent(lab, db)  # no repair, no operator action
            gaps.append(agent.state()["started"] - killed_at)
        time.sleep(0.5)
    finally:
        pinger.send_signal(signal.SIGINT)
        pinger.wait(timeout=10)
    quiesce(lab)
    assert agent.stop() == 0
    truth = delta(before, snapshot(lab))[c.mac]
    got = counted(report(db), c.mac)
    # Never counted twice.
    assert got[0] <= truth[0] and got[1] <= truth[1]
    assert got[2] <= truth[2] and got[3] <= truth[3]
    # Missing: at most one flush interval per kill, plus the time no agent ran
    # (its restart), at ping's rate of 100 requests a second (+1 s of slack).
    frame_bytes = truth[1] / max(truth[0], 1)
    allowed_s = sum(g + FLUSH for g in gaps) + 1.0
    missing_frames = truth[0] - got[0]
    assert missing_frames <= allowed_s * 100 * 1.1, (missing_frames, allowed_s, gaps)
    assert truth[1] - got[1] <= allowed_s * 100 * 1.1 * frame_bytes
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_agent_runs_the_uplink_monitor_in_process(lab, tmp_path):
    """`agent --monitor`: the monitor's figures appear in `status` beside the agent's."""
    db = tmp_path / "h.db"
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        "[monitor]\n"
        'gateway = "auto"\n'
        f"targets = {json.dumps(lab.internet_ips)}\n"
        "ping_interval = 0.5\n"
        "status_interval = 1.0\n"
        "[monitor.dns]\nenabled = false\n"
        f'[monitor.http]\nurl = "http://{lab.internet_ips[0]}/1k"\ninterval = 5.0\n'
        '[monitor.interfaces]\nuplink = "wan0"\nhotspot = "br0"\n'
        "[monitor.snmp]\nenabled = false\n"
    )
    agent = Agent(lab, db, "--monitor-config", str(cfg))
    deadline = time.monotonic() + 20
    doc = {}
    while time.monotonic() < deadline:
        p = cli("status", "--db", str(db), "--json")
        doc = json.loads(p.stdout) if p.returncode == 0 else {}
        mon = doc.get("monitor") or {}
        targets = [t for t in mon.get("targets", []) if t.get("latency_ms") is not None]
        if mon.get("running") and len(targets) >= 2:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"no monitor figures in status: {json.dumps(doc)[:2000]}")
    assert doc["agent"]["running"]
    assert mon["uplink"]["state"] == "up"
    text = cli("status", "--db", str(db))
    assert text.returncode == 0 and lab.internet_ips[0] in text.stdout
    assert agent.stop() == 0
