"""The live ring against the file reader, on every kind of frame the parser knows.

A veth pair in a namespace of its own; tcpreplay writes a seeded hotspot mix
(the captures the tshark oracle tests use: IPv4, IPv6, ARP, DHCP, mDNS, STP,
802.1Q, 802.1ad and 0x9100 tags) into one end and the agent captures the other.
The kernel takes the outer VLAN tag off before the agent sees the frame, and
tagged or PPPoE frames take the ring's general-parser path, so this checks that
path and the wire-length correction as well as the fast one: per MAC, the agent
must count exactly what `hotspot-manager usage` counts in the file it replayed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.captures import hotspot_mix, write_pcap
from tests.test_lab import need_lab

pytestmark = pytest.mark.root
NS = "hmlc"
ROOT = Path(__file__).resolve().parents[1]


def sh(*cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


@pytest.fixture
def veth():
    need_lab()
    sh("ip", "netns", "del", NS, check=False)
    sh("ip", "netns", "add", NS)
    try:
        ns = ("ip", "netns", "exec", NS)
        sh(*ns, "ip", "link", "add", "vtx", "type", "veth", "peer", "name", "vrx")
        for dev in ("vtx", "vrx"):
            # No IPv6 on the pair: nothing but the replayed frames crosses it.
            sh(*ns, "sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1")
            sh(*ns, "ip", "link", "set", dev, "mtu", "9000", "up")  # tagged full-size frames
        yield ns
    finally:
        sh("ip", "netns", "del", NS, check=False)


def _hm(*args: str, ns: tuple[str, ...] = ()) -> list[str]:
    return [*ns, sys.executable, "-m", "hotspot_manager", *args]


def test_agent_counts_exactly_what_usage_counts_in_the_replayed_file(veth, tmp_path):
    mix = hotspot_mix(11, vlan=True, n_frames=4000)
    pcap = tmp_path / "mix.pcap"
    write_pcap(pcap, mix.records)
    lan = ",".join(mix.lans)
    db = tmp_path / "live.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    agent = subprocess.Popen(
        _hm(
            "agent", "-i", "vrx", "--db", str(db), "--lan", lan, "--flush-interval", "0.5", ns=veth
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with sqlite3.connect(db) as c:
                    if c.execute("SELECT 1 FROM settings WHERE key='agent.state'").fetchone():
                        break
            except sqlite3.Error:
                pass
            assert agent.poll() is None, agent.stderr.read()
            time.sleep(0.1)
        sent = sh(*veth, "tcpreplay", "-i", "vtx", "--pps", "20000", str(pcap)).stdout
        assert f"Actual: {len(mix.records)} packets" in sent, sent
        time.sleep(1.5)
    finally:
        agent.send_signal(signal.SIGTERM)
        _, err = agent.communicate(timeout=30)
    assert agent.returncode == 0, err
    expected = json.loads(sh(*_hm("usage", str(pcap), "--json", "--lan", lan)).stdout)
    got = json.loads(sh(*_hm("report", "--db", str(db), "--json")).stdout)

    def table(doc: dict) -> dict:
        keys = ("tx_frames", "tx_bytes", "rx_frames", "rx_bytes")
        return {
            a["address"]: [a[k] for k in keys] + [a["internet"][k] for k in keys]
            for a in doc["addresses"]
        }

    want, have = table(expected), table(got)
    assert have == want, {
        m: (have.get(m), want.get(m)) for m in set(have) | set(want) if have.get(m) != want.get(m)
    }
    state = json.loads(
        sqlite3.connect(db)
        .execute("SELECT value FROM settings WHERE key='agent.state'")
        .fetchone()[0]
    )
    assert state["frames"] == len(mix.records)
    assert state["kernel_drops"] == 0
    tagged = sum(1 for r in mix.records if r.data[12:14] in (b"\x81\x00", b"\x88\xa8", b"\x91\x00"))
    assert tagged > 100  # the slow path and the tag correction were exercised
