"""Frame sources: pcap and pcapng files read as raw records, in batches.

Nothing here dissects a packet. A file is memory-mapped and walked record by
record with one ``struct`` read per record; everything else (timestamps,
lengths, header fields) is gathered for a whole batch at once with numpy.
That is what lets an offline account run at hundreds of thousands of frames
per second in Python, where per-packet scapy dissection manages about 7,000.

A batch carries the wire length of every frame (pcap ``orig_len``), which is
what bills are computed from; the captured length only bounds what the header
parser may read.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from hotspot_manager.capture.linktypes import link_type_name, supported

PCAP_MAGIC = {
    # magic as read little-endian -> (byte order, ticks per second)
    0xA1B2C3D4: ("<", 1_000_000),
    0xD4C3B2A1: (">", 1_000_000),
    0xA1B23C4D: ("<", 1_000_000_000),
    0x4D3CB2A1: (">", 1_000_000_000),
}
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_BOM = 0x1A2B3C4D

# Larger than any real link's frame; a record claiming more is corruption, and
# trusting it would make us skip over the rest of the file.
MAX_RECORD = 256 * 1024 * 1024
BATCH_FRAMES = 65_536  # smaller batches reuse freed memory: fewer page faults
# Bytes of each frame copied out with its record header, in one gather per
# batch: enough for Ethernet, two VLAN tags and an IPv6 header. The parser
# reads deeper headers (rare) from the mapped file instead.
HEAD = 80


class CaptureError(Exception):
    """The file cannot be read as a capture; the message is for the operator."""


@dataclass(slots=True)
class RawBatch:
    """Frames of one link type, as offsets into ``buf`` (the mapped file)."""

    buf: np.ndarray  # uint8 view of the whole file
    link_type: int
    fcs_len: int  # trailing FCS bytes in each frame, when the file says so
    data_off: np.ndarray  # int64: where each frame's bytes start in buf
    caplen: np.ndarray  # int64: bytes present in the file
    wire_len: np.ndarray  # int64: bytes on the wire (orig_len)
    ts_sec: np.ndarray  # int64: epoch seconds
    ts_nsec: np.ndarray  # int64: nanoseconds within the second
    end_offset: int  # file offset just after this batch's last record
    head: np.ndarray  # uint8 (N, HEAD): each frame's first bytes (past caplen: junk)
    ts_known: np.ndarray | None = None  # bool; None: every frame has its own time
    # Live batches hold only the first bytes of each frame in ``buf``; frames kept
    # whole for discovery (DHCP, mDNS) are here, by row.
    whole: dict[int, bytes] | None = None

    def __len__(self) -> int:
        return len(self.data_off)


@dataclass(slots=True)
class _Interface:
    link_type: int
    snaplen: int
    ticks_per_sec: int = 1_000_000
    tsoffset: int = 0
    fcs_len: int = 0


@dataclass
class CaptureFile:
    """A pcap or pcapng file opened for reading raw records."""

    path: str
    format: str = ""
    size: int = 0
    warnings: list[str] = field(default_factory=list)
    link_types: list[int] = field(default_factory=list)
    truncated: bool = False
    # After batches() is exhausted: the offset just past the last complete
    # record (where a grown file's next import would start).
    complete_end: int = 0

    def __post_init__(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            raise CaptureError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise CaptureError(f"{self.path}: is a directory, not a capture file") from None
        except PermissionError:
            raise CaptureError(f"{self.path}: permission denied") from None
        except OSError as exc:
            raise CaptureError(f"{self.path}: cannot open: {exc.strerror}") from None
        try:
            self.size = os.fstat(fd).st_size
            if os.path.isdir(self.path):
                raise CaptureError(f"{self.path}: is a directory, not a capture file")
            if self.size < 4:
                raise CaptureError(f"{self.path}: not a pcap or pcapng capture file (too short)")
            try:
                self._mm = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError) as exc:
                raise CaptureError(f"{self.path}: cannot read: {exc}") from None
        finally:
            os.close(fd)
        self._buf = np.frombuffer(self._mm, dtype=np.uint8)
        (magic,) = struct.unpack_from("<I", self._mm, 0)
        if magic in PCAP_MAGIC:
            self.format = "pcap"
            self._open_pcap(magic)
        elif magic == PCAPNG_SHB:
            self.format = "pcapng"
            self._open_pcapng()
        else:
            raise CaptureError(f"{self.path}: not a pcap or pcapng capture file")

    # -- context management -------------------------------------------------
    def close(self) -> None:
        self._buf = None  # type: ignore[assignment]
        try:
            self._mm.close()
        except BufferError:
            # A batch array still points into the map; the OS frees it with
            # the last reference.
            pass

    def __enter__(self) -> CaptureFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def link_type_names(self) -> list[str]:
        return [link_type_name(lt) for lt in self.link_types]

    def batches(self, max_frames: int = BATCH_FRAMES, start_offset: int = 0) -> Iterator[RawBatch]:
        """Yield the file's frames in batches, skipping records before start_offset.

        ``start_offset`` must be a record boundary previously reported as a
        batch's ``end_offset``; it is how an interrupted import resumes.
        """
        if self.format == "pcap":
            yield from self._pcap_batches(max_frames, start_offset)
        else:
            yield from self._pcapng_batches(max_frames, start_offset)

    # -- pcap ---------------------------------------------------------------
    def _open_pcap(self, magic: int) -> None:
        self._order, self._ticks = PCAP_MAGIC[magic]
        if self.size < 24:
            raise CaptureError(f"{self.path}: pcap file header is cut short")
        _vmaj, _vmin, _zone, _sigfigs, snaplen, linkfield = struct.unpack_from(
            self._order + "HHiIII", self._mm, 4
        )
        link_type = linkfield & 0xFFFF
        fcs_len = 0
        if linkfield & 0x04000000:  # libpcap's LT_FCS_LENGTH_PRESENT
            fcs_len = ((linkfield >> 28) & 0xF) * 2  # given in 16-bit units
        self._check_link_type(link_type)
        self._pcap_iface = _Interface(link_type, snaplen, self._ticks, 0, fcs_len)
        self.link_types = [link_type]

    def _pcap_batches(self, max_frames: int, start_offset: int) -> Iterator[RawBatch]:
        off = max(24, start_offset)
        while True:
            offs, off, stop = self._walk_pcap(off, max_frames)
            if offs:
                rec = np.array(offs, dtype=np.int64)
                # A record longer than any link allows is corruption: stop there.
                incl = np.diff(np.append(rec, off)) - 16
                bad = np.nonzero(incl > MAX_RECORD)[0]
                if len(bad):
                    rec, off, stop = rec[: bad[0]], int(rec[bad[0]]), "corrupt"
                if len(rec):
                    yield self._pcap_batch(rec, off)
            self.complete_end = off
            if stop is not None:
                self._note_stop(stop, off)
                return
            if len(offs) < max_frames:
                return

    def _walk_pcap(self, off: int, max_frames: int) -> tuple[list[int], int, str | None]:
        """Offsets of up to max_frames complete records from ``off``.

        This loop is the one per-frame Python cost of an offline account. The
        fast part is a list comprehension that follows record lengths 4096
        records at a time and lets ``struct.error`` (a read past the end) tell
        it the file is ending; that chunk, and the file's tail, are then
        walked again with every check.
        """
        mm, size = self._mm, self.size
        incl_at = struct.Struct(self._order + "I").unpack_from
        out: list[int] = []
        while len(out) < max_frames:
            start = off
            k = min(4096, max_frames - len(out))
            try:
                chunk = [off := off + 16 + incl_at(mm, off + 8)[0] for _ in repeat(None, k)]
            except struct.error:
                off = start
                break
            if chunk[-1] > size:
                off = start
                break
            out.append(start)
            out.extend(chunk[:-1])
            off = chunk[-1]
        while len(out) < max_frames:
            if off + 16 > size:
                return out, off, ("truncated" if off != size else None)
            (incl,) = incl_at(mm, off + 8)
            if off + 16 + incl > size:
                return out, off, "truncated"
            out.append(off)
            off += 16 + incl
        return out, off, None

    def _pcap_batch(self, rec: np.ndarray, end: int) -> RawBatch:
        dt = np.dtype(self._order + "u4")
        both = _gather(self._buf, rec, 16 + HEAD)
        hdr = np.ascontiguousarray(both[:, :16]).view(dt).astype(np.int64)
        iface = self._pcap_iface
        frac = hdr[:, 1]
        if iface.ticks_per_sec == 1_000_000:
            nsec = frac * 1000
        else:
            nsec = frac
        sec = hdr[:, 0] + nsec // 1_000_000_000
        return RawBatch(
            buf=self._buf,
            link_type=iface.link_type,
            fcs_len=iface.fcs_len,
            data_off=rec + 16,
            caplen=hdr[:, 2],
            wire_len=hdr[:, 3],
            ts_sec=sec,
            ts_nsec=nsec % 1_000_000_000,
            end_offset=end,
            head=both[:, 16:],
        )

    # -- pcapng -------------------------------------------------------------
    def _open_pcapng(self) -> None:
        if self.size < 28:
            raise CaptureError(f"{self.path}: pcapng section header is cut short")
        (bom,) = struct.unpack_from("<I", self._mm, 8)
        if bom not in (PCAPNG_BOM, 0x4D3C2B1A):
            raise CaptureError(f"{self.path}: not a pcapng capture file (bad byte-order magic)")
        # Link types are learnt while walking; check the first section's now so
        # an unsupported file is refused before any output.
        self.link_types = []
        self._carry: tuple[int, int] | None = None  # time of the last timed packet
        for iface in self._scan_first_interfaces():
            self._check_link_type(iface.link_type)
            if iface.link_type not in self.link_types:
                self.link_types.append(iface.link_type)

    def _scan_first_interfaces(self) -> list[_Interface]:
        out: list[_Interface] = []
        off = 0
        order = "<"
        mm, size = self._mm, self.size
        while off + 12 <= size:
            (btype,) = struct.unpack_from("<I", mm, off)
            if btype == PCAPNG_SHB:
                if off != 0:
                    break
                order = "<" if struct.unpack_from("<I", mm, off + 8)[0] == PCAPNG_BOM else ">"
            else:
                (btype,) = struct.unpack_from(order + "I", mm, off)
            (blen,) = struct.unpack_from(order + "I", mm, off + 4)
            if blen < 12 or off + blen > size:
                break
            if btype == 1:
                out.append(self._parse_idb(order, off, blen))
            elif btype in (2, 3, 6):
                break  # interfaces come before the packets that use them
            off += blen
        return out

    def _parse_idb(self, order: str, off: int, blen: int) -> _Interface:
        mm = self._mm
        if blen < 20:
            raise CaptureError(f"{self.path}: pcapng interface block at {off} is too short")
        link_type, _res, snaplen = struct.unpack_from(order + "HHI", mm, off + 8)
        iface = _Interface(link_type, snaplen)
        opt = off + 16
        end = off + blen - 4
        while opt + 4 <= end:
            code, olen = struct.unpack_from(order + "HH", mm, opt)
            val = opt + 4
            if code == 0:
                break
            if val + olen > end:
                break
            if code == 9 and olen >= 1:  # if_tsresol
                r = mm[val]
                if r & 0x80:
                    iface.ticks_per_sec = 2 ** (r & 0x7F)
                else:
                    iface.ticks_per_sec = 10 ** (r & 0x7F)
            elif code == 14 and olen >= 8:  # if_tsoffset, seconds
                (iface.tsoffset,) = struct.unpack_from(order + "q", mm, val)
            elif code == 13 and olen >= 1:  # if_fcslen, bytes
                iface.fcs_len = mm[val]
            opt = val + ((olen + 3) & ~3)
        return iface

    def _pcapng_batches(self, max_frames: int, start_offset: int) -> Iterator[RawBatch]:
        mm, size = self._mm, self.size
        u32 = {"<": struct.Struct("<I").unpack_from, ">": struct.Struct(">I").unpack_from}
        order = "<"
        rd = u32[order]
        ifaces: list[_Interface] = []
        # Records of the current run: all from interfaces of one link type.
        offs: list[int] = []
        kinds: list[int] = []
        run_link: int | None = None
        off = 0
        stop = None

        def flush(end: int) -> Iterator[RawBatch]:
            nonlocal offs, kinds
            if offs:
                yield from self._pcapng_batch(order, ifaces, offs, kinds, end)
            offs, kinds = [], []

        while True:
            if off + 12 > size:
                if off != size:
                    stop = "truncated"
                break
            (btype,) = u32["<"](mm, off)
            if btype == PCAPNG_SHB:
                (bom,) = u32["<"](mm, off + 8)
                new_order = "<" if bom == PCAPNG_BOM else ">" if bom == 0x4D3C2B1A else None
                if new_order is None:
                    stop = "corrupt"
                    break
                yield from flush(off)
                self._carry = None
                order = new_order
                rd = u32[order]
                ifaces = []
                run_link = None
            else:
                (btype,) = rd(mm, off)
            (blen,) = rd(mm, off + 4)
            if blen < 12 or blen % 4 or blen > MAX_RECORD:
                stop = "corrupt"
                break
            nxt = off + blen
            if nxt > size:
                stop = "truncated"
                break
            if btype == 6 or btype == 2 or btype == 3:
                if btype == 3:
                    iface_id = 0
                elif btype == 6:
                    (iface_id,) = rd(mm, off + 8)
                else:
                    iface_id = struct.unpack_from(order + "H", mm, off + 8)[0]
                if iface_id >= len(ifaces):
                    # A packet for an interface never described: unreadable.
                    self._warn_once(f"packet block for unknown interface {iface_id} skipped")
                elif off >= start_offset:
                    lt = ifaces[iface_id].link_type
                    if run_link is not None and lt != run_link:
                        yield from flush(off)
                    run_link = lt
                    offs.append(off)
                    kinds.append(btype)
                    if len(offs) >= max_frames:
                        yield from flush(nxt)
            elif btype == 1:
                if blen < 20:
                    stop = "corrupt"
                    break
                iface = self._parse_idb(order, off, blen)
                self._check_link_type(iface.link_type)
                if iface.link_type not in self.link_types:
                    self.link_types.append(iface.link_type)
                ifaces.append(iface)
            off = nxt
        yield from flush(off)
        self.complete_end = off
        if stop is not None:
            self._note_stop(stop, off)

    def _pcapng_batch(
        self,
        order: str,
        ifaces: list[_Interface],
        offs: list[int],
        kinds: list[int],
        end: int,
    ) -> Iterator[RawBatch]:
        rec = np.array(offs, dtype=np.int64)
        kind = np.array(kinds, dtype=np.int8)
        dt = np.dtype(order + "u4")
        # EPB: type len ifid tshi tslo caplen origlen | data   (data at +28)
        # PB:  type len ifid(2)drops(2) tshi tslo caplen len | data (data at +28)
        # SPB: type len origlen | data                        (data at +12)
        words = _gather(self._buf, rec, 28).view(dt).astype(np.int64)
        is_spb = kind == 3
        is_pb = kind == 2
        iface_id = np.where(is_spb, 0, words[:, 2])
        if is_pb.any():
            half = np.dtype(order + "u2")
            iface_id = np.where(
                is_pb, _gather(self._buf, rec + 8, 2).view(half).astype(np.int64)[:, 0], iface_id
            )
        ticks = (words[:, 3] << 32) | words[:, 4]
        wire = np.where(is_spb, words[:, 2], words[:, 6])
        caplen = words[:, 5].copy()
        data_off = rec + 28
        if is_spb.any():
            blen = words[:, 1]
            snap = np.array([i.snaplen or MAX_RECORD for i in ifaces], dtype=np.int64)[0]
            caplen = np.where(is_spb, np.minimum(wire, np.minimum(snap, blen - 16)), caplen)
            data_off = np.where(is_spb, rec + 12, data_off)
            ticks = np.where(is_spb, 0, ticks)
        # A packet's bytes may not run past its own block.
        blen = words[:, 1]
        room = rec + blen - 4 - data_off
        caplen = np.clip(caplen, 0, np.maximum(room, 0))
        per_sec = np.array([i.ticks_per_sec for i in ifaces], dtype=np.int64)[iface_id]
        tsoff = np.array([i.tsoffset for i in ifaces], dtype=np.int64)[iface_id]
        sec = ticks // per_sec
        rem = ticks % per_sec
        # Exact for decimal resolutions up to 1 ns; for binary ones rounds down.
        nsec = np.where(
            per_sec <= 1_000_000_000,
            rem * (1_000_000_000 // np.minimum(per_sec, 1_000_000_000)),
            rem // np.maximum(per_sec // 1_000_000_000, 1),
        )
        binary = (per_sec & (per_sec - 1)) == 0
        if binary.any():
            nsec = np.where(binary, (rem * 1_000_000_000) // per_sec, nsec)
        sec = sec + tsoff
        known = ~is_spb
        if is_spb.any():
            # Simple Packet Blocks carry no time: they take the time of the
            # packet before them in the section, when there is one.
            last = np.maximum.accumulate(np.where(known, np.arange(len(rec)), -1))
            before = last >= 0
            sec = np.where(before, sec[np.maximum(last, 0)], sec)
            nsec = np.where(before, nsec[np.maximum(last, 0)], nsec)
            if self._carry is not None:
                sec = np.where(before, sec, self._carry[0])
                nsec = np.where(before, nsec, self._carry[1])
                known = np.ones(len(rec), dtype=bool)
            else:
                known = before
        if known.any():
            i = int(np.nonzero(known)[0][-1])
            self._carry = (int(sec[i]), int(nsec[i]))
        iface0 = ifaces[int(iface_id[0])]
        fcs = np.array([i.fcs_len for i in ifaces], dtype=np.int64)[iface_id]
        # One batch has one link type; FCS length may differ per interface, so
        # split if it does (rare).
        head = _gather(self._buf, data_off, HEAD)
        for fl in np.unique(fcs):
            m = fcs == fl
            sel = slice(None) if m.all() else m
            yield RawBatch(
                buf=self._buf,
                link_type=iface0.link_type,
                fcs_len=int(fl),
                data_off=data_off[sel],
                caplen=caplen[sel],
                wire_len=wire[sel],
                ts_sec=sec[sel],
                ts_nsec=nsec[sel],
                end_offset=end,
                head=head[sel],
                ts_known=known[sel],
            )

    # -- shared -------------------------------------------------------------
    def _check_link_type(self, link_type: int) -> None:
        if not supported(link_type):
            raise CaptureError(
                f"{self.path}: unsupported link type {link_type} ({link_type_name(link_type)}); "
                "supported: Ethernet, Linux cooked (SLL, SLL2), raw IP, BSD loopback"
            )

    def _note_stop(self, why: str, off: int) -> None:
        self.truncated = True
        if why == "truncated":
            self.warnings.append(
                f"capture is truncated: the last record, at byte {off} of {self.size}, is cut "
                "short; every complete frame before it was counted"
            )
        else:
            self.warnings.append(
                f"capture is corrupt at byte {off} of {self.size}: reading stopped there; "
                "every frame before it was counted"
            )

    def _warn_once(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


def _gather(buf: np.ndarray, offsets: np.ndarray, width: int) -> np.ndarray:
    """Copy ``width`` bytes at each offset into a (len(offsets), width) array.

    Offsets closer than ``width`` to the end of ``buf`` read zeros past it; the
    callers only trust bytes within each frame's captured length.
    """
    n = len(buf)
    if n >= width:
        windows = np.lib.stride_tricks.as_strided(buf, shape=(n - width + 1, width), strides=(1, 1))
        safe = np.minimum(offsets, n - width)
        out = windows[safe]
        late = offsets > n - width
        if late.any():
            for i in np.nonzero(late)[0]:
                tail = buf[offsets[i] :]
                row = np.zeros(width, dtype=np.uint8)
                row[: len(tail)] = tail
                out[i] = row
        return out
    out = np.zeros((len(offsets), width), dtype=np.uint8)
    for i, o in enumerate(offsets):
        tail = buf[o:]
        out[i, : len(tail)] = tail
    return out


def open_capture(path: str | os.PathLike[str]) -> CaptureFile:
    return CaptureFile(os.fspath(path))
