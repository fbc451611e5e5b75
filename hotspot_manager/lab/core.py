"""The virtual hotspot: network namespaces, veth pairs, a bridge, NAT and responders.

See docs/lab.md for the topology. Everything here shells out to iproute2,
nftables, ethtool, dnsmasq and busybox's udhcpc; nothing outside the standard
library is imported.
"""

from __future__ import annotations

import contextlib
import glob
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from hotspot_manager.lab import tools
from hotspot_manager.lab.tools import LabCommandError, LabError, LabInputError

T = TypeVar("T")

LAN = "192.168.77.0/24"
GATEWAY_IP = "192.168.77.1"
DHCP_FIRST, DHCP_LAST = "192.168.77.10", "192.168.77.200"
STATIC_BASE = 200  # dhcp=False: client i gets 192.168.77.(200 + i), outside the DHCP range
UPLINK_GW_IP, UPLINK_INET_IP = "10.77.0.1", "10.77.0.2"
INTERNET_IPS = ["198.51.100.1", "203.0.113.1"]
HTTP_IP = INTERNET_IPS[0]
SLOW_IP = INTERNET_IPS[1]
HTTP_FILES = {"1k": 1000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}

CAPTURE_INTERFACE = "br0"
UPLINK_INTERFACE = "wan0"  # in the gateway namespace
# The uplink's other end, in the internet namespace; it also holds the internet
# addresses (no dummy interfaces: the dummy module is not always there).
INET_INTERFACE = "gw0"
CLIENT_INTERFACE = "eth0"  # in each client namespace

# Fixed MACs so that tests know them: "hm" is 68:6d.
CLIENT_MAC = "02:68:6d:00:00:{:02x}"
VENDOR_MAC = "00:1b:63:00:00:{:02x}"  # an Apple OUI: client 2 has a real vendor
VENDOR_CLIENT = 2
PORT_MAC = "02:68:6d:fd:00:{:02x}"  # the bridge port (gateway side) of client i
BRIDGE_MAC = "02:68:6d:ff:00:01"
UPLINK_GW_MAC = "02:68:6d:fe:00:01"
UPLINK_INET_MAC = "02:68:6d:fe:00:02"

NFT_TABLE = "hotspot_lab"
OFFLOADS = ("tso", "off", "gso", "off", "gro", "off", "tx", "off", "rx", "off")
IPERF_BASE_PORT = 5200  # client i's iperf3 server listens on 5200 + i
DELAY_BASE_PORT = 7000

_PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{0,9}$")
_WORKDIR_PREFIX = "hotspot-lab-{}."

_UDHCPC_SCRIPT = """#!/bin/sh
# udhcpc event script of the hotspot lab: applies the lease to the interface and
# writes what it got to $HM_LEASE_OUT (read by the lab). Never touches /etc.
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
bound|renew)
    if [ "$1" = bound ]; then ip -4 addr flush dev "$interface"; fi
    ip addr replace "$ip/${mask:-$subnet}" broadcast + dev "$interface"
    for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    {
        echo "ip=$ip"
        echo "mask=${mask:-$subnet}"
        echo "router=$router"
        echo "dns=$dns"
        echo "lease=$lease"
    } > "$HM_LEASE_OUT.tmp" && mv "$HM_LEASE_OUT.tmp" "$HM_LEASE_OUT"
    ;;
esac
exit 0
"""


@dataclass
class Client:
    """One client namespace: a phone or laptop of a customer."""

    index: int
    ns: str
    ifname: str
    mac: str
    hostname: str
    port: str  # its bridge port in the gateway namespace
    ip: str | None = None


@dataclass(frozen=True)
class CurlResult:
    status: int  # HTTP status code
    size: int  # body bytes downloaded
    seconds: float  # total time


@dataclass(frozen=True)
class PingResult:
    transmitted: int
    received: int
    loss: float  # percent
    rtt_min: float | None  # milliseconds; None when nothing came back
    rtt_avg: float | None
    rtt_max: float | None


def _workdir_glob(prefix: str) -> str:
    return os.path.join(tempfile.gettempdir(), _WORKDIR_PREFIX.format(prefix) + "*")


def _ns_names_of(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(prefix)}-(gw|inet|c\d+)$")


def _netns_list() -> list[str]:
    out = tools.run([tools.tool("ip"), "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _kill_pids(pids: Sequence[int], grace: float = 1.0) -> None:
    pids = [p for p in pids if p != os.getpid()]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        if alive:
            time.sleep(0.02)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def _write_sysctls(values: dict[str, str]) -> None:
    for key, value in values.items():
        with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
            f.write(value)


class Lab:
    """A hotspot built from network namespaces; a context manager.

    ``with Lab(clients=3) as lab:`` builds (in under a second)::

        {prefix}-c1..cN --veth-- [br0 {prefix}-gw wan0] --veth-- [gw0 {prefix}-inet]
        DHCP clients             dnsmasq DHCP+DNS, NAT        HTTP, DNS, ICMP, iperf3,
                                                              delay responders

    and tears it all down on exit (processes, namespaces, /etc/netns files, the
    work directory), also when the body raised. Leftovers of a crashed run with
    the same prefix are removed before building (``Lab.cleanup(prefix)``).
    """

    lan = LAN
    gateway_ip = GATEWAY_IP
    capture_interface = CAPTURE_INTERFACE
    uplink_interface = UPLINK_INTERFACE
    uplink_ip = UPLINK_GW_IP
    uplink_peer_ip = UPLINK_INET_IP
    http_ip = HTTP_IP
    http_files = dict(HTTP_FILES)

    def __init__(
        self,
        clients: int = 3,
        prefix: str = "hm",
        dhcp: bool = True,
        *,
        macs: Sequence[str] | None = None,
        hostnames: Sequence[str] | None = None,
        dhcp_timeout: float = 15.0,
    ):
        if not _PREFIX_RE.match(prefix):
            raise LabInputError(
                f"bad lab prefix {prefix!r}: 1-10 lowercase letters and digits, starting "
                "with a letter"
            )
        limit = 190 if dhcp else 54
        if not 1 <= clients <= limit:
            raise LabInputError(f"clients must be between 1 and {limit} (got {clients})")
        if macs is not None and len(macs) != clients:
            raise LabInputError("macs: one MAC address per client")
        if hostnames is not None and len(hostnames) != clients:
            raise LabInputError("hostnames: one name per client")
        self.prefix = prefix
        self.dhcp = dhcp
        self.dhcp_timeout = dhcp_timeout
        self.gateway_ns = f"{prefix}-gw"
        self.internet_ns = f"{prefix}-inet"
        self.internet_ips = list(INTERNET_IPS)
        self.clients: list[Client] = []
        for i in range(1, clients + 1):
            if macs is not None:
                mac = macs[i - 1].lower()
            else:
                mac = (VENDOR_MAC if i == VENDOR_CLIENT else CLIENT_MAC).format(i)
            self.clients.append(
                Client(
                    index=i,
                    ns=f"{prefix}-c{i}",
                    ifname=CLIENT_INTERFACE,
                    mac=mac,
                    hostname=hostnames[i - 1] if hostnames else f"client{i}",
                    port=f"c{i}",
                    ip=None if dhcp else f"192.168.77.{STATIC_BASE + i}",
                )
            )
        self.namespaces = [self.gateway_ns, self.internet_ns] + [c.ns for c in self.clients]
        self.workdir: Path | None = None
        self._procs: list[subprocess.Popen] = []
        self._iperf: dict[int, subprocess.Popen] = {}
        self._next_delay_port = DELAY_BASE_PORT + 1
        self._loss = 0.0
        self._rate = 0
        self.setup_seconds: float | None = None
        self.teardown_seconds: float | None = None

    # -- files -------------------------------------------------------------------
    @property
    def lease_file(self) -> Path:
        return self._work / "dnsmasq.leases"

    @property
    def dnsmasq_log(self) -> Path:
        return self._work / "dnsmasq-gw.log"

    @property
    def _work(self) -> Path:
        if self.workdir is None:
            raise LabError("the lab is not up")
        return self.workdir

    # -- lifecycle ---------------------------------------------------------------
    def __enter__(self) -> Lab:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def up(self) -> Lab:
        """Build the lab. On failure everything built so far is removed again."""
        tools.require_root()
        tools.require_tools(tools.SETUP_TOOLS + (tools.DHCP_TOOLS if self.dhcp else ()))
        t0 = time.monotonic()
        Lab.cleanup(self.prefix)
        self.workdir = Path(tempfile.mkdtemp(prefix=_WORKDIR_PREFIX.format(self.prefix)))
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        self.setup_seconds = time.monotonic() - t0
        return self

    def close(self) -> None:
        """Tear everything down; safe to call twice."""
        t0 = time.monotonic()
        procs, self._procs = self._procs, []
        self._iperf.clear()
        for p in procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 2.0
        for p in procs:
            try:
                p.wait(timeout=max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=5)
        Lab.cleanup(self.prefix, namespaces=self.namespaces)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        self.teardown_seconds = time.monotonic() - t0

    @staticmethod
    def cleanup(prefix: str, namespaces: Sequence[str] | None = None) -> list[str]:
        """Remove what a lab with this prefix left behind (a crashed run, `lab up`).

        Kills every process inside its namespaces, deletes the namespaces (and so
        their veths), their /etc/netns/<ns> directories and the work directories.
        Returns the namespaces removed.
        """
        if not _PREFIX_RE.match(prefix):
            raise LabInputError(f"bad lab prefix {prefix!r}")
        tools.require_root()
        ip = tools.tool("ip")
        mine = _ns_names_of(prefix)
        present = [n for n in _netns_list() if mine.match(n)]
        pids: list[int] = []
        for ns in present:
            out = tools.run([ip, "netns", "pids", ns], check=False).stdout
            pids += [int(x) for x in out.split() if x.isdigit()]
        _kill_pids(pids)
        if present:
            batch = "".join(f"netns del {ns}\n" for ns in present)
            tools.run([ip, "-force", "-batch", "-"], input=batch, check=False)
        left = [n for n in _netns_list() if mine.match(n)]
        if left:
            raise LabError(f"could not delete network namespaces {', '.join(left)}")
        for ns in set(present) | set(namespaces or ()):
            shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)
        for d in glob.glob(f"/etc/netns/{prefix}-*"):
            if mine.match(os.path.basename(d)):
                shutil.rmtree(d, ignore_errors=True)
        for d in glob.glob(_workdir_glob(prefix)):
            shutil.rmtree(d, ignore_errors=True)
        return present

    @staticmethod
    def exists(prefix: str) -> list[str]:
        """The namespaces of a lab with this prefix that exist now."""
        mine = _ns_names_of(prefix)
        return [n for n in _netns_list() if mine.match(n)]

    @staticmethod
    def missing_tools() -> list[tuple[str, str]]:
        """(program, Debian package) for every program of the lab not installed."""
        return [(t, tools.TOOL_PACKAGES[t]) for t in tools.missing_tools()]

    # -- building ----------------------------------------------------------------
    def _build(self) -> None:
        ip = tools.tool("ip")
        work = self._work
        gw, inet = self.gateway_ns, self.internet_ns
        # Files first: /etc/netns/<ns>/resolv.conf is bind-mounted over
        # /etc/resolv.conf by `ip netns exec`, so the host's is never used or touched.
        resolvers = {gw: UPLINK_INET_IP, inet: "127.0.0.1"}
        resolvers.update({c.ns: GATEWAY_IP for c in self.clients})
        for ns, server in resolvers.items():
            d = Path("/etc/netns") / ns
            d.mkdir(parents=True, exist_ok=True)
            (d / "resolv.conf").write_text(f"nameserver {server}\n")
        www = work / "www"
        www.mkdir()
        for name, size in HTTP_FILES.items():
            with open(www / name, "wb") as f:
                f.write(bytes(size))
        (www / "index.html").write_text("<html><body>hotspot lab internet</body></html>\n")
        script = work / "udhcpc.sh"
        script.write_text(_UDHCPC_SCRIPT)
        script.chmod(0o755)

        tools.run([ip, "-batch", "-"], input="".join(f"netns add {n}\n" for n in self.namespaces))
        # No IPv6 (quiet links: no DAD, router or MLD chatter in the counters).
        quiet = {
            "net.ipv6.conf.all.disable_ipv6": "1",
            "net.ipv6.conf.default.disable_ipv6": "1",
        }
        for ns in self.namespaces:
            values = dict(quiet)
            if ns == gw:
                values["net.ipv4.ip_forward"] = "1"
            tools.call_in_netns(ns, _write_sysctls, values)

        # All links are made from the gateway namespace, their peers go straight
        # into the other namespaces: nothing ever appears in the root namespace.
        b = [
            f"link add {CAPTURE_INTERFACE} address {BRIDGE_MAC} type bridge stp_state 0 "
            "forward_delay 0",
            f"link add {UPLINK_INTERFACE} address {UPLINK_GW_MAC} type veth peer name "
            f"{INET_INTERFACE} address {UPLINK_INET_MAC} netns {inet}",
        ]
        for c in self.clients:
            b.append(
                f"link add {c.port} address {PORT_MAC.format(c.index)} type veth peer name "
                f"{c.ifname} address {c.mac} netns {c.ns}"
            )
            b.append(f"link set {c.port} master {CAPTURE_INTERFACE} up")
        b += [
            f"addr add {GATEWAY_IP}/24 dev {CAPTURE_INTERFACE}",
            f"addr add {UPLINK_GW_IP}/30 dev {UPLINK_INTERFACE}",
            "link set lo up",
            f"link set {CAPTURE_INTERFACE} up",
            f"link set {UPLINK_INTERFACE} up",
            f"route add default via {UPLINK_INET_IP} dev {UPLINK_INTERFACE}",
        ]
        tools.run([ip, "-n", gw, "-batch", "-"], input="\n".join(b) + "\n")

        nft = work / "nat.nft"
        nft.write_text(self._nft_ruleset(loss_in=0, loss_out=0))
        ethtool, nft_bin = tools.tool("ethtool"), tools.tool("nft")

        def offload(dev: str) -> str:
            return f"{ethtool} -K {dev} {' '.join(OFFLOADS)} >/dev/null"

        scripts: dict[str, list[str]] = {
            gw: [offload(CAPTURE_INTERFACE), offload(UPLINK_INTERFACE)]
            + [offload(c.port) for c in self.clients]
            + [f"{nft_bin} -f {nft}"],
            inet: [
                f"{ip} link set lo up",
                f"{ip} addr add {UPLINK_INET_IP}/30 dev {INET_INTERFACE}",
                *(f"{ip} addr add {a}/24 dev {INET_INTERFACE}" for a in INTERNET_IPS),
                f"{ip} link set {INET_INTERFACE} up",
                f"{ip} route add {LAN} via {UPLINK_GW_IP} dev {INET_INTERFACE}",
                offload(INET_INTERFACE),
            ],
        }
        for c in self.clients:
            s = [f"{ip} link set lo up", offload(c.ifname), f"{ip} link set {c.ifname} up"]
            if not self.dhcp:
                s += [
                    f"{ip} addr add {c.ip}/24 dev {c.ifname}",
                    f"{ip} route add default via {GATEWAY_IP} dev {c.ifname}",
                ]
            scripts[c.ns] = s
        tools.run_parallel(
            [
                [ip, "netns", "exec", ns, "sh", "-ec", "\n".join(lines)]
                for ns, lines in scripts.items()
            ]
        )

        # Services.
        dnsmasq = tools.tool("dnsmasq")
        common = [
            dnsmasq,
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--pid-file=",
            "--user=root",
            "--group=root",
            "--bind-interfaces",
        ]
        gw_dns = self.popen(
            gw,
            *common,
            f"--interface={CAPTURE_INTERFACE}",
            f"--server={UPLINK_INET_IP}",
            f"--dhcp-range={DHCP_FIRST},{DHCP_LAST},255.255.255.0,12h",
            f"--dhcp-leasefile={self.lease_file}",
            "--dhcp-authoritative",
            "--no-ping",
            "--log-dhcp",
            "--log-queries",
            f"--log-facility={self.dnsmasq_log}",
            log=work / "dnsmasq-gw.out",
        )
        inet_dns = self.popen(
            inet,
            *common,
            f"--listen-address={','.join([*INTERNET_IPS, UPLINK_INET_IP, '127.0.0.1'])}",
            f"--address=/#/{HTTP_IP}",
            "--log-queries",
            f"--log-facility={work / 'dnsmasq-inet.log'}",
            log=work / "dnsmasq-inet.out",
        )
        http = self.popen(
            inet,
            sys.executable,
            "-m",
            "http.server",
            "80",
            "--bind",
            "0.0.0.0",
            "--directory",
            str(www),
            log=work / "http.log",
        )
        self._wait_listening(gw, 67, "udp", gw_dns, what="the gateway's DHCP server")
        if self.dhcp:
            self._dhcp_all()
        self._wait_listening(gw, 53, "udp", gw_dns, what="the gateway's DNS forwarder")
        self._wait_listening(inet, 53, "udp", inet_dns, what="the internet DNS server")
        self._wait_listening(inet, 80, "tcp", http, what="the internet HTTP server")
        (work / "lab.json").write_text(json.dumps(self.describe(), indent=2) + "\n")

    def _dhcp_all(self) -> None:
        busybox = tools.tool("busybox")
        work = self._work
        retries = max(3, math.ceil(self.dhcp_timeout))
        procs = []
        for c in self.clients:
            out = work / f"lease-{c.ns}.env"
            env = dict(os.environ, HM_LEASE_OUT=str(out))
            argv = [
                tools.tool("ip"),
                "netns",
                "exec",
                c.ns,
                busybox,
                "udhcpc",
                "-f",  # foreground
                "-q",  # quit once bound (no renewals: the lease lasts 12 h)
                "-n",  # fail if no lease
                "-t",
                str(retries),
                "-T",
                "1",
                "-i",
                c.ifname,
                "-s",
                str(work / "udhcpc.sh"),
                "-x",
                f"hostname:{c.hostname}",
            ]
            log = open(work / f"udhcpc-{c.ns}.log", "wb")
            procs.append((c, out, log, subprocess.Popen(argv, env=env, stdout=log, stderr=log)))
        deadline = time.monotonic() + self.dhcp_timeout
        failed = []
        for c, out, log, p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            log.close()
            values = {}
            if out.exists():
                for line in out.read_text().splitlines():
                    k, _, v = line.partition("=")
                    values[k] = v
            if values.get("ip"):
                c.ip = values["ip"]
            else:
                tail = (work / f"udhcpc-{c.ns}.log").read_text(errors="replace")[-300:]
                failed.append(f"{c.ns}: {tail.strip().splitlines()[-1:] or 'no output'}")
        if failed:
            raise LabError(f"no DHCP lease within {self.dhcp_timeout:g} s for " + "; ".join(failed))
        # dnsmasq writes its lease file right after the ACK; wait until it shows all.
        want = {c.mac for c in self.clients}
        while time.monotonic() < deadline:
            if want <= {row["mac"] for row in self.leases()}:
                return
            time.sleep(0.02)
        raise LabError(f"dnsmasq's lease file {self.lease_file} misses some clients")

    def _wait_listening(
        self,
        ns: str,
        port: int,
        proto: str,
        proc: subprocess.Popen | None = None,
        what: str = "",
        timeout: float = 10.0,
    ) -> None:
        ss = tools.tool("ss")
        flag = "-Hlnt" if proto == "tcp" else "-Hlnu"
        deadline = time.monotonic() + timeout
        while True:
            out = tools.run(
                [tools.tool("ip"), "netns", "exec", ns, ss, flag, f"sport = :{port}"],
                check=False,
            ).stdout
            if out.strip():
                return
            if proc is not None and proc.poll() is not None:
                raise LabError(
                    f"{what or proc.args[0]} in {ns} exited with status {proc.returncode}: "
                    f"{self._log_tail(proc)}"
                )
            if time.monotonic() > deadline:
                raise LabError(f"{what or 'a server'} in {ns} is not listening on {proto}/{port}")
            time.sleep(0.02)

    def _log_tail(self, proc: subprocess.Popen) -> str:
        path = getattr(proc, "log_path", None)
        if path and os.path.exists(path):
            text = Path(path).read_text(errors="replace").strip()
            return text[-400:].replace("\n", " | ") or "(no output)"
        return "(no log)"

    def _nft_ruleset(self, loss_in: int, loss_out: int) -> str:
        """NAT on the uplink, plus random drops (per 10 000) in each direction."""
        up = UPLINK_INTERFACE
        rin = f'iifname "{up}" numgen random mod 10000 < {loss_in} drop' if loss_in else ""
        rout = f'oifname "{up}" numgen random mod 10000 < {loss_out} drop' if loss_out else ""
        return f"""table ip {NFT_TABLE}
delete table ip {NFT_TABLE}
table ip {NFT_TABLE} {{
    chain nat_postrouting {{
        type nat hook postrouting priority srcnat; policy accept;
        oifname "{up}" masquerade
    }}
    chain loss_in {{
        type filter hook prerouting priority raw; policy accept;
        {rin}
    }}
    chain loss_out {{
        type filter hook postrouting priority 300; policy accept;
        {rout}
    }}
}}
"""

    # -- description ---------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "namespaces": list(self.namespaces),
            "gateway_ns": self.gateway_ns,
            "internet_ns": self.internet_ns,
            "capture_interface": self.capture_interface,
            "uplink_interface": self.uplink_interface,
            "lan": self.lan,
            "gateway_ip": self.gateway_ip,
            "uplink": f"{UPLINK_GW_IP}/30 <-> {UPLINK_INET_IP}/30",
            "internet_ips": list(self.internet_ips),
            "http": f"http://{HTTP_IP}/ ({', '.join(HTTP_FILES)})",
            "workdir": str(self.workdir) if self.workdir else None,
            "lease_file": str(self.lease_file) if self.workdir else None,
            "clients": [asdict(c) for c in self.clients],
        }

    def leases(self) -> list[dict[str, str]]:
        """The gateway's dnsmasq lease file: expiry, mac, ip, hostname, client_id."""
        rows = []
        try:
            text = self.lease_file.read_text()
        except FileNotFoundError:
            return rows
        for line in text.splitlines():
            f = line.split()
            if len(f) >= 4:
                rows.append(
                    {
                        "expiry": f[0],
                        "mac": f[1].lower(),
                        "ip": f[2],
                        "hostname": "" if f[3] == "*" else f[3],
                        "client_id": f[4] if len(f) > 4 and f[4] != "*" else "",
                    }
                )
        return rows

    # -- running things in namespaces -------------------------------------------------
    def ns(self, target: str | Client) -> str:
        """The namespace name of a Client, a role ("gw", "inet", "c2") or a full name."""
        if isinstance(target, Client):
            return target.ns
        if target in self.namespaces:
            return target
        full = f"{self.prefix}-{target}"
        if full in self.namespaces:
            return full
        raise LabInputError(f"no namespace {target!r} in lab {self.prefix!r}")

    def client(self, target: int | str | Client) -> Client:
        if isinstance(target, Client):
            return target
        if isinstance(target, int):
            return self.clients[target - 1]
        ns = self.ns(target)
        for c in self.clients:
            if c.ns == ns:
                return c
        raise LabInputError(f"{target!r} is not a client of lab {self.prefix!r}")

    def run(
        self,
        ns: str | Client,
        *cmd: str,
        check: bool = True,
        timeout: float | None = 30,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``cmd`` inside a namespace and wait (text, output captured)."""
        argv = [tools.tool("ip"), "netns", "exec", self.ns(ns), *map(str, cmd)]
        return tools.run(argv, check=check, timeout=timeout, input=input)

    def popen(self, ns: str | Client, *cmd: str, log: str | Path | None = None, **kwargs):
        """Start ``cmd`` inside a namespace; it is killed at teardown.

        Output goes to ``log`` (default: a file in the work directory) unless
        stdout/stderr are given.
        """
        argv = [tools.tool("ip"), "netns", "exec", self.ns(ns), *map(str, cmd)]
        env = kwargs.pop("env", None) or dict(os.environ)
        pkg_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pkg_root, env.get("PYTHONPATH")]))
        logf = None
        if "stdout" not in kwargs and "stderr" not in kwargs:
            if log is None:
                log = self._work / f"{len(self._procs):02d}-{Path(str(cmd[0])).name}.log"
            logf = open(log, "ab")
            kwargs["stdout"] = logf
            kwargs["stderr"] = subprocess.STDOUT
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        try:
            p = subprocess.Popen(argv, env=env, start_new_session=True, **kwargs)
        finally:
            if logf is not None:
                logf.close()
        p.log_path = str(log) if log else None  # type: ignore[attr-defined]
        self._procs.append(p)
        return p

    def call_in(self, ns: str | Client, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``fn(*args, **kwargs)`` in this process, in a thread inside ``ns``.

        Sockets it opens belong to that namespace. (Files under /proc/net and
        /sys still show the main thread's namespace: use ``run`` for those.)
        """
        return tools.call_in_netns(self.ns(ns), fn, *args, **kwargs)

    def counters(self, ns: str | Client, ifname: str | None = None) -> dict[str, int]:
        """Kernel counters of an interface, read inside its namespace."""
        if ifname is None:
            if not isinstance(ns, Client):
                raise LabInputError("counters: name the interface")
            ifname = ns.ifname
        if not re.match(r"^[A-Za-z0-9_.@-]{1,15}$", ifname):
            raise LabInputError(f"bad interface name {ifname!r}")
        keys = ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_dropped", "tx_dropped")
        out = self.run(ns, "cat", *(f"/sys/class/net/{ifname}/statistics/{k}" for k in keys))
        return dict(zip(keys, map(int, out.stdout.split()), strict=True))

    # -- the uplink ------------------------------------------------------------------
    def uplink_down(self) -> None:
        """Unplug the uplink: the gateway's uplink veth goes down (its routes go too)."""
        self.run(self.gateway_ns, tools.tool("ip"), "link", "set", UPLINK_INTERFACE, "down")

    def uplink_up(self) -> None:
        ip = tools.tool("ip")
        self.run(self.gateway_ns, ip, "link", "set", UPLINK_INTERFACE, "up")
        self.run(
            self.gateway_ns,
            *(ip, "route", "replace", "default", "via", UPLINK_INET_IP, "dev", UPLINK_INTERFACE),
        )

    def set_loss(self, percent: float, direction: str = "both") -> None:
        """Drop packets on the uplink at random (nftables ``numgen random``); 0 removes.

        ``direction="both"`` (default) drops in each direction with probability
        1 - sqrt(1 - p), so that ``percent`` of round trips (a ping and its
        answer, a DNS query and its reply) fail. ``"out"`` (towards the internet)
        or ``"in"`` drop ``percent`` of that direction's packets only.
        """
        if not 0 <= percent <= 100:
            raise LabInputError("loss percent must be between 0 and 100")
        if direction not in ("both", "in", "out"):
            raise LabInputError("direction: both, in or out")
        p = percent / 100.0
        each = 1 - math.sqrt(1 - p) if direction == "both" else p
        n = round(each * 10000)
        loss_in = n if direction in ("both", "in") else 0
        loss_out = n if direction in ("both", "out") else 0
        self.run(
            self.gateway_ns,
            tools.tool("nft"),
            "-f",
            "-",
            input=self._nft_ruleset(loss_in, loss_out),
        )
        self._loss = percent

    def set_rate(self, kbit: int) -> None:
        """Limit the uplink to ``kbit`` kbit/s each way (tc tbf on both ends); 0 removes."""
        tc = tools.tool("tc")
        ends = ((self.gateway_ns, UPLINK_INTERFACE), (self.internet_ns, INET_INTERFACE))
        for ns, dev in ends:
            if kbit <= 0:
                self.run(ns, tc, "qdisc", "del", "dev", dev, "root", check=False)
                continue
            # Burst: 20 ms at the rate, at least two full frames.
            burst = max(3200, kbit * 1000 // 8 // 50)
            self.run(
                ns,
                *(tc, "qdisc", "replace", "dev", dev, "root", "tbf"),
                *("rate", f"{kbit}kbit", "burst", str(burst), "latency", "100ms"),
            )
        self._rate = max(0, kbit)

    # -- traffic ---------------------------------------------------------------------
    def curl(
        self,
        client: str | Client | int,
        path: str = "/1k",
        *,
        timeout: float = 30,
        check: bool = True,
    ) -> CurlResult:
        """GET http://198.51.100.1/<path> from a client (through the gateway's NAT)."""
        url = path if "://" in path else f"http://{HTTP_IP}/{path.lstrip('/')}"
        c = self.client(client)
        proc = self.run(
            c,
            tools.tool("curl"),
            *("-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}"),
            *("--connect-timeout", str(min(5, timeout)), "--max-time", str(timeout), url),
            check=check,
            timeout=timeout + 5,
        )
        parts = proc.stdout.split()
        if len(parts) != 3:
            return CurlResult(0, 0, 0.0)
        return CurlResult(int(parts[0]), int(parts[1]), float(parts[2]))

    def ping(
        self,
        client: str | Client | int,
        target: str = HTTP_IP,
        count: int = 3,
        *,
        interval: float = 0.2,
        wait: float = 1.0,
    ) -> PingResult:
        """ICMP echo from a client (or "gw"); never raises for lost packets."""
        ns = self.ns(client) if not isinstance(client, int) else self.client(client).ns
        proc = self.run(
            ns,
            tools.tool("ping"),
            *("-n", "-q", "-c", str(count), "-i", f"{interval:g}", "-W", f"{wait:g}", target),
            check=False,
            timeout=count * interval + wait + 10,
        )
        m = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", proc.stdout)
        if not m:
            raise LabCommandError(proc.returncode, proc.args, proc.stdout, proc.stderr)
        tx, rx = int(m.group(1)), int(m.group(2))
        r = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/", proc.stdout)
        rtt = tuple(float(x) for x in r.groups()) if r else (None, None, None)
        return PingResult(tx, rx, 100.0 * (tx - rx) / tx if tx else 100.0, *rtt)

    def iperf(
        self,
        client: str | Client | int,
        seconds: int = 2,
        *,
        reverse: bool = False,
        udp: bool = False,
        bitrate: str | None = None,
        extra: Sequence[str] = (),
    ) -> dict[str, Any]:
        """iperf3 from a client to 198.51.100.1; returns iperf3's JSON (``-J``).

        Each call gets its own one-off server (``iperf3 -s -1``) on port 5200 + the
        client's index, so clients can measure at the same time and a run never
        meets a server still busy with the previous one. ``reverse=True``
        downloads (the server sends).
        """
        if int(seconds) != seconds or seconds < 1:
            # iperf3 reads -t as an integer, and -t 0 runs for ever.
            raise LabInputError("iperf: seconds must be a whole number >= 1")
        c = self.client(client)
        iperf3 = tools.tool("iperf3")
        port = IPERF_BASE_PORT + c.index
        previous = self._iperf.pop(port, None)
        if previous is not None and previous.poll() is None:
            try:
                previous.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(previous.pid, signal.SIGKILL)
                previous.wait()
        server = self.popen(
            self.internet_ns,
            *(iperf3, "-s", "-1", "-B", HTTP_IP, "-p", str(port)),
            log=self._work / f"iperf3-{port}.log",
        )
        self._iperf[port] = server
        self._wait_listening(self.internet_ns, port, "tcp", server, what="iperf3 -s")
        argv = [iperf3, "-c", HTTP_IP, "-p", str(port), "-t", str(int(seconds)), "-J"]
        if reverse:
            argv.append("-R")
        if udp:
            argv.append("-u")
        if bitrate:
            argv += ["-b", bitrate]
        argv += list(extra)
        proc = self.run(c, *argv, check=False, timeout=seconds + 30)
        try:
            result = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise LabCommandError(proc.returncode, proc.args, proc.stdout, proc.stderr) from None
        if proc.returncode != 0 or "error" in result:
            raise LabError(f"iperf3 from {c.ns} failed: {result.get('error', proc.stderr)}")
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass  # reaped at the next call or at teardown
        return result

    def start_delay_responder(self, ms: float, *, proto: str = "both") -> tuple[str, int]:
        """A UDP (and TCP) echo server in the internet namespace that waits ``ms``.

        Returns (ip, port): 203.0.113.1 and a new port per responder. A probe's
        round trip is the network's plus ``ms``. The TCP handshake is not
        delayed (the kernel answers it): time the echo of data instead.
        """
        if ms < 0:
            raise LabInputError("delay must be >= 0 ms")
        port = self._next_delay_port
        self._next_delay_port += 1
        p = self.popen(
            self.internet_ns,
            *(sys.executable, "-m", "hotspot_manager.lab.responders", "delay"),
            *("--ms", f"{ms:g}", "--port", str(port), "--bind", SLOW_IP, "--proto", proto),
        )
        self._wait_listening(
            self.internet_ns,
            port,
            "tcp" if proto == "tcp" else "udp",
            p,
            what="the delay responder",
        )
        return SLOW_IP, port
