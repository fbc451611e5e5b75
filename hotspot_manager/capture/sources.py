"""Frame sources: pcap and pcapng files read as raw records, in batches.

Nothing here dissects a packet. A file is memory-mapped and walked record by
record with one ``struct`` read per record; everything else (timestamps,
lengths, header fields) is gathered for a whole batch at once with numpy.
That is what lets an offline account run at hundreds of thousands of frames
per second in Python, where per-packet scapy dissection manages about 7,000.

A batch carries the wire length of every frame (pcap ``orig_len``), which is
what bills are computed from; the captured length only bounds what the header
parser may read.

Damaged files are read the way Wireshark 4.0's wiretap library reads them, so
that an account agrees with ``tshark -z endpoints,eth`` on the same file:

* a file wiretap cannot open (bad header, unsupported version, a broken first
  pcapng section or interface block) raises :class:`CaptureError`;
* otherwise frames are delivered up to the first record wiretap rejects
  (cut short, longer than 262144 bytes, a pcapng block whose lengths, options
  or interface do not check out...), where reading stops with a warning;
* a pcap file with the standard or "modified" magic number goes through
  wiretap's variant heuristic (the first three record headers, read as each
  variant's header layout, are scored), so a file that heuristic takes for
  an ss990417, ss991029, ss990915 or Nokia capture is read with that record
  header layout, exactly as tshark reads it.
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

# magic as read little-endian -> (byte order, kind)
PCAP_MAGIC = {
    0xA1B2C3D4: ("<", "standard"),
    0xD4C3B2A1: (">", "standard"),
    0xA1B2CD34: ("<", "modified"),  # Kuznetzov's patched libpcap (ss990915, ss991029)
    0x34CDB2A1: (">", "modified"),
    0xA1B23C4D: ("<", "nsec"),
    0x4D3CB2A1: (">", "nsec"),
    0x1C0001AC: ("<", "ixia-hw"),  # Ixia lcap: 4 more header bytes; nanoseconds
    0xAC01001C: (">", "ixia-hw"),
    0x1C0001AB: ("<", "ixia-sw"),  # Ixia lcap: 4 more header bytes; microseconds
    0xAB01001C: (">", "ixia-sw"),
}
# pcap record header layouts wiretap knows: variant -> header length
PCAP_VARIANTS = {
    "pcap": 16,
    "nsec": 16,
    "aix": 16,
    "ss990417": 24,
    "ss991029": 24,
    "ss990915": 28,
    "nokia": 20,
}
# AIX tcpdump (version 2.2) writes RFC 1573 ifType values: ifType -> LINKTYPE
_AIX_LINK = {6: 1, 9: 6, 15: 10, 24: 0}
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_BOM = 0x1A2B3C4D

# wiretap's WTAP_MAX_PACKET_SIZE_STANDARD: a record claiming more bytes is
# corruption, and wiretap stops reading there.
MAX_PACKET = 262_144
# wiretap's pcapng MAX_BLOCK_SIZE (an EPB with a maximal D-Bus packet and
# 128 KiB of options).
MAX_BLOCK = 32 + 128 * 1024 * 1024 + 131_072
BATCH_FRAMES = 65_536  # smaller batches reuse freed memory: fewer page faults
# Bytes of each frame copied out with its record header, in one gather per
# batch: enough for Ethernet, two VLAN tags and an IPv6 header. The parser
# reads deeper headers (rare) from the mapped file instead.
HEAD = 80

_U32 = {"<": struct.Struct("<I").unpack_from, ">": struct.Struct(">I").unpack_from}
_CUSTOM_OPTIONS = (2988, 2989, 19372, 19373)  # pcapng custom options (a PEN first)
_PEN_NFLX = 10949  # Netflix: wiretap parses these custom options and blocks itself


class CaptureError(Exception):
    """The file cannot be read as a capture; the message is for the operator."""


class _Stop(Exception):
    """Reading stops at ``off``: "truncated", "corrupt", or "end" (wiretap stops
    there without reporting an error)."""

    def __init__(self, off: int, why: str, detail: str = "") -> None:
        super().__init__(detail)
        self.off = off
        self.why = why
        self.detail = detail


def _round4(n: int) -> int:
    # wiretap rounds block lengths up to a multiple of 4, in 32 bits
    return (n + 3) & 0xFFFFFFFC


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
        self._skipped: dict[int, int] = {}  # unsupported link type -> frames not counted
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
        self._order, kind = PCAP_MAGIC[magic]
        self._first = 28 if kind.startswith("ixia") else 24
        if self.size < self._first:
            raise CaptureError(f"{self.path}: pcap file header is cut short")
        vmaj, vmin, _zone, _sigfigs, snaplen, linkfield = struct.unpack_from(
            self._order + "HHiIII", self._mm, 4
        )
        if vmaj < 2:
            raise CaptureError(f"{self.path}: pcap format version {vmaj}.{vmin} is not supported")
        # Before version 2.3 the two lengths of a record header came in the
        # other order; 2.3 files were written both ways (and DG/UX wrote 543.0).
        if vmaj == 2:
            self._swap = "yes" if vmin < 3 else "maybe" if vmin == 3 else "no"
        else:
            self._swap = "yes" if vmaj == 543 else "no"
        variant = None
        if vmaj == 2 and vmin == 2 and linkfield in _AIX_LINK:
            linkfield, variant = _AIX_LINK[linkfield], "aix"
        if linkfield & 0x03FF0000:
            raise CaptureError(
                f"{self.path}: pcap link-type field has reserved bits set (0x{linkfield:08x})"
            )
        link_type = linkfield & 0xFFFF
        fcs_len = 0
        if linkfield & 0x04000000:  # libpcap's LT_FCS_LENGTH_PRESENT
            fcs_len = ((linkfield >> 28) & 0xF) * 2  # given in 16-bit units
        self._check_link_type(link_type)
        self._snaplen = snaplen
        if variant is None:
            variant = self._pcap_variant(kind)
        self._variant = variant
        self._hs = PCAP_VARIANTS[variant]
        ticks = 1_000_000_000 if variant in ("nsec", "aix") else 1_000_000
        self._pcap_iface = _Interface(link_type, snaplen, ticks, 0, fcs_len)
        self.link_types = [link_type]
        if variant not in ("pcap", "nsec", "aix"):
            self.warnings.append(
                f"pcap record headers read in the {variant} layout: Wireshark's guess from "
                "the first records, and how it reads this file"
            )

    def _pcap_lengths(self, off: int) -> tuple[int, int, int]:
        """(fraction of a second, captured length, original length) of the record at off."""
        _sec, frac, incl, orig = struct.unpack_from(self._order + "IIII", self._mm, off)
        if self._swap == "yes" or (self._swap == "maybe" and incl > orig):
            incl, orig = orig, incl
        return frac, incl, orig

    def _pcap_variant(self, kind: str) -> str:
        """The record layout wiretap 4.0 settles on for this file (libpcap_open)."""
        if kind in ("nsec", "ixia-hw"):
            return "nsec"
        if kind == "ixia-sw":
            return "pcap"
        tries = ("pcap", "ss990417", "nokia") if kind == "standard" else ("ss991029", "ss990915")
        best, best_merit = tries[0], None
        for variant in tries:
            merit = self._pcap_try(PCAP_VARIANTS[variant])
            if merit == 0:
                return variant
            if best_merit is None or merit < best_merit:
                best, best_merit = variant, merit
        return best

    def _pcap_try(self, hs: int) -> int:
        """wiretap's figure of demerit for reading the first records with hs-byte headers.

        Up to three records are read; the first header that looks wrong (or a
        record cut short) ends the try with its count of problems; the end of
        the file ends it with 0.
        """
        off, size = self._first, self.size
        for _ in range(3):
            if off >= size:
                return 0
            if off + hs > size:
                return 1
            frac, incl, orig = self._pcap_lengths(off)
            merit = (
                (frac >= 1_000_000)
                + (incl > MAX_PACKET)
                + (orig > 128 * 1024 * 1024)
                + (incl > self._snaplen)
                + (incl > orig)
            )
            if merit:
                return merit
            off += hs + incl
            if off > size:
                return 1
        return 0

    def _pcap_batches(self, max_frames: int, start_offset: int) -> Iterator[RawBatch]:
        off = max(self._first, start_offset)
        hs = self._hs
        while True:
            offs, off, stop = self._walk_pcap(off, max_frames)
            if offs:
                rec = np.array(offs, dtype=np.int64)
                # A record longer than wiretap allows is corruption: stop there.
                incl = np.diff(np.append(rec, off)) - hs
                bad = np.nonzero(incl > MAX_PACKET)[0]
                if len(bad):
                    b = int(bad[0])
                    stop = _Stop(
                        int(rec[b]), "corrupt", f"a {int(incl[b])}-byte record (limit {MAX_PACKET})"
                    )
                    rec, off = rec[:b], int(rec[b])
                if len(rec):
                    yield self._pcap_batch(rec, off)
            self.complete_end = off
            if stop is not None:
                self._note_stop(stop)
                return
            if len(offs) < max_frames:
                return

    def _walk_pcap(self, off: int, max_frames: int) -> tuple[list[int], int, _Stop | None]:
        """Offsets of up to max_frames complete records from ``off``.

        This loop is the one per-frame Python cost of an offline account. The
        fast part is a list comprehension that follows record lengths 4096
        records at a time and lets ``struct.error`` (a read past the end) tell
        it the file is ending; that chunk, and the file's tail, are then
        walked again with every check. Lengths over MAX_PACKET are found
        afterwards, for a whole batch at once.
        """
        mm, size, hs = self._mm, self.size, self._hs
        incl_at = struct.Struct(self._order + "I").unpack_from
        pos = 12 if self._swap == "yes" else 8  # the captured length's place
        out: list[int] = []
        if self._swap != "maybe":
            while len(out) < max_frames:
                start = off
                k = min(4096, max_frames - len(out))
                try:
                    if hs == 16 and pos == 8:  # standard pcap: the common case
                        chunk = [off := off + 16 + incl_at(mm, off + 8)[0] for _ in repeat(None, k)]
                    else:
                        chunk = [
                            off := off + hs + incl_at(mm, off + pos)[0] for _ in repeat(None, k)
                        ]
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
            if off + hs > size:
                if off == size:
                    return out, off, None
                return out, off, _Stop(off, "truncated")
            _frac, incl, _orig = self._pcap_lengths(off)
            if incl > MAX_PACKET:
                return out, off, _Stop(off, "corrupt", f"a {incl}-byte record (limit {MAX_PACKET})")
            if off + hs + incl > size:
                return out, off, _Stop(off, "truncated")
            out.append(off)
            off += hs + incl
        return out, off, None

    def _pcap_batch(self, rec: np.ndarray, end: int) -> RawBatch:
        dt = np.dtype(self._order + "u4")
        hs = self._hs
        both = _gather(self._buf, rec, hs + HEAD)
        hdr = np.ascontiguousarray(both[:, :16]).view(dt).astype(np.int64)
        iface = self._pcap_iface
        frac = hdr[:, 1]
        if iface.ticks_per_sec == 1_000_000:
            nsec = frac * 1000
        else:
            nsec = frac
        sec = hdr[:, 0] + nsec // 1_000_000_000
        caplen, wire = hdr[:, 2], hdr[:, 3]
        if self._swap == "yes":
            caplen, wire = wire, caplen
        elif self._swap == "maybe":
            caplen, wire = np.minimum(caplen, wire), np.maximum(caplen, wire)
        return RawBatch(
            buf=self._buf,
            link_type=iface.link_type,
            fcs_len=iface.fcs_len,
            data_off=rec + hs,
            caplen=caplen,
            wire_len=wire,
            ts_sec=sec,
            ts_nsec=nsec % 1_000_000_000,
            end_offset=end,
            head=both[:, hs:],
        )

    # -- pcapng -------------------------------------------------------------
    def _open_pcapng(self) -> None:
        """What wiretap's pcapng_open checks: the first section header block and
        the interface blocks right after it. A failure there means tshark
        cannot open the file at all."""
        self._carry: tuple[int, int] | None = None  # time of the last timed packet
        if self.size < 8:
            raise CaptureError(f"{self.path}: not a pcapng capture file (too short)")
        try:
            order, off = self._pcapng_shb(0)
        except _Stop as stop:
            if stop.why == "truncated":
                raise CaptureError(f"{self.path}: pcapng section header is cut short") from None
            raise CaptureError(f"{self.path}: not a readable pcapng file ({stop.detail})") from None
        rd, size = _U32[order], self.size
        ifaces: list[_Interface] = []
        try:
            while off != size:
                if size - off < 8:
                    raise _Stop(off, "truncated")
                if rd(self._mm, off)[0] != 1:
                    break
                blen = _round4(rd(self._mm, off + 4)[0])
                ifaces.append(self._pcapng_idb(order, off, blen))
                off += blen
        except _Stop as stop:
            what = "is cut short" if stop.why == "truncated" else f"is unreadable ({stop.detail})"
            raise CaptureError(
                f"{self.path}: the pcapng interface block at byte {stop.off} {what}"
            ) from None
        self.link_types = []
        for iface in ifaces:
            if supported(iface.link_type) and iface.link_type not in self.link_types:
                self.link_types.append(iface.link_type)
        if ifaces and not self.link_types:
            self._check_link_type(ifaces[0].link_type)

    def _pcapng_shb(self, off: int) -> tuple[str, int]:
        """Check a section header block: (byte order, block length)."""
        mm, size = self._mm, self.size
        if off + 24 > size:
            raise _Stop(off, "truncated")
        (bom,) = struct.unpack_from("<I", mm, off + 8)
        if bom == PCAPNG_BOM:
            order = "<"
        elif bom == 0x4D3C2B1A:
            order = ">"
        else:
            raise _Stop(off, "corrupt", f"bad byte-order magic 0x{bom:08x}")
        blen = _round4(_U32[order](mm, off + 4)[0])
        vmaj, vmin = struct.unpack_from(order + "HH", mm, off + 12)
        if blen < 28 or blen > MAX_BLOCK:
            raise _Stop(off, "corrupt", f"section header block length {blen}")
        if vmaj != 1 or vmin not in (0, 2):
            raise _Stop(off, "corrupt", f"unsupported pcapng version {vmaj}.{vmin}")
        self._pcapng_options(order, off, off + 24, off + blen - 4, "shb")
        self._pcapng_trailer(order, off, blen, off + blen)
        return order, blen

    def _pcapng_trailer(self, order: str, off: int, blen: int, nxt: int) -> None:
        """The block's closing length (the 4 bytes before nxt) must repeat blen."""
        if nxt > self.size:
            raise _Stop(off, "truncated")
        if _round4(_U32[order](self._mm, nxt - 4)[0]) != blen:
            raise _Stop(off, "corrupt", "the block's two lengths differ")

    def _pcapng_options(self, order: str, off: int, start: int, end: int, kind: str) -> dict:
        """Walk an options area the way wiretap does; {code: (offset, length)}, first wins."""
        if end > self.size:
            raise _Stop(off, "truncated")
        mm, out, p = self._mm, {}, start
        while p < end:
            if end - p < 4:
                raise _Stop(off, "corrupt", "an option header runs past its block")
            code, olen = struct.unpack_from(order + "HH", mm, p)
            p += 4
            room = (olen + 3) & ~3
            if room > end - p:
                raise _Stop(off, "corrupt", f"option {code} runs past its block")
            if code == 0:
                break
            if code in _CUSTOM_OPTIONS:
                if olen < 4:
                    raise _Stop(off, "corrupt", f"custom option of {olen} bytes")
                if _U32[order](mm, p)[0] == _PEN_NFLX and olen < 8:
                    raise _Stop(off, "end", "a short Netflix custom option")
            elif kind == "packet":
                if (
                    (code == 2 and olen != 4)
                    or (code in (4, 5) and olen != 8)
                    or (code == 6 and olen != 4)
                    or (code == 7 and (olen < 1 or (mm[p] in (1, 2) and olen != 9)))
                ):
                    raise _Stop(off, "corrupt", f"packet block option {code} of {olen} bytes")
            elif kind == "idb" and code == 11 and olen < 1:
                raise _Stop(off, "corrupt", "empty if_filter option")
            out.setdefault(code, (p, olen))
            p += room
        return out

    def _pcapng_idb(self, order: str, off: int, blen: int) -> _Interface:
        mm = self._mm
        if blen > MAX_BLOCK or blen < 20:
            raise _Stop(off, "corrupt", f"interface block length {blen}")
        if off + 16 > self.size:
            raise _Stop(off, "truncated")
        link_type, _res, snaplen = struct.unpack_from(order + "HHI", mm, off + 8)
        opts = self._pcapng_options(order, off, off + 16, off + blen - 4, "idb")
        self._pcapng_trailer(order, off, blen, off + blen)
        iface = _Interface(link_type, snaplen)
        if 9 in opts and opts[9][1] == 1:  # if_tsresol
            r = mm[opts[9][0]]
            exp = r & 0x7F
            if r & 0x80:
                ticks = 2**exp if exp < 64 else 2**64 - 1
            else:
                ticks = 10**exp if exp < 20 else 2**64 - 1
            iface.ticks_per_sec = min(ticks, 2**62)  # int64 arithmetic downstream
        if 14 in opts and opts[14][1] >= 8:  # if_tsoffset, seconds
            (iface.tsoffset,) = struct.unpack_from(order + "q", mm, opts[14][0])
        if 13 in opts and opts[13][1] == 1:  # if_fcslen: bits, or bytes when < 8
            v = mm[opts[13][0]]
            iface.fcs_len = v if v < 8 else v // 8
        return iface

    def _pcapng_spb(self, order: str, off: int, blen: int, ifaces: list[_Interface]) -> int:
        """Check a simple packet block; the offset wiretap reads the next block at."""
        if blen > MAX_BLOCK or blen < 16:
            raise _Stop(off, "corrupt", f"simple packet block length {blen}")
        if off + 12 > self.size:
            raise _Stop(off, "truncated")
        if not ifaces:
            raise _Stop(off, "corrupt", "simple packet block before any interface block")
        (wire,) = _U32[order](self._mm, off + 8)
        snap = ifaces[0].snaplen
        cap = snap if snap and wire > snap else wire
        pad = -cap & 3
        if blen < (16 + cap + pad) & 0xFFFFFFFF or cap > MAX_PACKET:
            raise _Stop(off, "corrupt", f"simple packet block of {cap} bytes in {blen}")
        # wiretap reads the closing length right after the packet's bytes,
        # whatever the block length said
        nxt = off + 16 + cap + pad
        self._pcapng_trailer(order, off, blen, nxt)
        return nxt

    def _pcapng_other(self, order: str, off: int, btype: int, blen: int) -> int:
        """Check a block that carries no packet for us; the next block's offset."""
        mm, size = self._mm, self.size
        rd = _U32[order]
        nxt = off + blen
        if blen > MAX_BLOCK:
            raise _Stop(off, "corrupt", f"block length {blen}")

        def need(n: int) -> None:
            if off + n > size:
                raise _Stop(off, "truncated")

        def short(minimum: int, what: str) -> None:
            if blen < minimum:
                raise _Stop(off, "corrupt", f"{what} of {blen} bytes")

        if btype == 4:  # name resolution block
            short(16, "name resolution block")
            need(blen - 4)
            left, p = blen - 12, off + 8
            while left > 0:
                if left < 4:
                    raise _Stop(off, "corrupt", "name resolution record cut short")
                rtype, rlen = struct.unpack_from(order + "HH", mm, p)
                p, left = p + 4, left - 4
                room = (rlen + 3) & ~3
                if left < room:
                    raise _Stop(off, "corrupt", "name resolution record runs past its block")
                if rtype == 0:
                    break
                if rtype in (1, 2):
                    alen = 4 if rtype == 1 else 16
                    if rlen < alen:
                        raise _Stop(off, "corrupt", "name resolution record too short")
                    names = mm[p + alen : p + rlen]
                    if names and names[-1] != 0:
                        raise _Stop(off, "corrupt", "unterminated name in a name resolution block")
                p, left = p + room, left - room
            self._pcapng_options(order, off, p, nxt - 4, "nrb")
        elif btype == 5:  # interface statistics block
            short(24, "interface statistics block")
            self._pcapng_options(order, off, off + 20, nxt - 4, "isb")
        elif btype == 0xA:  # decryption secrets block: no minimum length checked
            need(16)
            slen = rd(mm, off + 12)[0]
            if slen > 1 << 30:
                raise _Stop(off, "corrupt", f"decryption secrets of {slen} bytes")
            nxt = off + 16 + slen + ((blen - 20 - slen) & 0xFFFFFFFF) + 4
        elif btype in (0xBAD, 0x40000BAD):  # custom block
            short(16, "custom block")
            need(12)
            if rd(mm, off + 8)[0] == _PEN_NFLX:
                short(20, "Netflix custom block")
                need(16)
                (ntype,) = struct.unpack_from("<I", mm, off + 12)
                if ntype == 1:
                    self._pcapng_options("<", off, off + 16, nxt - 4, "nflx")
                elif ntype == 2:
                    short(24, "Netflix custom block")
                    self._pcapng_options("<", off, off + 20, nxt - 4, "nflx")
                else:
                    raise _Stop(off, "end", f"Netflix custom block of type {ntype}")
        elif btype in (0x204, 0x216, 0x221):  # sysdig event blocks
            short(36 if btype == 0x204 else 40, "sysdig event block")
        elif btype == 9:  # systemd journal export block
            short(35, "systemd journal export block")
            need(blen - 4)
            if len(bytes(mm[off + 8 : nxt - 4]).rstrip(b"\0")) < 23:
                raise _Stop(off, "corrupt", "systemd journal entry too short")
        else:  # skipped unread
            short(12, f"block of type 0x{btype:x}")
        self._pcapng_trailer(order, off, blen, nxt)
        return nxt

    def _pcapng_batches(self, max_frames: int, start_offset: int) -> Iterator[RawBatch]:
        mm, size = self._mm, self.size
        order = "<"
        rd = _U32[order]
        le = _U32["<"]
        h16 = struct.Struct(order + "H").unpack_from
        ifaces: list[_Interface] = []
        # Records of the current run: all from interfaces of one link type.
        offs: list[int] = []
        kinds: list[int] = []
        run_link: int | None = None
        off = 0
        stop: _Stop | None = None
        while stop is None:
            try:
                while True:
                    if off == size:
                        break
                    if size - off < 8:
                        raise _Stop(off, "truncated")
                    (btype,) = le(mm, off)
                    if btype == PCAPNG_SHB:
                        if offs:
                            break  # hand over the last section's packets first
                        order, blen = self._pcapng_shb(off)
                        rd = _U32[order]
                        h16 = struct.Struct(order + "H").unpack_from
                        self._carry = None
                        ifaces = []
                        run_link = None
                        off += blen
                        continue
                    if order == ">":
                        (btype,) = rd(mm, off)
                    (blen,) = rd(mm, off + 4)
                    if blen & 3:
                        blen = (blen + 3) & 0xFFFFFFFC
                    if btype == 6 or btype == 2:
                        nxt = off + blen
                        if blen < 32 or nxt > size:
                            if blen < 32 or blen > MAX_BLOCK:
                                raise _Stop(off, "corrupt", f"packet block length {blen}")
                            raise _Stop(off, "truncated")
                        iface_id = rd(mm, off + 8)[0] if btype == 6 else h16(mm, off + 8)[0]
                        if iface_id >= len(ifaces):
                            raise _Stop(
                                off, "corrupt", f"packet block for undefined interface {iface_id}"
                            )
                        if off >= start_offset:
                            lt = ifaces[iface_id].link_type
                            if lt != run_link and offs:
                                break
                            run_link = lt
                            offs.append(off)
                            kinds.append(btype)
                            if len(offs) >= max_frames:
                                off = nxt
                                break
                        off = nxt
                    elif btype == 3:
                        nxt = self._pcapng_spb(order, off, blen, ifaces)
                        if off >= start_offset:
                            lt = ifaces[0].link_type
                            if lt != run_link and offs:
                                break
                            run_link = lt
                            offs.append(off)
                            kinds.append(3)
                            if len(offs) >= max_frames:
                                off = nxt
                                break
                        off = nxt
                    elif btype == 1:
                        iface = self._pcapng_idb(order, off, blen)
                        if supported(iface.link_type) and iface.link_type not in self.link_types:
                            self.link_types.append(iface.link_type)
                        ifaces.append(iface)
                        off += blen
                    else:
                        off = self._pcapng_other(order, off, btype, blen)
            except _Stop as s:
                stop = s
            end = stop.off if stop is not None else off
            if offs:
                batches, bad = self._pcapng_flush(order, ifaces, offs, kinds, end, run_link)
                yield from batches
                if bad is not None:
                    stop = bad
                offs, kinds = [], []
                run_link = None
            if stop is None and off == size:
                break
        self.complete_end = stop.off if stop is not None else off
        if stop is not None:
            self._note_stop(stop)
        for lt, n in self._skipped.items():
            self.warnings.append(
                f"{n} frames with link type {lt} ({link_type_name(lt)}) were not counted"
            )

    def _pcapng_flush(
        self,
        order: str,
        ifaces: list[_Interface],
        offs: list[int],
        kinds: list[int],
        end: int,
        link_type: int | None,
    ) -> tuple[list[RawBatch], _Stop | None]:
        """Batches of the run's packets, checked first the way wiretap checks
        each packet block; the check's verdict on the first bad one, if any."""
        rec = np.array(offs, dtype=np.int64)
        kind = np.array(kinds, dtype=np.int8)
        dt = np.dtype(order + "u4")
        # EPB: type len ifid tshi tslo caplen origlen | data   (data at +28)
        # PB:  type len ifid(2)drops(2) tshi tslo caplen len | data (data at +28)
        # SPB: type len origlen | data                        (data at +12)
        words = _gather(self._buf, rec, 28).view(dt).astype(np.int64)
        bad = self._pcapng_check(order, rec, kind, words)
        stop = None
        if bad is not None:
            k, why, detail = bad
            stop = _Stop(int(rec[k]), why, detail)
            end = int(rec[k])
            rec, kind, words = rec[:k], kind[:k], words[:k]
        if not len(rec):
            return [], stop
        if link_type is None or not supported(link_type):
            lt = -1 if link_type is None else link_type
            self._skipped[lt] = self._skipped.get(lt, 0) + len(rec)
            return [], stop
        return list(self._pcapng_batch(order, ifaces, rec, kind, words, end)), stop

    def _iface_id(
        self, order: str, rec: np.ndarray, kind: np.ndarray, words: np.ndarray
    ) -> np.ndarray:
        iface_id = np.where(kind == 3, 0, words[:, 2])
        is_pb = kind == 2
        if is_pb.any():
            half = np.dtype(order + "u2")
            iface_id = np.where(
                is_pb, _gather(self._buf, rec + 8, 2).view(half).astype(np.int64)[:, 0], iface_id
            )
        return iface_id

    def _pcapng_check(
        self, order: str, rec: np.ndarray, kind: np.ndarray, words: np.ndarray
    ) -> tuple[int, str, str] | None:
        """First enhanced/obsolete packet block wiretap rejects: (row, why, detail)."""
        pk = kind != 3  # simple packet blocks were checked while walking
        if not pk.any():
            return None
        blen = (words[:, 1] + 3) & 0xFFFFFFFC
        cap = words[:, 5]
        pad = -cap & 3
        dt = np.dtype(order + "u4")
        # the block must hold the packet's bytes; the packet wiretap's limit
        reason = np.zeros(len(rec), dtype=np.int8)  # 0 ok, 1 corrupt, 2 silent end
        reason[pk & ((blen < 32 + cap + pad) | (cap > MAX_PACKET) | (blen > MAX_BLOCK))] = 1
        ok = pk & (reason == 0)
        tr_at = np.where(ok, rec + blen - 4, 0)
        trailer = (_gather(self._buf, tr_at, 4).view(dt)[:, 0].astype(np.int64) + 3) & 0xFFFFFFFC
        reason[ok & (trailer != blen)] = 1
        # options: the areas between the packet's bytes and the closing length
        start = rec + 28 + cap + pad
        stop_at = rec + blen - 4
        rows = np.nonzero(pk & (reason == 0) & (stop_at > start))[0]
        p, end = start[rows], stop_at[rows]
        h2 = np.dtype(order + "u2")
        while len(rows):
            hdr = _gather(self._buf, p, 8)
            code = hdr[:, :4].copy().view(h2)[:, 0].astype(np.int64)
            olen = hdr[:, :4].copy().view(h2)[:, 1].astype(np.int64)
            room = (olen + 3) & ~3
            fail = (end - p < 4) | (room > end - p - 4)
            custom = np.isin(code, _CUSTOM_OPTIONS)
            fail |= custom & (olen < 4)
            fail |= ((code == 2) | (code == 6)) & (olen != 4)
            fail |= ((code == 4) | (code == 5)) & (olen != 8)
            fail |= (code == 7) & ((olen < 1) | (np.isin(hdr[:, 4], (1, 2)) & (olen != 9)))
            pen = hdr[:, 4:8].copy().view(dt)[:, 0].astype(np.int64)
            silent = ~fail & custom & (pen == _PEN_NFLX) & (olen < 8)
            reason[rows[fail]] = 1
            reason[rows[silent]] = 2
            p = p + 4 + room
            more = ~fail & ~silent & (code != 0) & (p < end)
            rows, p, end = rows[more], p[more], end[more]
        hits = np.nonzero(reason)[0]
        if not len(hits):
            return None
        k = int(hits[0])
        if reason[k] == 2:
            return k, "end", "a short Netflix custom option"
        if cap[k] > MAX_PACKET:
            detail = f"a {int(cap[k])}-byte packet (limit {MAX_PACKET})"
        else:
            detail = "a packet block whose lengths or options do not check out"
        return k, "corrupt", detail

    def _pcapng_batch(
        self,
        order: str,
        ifaces: list[_Interface],
        rec: np.ndarray,
        kind: np.ndarray,
        words: np.ndarray,
        end: int,
    ) -> Iterator[RawBatch]:
        is_spb = kind == 3
        iface_id = self._iface_id(order, rec, kind, words)
        ticks = (words[:, 3] << 32) | words[:, 4]
        wire = np.where(is_spb, words[:, 2], words[:, 6])
        caplen = words[:, 5].copy()
        data_off = rec + 28
        if is_spb.any():
            snap = ifaces[0].snaplen
            spb_cap = np.minimum(wire, snap) if snap else wire
            caplen = np.where(is_spb, spb_cap, caplen)
            data_off = np.where(is_spb, rec + 12, data_off)
            ticks = np.where(is_spb, 0, ticks)
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
            exact = per_sec <= 2**33  # rem * 10**9 stays within int64
            scaled = np.where(
                exact,
                (rem * 1_000_000_000) // np.where(exact, per_sec, 1),
                (rem.astype(np.float64) / per_sec.astype(np.float64) * 1e9).astype(np.int64),
            )
            nsec = np.where(binary, scaled, nsec)
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

    def _note_stop(self, stop: _Stop) -> None:
        self.truncated = True
        off = stop.off
        if stop.why == "truncated":
            self.warnings.append(
                f"capture is truncated: the last record, at byte {off} of {self.size}, is cut "
                "short; every complete frame before it was counted"
            )
        else:
            detail = f" ({stop.detail})" if stop.detail else ""
            self.warnings.append(
                f"capture is corrupt at byte {off} of {self.size}{detail}: reading stopped "
                "there, as Wireshark's does; every frame before it was counted"
            )


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
