"""ICMP echo (ping) on an asyncio loop, one socket per address family for all targets.

Unprivileged ICMP ("ping") sockets are used where the system allows them (Linux:
``net.ipv4.ping_group_range`` includes the process's group); otherwise a raw socket
(needs root or CAP_NET_RAW). Receive times come from the kernel (``SO_TIMESTAMPNS``) where
available, so a busy event loop or interpreter does not inflate round trips.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import sys
import time
from collections.abc import Callable

__all__ = ["IcmpError", "Pinger", "checksum"]

# Linux: SO_TIMESTAMPNS (asm-generic value) delivers a struct timespec per datagram
_SO_TIMESTAMPNS = 35 if sys.platform.startswith("linux") else None
_TIMESPEC = struct.Struct("@ll")

ECHO_REQUEST = {socket.AF_INET: 8, socket.AF_INET6: 128}
ECHO_REPLY = {socket.AF_INET: 0, socket.AF_INET6: 129}
# type -> description, for the errors that quote our request back
_ERRORS = {
    socket.AF_INET: {3: "destination unreachable", 11: "time exceeded"},
    socket.AF_INET6: {1: "destination unreachable", 3: "time exceeded"},
}

Callback = Callable[[float | None, str | None], None]


class IcmpError(OSError):
    """ICMP sockets cannot be opened (no permission); the message says how to fix it."""


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def _open(family: int) -> tuple[socket.socket, str]:
    proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
    errors = []
    for kind, mode in ((socket.SOCK_DGRAM, "unprivileged"), (socket.SOCK_RAW, "raw")):
        try:
            return socket.socket(family, kind, proto), mode
        except OSError as exc:  # PermissionError, EACCES, EPROTONOSUPPORT, EAFNOSUPPORT
            errors.append(exc)
    fam = "IPv4" if family == socket.AF_INET else "IPv6"
    if any(isinstance(e, PermissionError) for e in errors):
        gid = os.getgid()
        raise IcmpError(
            f"no permission to send ICMP ({fam} ping): let your group use unprivileged "
            f'ping with `sudo sysctl -w net.ipv4.ping_group_range="{gid} {gid}"` (and '
            "the same line in /etc/sysctl.d/ to keep it), or run the monitor inside the "
            "agent (`hotspot-manager agent --monitor ...`), whose capture right "
            "(CAP_NET_RAW) also allows ping"
        )
    raise IcmpError(f"cannot open an ICMP socket ({fam}): {errors[-1]}")


class _Pending:
    __slots__ = ("addr", "wall", "mono", "timeout", "handle", "callback")

    def __init__(self, addr, wall, mono, timeout, handle, callback):
        self.addr = addr
        self.wall = wall
        self.mono = mono
        self.timeout = timeout
        self.handle = handle
        self.callback = callback


class Pinger:
    """Sends echo requests and calls back with the round trip (seconds) or an error."""

    def __init__(self, loop: asyncio.AbstractEventLoop, family: int = socket.AF_INET) -> None:
        self.loop = loop
        self.family = family
        self.sock, self.mode = _open(family)
        self.sock.setblocking(False)
        if _SO_TIMESTAMPNS is not None:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
                self._kernel_ts = True
            except OSError:
                self._kernel_ts = False
        else:
            self._kernel_ts = False
        # raw sockets see every ICMP message of the host: recognise ours by id and token
        self.ident = int.from_bytes(os.urandom(2), "big")
        self.token = os.urandom(8)
        self._seq = int.from_bytes(os.urandom(2), "big")
        self._pending: dict[int, _Pending] = {}
        self._ipv4_header = family == socket.AF_INET and self.mode == "raw"
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
        pending, self._pending = self._pending, {}
        for p in pending.values():
            p.handle.cancel()

    # ---------------------------------------------------------------- sending

    def ping(self, addr: str, timeout: float, callback: Callback, size: int = 56) -> None:
        """Send one echo request to ``addr`` (a literal address of this family)."""
        self._seq = (self._seq + 1) & 0xFFFF
        seq = self._seq
        old = self._pending.pop(seq, None)
        if old is not None:  # 65536 probes in flight: the oldest is long lost
            old.handle.cancel()
            old.callback(None, "timed out")
        payload = self.token + bytes(max(0, size - len(self.token)))
        kind = ECHO_REQUEST[self.family]
        header = struct.pack("!BBHHH", kind, 0, 0, self.ident, seq)
        if self.family == socket.AF_INET:
            csum = checksum(header + payload)
            header = struct.pack("!BBHHH", kind, 0, csum, self.ident, seq)
        packet = header + payload
        wall = time.time()
        mono = time.monotonic()
        try:
            self.sock.sendto(packet, (addr, 0))
        except OSError as exc:
            # no route (uplink gone), unreachable network: a failed probe, right now
            self.loop.call_soon(callback, None, exc.strerror or str(exc))
            return
        handle = self.loop.call_later(timeout, self._expire, seq)
        self._pending[seq] = _Pending(addr, wall, mono, timeout, handle, callback)

    def _expire(self, seq: int) -> None:
        p = self._pending.pop(seq, None)
        if p is not None:
            p.callback(None, "timed out")

    # ---------------------------------------------------------------- receiving

    def _readable(self) -> None:
        for _ in range(64):  # drain what is queued, but let other callbacks run
            try:
                if self._kernel_ts:
                    data, anc, _flags, src = self.sock.recvmsg(2048, 64)
                else:
                    data, src = self.sock.recvfrom(2048)
                    anc = ()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            now_mono = time.monotonic()
            kernel = None
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                    if len(cdata) >= _TIMESPEC.size:
                        sec, nsec = _TIMESPEC.unpack_from(cdata)
                        kernel = sec + nsec / 1e9
            self._handle(data, src[0], kernel, now_mono)

    def _handle(self, data: bytes, src: str, kernel: float | None, now_mono: float) -> None:
        if self._ipv4_header:
            if len(data) < 20:
                return
            data = data[(data[0] & 0x0F) * 4 :]
        if len(data) < 8:
            return
        kind, _code, _csum, ident, seq = struct.unpack_from("!BBHHH", data)
        if kind == ECHO_REPLY[self.family]:
            if self.mode == "raw" and ident != self.ident:
                return
            if data[8 : 8 + len(self.token)] != self.token:
                return
            p = self._pending.get(seq)
            if p is None or _norm(src) != _norm(p.addr):
                return
            del self._pending[seq]
            p.handle.cancel()
            rtt = None
            if kernel is not None:
                rtt = kernel - p.wall
                if not (0 <= rtt <= p.timeout + 1):  # the wall clock stepped: do not trust
                    rtt = None
            if rtt is None:
                rtt = now_mono - p.mono
            p.callback(rtt, None)
            return
        what = _ERRORS[self.family].get(kind)
        if what is None or self.mode != "raw":
            return
        # the error quotes our request: (IPv4: its IP header, then) the ICMP header
        inner = data[8:]
        if self.family == socket.AF_INET:
            if len(inner) < 20:
                return
            inner = inner[(inner[0] & 0x0F) * 4 :]
        else:
            inner = inner[40:]
        if len(inner) < 8:
            return
        ikind, _, _, iident, iseq = struct.unpack_from("!BBHHH", inner)
        if ikind != ECHO_REQUEST[self.family] or iident != self.ident:
            return
        p = self._pending.pop(iseq, None)
        if p is not None:
            p.handle.cancel()
            p.callback(None, f"{what} (from {src})")


def _norm(addr: str) -> str:
    return addr.split("%", 1)[0].lower()
