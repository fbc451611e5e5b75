"""The router over SNMP, against a real net-snmp ``snmpd`` that these tests start.

snmpd runs as a test-owned process on 127.0.0.1 on a free high port, with a configuration
written here: a read-only v2c community, a SHA/AES v3 user, and a write community limited
to NET-SNMP-AGENT-MIB's cache table, used once to set the agent's ifTable cache (3 s by
default) to 0 so that its counters and the kernel's can be compared at the same instant.

Needs the Debian package ``snmpd`` (not root). Skips without it, except under CI=true.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hotspot_manager.monitor.config import parse_config
from hotspot_manager.monitor.rates import clock
from hotspot_manager.monitor.snmp import RouterPoller, probe_v3_engine

IN_CI = os.environ.get("CI") == "true"
REPO_ROOT = Path(__file__).resolve().parents[1]
RO, RW = "hm-test-ro", "hm-test-rw"
V3_USER, V3_AUTH, V3_PRIV = "hmuser", "hm-auth-pass", "hm-priv-pass"
IFTABLE_CACHE = "1.3.6.1.4.1.8072.1.5.3.1.2.1.3.6.1.2.1.2.2"  # nsCacheTimeout.<ifTable>


def _snmpd() -> str:
    path = shutil.which("snmpd") or (
        "/usr/sbin/snmpd" if os.path.exists("/usr/sbin/snmpd") else None
    )
    if path is None:
        msg = "snmpd is not installed (apt-get install snmpd)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Snmpd:
    """A net-snmp agent of the test's own."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.binary = _snmpd()
        self.dir = workdir
        self.port = port or free_udp_port()
        (workdir / "mibs").mkdir(exist_ok=True)
        self.conf = workdir / "snmpd.conf"
        self.conf.write_text(
            f"agentAddress udp:127.0.0.1:{self.port}\n"
            f"rocommunity {RO} 127.0.0.1\n"
            f"rwcommunity {RW} 127.0.0.1 .1.3.6.1.4.1.8072.1.5\n"
            f'createUser {V3_USER} SHA "{V3_AUTH}" AES "{V3_PRIV}"\n'
            f"rouser {V3_USER} priv\n"
            "sysName hm-test-router\n"
            "sysLocation the test bench\n"
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ, MIBDIRS=str(self.dir / "mibs"), MIBS="")
        log = open(self.dir / "snmpd.log", "ab")
        self.proc = subprocess.Popen(
            [
                self.binary,
                "-f",  # foreground: the test owns the process
                "-Lf",
                str(self.dir / "snmpd.out"),
                "-C",  # only our configuration file
                "-c",
                str(self.conf),
                f"--persistentDir={self.dir / 'persist'}",
                "-p",
                str(self.dir / "snmpd.pid"),
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        log.close()
        deadline = time.monotonic() + 10
        while True:
            if asyncio.run(probe_v3_engine("127.0.0.1", self.port, 0.2)) == "answers":
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = (self.dir / "snmpd.out").read_text(errors="replace")[-500:]
                raise RuntimeError(f"snmpd did not start: {out}")
        self.set_cache_timeout(0)

    def set_cache_timeout(self, seconds: int) -> None:
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
                target = await UdpTransportTarget.create(("127.0.0.1", self.port), timeout=2)
                return await set_cmd(
                    eng,
                    CommunityData(RW, mpModel=1),
                    target,
                    ContextData(),
                    ObjectType(ObjectIdentity(IFTABLE_CACHE), Integer32(seconds)),
                )
            finally:
                eng.close_dispatcher()

        err_ind, err_status, _, _ = asyncio.run(go())
        assert not err_ind and not int(err_status), (err_ind, err_status)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture(scope="module")
def snmpd(tmp_path_factory):
    agent = Snmpd(tmp_path_factory.mktemp("snmpd"))
    agent.start()
    yield agent
    agent.stop()


def snmp_cfg(port: int, **over):
    doc = {
        "enabled": True,
        "host": "127.0.0.1",
        "port": port,
        "community": RO,
        "wan_interface": "lo",
        "timeout": 0.5,
        "retries": 0,
    }
    doc.update(over)
    return parse_config({"monitor": {"snmp": doc}}).snmp


def poll_once(cfg, polls: int = 1, between: float = 0.0):
    async def go():
        p = RouterPoller(cfg, "127.0.0.1")
        out = []
        try:
            for i in range(polls):
                out.append(await p.poll())
                if i + 1 < polls:
                    await asyncio.sleep(between)
        finally:
            p.close()
        return out

    return asyncio.run(go())


def lo_rx() -> int:
    return int(Path("/sys/class/net/lo/statistics/rx_bytes").read_text())


class Blaster:
    """Steady UDP traffic on loopback (about ``rate`` bytes/s), to a socket that drains it."""

    def __init__(self, rate: float = 2_000_000, size: int = 1000) -> None:
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sink.bind(("127.0.0.1", 0))
        self.sink.settimeout(0.1)
        self.rate, self.size = rate, size
        self._stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._send, daemon=True),
            threading.Thread(target=self._drain, daemon=True),
        ]
        for t in self.threads:
            t.start()

    def _send(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        addr = self.sink.getsockname()
        payload = bytes(self.size)
        per_tick = max(1, int(self.rate * 0.005 / self.size))
        next_t = time.monotonic()
        while not self._stop.is_set():
            for _ in range(per_tick):
                s.sendto(payload, addr)
            next_t += 0.005
            time.sleep(max(0.0, next_t - time.monotonic()))
        s.close()

    def _drain(self) -> None:
        while not self._stop.is_set():
            try:
                self.sink.recv(65536)
            except (TimeoutError, OSError):
                pass

    def close(self) -> None:
        self._stop.set()
        for t in self.threads:
            t.join(2)
        self.sink.close()


# ----------------------------------------------------------------------------- tests


def test_v2c_poll_names_uptime_and_interfaces(snmpd):
    cfg = snmp_cfg(snmpd.port, lan_interface="1")  # by ifIndex as well as by name
    [(st, events)] = poll_once(cfg)
    assert st["state"] == "ok", st
    assert st["sys_name"] == "hm-test-router"
    assert 0 < st["uptime_seconds"] < 3600
    wan = st["interfaces"]["wan"]
    assert wan["name"] == "lo" and wan["oper_status"] == "up" and wan["counter_bits"] == 64
    assert st["interfaces"]["lan"]["index"] == wan["index"]
    assert events == []


def test_rates_agree_with_kernel_counters(snmpd):
    """SNMP octets equal /sys/class/net/lo/statistics; the poller's rates equal the kernel's."""
    cfg = snmp_cfg(snmpd.port)
    blast = Blaster()
    try:

        async def go():
            p = RouterPoller(cfg, "127.0.0.1")
            rows = []
            try:
                for _ in range(4):
                    before = lo_rx()
                    st, _ = await p.poll()
                    after, t = lo_rx(), clock()
                    rows.append((before, st["interfaces"]["wan"], after, t))
                    await asyncio.sleep(0.7)
            finally:
                p.close()
            return rows

        rows = asyncio.run(go())
    finally:
        blast.close()
    for before, wan, after, _ in rows:
        assert before <= wan["rx_bytes"] <= after, (before, wan["rx_bytes"], after)
    for (_, _, k1, t1), (_, wan, k2, t2) in zip(rows, rows[1:], strict=False):
        kernel = (k2 - k1) / (t2 - t1)
        assert kernel > 1_000_000  # the blaster's traffic dominates
        assert wan["rx_bytes_per_second"] == pytest.approx(kernel, rel=0.05)
        # loopback: every byte received was sent
        assert wan["tx_bytes_per_second"] == pytest.approx(kernel, rel=0.05)


def test_v3_auth_priv(snmpd):
    cfg = snmp_cfg(
        snmpd.port,
        version="3",
        user=V3_USER,
        auth_protocol="SHA",
        auth_password=V3_AUTH,
        priv_protocol="AES",
        priv_password=V3_PRIV,
    )
    [(st, _)] = poll_once(cfg)
    assert st["state"] == "ok", st
    assert st["version"] == "3" and st["sys_name"] == "hm-test-router"
    assert st["interfaces"]["wan"]["rx_bytes"] > 0


@pytest.mark.parametrize(
    ("over", "expect"),
    [
        ({"community": "not-the-community"}, "wrong community (monitor.snmp.community)"),
        (
            {"version": "3", "user": V3_USER, "auth_password": "wrong-password",
             "priv_password": V3_PRIV},
            "wrong SNMP authentication password or protocol for user 'hmuser'",
        ),
        (
            {"version": "3", "user": "nobody-here", "auth_password": V3_AUTH,
             "priv_password": V3_PRIV},
            "the router does not know SNMP user 'nobody-here'",
        ),
        ({"wan_interface": "wan9"}, "monitor.snmp.wan_interface: the router has no interface"),
    ],
)  # fmt: skip
def test_clear_errors(snmpd, over, expect):
    [(st, _)] = poll_once(snmp_cfg(snmpd.port, **over))
    text = st.get("error") or st.get("interfaces", {}).get("wan", {}).get("error")
    assert text and expect in text, st
    if "wan_interface" in over:
        assert "lo" in text  # says which interfaces the router has


def test_router_that_does_not_answer():
    # nothing listens: the host says so (port unreachable)
    port = free_udp_port()
    [(st, _)] = poll_once(snmp_cfg(port))
    assert st["state"] == "no_response"
    assert "nothing listens on 127.0.0.1 port" in st["error"]
    # something listens and never answers (a filtered or dead agent)
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        t0 = time.monotonic()
        [(st, _)] = poll_once(snmp_cfg(silent.getsockname()[1]))
        assert time.monotonic() - t0 < 5
    finally:
        silent.close()
    assert st["state"] == "no_response"
    assert st["error"].startswith("the router does not answer SNMP: no response from")


def test_reboot_is_an_event_and_rates_restart(tmp_path):
    agent = Snmpd(tmp_path)
    agent.start()
    cfg = snmp_cfg(agent.port)

    async def go():
        p = RouterPoller(cfg, "127.0.0.1")
        try:
            first = await p.poll()
            await asyncio.sleep(1.2)
            second = await p.poll()
            await asyncio.to_thread(agent.stop)
            # same port: the "router" restarted, sysUpTime starts again
            await asyncio.to_thread(agent.start)
            third = await p.poll()
            await asyncio.sleep(0.5)
            fourth = await p.poll()
        finally:
            p.close()
        return first, second, third, fourth

    try:
        (s1, e1), (s2, e2), (s3, e3), (s4, e4) = asyncio.run(go())
    finally:
        agent.stop()
    assert e1 == e2 == [] and s2["interfaces"]["wan"]["rx_bytes_per_second"] is not None
    assert [e["kind"] for e in e3] == ["router_reboot"]
    assert s3["uptime_seconds"] < s2["uptime_seconds"]
    assert s3["reboots"] == 1
    # the interval across the reboot has no rate; the next one has again
    assert s3["interfaces"]["wan"].get("rx_bytes_per_second") is None
    assert e4 == [] and s4["interfaces"]["wan"]["rx_bytes_per_second"] is not None


def test_check_command_says_wrong_community(snmpd, tmp_path):
    cfg = tmp_path / "m.toml"
    cfg.write_text(
        "[monitor]\n"
        'gateway = "127.0.0.1"\n'
        'targets = ["udp://127.0.0.1:9", "udp://127.0.0.2:9"]\n'
        "ping_timeout = 0.3\n"
        "[monitor.dns]\nenabled = false\n[monitor.http]\nenabled = false\n"
        f'[monitor.snmp]\nenabled = true\nport = {snmpd.port}\ncommunity = "guess"\n'
        "timeout = 0.5\nretries = 0\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    r = subprocess.run(
        [sys.executable, "-m", "hotspot_manager", "monitor", "--check", "--config", str(cfg)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert r.returncode == 4, r.stderr
    assert "FAIL SNMP 127.0.0.1" in r.stdout
    assert "wrong community (monitor.snmp.community)" in r.stdout
