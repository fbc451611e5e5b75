"""Live frame sources: the interface facing the hotspot's clients.

Linux: an AF_PACKET socket with a TPACKET_V3 memory-mapped ring. The kernel
fills blocks of frames without a system call per frame; a classic BPF
program attached to the socket keeps only the first ``snaplen`` bytes of
ordinary frames (headers are all the meter needs) and more of the rare
control frames (DHCP, mDNS, ARP) that discovery dissects. Every frame keeps
its wire length (``tp_len``), which is what is billed. Kernel drop counters
(PACKET_STATISTICS) are read at every flush.

Other systems: scapy's portable listener (libpcap/Npcap, BPF on macOS) with
an enlarged buffer, behind the same interface (``ScapySource``); it reads
frames one by one, so it is for modest rates.

A source yields :class:`~hotspot_manager.capture.sources.RawBatch` objects,
so the live agent and a file import share the parser and the Meter. A batch
points into the ring: parse it before asking for the next one.
"""

from __future__ import annotations

import errno
import mmap
import os
import select
import socket
import struct
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from hotspot_manager.capture import linktypes as lt
from hotspot_manager.capture.sources import HEAD, RawBatch, _gather

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_RX_RING = 5
PACKET_STATISTICS = 6
PACKET_VERSION = 10
TPACKET_V3 = 2
SO_ATTACH_FILTER = 26
TP_STATUS_KERNEL = 0
TP_STATUS_USER = 1
TP_STATUS_VLAN_VALID = 1 << 4

SNAPLEN = 128  # Ethernet + 2 VLAN tags + IPv6 + TCP fit
CONTROL_SNAPLEN = 1600  # DHCP, mDNS and ARP frames are kept whole for discovery
CONTROL_PORTS = (67, 68, 5353)


class CaptureUnavailable(Exception):
    """Capture cannot start; ``permission`` says whether rights are what is missing."""

    def __init__(self, message: str, permission: bool = False) -> None:
        super().__init__(message)
        self.permission = permission


@dataclass(slots=True)
class KernelStats:
    packets: int = 0  # frames the kernel handed to the socket (since the last read)
    drops: int = 0  # frames it had to drop because the ring was full


def grant_hint(program: str | None = None) -> str:
    """How to give the agent the right to capture, exactly, for this system."""
    if sys.platform.startswith("linux") and getattr(sys, "frozen", False):
        # The packaged app: the capability belongs on its dedicated agent program.
        agent = os.path.join(os.path.dirname(sys.executable), "hotspot-manager-agent")
        return (
            "capturing needs the CAP_NET_RAW capability, which this agent does not have. "
            "Give it to the agent program (and to nothing else):\n"
            f"  sudo setcap cap_net_raw+ep {agent}\n"
            "(the .deb package does this when it installs), then start counting again."
        )
    if sys.platform.startswith("linux"):
        exe = program or _command_line()
        return (
            "capturing needs the CAP_NET_RAW capability, which this process does not have. "
            "Start the agent with that one capability under your own user:\n"
            f"  sudo setpriv --reuid=$(id -u) --regid=$(id -g) --init-groups "
            f"--inh-caps=+net_raw --ambient-caps=+net_raw {exe} agent ...\n"
            "(or run it from a systemd unit with AmbientCapabilities=CAP_NET_RAW). "
            "Never give the capability to a general-purpose interpreter such as python3."
        )
    if sys.platform == "darwin":
        return (
            "capturing needs read access to /dev/bpf*: install the BPF permission helper "
            "shipped with the app (as Wireshark's ChmodBPF does), then log out and in."
        )
    return "capturing needs Npcap (https://npcap.com); install it, then restart the agent."


def _command_line() -> str:
    """How this program was started, for a command the operator can paste."""
    arg0 = sys.argv[0] if sys.argv else ""
    if arg0.endswith("__main__.py") or not arg0:
        return f"{sys.executable} -m hotspot_manager"
    return os.path.realpath(arg0)


# -- classic BPF: keep headers of ordinary frames, control frames whole ----------------
def _assemble(prog: list[tuple]) -> list[tuple[int, int, int, int]]:
    """(op, k, true_label, false_label) / ("label", name) -> sock_filter tuples."""
    labels: dict[str, int] = {}
    code = []
    for ins in prog:
        if ins[0] == "label":
            labels[ins[1]] = len(code)
        else:
            code.append(ins)
    out = []
    for i, (op, k, jt, jf) in enumerate(code):
        t = labels[jt] - i - 1 if isinstance(jt, str) else jt
        f = labels[jf] - i - 1 if isinstance(jf, str) else jf
        out.append((op, t, f, k))
    return out


def snap_filter(snaplen: int = SNAPLEN, control: int = CONTROL_SNAPLEN) -> list[tuple]:
    """The socket filter: ``control`` bytes of ARP and IPv4 UDP 67/68/5353, else ``snaplen``."""
    ldh_abs, ldb_abs, ldxb_msh, ldh_ind = 0x28, 0x30, 0xB1, 0x48
    jeq, jset, ret = 0x15, 0x45, 0x06
    prog: list[tuple] = [
        (ldh_abs, 12, 0, 0),
        (jeq, 0x0806, "ctl", 0),
        (jeq, 0x0800, 0, "snap"),
        (ldb_abs, 23, 0, 0),
        (jeq, 17, 0, "snap"),
        (ldh_abs, 20, 0, 0),
        (jset, 0x1FFF, "snap", 0),
        (ldxb_msh, 14, 0, 0),
        (ldh_ind, 14, 0, 0),
    ]
    for port in CONTROL_PORTS:
        prog.append((jeq, port, "ctl", 0))
    prog.append((ldh_ind, 16, 0, 0))
    for port in CONTROL_PORTS[:-1]:
        prog.append((jeq, port, "ctl", 0))
    prog.append((jeq, CONTROL_PORTS[-1], "ctl", "snap"))
    prog += [("label", "snap"), (ret, snaplen, 0, 0), ("label", "ctl"), (ret, control, 0, 0)]
    return _assemble(prog)


def _attach_filter(sock: socket.socket, insns: list[tuple[int, int, int, int]]) -> None:
    import ctypes

    raw = b"".join(struct.pack("HBBI", *i) for i in insns)
    buf = ctypes.create_string_buffer(raw, len(raw))
    fprog = struct.pack("HL", len(insns), ctypes.addressof(buf))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


class PacketRingSource:
    """AF_PACKET + TPACKET_V3 ring on one Linux interface."""

    link_type = lt.ETHERNET

    def __init__(
        self,
        interface: str,
        block_size: int = 1 << 20,
        blocks: int = 32,
        snaplen: int = SNAPLEN,
        block_timeout_ms: int = 50,
    ) -> None:
        self.interface = interface
        try:
            ifindex = socket.if_nametoindex(interface)
        except OSError:
            raise CaptureUnavailable(f"no network interface named {interface!r}") from None
        del ifindex
        try:
            # Protocol 0: receive nothing until bound, so no frame of another
            # interface slips in before the filter and the ring are set.
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        except PermissionError:
            raise CaptureUnavailable(grant_hint(), permission=True) from None
        try:
            _attach_filter(sock, snap_filter(snaplen))
            sock.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V3)
            frame_size = 2048  # only a hint in V3; must divide the block size
            req = struct.pack(
                "IIIIIII",
                block_size,
                blocks,
                frame_size,
                block_size // frame_size * blocks,
                block_timeout_ms,
                0,
                0,
            )
            sock.setsockopt(SOL_PACKET, PACKET_RX_RING, req)
            self._mm = mmap.mmap(
                sock.fileno(),
                block_size * blocks,
                mmap.MAP_SHARED,
                mmap.PROT_READ | mmap.PROT_WRITE,
            )
            sock.bind((interface, ETH_P_ALL))
        except OSError as exc:
            sock.close()
            if exc.errno in (errno.EPERM, errno.EACCES):
                raise CaptureUnavailable(grant_hint(), permission=True) from None
            raise CaptureUnavailable(f"cannot capture on {interface}: {exc.strerror}") from None
        self._sock = sock
        self._buf = np.frombuffer(self._mm, dtype=np.uint8)
        self._block_size = block_size
        # How long the kernel may keep frames in a block not yet handed over.
        self.drain_seconds = 2 * block_timeout_ms / 1000
        self._blocks = blocks
        self._next = 0
        self._poll = select.poll()
        self._poll.register(sock.fileno(), select.POLLIN | select.POLLERR)
        self._u32 = struct.Struct("I").unpack_from
        self.stats_total = KernelStats()

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self._buf = None  # type: ignore[assignment]
        try:
            self._mm.close()
        except BufferError:
            pass
        sock.close()

    def kernel_stats(self) -> KernelStats:
        """Frames and drops since the last call (the kernel resets them on read)."""
        raw = self._sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 12)
        packets, drops, _freeze = struct.unpack("III", raw)
        self.stats_total.packets += packets
        self.stats_total.drops += drops
        return KernelStats(packets, drops)

    def batches(self, timeout: float, max_frames: int = 65536) -> Iterator[RawBatch]:
        """What the kernel has captured, waiting up to ``timeout`` s for the first block.

        Frames of every ready block (up to ``max_frames``) are copied out of the
        ring (their first ``SNAPLEN`` bytes, and control frames whole) and the
        blocks handed back at once, so one batch of tens of thousands of
        frames pays numpy's per-call costs once.
        """
        deadline = time.monotonic() + timeout
        parts: list[tuple] = []
        count = 0
        while count < max_frames:
            base = self._next * self._block_size
            (status,) = self._u32(self._mm, base + 8)
            if not status & TP_STATUS_USER:
                # Wait for more until the deadline: bigger batches cost less per frame,
                # and nothing is written before the flush anyway.
                left = deadline - time.monotonic()
                if left > 0:
                    self._poll.poll(int(left * 1000) + 1)
                    (status,) = self._u32(self._mm, base + 8)
                if not status & TP_STATUS_USER:
                    break
                continue
            try:
                part = self._block(base)
            finally:
                struct.pack_into("I", self._mm, base + 8, TP_STATUS_KERNEL)
                self._next = (self._next + 1) % self._blocks
            if part is not None:
                parts.append(part)
                count += len(part[0])
        if parts:
            yield self._batch(parts)

    def _block(self, base: int) -> tuple | None:
        """Copy one block's frames out of the ring: (header fields, bytes, whole control frames)."""
        u32, mm = self._u32, self._mm
        n, first = struct.unpack_from("II", mm, base + 12)
        if n == 0:
            return None
        off = base + first
        offs = [off]
        offs += [off := off + u32(mm, off)[0] for _ in range(n - 1)]
        rec = np.array(offs, dtype=np.int64)
        hdr = _gather(self._buf, rec, 28)
        w = np.ascontiguousarray(hdr[:, :24]).view(np.uint32).astype(np.int64)
        mac = np.ascontiguousarray(hdr[:, 24:26]).view(np.uint16)[:, 0].astype(np.int64)
        data = rec + mac
        frames = _gather(self._buf, data, SNAPLEN)
        snap = w[:, 3]
        whole = {}
        for i in np.nonzero(snap > SNAPLEN)[0].tolist():
            d = int(data[i])
            whole[i] = bytes(mm[d : d + int(snap[i])])
        return w, frames, whole

    def _batch(self, parts: list[tuple]) -> RawBatch:
        w = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        frames = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        whole: dict[int, bytes] = {}
        base = 0
        for p in parts:
            whole.update({base + i: b for i, b in p[2].items()})
            base += len(p[0])
        sec, nsec, snap, wire, status = w[:, 1], w[:, 2], w[:, 3], w[:, 4], w[:, 5]
        # A VLAN tag the NIC took off is still on the wire: bill its 4 bytes.
        wire = wire + np.where(status & TP_STATUS_VLAN_VALID, 4, 0)
        n = len(w)
        return RawBatch(
            buf=frames.reshape(-1),
            link_type=lt.ETHERNET,
            fcs_len=0,
            data_off=np.arange(n, dtype=np.int64) * SNAPLEN,
            caplen=snap,
            wire_len=wire,
            ts_sec=sec,
            ts_nsec=nsec,
            end_offset=0,
            head=frames[:, :HEAD],
            whole=whole,
        )


class ScapySource:
    """Portable capture through scapy's listener (libpcap, Npcap, BPF)."""

    link_type = lt.ETHERNET

    def __init__(self, interface: str, snaplen: int = SNAPLEN, buffer_mb: int = 64) -> None:
        from scapy.config import conf

        self.interface = interface
        try:
            self._sock = conf.L2listen(iface=interface)
        except PermissionError:
            raise CaptureUnavailable(grant_hint(), permission=True) from None
        except OSError as exc:
            raise CaptureUnavailable(f"cannot capture on {interface}: {exc}") from None
        with_fd = getattr(self._sock, "ins", None)
        if isinstance(with_fd, socket.socket):  # Linux: make the queue as deep as the ring
            try:
                with_fd.setsockopt(socket.SOL_SOCKET, 33, buffer_mb << 20)  # SO_RCVBUFFORCE
            except OSError:
                with_fd.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer_mb << 20)
        self.stats_total = KernelStats()

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        self._sock.close()

    def kernel_stats(self) -> KernelStats:
        return KernelStats()

    def batches(self, timeout: float) -> Iterator[RawBatch]:
        frames: list[bytes] = []
        wires: list[int] = []
        stamps: list[float] = []
        deadline = time.monotonic() + timeout
        while len(frames) < 65536:
            left = deadline - time.monotonic() if not frames else 0
            ready = select.select([self._sock], [], [], max(left, 0))[0]
            if not ready:
                break
            got = self._sock.recv_raw(65535)
            if not got or got[1] is None:
                continue
            _cls, data, ts = got[:3]
            frames.append(bytes(data))
            wires.append(len(data))
            stamps.append(ts if ts is not None else time.time())
        if not frames:
            return
        lengths = np.array([len(f) for f in frames], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        buf = np.frombuffer(b"".join(frames) + bytes(HEAD), dtype=np.uint8)
        ts = np.array(stamps, dtype=np.float64)
        sec = np.floor(ts).astype(np.int64)
        yield RawBatch(
            buf=buf,
            link_type=lt.ETHERNET,
            fcs_len=0,
            data_off=starts,
            caplen=lengths,
            wire_len=np.array(wires, dtype=np.int64),
            ts_sec=sec,
            ts_nsec=np.round((ts - sec) * 1e9).astype(np.int64),
            end_offset=0,
            head=_gather(buf, starts, HEAD),
        )


def open_live(interface: str, backend: str = "auto", **kw) -> PacketRingSource | ScapySource:
    if backend == "ring" or (backend == "auto" and sys.platform.startswith("linux")):
        return PacketRingSource(interface, **kw)
    return ScapySource(interface)
