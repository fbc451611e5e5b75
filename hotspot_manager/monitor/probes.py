"""The probes other than ICMP: UDP echo, TCP connect, DNS resolution time, HTTP(S) check.

All are coroutines or callbacks on the monitor's event loop; each has a timeout and none
blocks the loop (name look-ups run in the loop's executor).
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import struct
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .icmp import _SO_TIMESTAMPNS, _TIMESPEC, Callback

__all__ = [
    "DnsResult",
    "HttpResult",
    "ProbeError",
    "UdpEcho",
    "build_dns_query",
    "dns_query",
    "http_check",
    "resolve",
    "system_resolver",
    "tcp_connect",
]

USER_AGENT = "hotspot-manager-monitor"


class ProbeError(Exception):
    """A probe failed; the message is what the operator sees."""


async def resolve(host: str, timeout: float = 5.0, family: int = 0) -> str:
    """The first address of ``host`` (a literal address is returned as is)."""
    try:
        socket.inet_pton(socket.AF_INET, host)
        return host
    except OSError:
        pass
    try:
        socket.inet_pton(socket.AF_INET6, host)
        return host
    except OSError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, None, family=family, type=socket.SOCK_DGRAM), timeout
        )
    except TimeoutError:
        raise ProbeError(f"cannot resolve {host!r}: the name look-up timed out") from None
    except socket.gaierror as exc:
        raise ProbeError(f"cannot resolve {host!r}: {exc.strerror or exc} (unknown host)") from None
    if not infos:
        raise ProbeError(f"cannot resolve {host!r}: no address")
    return str(infos[0][4][0])


def _family(addr: str) -> int:
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


# ----------------------------------------------------------------------------- UDP echo


class UdpEcho:
    """Round trips of datagrams that a peer sends back (an echo responder)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, addr: str, port: int) -> None:
        self.loop = loop
        self.addr = addr
        self.sock = socket.socket(_family(addr), socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self._kernel_ts = False
        if _SO_TIMESTAMPNS is not None:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
                self._kernel_ts = True
            except OSError:
                pass
        try:
            self.sock.connect((addr, port))
        except OSError:
            self.sock.close()
            raise
        self.token = os.urandom(8)
        self._seq = 0
        self._pending: dict[int, tuple[float, float, float, asyncio.TimerHandle, Callback]] = {}
        loop.add_reader(self.sock.fileno(), self._readable)
        self.closed = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.loop.remove_reader(self.sock.fileno())
        except (ValueError, OSError, RuntimeError):
            pass
        self.sock.close()
        for *_, handle, _cb in self._pending.values():
            handle.cancel()
        self._pending.clear()

    def ping(self, timeout: float, callback: Callback) -> None:
        self._seq = (self._seq + 1) & 0xFFFFFFFF
        seq = self._seq
        wall, mono = time.time(), time.monotonic()
        try:
            self.sock.send(self.token + struct.pack("!I", seq))
        except OSError as exc:
            self.loop.call_soon(callback, None, exc.strerror or str(exc))
            return
        handle = self.loop.call_later(timeout, self._expire, seq)
        self._pending[seq] = (wall, mono, timeout, handle, callback)

    def _expire(self, seq: int) -> None:
        p = self._pending.pop(seq, None)
        if p is not None:
            p[4](None, "timed out")

    def _readable(self) -> None:
        for _ in range(64):
            try:
                if self._kernel_ts:
                    data, anc, _f, _a = self.sock.recvmsg(2048, 64)
                else:
                    data, anc = self.sock.recv(2048), ()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                # port unreachable: fail the oldest outstanding probe at once
                if self._pending:
                    seq = min(self._pending)
                    p = self._pending.pop(seq)
                    p[3].cancel()
                    p[4](None, "port unreachable (nothing listens there)")
                continue
            except OSError:
                return
            now_mono = time.monotonic()
            if len(data) < 12 or data[:8] != self.token:
                continue
            (seq,) = struct.unpack_from("!I", data, 8)
            p = self._pending.pop(seq, None)
            if p is None:
                continue
            wall, mono, timeout, handle, callback = p
            handle.cancel()
            rtt = None
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                    sec, nsec = _TIMESPEC.unpack_from(cdata)
                    rtt = sec + nsec / 1e9 - wall
                    if not (0 <= rtt <= timeout + 1):
                        rtt = None
            callback(now_mono - mono if rtt is None else rtt, None)


# ----------------------------------------------------------------------------- TCP


async def tcp_connect(addr: str, port: int, timeout: float) -> float:
    """Seconds to complete a TCP handshake with ``addr:port``."""
    t0 = time.monotonic()
    try:
        _r, w = await asyncio.wait_for(asyncio.open_connection(addr, port), timeout)
    except TimeoutError:
        raise ProbeError("timed out") from None
    except ConnectionRefusedError:
        raise ProbeError("connection refused") from None
    except OSError as exc:
        raise ProbeError(exc.strerror or str(exc)) from None
    rtt = time.monotonic() - t0
    w.close()
    try:
        await asyncio.wait_for(w.wait_closed(), 1)
    except (OSError, TimeoutError):
        pass
    return rtt


# ----------------------------------------------------------------------------- DNS

RCODES = {
    0: "NOERROR",
    1: "FORMERR",
    2: "SERVFAIL",
    3: "NXDOMAIN",
    4: "NOTIMP",
    5: "REFUSED",
}


def build_dns_query(qid: int, name: str, qtype: int = 1) -> bytes:
    """A recursive query for ``name`` (type A by default)."""
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(p)]) + p.encode("idna") for p in name.rstrip(".").split(".") if p)
    return header + labels + b"\0" + struct.pack("!HH", qtype, 1)


@dataclass(frozen=True)
class DnsResult:
    rtt: float
    rcode: int
    answers: int

    @property
    def ok(self) -> bool:
        # NXDOMAIN is an answer: the resolver works, the name is just not there
        return self.rcode in (0, 3)

    @property
    def rcode_name(self) -> str:
        return RCODES.get(self.rcode, str(self.rcode))


async def dns_query(server: str, port: int, name: str, timeout: float) -> DnsResult:
    """Ask ``server`` for ``name`` over UDP; the time until its answer."""
    loop = asyncio.get_running_loop()
    qid = int.from_bytes(os.urandom(2), "big")
    query = build_dns_query(qid, name)
    sock = socket.socket(_family(server), socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        try:
            sock.connect((server, port))
        except OSError as exc:  # no route (the uplink is down)
            raise ProbeError(f"cannot reach {server}: {exc.strerror or exc}") from None
        t0 = time.monotonic()
        try:
            sock.send(query)
        except OSError as exc:
            raise ProbeError(f"cannot send to {server}: {exc.strerror or exc}") from None
        deadline = t0 + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProbeError(f"no answer from {server} within {timeout:g} s")
            try:
                data = await asyncio.wait_for(loop.sock_recv(sock, 4096), left)
            except TimeoutError:
                raise ProbeError(f"no answer from {server} within {timeout:g} s") from None
            except ConnectionRefusedError:
                raise ProbeError(f"{server} refused (no DNS server on port {port})") from None
            except OSError as exc:
                raise ProbeError(f"{server}: {exc.strerror or exc}") from None
            if len(data) < 12:
                continue
            rid, flags, _qd, an, _ns, _ar = struct.unpack_from("!HHHHHH", data)
            if rid != qid or not flags & 0x8000:
                continue
            return DnsResult(time.monotonic() - t0, flags & 0x000F, an)
    finally:
        sock.close()


def system_resolver(path: str = "/etc/resolv.conf") -> str | None:
    """The first ``nameserver`` of resolv.conf, or None."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver":
                    return parts[1].split("%", 1)[0]
    except OSError:
        return None
    return None


# ----------------------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class HttpResult:
    status: int
    elapsed: float  # until the response headers arrived
    connect: float  # TCP (and TLS) set-up
    location: str | None


async def http_check(
    url: str, timeout: float, ssl_context: ssl.SSLContext | None = None
) -> HttpResult:
    """GET ``url`` and read the status line and headers (not the body)."""
    return await asyncio.wait_for(_http(url, ssl_context, timeout), timeout)


async def _http(url: str, ctx: ssl.SSLContext | None, timeout: float) -> HttpResult:
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    t0 = time.monotonic()
    addr = await resolve(host, timeout)
    if https and ctx is None:
        ctx = ssl.create_default_context()
    try:
        reader, writer = await asyncio.open_connection(
            addr, port, ssl=ctx if https else None, server_hostname=host if https else None
        )
    except ssl.SSLError as exc:
        raise ProbeError(f"TLS failed with {host}: {exc.reason or exc}") from None
    except ConnectionRefusedError:
        raise ProbeError(f"{host}:{port} refused the connection") from None
    except OSError as exc:
        raise ProbeError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None
    connect = time.monotonic() - t0
    try:
        hostport = host if parts.port is None else f"{host}:{parts.port}"
        if ":" in host and not host.startswith("["):
            hostport = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {hostport}\r\nUser-Agent: {USER_AGENT}\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n".encode("ascii", "replace")
        )
        await writer.drain()
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            head = exc.partial
        except asyncio.LimitOverrunError:
            head = await reader.read(65536)
        elapsed = time.monotonic() - t0
    except OSError as exc:
        raise ProbeError(f"{host}:{port}: {exc.strerror or exc}") from None
    finally:
        writer.close()
    lines = head.decode("iso-8859-1").split("\r\n")
    status_line = lines[0].split(" ", 2) if lines and lines[0] else []
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/"):
        raise ProbeError(f"{host}:{port} did not answer with HTTP")
    try:
        status = int(status_line[1])
    except ValueError:
        raise ProbeError(f"{host}:{port}: bad HTTP status line {lines[0]!r}") from None
    location = None
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "location":
            location = v.strip()
    return HttpResult(status, elapsed, connect, location)
