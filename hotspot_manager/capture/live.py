"""Live frame sources: the interface facing the hotspot's clients.

Linux: an AF_PACKET socket with a TPACKET_V2 memory-mapped ring of fixed
slots. The kernel fills slots without a system call per frame and keeps only
the first ``snaplen`` bytes of each frame (headers are all the meter needs);
every frame keeps its wire length (``tp_len``), which is what is billed. A
run of ready slots is read as one numpy array and parsed column by column
(:func:`~hotspot_manager.capture.parser.parse_ethernet_words`): no Python
runs per frame. The rare control frames discovery dissects (DHCP, mDNS)
come whole through a second socket whose classic BPF filter keeps only them.
Kernel drop counters (PACKET_STATISTICS) are read at every flush.

Other systems: scapy's portable listener (libpcap/Npcap, BPF on macOS) with
an enlarged buffer, behind the same interface (``ScapySource``); it reads
frames one by one, so it is for modest rates.

A source yields :class:`LiveBatch` objects: parsed frames for the Meter (the
same :class:`~hotspot_manager.capture.parser.Frames` a file import makes)
and the control frames for discovery.
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
from hotspot_manager.capture.discovery import control_rows
from hotspot_manager.capture.parser import WORDS, Frames, parse, parse_ethernet_words, splice
from hotspot_manager.capture.sources import HEAD, RawBatch, _gather

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_RX_RING = 5
PACKET_STATISTICS = 6
PACKET_VERSION = 10
PACKET_RESERVE = 12
TPACKET_V2 = 1
SO_ATTACH_FILTER = 26
TP_STATUS_KERNEL = 0
TP_STATUS_USER = 1
TP_STATUS_VLAN_VALID = 1 << 4

SNAPLEN = 128  # Ethernet + 2 VLAN tags + IPv6 + TCP fit
CONTROL_SNAPLEN = 1600  # DHCP and mDNS frames are read whole for discovery
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


# -- classic BPF: the control socket takes DHCP and mDNS frames, whole --------------------
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


def control_filter(keep: int = CONTROL_SNAPLEN) -> list[tuple]:
    """The control socket's filter: ``keep`` bytes of IPv4 UDP 67/68/5353 frames, nothing else."""
    ldh_abs, ldb_abs, ldxb_msh, ldh_ind = 0x28, 0x30, 0xB1, 0x48
    jeq, jset, ret = 0x15, 0x45, 0x06
    prog: list[tuple] = [
        (ldh_abs, 12, 0, 0),
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
    prog += [("label", "snap"), (ret, 0, 0, 0), ("label", "ctl"), (ret, keep, 0, 0)]
    return _assemble(prog)


def _attach_filter(sock: socket.socket, insns: list[tuple[int, int, int, int]]) -> None:
    import ctypes

    raw = b"".join(struct.pack("HBBI", *i) for i in insns)
    buf = ctypes.create_string_buffer(raw, len(raw))
    fprog = struct.pack("HL", len(insns), ctypes.addressof(buf))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


@dataclass(slots=True)
class LiveBatch:
    """What a live source captured since the last batch: parsed frames and control frames."""

    frames: Frames
    control: list[tuple[int, bytes]]  # (second, whole frame): DHCP and mDNS, for discovery


class PacketRingSource:
    """AF_PACKET + TPACKET_V2 ring on one Linux interface, and a socket for control frames.

    The ring is an array of fixed 256-byte slots: a 32-byte header, then the
    frame from byte 72 on (a reserve of 6 bytes puts it 8-byte aligned), at
    most ``snaplen`` bytes of it. Because slots are fixed, a run of ready
    frames is a 2-D numpy view and every header field one column of it: a
    batch is copied out, handed back to the kernel and parsed with no
    per-frame Python at all (a TPACKET_V3 block, by contrast, must be walked
    frame by frame). Control frames (DHCP, mDNS) arrive whole, and rarely, on
    a second socket whose kernel filter keeps only them.
    """

    link_type = lt.ETHERNET
    SLOT = 256
    RESERVE = 6  # 66 + 6: frame data at byte 72 of a slot, 8-byte aligned
    DATA = 72

    def __init__(self, interface: str, ring_mb: int = 32, snaplen: int = SNAPLEN) -> None:
        self.interface = interface
        try:
            socket.if_nametoindex(interface)
        except OSError:
            raise CaptureUnavailable(f"no network interface named {interface!r}") from None
        if self.DATA + snaplen > self.SLOT:
            raise ValueError(f"snaplen {snaplen} does not fit a {self.SLOT}-byte slot")
        self._sock = self._ctl = None
        try:
            # Protocol 0: receive nothing until bound, so no frame of another
            # interface slips in before the filter and the ring are set.
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        except PermissionError:
            raise CaptureUnavailable(grant_hint(), permission=True) from None
        slots = (ring_mb << 20) // self.SLOT
        block = 1 << 16
        try:
            self._sock = sock
            _attach_filter(sock, [(0x06, 0, 0, snaplen)])  # ret #snaplen
            sock.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V2)
            sock.setsockopt(SOL_PACKET, PACKET_RESERVE, self.RESERVE)
            req = struct.pack("IIII", block, slots * self.SLOT // block, self.SLOT, slots)
            sock.setsockopt(SOL_PACKET, PACKET_RX_RING, req)
            self._mm = mmap.mmap(
                sock.fileno(), slots * self.SLOT, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE
            )
            self._ctl = _control_socket()
            sock.bind((interface, ETH_P_ALL))
            self._ctl.bind((interface, ETH_P_ALL))
        except OSError as exc:
            self.close()
            if exc.errno in (errno.EPERM, errno.EACCES):
                raise CaptureUnavailable(grant_hint(), permission=True) from None
            raise CaptureUnavailable(f"cannot capture on {interface}: {exc.strerror}") from None
        self._slots = np.frombuffer(self._mm, dtype=np.uint64).reshape(slots, self.SLOT // 8)
        self._status = np.frombuffer(self._mm, dtype=np.uint32).reshape(slots, self.SLOT // 4)[:, 0]
        self._bytes = np.frombuffer(self._mm, dtype=np.uint8)
        self._n = slots
        self._next = 0
        self._poll = select.poll()
        self._poll.register(sock.fileno(), select.POLLIN | select.POLLERR)
        self.snaplen = snaplen
        self.drain_seconds = 0.0  # a frame is readable the moment the kernel has it
        self.stats_total = KernelStats()

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self._slots = self._status = self._bytes = None  # type: ignore[assignment]
        mm = getattr(self, "_mm", None)
        if mm is not None:
            try:
                mm.close()
            except BufferError:
                pass
        sock.close()
        if self._ctl is not None:
            self._ctl.close()

    def kernel_stats(self) -> KernelStats:
        """Frames and drops since the last call (the kernel resets them on read)."""
        raw = self._sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
        packets, drops = struct.unpack("II", raw)
        self.stats_total.packets += packets
        self.stats_total.drops += drops
        return KernelStats(packets, drops)

    def _ready(self, i: int) -> bool:
        return bool(self._status[i % self._n] & TP_STATUS_USER)

    def batches(self, timeout: float, max_frames: int | None = None) -> Iterator[LiveBatch]:
        """What the kernel has captured, waiting up to ``timeout`` s for it to pile up.

        Frames are taken as late as the timeout allows (a bigger batch costs less
        per frame; nothing is written before the flush anyway) unless a quarter
        of the ring fills first.
        """
        deadline = time.monotonic() + timeout
        quarter = self._n // 4
        while not self._ready(self._next + quarter):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if self._ready(self._next):
                time.sleep(min(left, 0.02))
            else:
                self._poll.poll(int(left * 1000) + 1)
        limit = min(max_frames or self._n // 2, self._n)
        count = self._run(limit)
        control = self._control()
        if count == 0 and not control:
            return
        yield LiveBatch(self._take(count), control)

    def _run(self, limit: int) -> int:
        """How many frames from the next slot on are ready, up to ``limit``.

        The kernel fills slots in ring order and every slot outside the ready run
        is the kernel's, so ready slots form one run from the next slot: a binary
        search finds its end reading about 17 status words, not every slot's
        (each a cache line the kernel is about to write). Writers on several CPUs
        can leave a slot unfinished inside the run for a moment; ``_take`` checks
        every status it copies and stops there.
        """
        if not self._ready(self._next):
            return 0
        lo, hi = 1, limit + 1  # slot next+lo-1 is ready; next+hi-1 is not (or past limit)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._ready(self._next + mid - 1):
                lo = mid
            else:
                hi = mid
        return lo

    def _take(self, count: int) -> Frames:
        """Copy up to ``count`` ready slots out, parse them, and hand the slots back."""
        i, n = self._next, self._n
        # The header words first (status among them). Kernel threads on several CPUs
        # can fill neighbouring slots out of order, so the run found by _run may hold
        # a slot not finished yet: only the slots ready in this copy, up to the first
        # that is not, are taken (the rest are read again next time).
        if i + count <= n:
            blk = self._slots[i : i + count, :3].copy()
        else:
            blk = np.concatenate([self._slots[i:, :3], self._slots[: i + count - n, :3]])
        ready = (blk[:, 0] & np.uint64(TP_STATUS_USER)).astype(bool)
        if not ready.all():
            count = int(np.argmin(ready))
            blk = blk[:count]
        # Then the frame's first WORDS words, byte-swapped to big-endian values (the
        # copy and the swap are one pass).
        d = self.DATA // 8
        if i + count <= n:
            words = self._slots[i : i + count, d : d + WORDS].byteswap()
        else:
            parts = (self._slots[i:], self._slots[: i + count - n])
            words = np.concatenate([p[:, d : d + WORDS] for p in parts]).byteswap()
        # tpacket2_hdr words: status | len, snaplen | mac | net, sec | nsec
        w0, w1, w2 = blk[:, 0], blk[:, 1], blk[:, 2]
        lo32, u32, i64 = np.uint64(0xFFFFFFFF), np.uint64(32), np.int64
        # (fields of at most 32 bits: read as int64 without a conversion pass)
        wire = (w0 >> u32).view(i64)
        # A VLAN tag the NIC took off is still on the wire: bill its 4 bytes.
        tagged = (w0 & np.uint64(TP_STATUS_VLAN_VALID)).view(i64)
        if tagged.any():
            wire = wire + (tagged != 0) * 4
        snap = (w1 & lo32).view(i64)
        sec = (w2 & lo32).view(i64)
        nsec = (w2 >> u32).view(i64)
        frames, slow = parse_ethernet_words(words, snap, wire, sec, nsec)
        # Rows the word parser does not finish (tags, PPPoE) or whose frame the
        # kernel put elsewhere in its slot: copy their bytes before handing back.
        mac_field = w1 & np.uint64(0xFFFF << 32)
        slow |= mac_field != np.uint64(self.DATA << 32)
        rows = np.nonzero(slow)[0]
        if len(rows):
            mac = (mac_field[rows] >> u32).view(i64)
            at = (i + rows) % n * self.SLOT + mac
            data = _gather(self._bytes, at, self.snaplen)
        if i + count <= n:
            self._status[i : i + count] = TP_STATUS_KERNEL
        else:
            self._status[i:] = TP_STATUS_KERNEL
            self._status[: i + count - n] = TP_STATUS_KERNEL
        self._next = (i + count) % n
        if len(rows):
            raw = _raw_rows(data, snap[rows], wire[rows], sec[rows], nsec[rows])
            splice(frames, rows, parse(raw))
        return frames

    def _control(self) -> list[tuple[int, bytes]]:
        out = []
        now = int(time.time())
        while True:
            try:
                data = self._ctl.recv(CONTROL_SNAPLEN, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return out
            out.append((now, data))


def _control_socket() -> socket.socket:
    """A socket that receives only DHCP and mDNS frames, whole."""
    ctl = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    try:
        _attach_filter(ctl, control_filter())
        ctl.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    except OSError:
        ctl.close()
        raise
    return ctl


def _raw_rows(data, caplen, wire, sec, nsec) -> RawBatch:
    """Rows of frame bytes (N, width) as a batch for the general parser."""
    n, width = data.shape
    return RawBatch(
        buf=data.reshape(-1),
        link_type=lt.ETHERNET,
        fcs_len=0,
        data_off=np.arange(n, dtype=np.int64) * width,
        caplen=np.minimum(caplen, width),
        wire_len=wire,
        ts_sec=sec,
        ts_nsec=nsec,
        end_offset=0,
        head=data[:, :HEAD] if width >= HEAD else np.pad(data, ((0, 0), (0, HEAD - width))),
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

    def batches(self, timeout: float) -> Iterator[LiveBatch]:
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
        raw = RawBatch(
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
        parsed = parse(raw)
        control = [(int(sec[i]), frames[i]) for i in control_rows(raw, parsed).tolist()]
        yield LiveBatch(parsed, control)


def open_live(interface: str, backend: str = "auto", **kw) -> PacketRingSource | ScapySource:
    if backend == "ring" or (backend == "auto" and sys.platform.startswith("linux")):
        return PacketRingSource(interface, **kw)
    return ScapySource(interface)
