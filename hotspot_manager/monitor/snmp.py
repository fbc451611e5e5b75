"""The router over SNMP v2c or v3 (pysnmp, asyncio): name, uptime, interfaces and rates.

Each poll is one GET of sysName, sysUpTime and, for the WAN and LAN interfaces, ifOperStatus,
the IF-MIB 64-bit octet counters (``ifHCInOctets``/``ifHCOutOctets``; the 32-bit
``ifInOctets``/``ifOutOctets`` when the router has no 64-bit ones), error counters and
``ifHighSpeed``. Interfaces are named by ``ifName``/``ifDescr`` (looked up by a walk, again
after every reboot, since ifIndex may change) or given as an ifIndex.

When a request times out, one extra packet tells the operator why: an SNMPv3 engine
discovery (RFC 3414 section 4), which any v3-capable agent answers without credentials.
If it is answered, the agent is there and is ignoring our v2c community; if the port is
closed the host says so (ICMP port unreachable); else nothing answers at all.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import dataclass

from .config import SnmpConfig
from .rates import Counter, UptimeTracker, clock

__all__ = ["RouterPoller", "SnmpError", "SnmpSession", "diagnose_no_response"]

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_OPER = "1.3.6.1.2.1.2.2.1.8"
IF_IN_OCTETS = "1.3.6.1.2.1.2.2.1.10"
IF_IN_ERRORS = "1.3.6.1.2.1.2.2.1.14"
IF_OUT_OCTETS = "1.3.6.1.2.1.2.2.1.16"
IF_OUT_ERRORS = "1.3.6.1.2.1.2.2.1.20"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_HC_IN = "1.3.6.1.2.1.31.1.1.1.6"
IF_HC_OUT = "1.3.6.1.2.1.31.1.1.1.10"
IF_HIGH_SPEED = "1.3.6.1.2.1.31.1.1.1.15"

OPER_STATUS = {
    1: "up",
    2: "down",
    3: "testing",
    4: "unknown",
    5: "dormant",
    6: "notPresent",
    7: "lowerLayerDown",
}


class SnmpError(Exception):
    """An SNMP request failed. ``kind``: no_response, auth, error."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


# ----------------------------------------------------------------------------- diagnosis


def _ber(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body


def _int(v: int) -> bytes:
    return _ber(0x02, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True))


def v3_discovery_packet(msg_id: int, request_id: int) -> bytes:
    """An SNMPv3 GET with no user and no engine ID: agents answer with a Report PDU."""
    usm = _ber(0x30, _ber(0x04, b"") + _int(0) + _int(0) + _ber(0x04, b"") * 3)
    header = _ber(0x30, _int(msg_id) + _int(65507) + _ber(0x04, b"\x04") + _int(3))
    pdu = _ber(0xA0, _int(request_id) + _int(0) + _int(0) + _ber(0x30, b""))
    scoped = _ber(0x30, _ber(0x04, b"") + _ber(0x04, b"") + pdu)
    return _ber(0x30, _int(3) + header + _ber(0x04, usm) + scoped)


async def probe_v3_engine(addr: str, port: int, timeout: float) -> str:
    """``answers``, ``refused`` (port closed) or ``silent``."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        sock.connect((addr, port))
        packet = v3_discovery_packet(
            int.from_bytes(os.urandom(3), "big"), int.from_bytes(os.urandom(3), "big")
        )
        sock.send(packet)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "silent"
            try:
                data = await asyncio.wait_for(loop.sock_recv(sock, 4096), left)
            except TimeoutError:
                return "silent"
            except ConnectionRefusedError:
                return "refused"
            if data[:1] == b"\x30":
                return "answers"
    except OSError:
        return "silent"
    finally:
        sock.close()


async def diagnose_no_response(cfg: SnmpConfig, addr: str, timeout: float) -> str:
    """A sentence explaining an SNMP timeout, for the operator."""
    where = f"{addr} port {cfg.port}"
    how = await probe_v3_engine(addr, cfg.port, timeout)
    if how == "refused":
        return (
            f"the router does not answer SNMP: nothing listens on {where} (SNMP is not "
            "enabled on the router, or monitor.snmp.port is wrong)"
        )
    if how == "answers":
        if cfg.version == "2c":
            return (
                f"the router's SNMP agent at {where} answers but ignores our requests: wrong "
                "community (monitor.snmp.community), or this computer is not allowed to query it"
            )
        return (
            f"the router's SNMP agent at {where} answers discovery but not our requests: "
            f"check user {cfg.user!r}, its security level and view (monitor.snmp.*)"
        )
    return (
        f"the router does not answer SNMP: no response from {where} (router down, SNMP "
        "disabled, wrong community or address, or SNMP filtered)"
    )


# ----------------------------------------------------------------------------- session


_AUTH_ERRORS = {
    "UnknownUserName": "the router does not know SNMP user {user!r} (monitor.snmp.user)",
    "UnknownSecurityName": "the router does not know SNMP user {user!r} (monitor.snmp.user)",
    "WrongDigest": "wrong SNMP authentication password or protocol for user {user!r} "
    "(monitor.snmp.auth_password, monitor.snmp.auth_protocol)",
    "AuthenticationError": "SNMP authentication failed for user {user!r} "
    "(monitor.snmp.auth_password, monitor.snmp.auth_protocol)",
    "AuthenticationFailure": "SNMP authentication failed for user {user!r} "
    "(monitor.snmp.auth_password, monitor.snmp.auth_protocol)",
    "DecryptionError": "wrong SNMP privacy password or protocol for user {user!r} "
    "(monitor.snmp.priv_password, monitor.snmp.priv_protocol)",
    "UnsupportedSecurityLevel": "the router does not accept this security level for user "
    "{user!r} (set or clear monitor.snmp.auth_protocol / priv_protocol)",
    "NotInTimeWindow": "the router's SNMP engine clock is out of window (retrying)",
    "UnknownCommunityName": "wrong SNMP community (monitor.snmp.community)",
    "EncryptionError": "cannot encrypt SNMP v3 requests (is the 'cryptography' package installed?)",
    "NoSuchView": "user {user!r} may not read these objects (the router's SNMP view)",
    "NotInView": "user {user!r} may not read these objects (the router's SNMP view)",
    "NoAccessEntry": "user {user!r} has no access on the router",
    "NoGroupName": "user {user!r} is in no SNMP group on the router",
}


def _auth_data(cfg: SnmpConfig):
    from pysnmp.hlapi.v3arch.asyncio import CommunityData, UsmUserData
    from pysnmp.hlapi.v3arch.asyncio import auth as a

    if cfg.version == "2c":
        return CommunityData(cfg.community, mpModel=1)
    auth = {
        "none": a.usmNoAuthProtocol,
        "MD5": a.usmHMACMD5AuthProtocol,
        "SHA": a.usmHMACSHAAuthProtocol,
        "SHA224": a.usmHMAC128SHA224AuthProtocol,
        "SHA256": a.usmHMAC192SHA256AuthProtocol,
        "SHA384": a.usmHMAC256SHA384AuthProtocol,
        "SHA512": a.usmHMAC384SHA512AuthProtocol,
    }[cfg.auth_protocol if cfg.auth_password else "none"]
    priv = {
        "none": a.usmNoPrivProtocol,
        "DES": a.usmDESPrivProtocol,
        "3DES": a.usm3DESEDEPrivProtocol,
        "AES": a.usmAesCfb128Protocol,
        # net-snmp's AES-192/256 extend the key the Blumenthal way
        "AES192": a.usmAesBlumenthalCfb192Protocol,
        "AES256": a.usmAesBlumenthalCfb256Protocol,
    }[cfg.priv_protocol if cfg.priv_password else "none"]
    return UsmUserData(
        cfg.user,
        authKey=cfg.auth_password or None,
        privKey=cfg.priv_password or None,
        authProtocol=auth,
        privProtocol=priv,
    )


class SnmpSession:
    """GET and walk against one agent, on the running event loop."""

    def __init__(self, cfg: SnmpConfig, addr: str) -> None:
        from pysnmp.hlapi.v3arch.asyncio import ContextData, SnmpEngine

        self.cfg = cfg
        self.addr = addr
        self.engine = SnmpEngine()
        self.auth = _auth_data(cfg)
        self.context = ContextData(contextName=cfg.context) if cfg.context else ContextData()
        self._target = None
        self._var_binds: dict[tuple[str, ...], tuple] = {}

    async def _transport(self):
        if self._target is None:
            from pysnmp.hlapi.v3arch.asyncio import Udp6TransportTarget, UdpTransportTarget

            kind = Udp6TransportTarget if ":" in self.addr else UdpTransportTarget
            # a literal address: create() does not look anything up (it would block)
            self._target = await kind.create(
                (self.addr, self.cfg.port), timeout=self.cfg.timeout, retries=self.cfg.retries
            )
        return self._target

    def close(self) -> None:
        try:
            self.engine.close_dispatcher()
        except Exception:
            pass

    def _raise_for(self, err_ind, err_status, err_index, var_binds) -> None:
        if err_ind:
            name = type(err_ind).__name__
            if name == "RequestTimedOut":
                raise SnmpError("no response", "no_response")
            template = _AUTH_ERRORS.get(name)
            if template:
                raise SnmpError(template.format(user=self.cfg.user), "auth")
            raise SnmpError(f"SNMP error: {err_ind}")
        if err_status and int(err_status):
            where = ""
            if err_index and int(err_index) <= len(var_binds):
                where = f" at {var_binds[int(err_index) - 1][0]}"
            raise SnmpError(f"the router answered {err_status.prettyPrint()}{where}")

    async def get(self, oids: list[str]) -> dict[str, object]:
        """OID -> value (int, str, or None when the agent has no such object)."""
        from pysnmp.hlapi.v3arch.asyncio import ObjectIdentity, ObjectType, get_cmd

        target = await self._transport()
        key = tuple(oids)
        var_binds = self._var_binds.get(key)
        if var_binds is None:
            # resolved against the MIB on first use, then reused as they are: most of a
            # poll's CPU was this resolution
            var_binds = tuple(ObjectType(ObjectIdentity(o)) for o in oids)
            if len(self._var_binds) > 16:
                self._var_binds.clear()
            self._var_binds[key] = var_binds
        try:
            res = await get_cmd(
                self.engine,
                self.auth,
                target,
                self.context,
                *var_binds,
                lookupMib=False,  # numeric OIDs only: a quarter less CPU per poll
            )
        except SnmpError:
            raise
        except Exception as exc:  # pysnmp raises its own errors (e.g. StatusInformation)
            info = getattr(exc, "args", [None])[0]
            ind = info.get("errorIndication") if isinstance(info, dict) else None
            if ind is not None:
                self._raise_for(ind, 0, 0, [])
            raise SnmpError(f"SNMP request failed: {exc}") from None
        self._tune()
        self._raise_for(*res)
        return {str(oid): _value(v) for oid, v in res[3]}

    def _tune(self) -> None:
        # pysnmp's dispatcher wakes every 0.1 s even when idle (0.2 % of a core); timeouts
        # are counted in its ticks, so a coarser tick only rounds them a little
        d = getattr(self.engine, "transport_dispatcher", None)
        want = max(0.05, min(0.5, self.cfg.timeout / 4))
        if d is not None and d.get_timer_resolution() != want:
            d.set_timer_resolution(want)

    async def walk(self, base: str, max_rows: int = 512) -> dict[str, object]:
        from pysnmp.hlapi.v3arch.asyncio import ObjectIdentity, ObjectType, next_cmd

        target = await self._transport()
        out: dict[str, object] = {}
        current = base
        prefix = base + "."
        for _ in range(max_rows):
            try:
                res = await next_cmd(
                    self.engine,
                    self.auth,
                    target,
                    self.context,
                    ObjectType(ObjectIdentity(current)),
                    lookupMib=False,
                )
            except Exception as exc:
                raise SnmpError(f"SNMP walk failed: {exc}") from None
            self._raise_for(*res)
            if not res[3]:
                break
            oid, value = res[3][0]
            oid = str(oid)
            v = _value(value)
            if not oid.startswith(prefix) or v is None:
                break
            out[oid] = v
            current = oid
        return out


def _value(v) -> object:
    name = type(v).__name__
    if name in ("NoSuchObject", "NoSuchInstance", "EndOfMibView", "Null"):
        return None
    if name in ("OctetString", "DisplayString"):
        return bytes(v).decode("utf-8", "replace")
    try:
        return int(v)
    except (TypeError, ValueError):
        return v.prettyPrint()


# ----------------------------------------------------------------------------- poller


@dataclass
class _Iface:
    role: str  # wan or lan
    spec: str  # as configured
    index: int | None = None
    name: str | None = None
    rx: Counter | None = None
    tx: Counter | None = None
    width: int = 64


class RouterPoller:
    """Polls the router; keeps the counters between polls; produces a status dict."""

    def __init__(self, cfg: SnmpConfig, addr: str) -> None:
        self.cfg = cfg
        self.addr = addr
        self.session = SnmpSession(cfg, addr)
        self.uptime = UptimeTracker(tolerance=max(3.0, 2 * cfg.timeout))
        self.ifaces = [
            _Iface(role, spec)
            for role, spec in (("wan", cfg.wan_interface), ("lan", cfg.lan_interface))
            if spec
        ]
        self.known_names: list[str] | None = None
        self.state = "unknown"
        self.error: str | None = None
        self.status: dict = self._base()
        self._failures = 0
        self._resolved = False

    def close(self) -> None:
        self.session.close()

    def _base(self) -> dict:
        return {
            "host": self.addr,
            "port": self.cfg.port,
            "version": self.cfg.version,
            "state": "unknown",
            "error": None,
        }

    async def _resolve_interfaces(self) -> None:
        names: dict[str, object] = {}
        descrs: dict[str, object] = {}
        need_walk = any(not i.spec.isdigit() for i in self.ifaces) or self.known_names is None
        if need_walk:
            names = await self.session.walk(IF_NAME)
            descrs = await self.session.walk(IF_DESCR)
        by_index: dict[int, list[str]] = {}
        for table in (names, descrs):
            for oid, v in table.items():
                by_index.setdefault(int(oid.rsplit(".", 1)[1]), []).append(str(v))
        if need_walk:
            self.known_names = [v[0] for _, v in sorted(by_index.items())]
        for iface in self.ifaces:
            old_index = iface.index
            self._match(iface, by_index)
            if iface.index != old_index:  # another interface now: its counters start anew
                iface.rx = iface.tx = None
        self._resolved = True

    @staticmethod
    def _match(iface: _Iface, by_index: dict[int, list[str]]) -> None:
        if iface.spec.isdigit():
            iface.index = int(iface.spec)
            iface.name = (by_index.get(iface.index) or [iface.spec])[0]
            return
        iface.index = None
        match = [x for x, labels in sorted(by_index.items()) if iface.spec in labels]
        if not match:  # then without regard to case
            want = iface.spec.lower()
            match = [
                x
                for x, labels in sorted(by_index.items())
                if want in (lab.lower() for lab in labels)
            ]
        if match:
            iface.index, iface.name = match[0], by_index[match[0]][0]

    async def poll(self) -> tuple[dict, list[dict]]:
        """One poll: (status, events). Events are dicts ``{"kind": ..., "detail": ...}``."""
        events: list[dict] = []
        try:
            st = await self._poll(events)
            self._failures = 0
            self.state, self.error = "ok", None
        except SnmpError as exc:
            self._failures += 1
            if exc.kind == "no_response":
                # say why once per failure streak, not at every poll
                if self._failures == 1 or self.error is None:
                    self.error = await diagnose_no_response(
                        self.cfg, self.addr, min(2.0, self.cfg.timeout)
                    )
                self.state = "no_response"
            else:
                self.state, self.error = "error", str(exc)
            if exc.kind != "no_response":
                self._resolved = False
            st = dict(self.status)
            st.update(self._base())
            st["state"], st["error"] = self.state, self.error
            st["last_ok"] = self.status.get("polled_at")
            self.status = st
            return st, events
        self.status = st
        return st, events

    async def _poll(self, events: list[dict]) -> dict:
        if not self._resolved:
            await self._resolve_interfaces()
        oids = [SYS_NAME, SYS_UPTIME]
        for i in self.ifaces:
            if i.index is None:
                continue
            x = i.index
            oids += [
                f"{IF_OPER}.{x}",
                f"{IF_HC_IN}.{x}",
                f"{IF_HC_OUT}.{x}",
                f"{IF_IN_OCTETS}.{x}",
                f"{IF_OUT_OCTETS}.{x}",
                f"{IF_IN_ERRORS}.{x}",
                f"{IF_OUT_ERRORS}.{x}",
                f"{IF_HIGH_SPEED}.{x}",
            ]
        values = await self.session.get(oids)
        now = clock()
        wall = time.time()
        ticks = values.get(SYS_UPTIME)
        reboot = False
        if isinstance(ticks, int):
            seen = self.uptime.update(ticks, now)
            if seen == "reboot":
                reboot = True
                events.append(
                    {
                        "kind": "router_reboot",
                        "detail": f"sysUpTime went to {ticks / 100:.0f} s: the router (or its "
                        "SNMP agent) restarted",
                    }
                )
                # ifIndex may differ after a reboot: look the interfaces up again next time
                self._resolved = False
        st = self._base()
        st.update(
            {
                "state": "ok",
                "sys_name": values.get(SYS_NAME),
                "uptime_seconds": None if not isinstance(ticks, int) else ticks / 100,
                "reboots": self.uptime.reboots,
                "polled_at": wall,
                "interfaces": {},
            }
        )
        if self.known_names is not None and not self.ifaces:
            st["hint"] = (
                "set monitor.snmp.wan_interface and lan_interface to see rates; the router "
                "has: " + ", ".join(self.known_names[:20])
            )
        for i in self.ifaces:
            st["interfaces"][i.role] = self._iface_status(i, values, now, reboot)
        return st

    def _iface_status(self, i: _Iface, values: dict, now: float, reboot: bool) -> dict:
        if i.index is None:
            names = ", ".join((self.known_names or [])[:20])
            return {
                "name": i.spec,
                "error": f"monitor.snmp.{i.role}_interface: the router has no interface "
                f"{i.spec!r} (it has: {names})",
            }
        x = i.index
        oper = values.get(f"{IF_OPER}.{x}")
        hc_in, hc_out = values.get(f"{IF_HC_IN}.{x}"), values.get(f"{IF_HC_OUT}.{x}")
        if isinstance(hc_in, int) and isinstance(hc_out, int):
            width, rx_v, tx_v = 64, hc_in, hc_out
        else:
            width = 32
            rx_v, tx_v = values.get(f"{IF_IN_OCTETS}.{x}"), values.get(f"{IF_OUT_OCTETS}.{x}")
        if oper is None and rx_v is None:
            return {
                "name": i.name,
                "index": x,
                "error": f"the router has no interface with ifIndex {x}",
            }
        if i.rx is None or i.width != width:
            i.rx, i.tx, i.width = Counter(width), Counter(width), width
        speed = values.get(f"{IF_HIGH_SPEED}.{x}")
        max_rate = speed * 1e6 / 8 * 1.5 if isinstance(speed, int) and speed > 0 else None
        rx_rate = tx_rate = None
        if isinstance(rx_v, int):
            rx_rate = i.rx.update(rx_v, now, discontinuity=reboot, max_rate=max_rate)
        if isinstance(tx_v, int):
            tx_rate = i.tx.update(tx_v, now, discontinuity=reboot, max_rate=max_rate)
        return {
            "name": i.name,
            "index": x,
            "oper_status": OPER_STATUS.get(oper, None if oper is None else str(oper)),
            "rx_bytes": rx_v,
            "tx_bytes": tx_v,
            "counter_bits": width,
            "rx_bytes_per_second": None if rx_rate is None else round(rx_rate, 1),
            "tx_bytes_per_second": None if tx_rate is None else round(tx_rate, 1),
            "rx_errors": values.get(f"{IF_IN_ERRORS}.{x}"),
            "tx_errors": values.get(f"{IF_OUT_ERRORS}.{x}"),
            "speed_mbps": speed if isinstance(speed, int) else None,
            "counter_wraps": i.rx.wraps + i.tx.wraps,
        }
