"""The virtual hotspot lab (hotspot_manager.lab) and `hotspot-manager lab up|down`.

The tests marked ``root`` build real network namespaces: they skip with a reason
when not run as root, except under CI=true, where they fail instead (as they do
when a program of the lab is missing).
"""

from __future__ import annotations

import glob
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hotspot_manager.lab import Lab, LabPermissionError, MissingToolError
from hotspot_manager.lab import core as lab_core
from hotspot_manager.lab import tools as lab_tools

REPO_ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI") == "true"
PREFIX = "hmt"  # the shared lab; other tests use hmtr, hmtk, hmtc


def need_lab() -> None:
    """Skip (or, under CI=true, fail) unless the lab can be built here."""
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("CI=true: the lab tests must run as root (network namespaces)")
        pytest.skip("needs root (network namespaces); runs as root in CI")
    missing = Lab.missing_tools()
    if missing:
        pkgs = " ".join(sorted({pkg for _, pkg in missing}))
        msg = f"lab programs missing: {', '.join(t for t, _ in missing)} (apt-get install {pkgs})"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def lab():
    need_lab()
    with Lab(clients=3, prefix=PREFIX) as built:
        yield built


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "hotspot_manager", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )


def root_veths() -> set[str]:
    out = subprocess.run(
        [lab_tools.tool("ip"), "-o", "link", "show", "type", "veth"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def ns_pids(names: list[str]) -> list[int]:
    pids = []
    for ns in names:
        out = subprocess.run(
            [lab_tools.tool("ip"), "netns", "pids", ns], capture_output=True, text=True
        ).stdout
        pids += [int(x) for x in out.split()]
    return pids


def running(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def assert_gone(prefix: str, pids: list[int], veths_before: set[str]) -> None:
    assert Lab.exists(prefix) == []
    assert not list(Path("/etc/netns").glob(f"{prefix}-*"))
    assert not glob.glob(lab_core._workdir_glob(prefix))
    deadline = time.monotonic() + 3
    while any(running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in pids if running(p)] == []
    assert root_veths() <= veths_before


def wait_for(fn, timeout: float = 3.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


# -- without root -----------------------------------------------------------------------
def test_lab_commands_need_root(monkeypatch, capsys):
    from hotspot_manager import cli as cli_mod

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert cli_mod.main(["lab", "up", "--prefix", "hmtn"]) == 3
    err = capsys.readouterr().err
    assert "the lab needs root (network namespaces): run with sudo" in err
    assert err.count("\n") == 1
    assert cli_mod.main(["lab", "down", "--prefix", "hmtn"]) == 3
    with pytest.raises(LabPermissionError):
        Lab(prefix="hmtn").up()


def test_missing_tool_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(lab_tools, "which", lambda t: None if t == "dnsmasq" else "/bin/true")
    with pytest.raises(MissingToolError, match="dnsmasq-base"):
        lab_tools.require_tools(lab_tools.SETUP_TOOLS)


def test_bad_arguments():
    with pytest.raises(ValueError, match="prefix"):
        Lab(prefix="Bad-Prefix")
    with pytest.raises(ValueError, match="clients"):
        Lab(clients=0)


# -- with root ----------------------------------------------------------------------------
@pytest.mark.root
def test_clients_get_dhcp_leases_with_hostnames(lab):
    leases = {row["mac"]: row for row in lab.leases()}
    assert len(lab.clients) == 3
    for c in lab.clients:
        assert c.ip and c.ip.startswith("192.168.77.")
        assert 10 <= int(c.ip.rsplit(".", 1)[1]) <= 200
        assert leases[c.mac]["hostname"] == c.hostname == f"client{c.index}"
        assert leases[c.mac]["ip"] == c.ip
        shown = lab.run(c, "ip", "-4", "-o", "addr", "show", "dev", c.ifname).stdout
        assert f"{c.ip}/24" in shown
        route = lab.run(c, "ip", "route", "show", "default").stdout
        assert "via 192.168.77.1" in route
    assert lab.clients[0].mac == "02:68:6d:00:00:01"
    assert lab.clients[1].mac.startswith("00:1b:63:")  # a real vendor (Apple)
    assert f"{lab.clients[1].hostname}" in lab.lease_file.read_text()


@pytest.mark.root
def test_http_through_nat_and_counters(lab):
    c = lab.clients[0]
    before = lab.counters(c)
    port_before = lab.counters(lab.gateway_ns, c.port)
    bridge_before = lab.counters(lab.gateway_ns, lab.capture_interface)
    r = lab.curl(c, "/100k")
    assert (r.status, r.size) == (200, 100_000)
    after = lab.counters(c)
    port_after = lab.counters(lab.gateway_ns, c.port)
    bridge_after = lab.counters(lab.gateway_ns, lab.capture_interface)
    assert after["rx_bytes"] - before["rx_bytes"] >= 100_000
    assert after["tx_packets"] > before["tx_packets"]
    # The bridge port sends what the client receives, frame for frame (offloads
    # are off); the reads are not atomic, so allow for a stray ARP or two.
    sent = port_after["tx_bytes"] - port_before["tx_bytes"]
    assert abs(sent - (after["rx_bytes"] - before["rx_bytes"])) <= 2 * 60
    assert bridge_after["rx_bytes"] > bridge_before["rx_bytes"]
    # The internet sees the gateway's uplink address, not the client's: NAT.
    log = lab.workdir / "http.log"
    assert wait_for(lambda: "GET /100k" in log.read_text())
    lines = [x for x in log.read_text().splitlines() if "GET /100k" in x]
    assert lines[-1].startswith("10.77.0.1 ")


@pytest.mark.root
def test_dns_resolves_via_the_gateway(lab):
    host_resolv = Path("/etc/resolv.conf").read_text()
    c = lab.clients[2]
    assert lab.run(c, "cat", "/etc/resolv.conf").stdout.strip() == "nameserver 192.168.77.1"
    out = lab.run(c, "getent", "ahostsv4", "shop.example.org").stdout
    assert out.split()[0] == "198.51.100.1"
    log = lab.dnsmasq_log
    assert wait_for(lambda: "forwarded shop.example.org to 10.77.0.2" in log.read_text())
    assert f"query[A] shop.example.org from {c.ip}" in log.read_text()
    assert Path("/etc/resolv.conf").read_text() == host_resolv


@pytest.mark.root
def test_delay_responder_round_trip(lab):
    ip, port = lab.start_delay_responder(150)
    assert ip in lab.internet_ips

    def udp_rtt() -> float:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(3)
            t0 = time.monotonic()
            s.sendto(b"probe", (ip, port))
            data, _ = s.recvfrom(100)
            assert data == b"probe"
            return time.monotonic() - t0

    def tcp_rtt() -> float:
        with socket.create_connection((ip, port), timeout=3) as s:
            t0 = time.monotonic()
            s.sendall(b"probe")
            assert s.recv(100) == b"probe"
            return time.monotonic() - t0

    for rtt in (lab.call_in(lab.clients[0], udp_rtt), lab.call_in(lab.clients[0], tcp_rtt)):
        assert 0.150 <= rtt < 1.0
    # The gateway's own probes (where the monitor runs) see it too.
    assert lab.call_in(lab.gateway_ns, udp_rtt) >= 0.150


@pytest.mark.root
def test_uplink_down_and_up(lab):
    c = lab.clients[0]
    assert lab.curl(c, "/1k").status == 200
    lab.uplink_down()
    try:
        r = lab.curl(c, "/1k", timeout=3, check=False)
        assert r.status != 200
        assert lab.ping(c, count=2, interval=0.1, wait=0.5).received == 0
        assert lab.ping(lab.gateway_ns, "192.168.77.1", count=1).received == 1
    finally:
        lab.uplink_up()
    assert lab.curl(c, "/1k").status == 200
    assert lab.ping(c, count=2, interval=0.05).received == 2


@pytest.mark.root
def test_loss_drops_about_half(lab):
    c = lab.clients[1]
    lab.set_loss(50)
    try:
        r = lab.ping(c, count=100, interval=0.01, wait=1)
    finally:
        lab.set_loss(0)
    assert r.transmitted == 100
    assert 20 <= r.received <= 80, r  # binomial(100, 0.5): 6 sigma either side
    assert lab.ping(c, count=10, interval=0.01).received == 10


@pytest.mark.root
def test_rate_limit(lab):
    lab.set_rate(2000)
    try:
        up = lab.iperf(lab.clients[2], 2)["end"]["sum_received"]["bits_per_second"]
    finally:
        lab.set_rate(0)
    assert 1.0e6 < up < 2.6e6
    fast = lab.iperf(lab.clients[2], 1)["end"]["sum_received"]["bits_per_second"]
    assert fast > 20e6


@pytest.mark.root
def test_teardown_leaves_nothing_also_when_the_body_raised():
    need_lab()
    veths = root_veths()
    with pytest.raises(RuntimeError, match="boom"):
        with Lab(clients=2, prefix="hmtr") as lab:
            lab.start_delay_responder(10)
            lab.popen(lab.clients[0], "sleep", "60")
            names = list(lab.namespaces)
            pids = ns_pids(names)
            assert len(pids) >= 5  # 2 dnsmasq, http, responder, sleep
            workdir = lab.workdir
            raise RuntimeError("boom")
    assert not workdir.exists()
    assert_gone("hmtr", pids, veths)
    assert lab.teardown_seconds is not None and lab.teardown_seconds < 5


@pytest.mark.root
def test_cleanup_after_a_crashed_run():
    need_lab()
    veths = root_veths()
    script = textwrap.dedent(
        """
        import os, signal
        from hotspot_manager.lab import Lab
        lab = Lab(clients=1, prefix="hmtk").up()
        print(lab.workdir, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == -9, proc.stderr
    assert len(Lab.exists("hmtk")) == 3
    pids = ns_pids(Lab.exists("hmtk"))
    assert pids  # dnsmasq and the HTTP server outlived the crash
    assert sorted(Lab.cleanup("hmtk")) == ["hmtk-c1", "hmtk-gw", "hmtk-inet"]
    assert_gone("hmtk", pids, veths)


@pytest.mark.root
def test_cli_lab_up_and_down():
    need_lab()
    veths = root_veths()
    try:
        up = cli("lab", "up", "--clients", "2", "--prefix", "hmtc")
        assert up.returncode == 0, up.stderr
        for word in ("hmtc-gw", "hmtc-inet", "hmtc-c1", "br0", "02:68:6d:00:00:01", "lab down"):
            assert word in up.stdout
        assert sorted(Lab.exists("hmtc")) == ["hmtc-c1", "hmtc-c2", "hmtc-gw", "hmtc-inet"]
        # The lab outlives the command: a client reaches the internet.
        ip = lab_tools.tool("ip")
        url = "http://198.51.100.1/10k"
        got = subprocess.run(
            [
                ip,
                "netns",
                "exec",
                "hmtc-c2",
                "curl",
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert got.stdout == "200", got.stderr
        pids = ns_pids(Lab.exists("hmtc"))
    finally:
        down = cli("lab", "down", "--prefix", "hmtc")
    assert down.returncode == 0, down.stderr
    assert "hmtc-gw" in down.stdout
    assert_gone("hmtc", pids, veths)
    again = cli("lab", "down", "--prefix", "hmtc")
    assert again.returncode == 0 and "No lab" in again.stdout
