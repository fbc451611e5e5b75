"""Lab tests of the monitor (issue #4): real namespaces, real uplink failures, real loss.

The monitor runs inside the lab's gateway namespace as ``hotspot-manager monitor`` (a
separate process, as the operator would run it), writing to a database in the test's
temporary folder; the test reads the database from outside. Root only: skips with a reason
when not root, except under CI=true, where it fails instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hotspot_manager.lab import Lab
from hotspot_manager.store import Store
from hotspot_manager.store import monitoring as sm

pytestmark = pytest.mark.root

IN_CI = os.environ.get("CI") == "true"
REPO_ROOT = Path(__file__).resolve().parents[1]
# One lab per test process (its pid in the prefix): two test runs on one machine do not
# tear down each other's namespaces; leftovers of dead runs are removed first.
from tests.test_lab import need_lab  # noqa: E402 - one rule for every lab test

PREFIX = f"hmm{os.getpid()}"  # pids have at most 7 digits: 10 characters
UPLINK_PEER = "10.77.0.2"  # the gateway's next hop: the "router" as the monitor sees it
SNMP_PORT = 1161
SNMP_RO, SNMP_RW = "hm-lab-ro", "hm-lab-rw"


def _remove_dead_runs() -> None:
    import re

    for ns in subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, check=False
    ).stdout.split("\n"):
        m = re.match(r"^hmm(\d+)-gw\b", ns)
        if m and not Path(f"/proc/{m.group(1)}").exists():
            Lab.cleanup(f"hmm{m.group(1)}")


@pytest.fixture(scope="module")
def lab():
    need_lab()
    _remove_dead_runs()
    with Lab(clients=1, prefix=PREFIX) as built:
        yield built


def wait_for(pred, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


class LabMonitor:
    """`hotspot-manager monitor` in the gateway namespace."""

    def __init__(self, lab: Lab, tmp: Path, config: str) -> None:
        self.db = tmp / "monitor.db"
        self.cfg = tmp / "monitor.toml"
        self.cfg.write_text(config)
        self.log = tmp / "monitor.log"
        # created (migrated) before the monitor starts: two processes migrating a new
        # database at the same moment can trip over each other
        Store.open(self.db).close()
        self.proc = lab.popen(
            lab.gateway_ns,
            *(sys.executable, "-m", "hotspot_manager", "monitor"),
            *("--db", str(self.db), "--config", str(self.cfg)),
            log=self.log,
        )

    def status(self) -> dict:
        from hotspot_manager.monitor import monitor_status

        if not self.db.exists():
            return {}
        try:
            with Store.open(self.db) as store:
                return monitor_status(store)
        except sqlite3.OperationalError:  # the monitor is creating the database right now
            return {}

    def outages(self) -> list[dict]:
        with Store.open(self.db) as store:
            return sm.outages(store)

    def target(self, name: str) -> dict | None:
        for t in self.status().get("targets") or []:
            if t["name"] == name:
                return t
        return None

    def wait_running(self, pred=None, timeout: float = 20) -> dict:
        def ok():
            if self.proc.poll() is not None:
                raise AssertionError(f"monitor exited: {self.log.read_text()[-2000:]}")
            st = self.status()
            return st.get("running") and (pred is None or pred(st)) and st

        st = wait_for(ok, timeout)
        assert st, f"monitor not ready: {json.dumps(self.status())[:3000]}"
        return st

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def base_config(lab: Lab, **extra: str) -> str:
    lines = [
        "[monitor]",
        f"targets = {json.dumps(lab.internet_ips)}",
        *(f"{k} = {v}" for k, v in extra.items()),
        "[monitor.http]",
        f'url = "http://{lab.http_ip}/1k"',
    ]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- outages


def test_uplink_down_gives_an_outage_within_10_s_and_its_end(lab, tmp_path):
    """Default intervals (1 s probes, 3 in a row): outage start and end within 10 s."""
    mon = LabMonitor(lab, tmp_path, base_config(lab, status_interval="1"))
    try:
        st = mon.wait_running(
            lambda s: (
                s["uplink"]["state"] == "up"
                and s["router"]["state"] == "reachable"
                and (s.get("dns") or {}).get("state") == "ok"
            )
        )
        assert st["router"]["address"] == UPLINK_PEER  # gateway = "auto": the default route
        assert st["uplink"]["interface"]["name"] == lab.uplink_interface
        assert st["current_outage"] is None and mon.outages() == []

        lab.uplink_down()
        t_down = time.time()
        found = wait_for(lambda: [o for o in mon.outages() if o["ongoing"]], 12, 0.1)
        detected = time.time() - t_down
        assert found, f"no outage 12 s after the uplink went down: {mon.status()}"
        assert detected <= 10, detected
        out = found[0]
        assert t_down - 2 <= out["start"] <= t_down + 2, (out, t_down)
        # the cable is out: the next hop does not answer either
        assert out["cause"] == "router_unreachable", out
        st = wait_for(lambda: (s := mon.status())["uplink"]["state"] == "down" and s, 5)
        assert st and st["current_outage"]["cause"] == "router_unreachable"
        assert st["router"]["state"] == "unreachable"
        # status --json, as the operator runs it, shows the outage
        doc = json.loads(
            subprocess.run(
                [sys.executable, "-m", "hotspot_manager", "status", "--db", str(mon.db), "--json"],
                capture_output=True, text=True, timeout=60, check=True, cwd=REPO_ROOT,
            ).stdout
        )["monitor"]  # fmt: skip
        assert doc["current_outage"]["cause"] == "router_unreachable"
        assert doc["call_quality"]["verdict"] == "poor"

        lab.uplink_up()
        t_up = time.time()
        ended = wait_for(lambda: [o for o in mon.outages() if o["end"] is not None], 12, 0.1)
        recovered = time.time() - t_up
        assert ended, f"the outage did not end 12 s after the uplink came back: {mon.status()}"
        assert recovered <= 10, recovered
        out = ended[0]
        assert t_up - 1 <= out["end"] <= t_up + 10, (out, t_up)
        assert out["end_reason"] == "recovered"
        assert out["duration"] == out["end"] - out["start"] >= 3
        assert mon.wait_running(lambda s: s["uplink"]["state"] == "up", 10)
    finally:
        lab.uplink_up()
        rc = mon.stop()
    assert rc == 0, mon.log.read_text()[-2000:]
    assert len(mon.outages()) == 1  # no blip became a second outage


# ----------------------------------------------------------------------------- loss, delay


def test_loss_and_delay_are_reported(lab, tmp_path):
    """A responder that waits 80 ms reads 80 +/- 10 ms; 10 % loss reads 10 +/- 4 % over
    200 probes (binomial: one window misses +/-4 about 4 % of the time, so up to three
    disjoint windows are read; each is a fresh sample of the same loss)."""
    ip, port = lab.start_delay_responder(80)
    slow = f"udp://{ip}:{port}"
    targets = [*lab.internet_ips, slow]
    cfg = (
        "[monitor]\n"
        'gateway = ""\n'
        f"targets = {json.dumps(targets)}\n"
        "ping_interval = 0.05\nping_timeout = 1.0\nloss_window = 200\nstatus_interval = 0.25\n"
        "[monitor.dns]\nenabled = false\n[monitor.http]\nenabled = false\n"
    )
    mon = LabMonitor(lab, tmp_path, cfg)
    try:
        st = mon.wait_running(
            lambda s: all((t["probes"] or 0) >= 40 for t in s["targets"]), timeout=20
        )
        t = next(t for t in st["targets"] if t["name"] == slow)
        print(f"\n80 ms responder: {t['latency_ms']} ms (jitter {t['jitter_ms']} ms)")
        assert 70 <= t["latency_ms"] <= 90, t
        assert t["loss_percent"] == 0
        fast = next(t for t in st["targets"] if t["name"] == lab.internet_ips[0])
        assert fast["latency_ms"] < 10

        lab.set_loss(10)
        marks = {n: mon.target(n)["total_probes"] for n in lab.internet_ips}
        results: dict[str, list[float]] = {n: [] for n in lab.internet_ips}
        for k in (1, 2, 3):

            def window_done(k=k):
                return all(
                    (x := mon.target(n)) and x["total_probes"] >= marks[n] + 200 * k
                    for n in lab.internet_ips
                )

            assert wait_for(window_done, 30, 0.05), mon.status()
            for n in lab.internet_ips:
                x = mon.target(n)
                assert x["probes"] == 200
                results[n].append(x["loss_percent"])
            if all(any(6 <= v <= 14 for v in vs) for vs in results.values()):
                break
        print(f"\nloss over 200-probe windows at 10 % nftables loss: {results}")
        for n, vs in results.items():
            assert any(6 <= v <= 14 for v in vs), (n, vs)
        st = mon.status()
        assert st["uplink"]["state"] == "degraded"  # every target loses >= 5 %
        # R at 10 % loss is about 65 (poor); the best target's window may read a little less
        assert st["call_quality"]["verdict"] in ("poor", "fair"), st["call_quality"]
        assert st["current_outage"] is None  # loss is not an outage
    finally:
        lab.set_loss(0)
        rc = mon.stop()
    assert rc == 0, mon.log.read_text()[-2000:]


# ----------------------------------------------------------------------------- SNMP, CPU


def _start_lab_snmpd(lab: Lab, tmp: Path):
    snmpd = shutil.which("snmpd") or "/usr/sbin/snmpd"
    if not os.path.exists(snmpd):
        if IN_CI:
            pytest.fail("snmpd is not installed (apt-get install snmpd)")
        pytest.skip("snmpd is not installed (apt-get install snmpd)")
    (tmp / "mibs").mkdir()
    conf = tmp / "snmpd.conf"
    conf.write_text(
        f"agentAddress udp:{UPLINK_PEER}:{SNMP_PORT}\n"
        f"rocommunity {SNMP_RO} 10.77.0.0/30\n"
        f"rwcommunity {SNMP_RW} 10.77.0.0/30 .1.3.6.1.4.1.8072.1.5\n"
        "sysName lab-upstream-router\n"
    )
    env = dict(os.environ, MIBDIRS=str(tmp / "mibs"), MIBS="")
    proc = lab.popen(
        lab.internet_ns,
        *(snmpd, "-f", "-Lf", str(tmp / "snmpd.out"), "-C", "-c", str(conf)),
        f"--persistentDir={tmp / 'persist'}",
        *("-p", str(tmp / "snmpd.pid")),
        env=env,
        log=tmp / "snmpd.log",
    )

    def answers():
        from hotspot_manager.monitor.snmp import probe_v3_engine

        return (
            lab.call_in(
                lab.gateway_ns, lambda: asyncio.run(probe_v3_engine(UPLINK_PEER, SNMP_PORT, 0.3))
            )
            == "answers"
        )

    assert wait_for(answers, 10, 0.1), (tmp / "snmpd.out").read_text()[-500:]

    def no_cache():
        # the agent caches its ifTable for 3 s; 0 makes its counters the kernel's of now
        from pysnmp.hlapi.v3arch.asyncio import (
            CommunityData,
            ContextData,
            Integer32,
            ObjectIdentity,
            ObjectType,
            SnmpEngine,
            UdpTransportTarget,
            set_cmd,
        )

        async def go():
            eng = SnmpEngine()
            try:
                target = await UdpTransportTarget.create((UPLINK_PEER, SNMP_PORT), timeout=2)
                return await set_cmd(
                    eng,
                    CommunityData(SNMP_RW, mpModel=1),
                    target,
                    ContextData(),
                    ObjectType(
                        ObjectIdentity("1.3.6.1.4.1.8072.1.5.3.1.2.1.3.6.1.2.1.2.2"), Integer32(0)
                    ),
                )
            finally:
                eng.close_dispatcher()

        return asyncio.run(go())

    err, status, _, _ = lab.call_in(lab.gateway_ns, no_cache)
    assert not err and not int(status), (err, status)
    return proc


def test_snmp_rates_agree_with_kernel_counters_and_cpu_stays_low(lab, tmp_path):
    """snmpd in the internet namespace plays the upstream router. The monitor runs at the
    default intervals (SNMP every 10 s included) for about 25 s while iperf3 sends a steady
    16 Mbit/s through the router's gw0: the SNMP rates of gw0 agree with gw0's kernel
    counters, and the monitor's own CPU stays under 2 % of one core."""
    import psutil

    _start_lab_snmpd(lab, tmp_path)
    cfg = base_config(lab) + (
        "[monitor.snmp]\n"
        "enabled = true\n"
        f"port = {SNMP_PORT}\n"
        f'community = "{SNMP_RO}"\n'
        'wan_interface = "gw0"\n'
        "interval = 5.0\n"  # twice the default rate: enough polls inside the iperf run
    )
    mon = LabMonitor(lab, tmp_path, cfg)
    kernel: list[tuple[float, int]] = []
    iperf_error: list[BaseException] = []

    def traffic():
        try:
            lab.iperf(1, seconds=22, bitrate="16M")
        except BaseException as exc:  # reported below
            iperf_error.append(exc)

    try:
        st = mon.wait_running(lambda s: s["router"]["snmp"].get("state") == "ok", 25)
        snmp = st["router"]["snmp"]
        assert snmp["sys_name"] == "lab-upstream-router"
        assert snmp["interfaces"]["wan"]["name"] == "gw0"
        assert snmp["interfaces"]["wan"]["oper_status"] == "up"

        proc = psutil.Process(mon.proc.pid)
        assert Path(proc.exe()).name.startswith("python")  # `ip netns exec` exec'd python
        t_cpu0, cpu0 = time.monotonic(), sum(proc.cpu_times()[:2])
        sender = threading.Thread(target=traffic, daemon=True)
        sender.start()
        polls: dict[float, dict] = {}
        deadline = time.monotonic() + 24
        while time.monotonic() < deadline and sender.is_alive():
            kernel.append((time.time(), lab.counters(lab.internet_ns, "gw0")["rx_bytes"]))
            s = mon.status()["router"]["snmp"]
            if s.get("state") == "ok" and s.get("polled_at"):
                polls[s["polled_at"]] = s["interfaces"]["wan"]
            time.sleep(0.5)
        cpu1, t_cpu1 = sum(proc.cpu_times()[:2]), time.monotonic()
        sender.join(30)
        assert not iperf_error, iperf_error
    finally:
        rc = mon.stop()
    assert rc == 0, mon.log.read_text()[-2000:]

    cpu_percent = 100 * (cpu1 - cpu0) / (t_cpu1 - t_cpu0)
    print(f"\nmonitor CPU at default intervals (+SNMP): {cpu_percent:.2f} % of one core "
          f"over {t_cpu1 - t_cpu0:.0f} s")  # fmt: skip
    assert cpu_percent < 2.0, cpu_percent

    # kernel rate over the steady middle of the iperf run
    steady = [(t, v) for t, v in kernel if kernel[0][0] + 3 <= t <= kernel[-1][0] - 2]
    assert len(steady) >= 10, kernel
    kernel_rate = (steady[-1][1] - steady[0][1]) / (steady[-1][0] - steady[0][0])
    assert kernel_rate > 1.5e6, kernel_rate  # ~16 Mbit/s plus headers
    # SNMP rates of the polls whose whole interval lies inside the steady part
    times = sorted(polls)
    inside = [
        polls[b]["rx_bytes_per_second"]
        for a, b in zip(times, times[1:], strict=False)
        if a >= steady[0][0] and b <= steady[-1][0]
        and polls[b]["rx_bytes_per_second"] is not None
    ]  # fmt: skip
    assert inside, (times, steady[0][0], steady[-1][0])
    print(f"gw0 rx: kernel {kernel_rate:.0f} B/s, SNMP {inside}")
    for rate in inside:
        assert rate == pytest.approx(kernel_rate, rel=0.05), (inside, kernel_rate)


# ----------------------------------------------------------------------------- ICMP


def _ping_three(addr: str, family: int = socket.AF_INET) -> tuple[str, list]:
    from hotspot_manager.monitor.icmp import Pinger

    async def go():
        loop = asyncio.get_running_loop()
        p = Pinger(loop, family)
        out = []
        try:
            for _ in range(3):
                fut = loop.create_future()
                p.ping(addr, 1.0, lambda r, e, f=fut: f.done() or f.set_result((r, e)))
                out.append(await fut)
        finally:
            p.close()
        return p.mode, out

    return asyncio.run(go())


def _ping_sysctl(value: str | None = None) -> str:
    path = "/proc/sys/net/ipv4/ping_group_range"
    old = Path(path).read_text().strip()
    if value is not None:
        Path(path).write_text(value)
    return old


def test_icmp_unprivileged_where_allowed_raw_otherwise(lab):
    """ping_group_range is per namespace: closed, the monitor uses a raw socket; open to
    every group, an unprivileged ICMP socket. Both measure the same next hop."""
    gw = lab.gateway_ns
    old = lab.call_in(gw, _ping_sysctl, "1 0")
    try:
        mode, res = lab.call_in(gw, _ping_three, UPLINK_PEER)
        assert mode == "raw"
        assert all(r is not None and r < 0.1 for r, _ in res), res
        lab.call_in(gw, _ping_sysctl, "0 2147483647")
        mode, res = lab.call_in(gw, _ping_three, UPLINK_PEER)
        assert mode == "unprivileged"
        assert all(r is not None and r < 0.1 for r, _ in res), res
        # uplink unplugged, no route: each probe fails at once with the reason
        lab.uplink_down()
        t0 = time.monotonic()
        mode, res = lab.call_in(gw, _ping_three, lab.internet_ips[0])
        assert time.monotonic() - t0 < 0.5
        assert [r for r, _ in res] == [None] * 3
        assert "unreachable" in res[0][1].lower(), res
        # the other probes say so too, instead of failing with an exception
        from hotspot_manager.monitor.probes import ProbeError, dns_query

        def dns():
            try:
                asyncio.run(dns_query(UPLINK_PEER, 53, "example.com", 1))
            except ProbeError as exc:
                return str(exc)
            return "answered"

        assert "cannot reach 10.77.0.2" in lab.call_in(gw, dns)
    finally:
        lab.uplink_up()
        lab.call_in(gw, _ping_sysctl, old)


def test_icmp_ipv6_loopback():
    need_lab()
    if not socket.has_ipv6 or not Path("/proc/net/if_inet6").exists():
        pytest.skip("no IPv6 on this machine")
    mode, res = _ping_three("::1", socket.AF_INET6)
    assert mode in ("raw", "unprivileged")
    assert all(r is not None and r < 0.1 for r, _ in res), res


def test_icmp_without_permission_says_how_to_allow_it_for_this_group_only(lab):
    """An unprivileged user where ping_group_range is closed: the error names the
    group-limited sysctl or the agent's own capture right, never a capability on Python."""
    gw = lab.gateway_ns
    old = lab.call_in(gw, _ping_sysctl, "1 0")
    code = (
        "import socket\n"
        "from hotspot_manager.monitor.icmp import IcmpError, _open\n"
        "try:\n"
        "    _open(socket.AF_INET)\n"
        "except IcmpError as exc:\n"
        "    print(exc)\n"
    )
    try:
        done = lab.run(
            gw,
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            sys.executable,
            "-c",
            code,
            check=False,
        )
    finally:
        lab.call_in(gw, _ping_sysctl, old)
    assert done.returncode == 0, done.stderr
    msg = done.stdout
    assert 'net.ipv4.ping_group_range="65534 65534"' in msg
    assert "agent --monitor" in msg and "setcap" not in msg
