"""Header parser on raw bytes, a batch at a time.

For every frame of a :class:`RawBatch` it finds the outermost Ethernet
addresses and the outermost IP addresses by fixed offsets, vectorised with
numpy; no packet is dissected with scapy here. A frame whose captured bytes
are too short for its link-layer header is flagged malformed and counted
nowhere else; nothing in here raises on bad bytes.

What counts as "has an IP header" follows Wireshark's IP dissectors, so that
``--by ip`` agrees with ``tshark -z endpoints,ip``: the version nibble decides
IPv4 or IPv6 after ethertype 0x0800, an IPv4 header needs IHL >= 5 and all of
its bytes captured, an IPv6 one its 40 bytes and version 6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotspot_manager.capture import linktypes as lt
from hotspot_manager.capture.sources import RawBatch, _gather

VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
ET_IPV4 = 0x0800
ET_IPV6 = 0x86DD
ET_PPPOE_SESSION = 0x8864
MAX_VLAN_TAGS = 4


@dataclass(slots=True)
class Frames:
    """Per-frame header fields of one batch; arrays of equal length."""

    ts_sec: np.ndarray  # int64
    ts_nsec: np.ndarray  # int64
    ts_known: np.ndarray | None  # bool, or None when every frame has its own time
    wire_len: np.ndarray  # int64
    malformed: np.ndarray  # bool: link-layer header not all captured
    has_src_mac: np.ndarray  # bool
    has_dst_mac: np.ndarray  # bool
    src_mac: np.ndarray  # uint64 (48 bits used)
    dst_mac: np.ndarray  # uint64
    ip_ver: np.ndarray  # uint8: 0, 4 or 6 (outermost IP header)
    v4_src: np.ndarray  # uint64 holding the 32-bit address (valid where ip_ver == 4)
    v4_dst: np.ndarray
    v6_src: np.ndarray  # (N, 2) uint64, big-endian halves (valid where ip_ver == 6)
    v6_dst: np.ndarray
    mac_source_only: bool = False  # cooked captures: the link layer names only the sender

    def __len__(self) -> int:
        return len(self.ts_sec)


class _Reader:
    """Big-endian fields at per-frame offsets, from the batch's head copy when they fit.

    ``rel`` is an offset from each frame's first byte: an int (the same for
    every frame) or an int64 array. Columns of the contiguous head copy are
    sliced directly, once per distinct offset (a batch has a handful: untagged,
    one tag, two tags); fields past the head come from the mapped file.
    """

    def __init__(self, raw: RawBatch) -> None:
        self.raw = raw
        self.head = raw.head
        self.width = raw.head.shape[1] if raw.head.ndim == 2 else 0

    def _col(self, rel: int, width: int) -> np.ndarray:
        col = self.head[:, rel : rel + width]
        if width == 1:
            return col[:, 0].astype(np.uint64)
        return np.ascontiguousarray(col).view(np.dtype(f">u{width}"))[:, 0].astype(np.uint64)

    def be(self, rel, width: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Field of ``width`` bytes at ``rel``, for all frames or for ``rows`` (indices)."""
        if not isinstance(rel, (int, np.integer)) and len(rel):
            lo = int(rel.min())
            if lo == int(rel.max()):  # the usual batch: every frame has the field at one place
                rel = lo
        if isinstance(rel, (int, np.integer)):
            if rel + width <= self.width:
                col = self._col(int(rel), width)
                return col if rows is None else col[rows]
            rel = np.full(len(self.raw) if rows is None else len(rows), int(rel), dtype=np.int64)
        off = self.raw.data_off if rows is None else self.raw.data_off[rows]
        out = np.zeros(len(rel), dtype=np.uint64)
        fits = rel + width <= self.width
        values = np.unique(rel[fits], sorted=False)
        if len(values) <= 8:
            for v in values.tolist():
                m = rel == v
                col = self._col(v, width)
                out[m] = col[m] if rows is None else col[rows][m]
            deep = ~fits
        else:
            deep = np.ones(len(rel), dtype=bool)
        if deep.any():
            out[deep] = _be(self.raw.buf, off[deep] + rel[deep], width)
        return out


def _be(buf: np.ndarray, off: np.ndarray, width: int) -> np.ndarray:
    """Big-endian unsigned integer of ``width`` (1, 2, 4 or 8) bytes at each file offset."""
    raw = _gather(buf, off, width)
    if width == 1:
        return raw[:, 0].astype(np.uint64)
    return raw.view(np.dtype(f">u{width}"))[:, 0].astype(np.uint64)


def parse(raw: RawBatch) -> Frames:
    n = len(raw)
    rd = _Reader(raw)
    caplen = raw.caplen
    # Bytes a header parser may read: captured bytes less any trailing FCS.
    avail = np.maximum(caplen - raw.fcs_len, 0)
    zeros64 = np.zeros(n, dtype=np.uint64)
    f = Frames(
        ts_sec=raw.ts_sec,
        ts_nsec=raw.ts_nsec,
        ts_known=raw.ts_known,
        wire_len=raw.wire_len,
        malformed=np.zeros(n, dtype=bool),
        has_src_mac=np.zeros(n, dtype=bool),
        has_dst_mac=np.zeros(n, dtype=bool),
        src_mac=zeros64,
        dst_mac=zeros64.copy(),
        ip_ver=np.zeros(n, dtype=np.uint8),
        v4_src=zeros64.copy(),
        v4_dst=zeros64.copy(),
        v6_src=np.zeros((n, 2), dtype=np.uint64),
        v6_dst=np.zeros((n, 2), dtype=np.uint64),
    )
    if n == 0:
        return f
    link = raw.link_type
    u16, u64 = np.uint64(16), np.uint64
    if link == lt.ETHERNET:
        # The MAC header needs its 14 bytes captured; a trailing FCS does not
        # stop Wireshark from reading them, only what lies past them.
        ok = caplen >= 14
        f.malformed = ~ok
        w1 = rd.be(6, 8)
        f.dst_mac = np.where(ok, rd.be(0, 8) >> u16, 0).astype(u64)
        f.src_mac = np.where(ok, w1 >> u16, 0).astype(u64)
        f.has_src_mac = ok
        f.has_dst_mac = ok
        et = np.where(ok, w1 & u64(0xFFFF), 0).astype(u64)
        pos = np.full(n, 14, dtype=np.int64)
        et, pos = _skip_vlan_pppoe(rd, avail, et, pos)
    elif link in (lt.LINUX_SLL, lt.LINUX_SLL2):
        hdr = 16 if link == lt.LINUX_SLL else 20
        ok = caplen >= hdr
        f.malformed = ~ok
        if link == lt.LINUX_SLL:
            arphrd, halen, addr, proto = rd.be(2, 2), rd.be(4, 2), rd.be(6, 8), rd.be(14, 2)
        else:
            proto, arphrd, halen, addr = rd.be(0, 2), rd.be(8, 2), rd.be(11, 1), rd.be(12, 8)
        is_ether = ok & (arphrd == 1) & (halen == 6)
        f.src_mac = np.where(is_ether, addr >> u16, 0).astype(u64)
        f.has_src_mac = is_ether
        f.mac_source_only = True
        et = np.where(ok, proto, 0).astype(u64)
        pos = np.full(n, hdr, dtype=np.int64)
        et, pos = _skip_vlan_pppoe(rd, avail, et, pos)
    elif link in (lt.RAW, lt.RAW_DLT12, lt.RAW_DLT14, lt.IPV4, lt.IPV6):
        ok = avail >= 1
        f.malformed = ~ok
        ver = rd.be(0, 1) >> u64(4)
        want = {lt.IPV4: (4,), lt.IPV6: (6,)}.get(link, (4, 6))
        et = np.where(ok & np.isin(ver, want), np.where(ver == 4, ET_IPV4, ET_IPV6), 0).astype(u64)
        pos = np.zeros(n, dtype=np.int64)
    elif link in (lt.NULL, lt.LOOP):
        ok = avail >= 4
        f.malformed = ~ok
        fam = rd.be(0, 4)
        if link == lt.NULL:
            # Host byte order of the machine that wrote it: families are small,
            # so a value above 0xFFFF is the other byte order.
            swapped = (
                ((fam & u64(0xFF)) << u64(24))
                | ((fam & u64(0xFF00)) << u64(8))
                | ((fam >> u64(8)) & u64(0xFF00))
                | (fam >> u64(24))
            )
            fam = np.where(fam > 0xFFFF, swapped, fam)
        et = np.select(
            [ok & (fam == 2), ok & np.isin(fam, (24, 28, 30))], [ET_IPV4, ET_IPV6], 0
        ).astype(u64)
        pos = np.full(n, 4, dtype=np.int64)
    else:  # refused when the file was opened; be safe anyway
        f.malformed = np.ones(n, dtype=bool)
        return f
    _parse_ip(rd, avail, et, pos, f)
    return f


def _skip_vlan_pppoe(
    rd: _Reader, avail: np.ndarray, et: np.ndarray, pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Step over 802.1Q/802.1ad tags and a PPPoE session header to the network protocol."""
    for _ in range(MAX_VLAN_TAGS):
        tagged = np.isin(et, VLAN_TYPES)
        if not tagged.any():
            break
        idx = np.nonzero(tagged)[0]
        room = pos[idx] + 4 <= avail[idx]
        inner = rd.be(pos[idx] + 2, 2, rows=idx)
        et[idx] = np.where(room, inner, 0)
        pos[idx] = np.where(room, pos[idx] + 4, pos[idx])
    pppoe = et == ET_PPPOE_SESSION
    if pppoe.any():
        idx = np.nonzero(pppoe)[0]
        room = pos[idx] + 8 <= avail[idx]
        ppp = rd.be(pos[idx] + 6, 2, rows=idx)
        inner = np.select([ppp == 0x0021, ppp == 0x0057], [ET_IPV4, ET_IPV6], 0)
        et[idx] = np.where(room, inner, 0)
        pos[idx] = np.where(room, pos[idx] + 8, pos[idx])
    return et, pos


def _parse_ip(rd: _Reader, avail: np.ndarray, et: np.ndarray, pos: np.ndarray, f: Frames) -> None:
    cand = (et == ET_IPV4) | (et == ET_IPV6)
    if not cand.any():
        return
    idx = np.nonzero(cand)[0]
    p = pos[idx]
    left = avail[idx] - p  # captured bytes from the IP header on
    first = rd.be(p, 1, rows=idx)
    ver = first >> np.uint64(4)
    ihl = (first & np.uint64(0xF)).astype(np.int64) * 4
    is_v4 = (et[idx] == ET_IPV4) & (ver == 4) & (ihl >= 20) & (left >= ihl)
    if is_v4.any():
        tot = rd.be(p + 2, 2, rows=idx).astype(np.int64)
        # Wireshark stops before tapping when total length is shorter than the
        # header (0 is allowed: TSO captures leave it unset).
        is_v4 &= (tot == 0) | (tot >= ihl)
    is_v6 = (ver == 6) & (left >= 40)
    if is_v4.any():
        i4 = idx[is_v4]
        addrs = rd.be(p[is_v4] + 12, 8, rows=i4)
        f.v4_src[i4] = addrs >> np.uint64(32)
        f.v4_dst[i4] = addrs & np.uint64(0xFFFFFFFF)
        f.ip_ver[i4] = 4
    if is_v6.any():
        i6 = idx[is_v6]
        p6 = p[is_v6]
        f.v6_src[i6, 0] = rd.be(p6 + 8, 8, rows=i6)
        f.v6_src[i6, 1] = rd.be(p6 + 16, 8, rows=i6)
        f.v6_dst[i6, 0] = rd.be(p6 + 24, 8, rows=i6)
        f.v6_dst[i6, 1] = rd.be(p6 + 32, 8, rows=i6)
        f.ip_ver[i6] = 6


# -- the live fast path: Ethernet frames as big-endian words ------------------------------
#: frame bytes the word parser reads: Ethernet + IPv6 addresses (54), in 8-byte words
WORDS = 7
_SLOW_ETHERTYPE = np.zeros(1 << 16, dtype=bool)  # tags and PPPoE move the IP header
_SLOW_ETHERTYPE[[*VLAN_TYPES, ET_PPPOE_SESSION]] = True
_V6_AFTER_IPV6 = (ET_IPV6 << 4) | 6  # ethertype << 4 | version nibble
_V6_AFTER_IPV4 = (ET_IPV4 << 4) | 6


def parse_ethernet_words(
    w: np.ndarray,
    caplen: np.ndarray,
    wire_len: np.ndarray,
    ts_sec: np.ndarray,
    ts_nsec: np.ndarray,
) -> tuple[Frames, np.ndarray]:
    """Ethernet frames given as their first ``WORDS`` 8-byte big-endian words, (N, WORDS) uint64.

    The live ring hands over frames 8-byte aligned, so every field the meter needs
    is a shift and a mask of a whole column: no per-frame gathers. Returns the
    frames and the rows this fast path does not finish (802.1Q/802.1ad tags and
    PPPoE, whose headers move the IP header): parse those with :func:`parse` and
    put them in with :func:`splice`. For every other row the result equals
    :func:`parse` of the same bytes (tests/test_parser.py checks it).
    """
    u, i64 = np.uint64, np.int64
    w0, w1, w2, w3 = w[:, 0], w[:, 1], w[:, 2], w[:, 3]
    ok = caplen >= 14
    dst = w0 >> u(16)
    src = ((w0 & u(0xFFFF)) << u(32)) | (w1 >> u(32))
    # ethertype << 8 | the first IP header byte: small, so read as int64 for free
    key = ((w1 >> u(8)) & u(0xFFFFFF)).view(i64)
    if not ok.all():
        dst = np.where(ok, dst, u(0))
        src = np.where(ok, src, u(0))
        key = np.where(ok, key, 0)
    slow = _SLOW_ETHERTYPE[key >> 8]
    ihl = (key & 0xF) << 2
    left = caplen - 14
    tot = (w2 >> u(48)).view(i64)
    # ethertype 0x0800 and a first byte of 0x45..0x4F: version 4 with IHL >= 5
    is_v4 = (key >= 0x080045) & (key <= 0x08004F) & (left >= ihl)
    is_v4 &= (tot == 0) | (tot >= ihl)
    # version 6 after either IP ethertype (as Wireshark's IP dissector reads it)
    ver = key >> 4
    is_v6 = ((ver == _V6_AFTER_IPV6) | (ver == _V6_AFTER_IPV4)) & (left >= 40)
    zero = u(0)
    ip_ver = (is_v4.view(np.uint8) << np.uint8(2)) | (is_v6.view(np.uint8) * np.uint8(6))
    w4 = w[:, 4]
    f = Frames(
        ts_sec=ts_sec,
        ts_nsec=ts_nsec,
        ts_known=None,
        wire_len=wire_len,
        malformed=~ok,
        has_src_mac=ok,
        has_dst_mac=ok.copy(),
        src_mac=src,
        dst_mac=dst,
        ip_ver=ip_ver,
        v4_src=np.where(is_v4, (w3 >> u(16)) & u(0xFFFFFFFF), zero),
        v4_dst=np.where(is_v4, ((w3 & u(0xFFFF)) << u(16)) | (w4 >> u(48)), zero),
        v6_src=np.zeros((len(w), 2), dtype=np.uint64),
        v6_dst=np.zeros((len(w), 2), dtype=np.uint64),
    )
    if is_v6.any():
        i6 = np.nonzero(is_v6)[0]
        x = w[i6]
        s16 = u(16)
        lo16 = u(0xFFFF)
        f.v6_src[i6, 0] = ((x[:, 2] & lo16) << u(48)) | (x[:, 3] >> s16)
        f.v6_src[i6, 1] = ((x[:, 3] & lo16) << u(48)) | (x[:, 4] >> s16)
        f.v6_dst[i6, 0] = ((x[:, 4] & lo16) << u(48)) | (x[:, 5] >> s16)
        f.v6_dst[i6, 1] = ((x[:, 5] & lo16) << u(48)) | (x[:, 6] >> s16)
    return f, slow


def splice(f: Frames, rows: np.ndarray, g: Frames) -> None:
    """Put the frames ``g`` (parsed some other way) in at ``rows`` of ``f``."""
    for name in (
        "malformed",
        "has_src_mac",
        "has_dst_mac",
        "src_mac",
        "dst_mac",
        "ip_ver",
        "v4_src",
        "v4_dst",
        "v6_src",
        "v6_dst",
    ):
        getattr(f, name)[rows] = getattr(g, name)
