"""Capture-file builders with known totals, for the ``usage`` oracle tests.

Frames are made with scapy, but the files are written here with ``struct`` so
that every detail a reader must cope with is under the test's control: byte
order, micro/nanosecond magic, snaplen (captured length < wire length), FCS,
pcapng sections / interfaces / EPBs / SPBs / if_tsresol, truncation, garbage.

The expected per-address totals are computed from what the builders *wrote*
(the addresses are taken from the scapy layers the builder put in, not by
parsing the bytes back), never from the code under test.
"""

from __future__ import annotations

import ipaddress
import random
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.dns import DNS, DNSQR
from scapy.layers.igmp import IGMPv3_MR, IGMPv3_MR_Group
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPerror, IPOption_Router_Alert, UDPerror
from scapy.layers.inet6 import (
    ICMPv6MLReport2,
    ICMPv6ND_NS,
    IPv6,
    IPv6ExtHdrHopByHop,
    RouterAlert,
)
from scapy.layers.l2 import ARP, GRE, LLC, STP, CookedLinux, CookedLinuxV2, Dot1Q, Dot3, Ether
from scapy.layers.vxlan import VXLAN
from scapy.packet import NoPayload, Packet, Raw

# Link types (pcap LINKTYPE_* values as stored in files).
LT_NULL = 0
LT_ETHERNET = 1
LT_DLT_RAW_12 = 12
LT_DLT_RAW_14 = 14
LT_RAW = 101
LT_SLL = 113
LT_USER0 = 147  # not a link type any accounting tool should claim to know
LT_IPV4 = 228
LT_IPV6 = 229
LT_SLL2 = 276

RAW_IP_LINKTYPES = (LT_RAW, LT_IPV4, LT_IPV6, LT_DLT_RAW_12, LT_DLT_RAW_14)

# Bytes a record must have captured before its link-layer header can be parsed.
LINK_HEADER_LEN = {LT_ETHERNET: 14, LT_SLL: 16, LT_SLL2: 20, LT_NULL: 4}

# Upper bits of the pcap header's link-type field that say "frames carry a
# 4-byte FCS".  libpcap / Wireshark (pcap-savefile(5)): |FCS len|R|P|Reserved|
# with P = 0x04000000 and "FCS len" in 16-bit words in the top 4 bits (2 = 4
# bytes).  The issue's wording ("bit 28 'F' plus the length in bits 29-31,
# value 1") gives 0x30000000; a reader must accept both as Ethernet.
PCAP_FCS_LIBPCAP = 0x04000000 | (2 << 28)
PCAP_FCS_ISSUE_WORDING = (1 << 28) | (1 << 29)

BASE_TS_NS = 1_700_000_000 * 10**9

Counters = list[int]  # [tx_frames, tx_bytes, rx_frames, rx_bytes]


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


@dataclass
class Record:
    """One frame as it was on the wire, plus what the builder knows about it."""

    data: bytes  # the whole frame on the wire (FCS included when there is one)
    ts_ns: int = BASE_TS_NS
    src_mac: str | None = None  # outermost link-layer source (Ethernet / SLL)
    dst_mac: str | None = None  # outermost Ethernet destination (None for SLL)
    src_ip: str | None = None  # outermost IP header
    dst_ip: str | None = None
    ip_hdr_end: int | None = None  # bytes needed to read the outer IP addresses
    caplen_limit: int | None = None  # record-specific cut (on top of snaplen)
    wire_len: int | None = None  # orig_len; default len(data)
    iface: int = 0  # pcapng interface id (within the section)
    block: str = "epb"  # pcapng: "epb" or "spb"
    comment: str | None = None  # pcapng: opt_comment on the EPB

    @property
    def orig_len(self) -> int:
        return len(self.data) if self.wire_len is None else self.wire_len


@dataclass
class Written:
    """What a writer put in a file: the complete records and how they were stored."""

    path: Path
    records: list[Record] = field(default_factory=list)
    caplens: list[int] = field(default_factory=list)
    linktypes: list[int] = field(default_factory=list)
    timestamps: list[float | None] = field(default_factory=list)  # seconds; None for SPB

    def add(self, rec: Record, caplen: int, linktype: int, ts: float | None) -> None:
        self.records.append(rec)
        self.caplens.append(caplen)
        self.linktypes.append(linktype)
        self.timestamps.append(ts)


def _fmt_mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _norm_mac(mac: str) -> str:
    return _fmt_mac(bytes(int(p, 16) for p in mac.split(":")))


def _outer_ip(pkt: Packet) -> IP | IPv6 | None:
    layer = pkt
    while not isinstance(layer, NoPayload):
        if isinstance(layer, IP | IPv6):
            return layer
        layer = layer.payload
    return None


def _ip_fields(pkt: Packet, data: bytes) -> dict:
    ip = _outer_ip(pkt)
    if ip is None:
        return {}
    off = len(data) - len(bytes(ip))
    if isinstance(ip, IP):
        assert data[off] >> 4 == 4, "builder bug: IP offset"
        end = off + (data[off] & 0x0F) * 4
    else:
        assert data[off] >> 4 == 6, "builder bug: IPv6 offset"
        end = off + 40
    return {
        "src_ip": str(ipaddress.ip_address(ip.src)),
        "dst_ip": str(ipaddress.ip_address(ip.dst)),
        "ip_hdr_end": end,
    }


def fcs_of(frame: bytes) -> bytes:
    return struct.pack("<I", zlib.crc32(frame) & 0xFFFFFFFF)


def eth_record(
    pkt: Packet, ts_ns: int = BASE_TS_NS, *, fcs: bool = False, pad: bool = False, **kw
) -> Record:
    """An Ethernet (or 802.3) frame; addresses from the outermost Ether/Dot3 layer.
    pad: zero-pad to the 60-byte Ethernet minimum, as a switch would (before the FCS)."""
    data = bytes(pkt)
    ip = _ip_fields(pkt, data)
    if pad and len(data) < 60:
        data += bytes(60 - len(data))
    if fcs:
        data += fcs_of(data)
    return Record(
        data=data,
        ts_ns=ts_ns,
        src_mac=_norm_mac(pkt.src),
        dst_mac=_norm_mac(pkt.dst),
        **ip,
        **kw,
    )


def sll_record(
    l3: Packet, src_mac: str | None, ts_ns: int = BASE_TS_NS, *, v2: bool = False, **kw
) -> Record:
    """Linux cooked capture v1 (113) or v2 (276).  src_mac None: an interface without
    link-layer addresses (tun/ppp in an "any" capture: ARPHRD_NONE, address length 0)."""
    if src_mac is None:
        hatype, alen, lladdr = 0xFFFE, 0, bytes(8)
    else:
        hatype, alen = 1, 6
        lladdr = bytes(int(p, 16) for p in src_mac.split(":")) + b"\x00\x00"
    if v2:
        hdr = CookedLinuxV2(ifindex=3, lladdrtype=hatype, pkttype=4, lladdrlen=alen, src=lladdr)
    else:
        hdr = CookedLinux(pkttype=4, lladdrtype=hatype, lladdrlen=alen, src=lladdr)
    pkt = hdr / l3
    data = bytes(pkt)
    mac = None if src_mac is None else _norm_mac(src_mac)
    return Record(data=data, ts_ns=ts_ns, src_mac=mac, **_ip_fields(pkt, data), **kw)


def raw_ip_record(l3: Packet, ts_ns: int = BASE_TS_NS, **kw) -> Record:
    data = bytes(l3)
    return Record(data=data, ts_ns=ts_ns, **_ip_fields(l3, data), **kw)


def null_record(l3: Packet, family: int, endian: str, ts_ns: int = BASE_TS_NS, **kw):
    """BSD loopback: 4-byte address family in the writer's byte order."""
    body = bytes(l3)
    data = struct.pack(endian + "I", family) + body
    ip = _ip_fields(l3, body)
    ip["ip_hdr_end"] += 4
    return Record(data=data, ts_ns=ts_ns, **ip, **kw)


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------


def _caplen(rec: Record, snaplen: int) -> int:
    cap = len(rec.data)
    if snaplen:
        cap = min(cap, snaplen)
    if rec.caplen_limit is not None:
        cap = min(cap, rec.caplen_limit)
    return cap


def _check_unambiguous(rec: Record, caplen: int, linktype: int) -> None:
    """Refuse to write a record whose outer IP header is cut: the contract doesn't say."""
    hdr = LINK_HEADER_LEN.get(linktype, 0)
    if caplen < hdr:
        return  # malformed on purpose
    if rec.ip_hdr_end is not None and caplen < rec.ip_hdr_end:
        raise ValueError(f"record would cut its outer IP header ({caplen} < {rec.ip_hdr_end})")


def write_pcap(
    path: Path,
    records: Sequence[Record],
    *,
    linktype: int = LT_ETHERNET,
    linktype_flags: int = 0,
    endian: str = "<",
    nsec: bool = False,
    snaplen: int = 262144,
    truncate: str | None = None,
) -> Written:
    """Classic pcap.  truncate: None, "data" (cut inside the last record's bytes) or
    "header" (cut inside the last record's 16-byte header)."""
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = bytearray(
        struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype | linktype_flags)
    )
    written = Written(Path(path))
    last_start = 0
    for rec in records:
        cap = _caplen(rec, snaplen)
        _check_unambiguous(rec, cap, linktype)
        sec, frac_ns = divmod(rec.ts_ns, 10**9)
        if nsec:
            frac, ts = frac_ns, sec + frac_ns / 1e9
        else:
            assert frac_ns % 1000 == 0, "µs file with a sub-µs timestamp"
            frac, ts = frac_ns // 1000, sec + (frac_ns // 1000) / 1e6
        last_start = len(out)
        out += struct.pack(endian + "IIII", sec, frac, cap, rec.orig_len) + rec.data[:cap]
        written.add(rec, cap, linktype, ts)
    if truncate:
        assert records, "nothing to truncate"
        last_len = len(out) - last_start
        if truncate == "header":
            cut = last_start + 7
        else:
            assert last_len > 17, "last record too short to cut in its data"
            cut = last_start + 16 + (last_len - 16) // 2
        del out[cut:]
        for lst in (written.records, written.caplens, written.linktypes, written.timestamps):
            lst.pop()
    Path(path).write_bytes(bytes(out))
    return written


@dataclass
class Interface:
    linktype: int = LT_ETHERNET
    snaplen: int = 0  # 0 = no limit
    tsresol: int | None = None  # raw if_tsresol byte; None = default (µs)
    fcslen: int | None = None  # if_fcslen option value
    name: str | None = None


@dataclass
class Section:
    interfaces: list[Interface]
    records: list[Record]
    endian: str = "<"
    extra_blocks: bool = False  # add an NRB, an ISB and a custom block


def _pad4(b: bytes) -> bytes:
    return b + b"\x00" * (-len(b) % 4)


def _opt(e: str, code: int, value: bytes) -> bytes:
    return struct.pack(e + "HH", code, len(value)) + _pad4(value)


def _opts(e: str, opts: Iterable[tuple[int, bytes]]) -> bytes:
    body = b"".join(_opt(e, c, v) for c, v in opts)
    return body + struct.pack(e + "HH", 0, 0) if body else b""


def _block(e: str, btype: int, body: bytes) -> bytes:
    body = _pad4(body)
    total = 12 + len(body)
    return struct.pack(e + "II", btype, total) + body + struct.pack(e + "I", total)


def _ts_scale(tsresol: int | None) -> tuple[int, int]:
    """(num, den) with units = ts_ns * num // den for an if_tsresol byte."""
    if tsresol is None:
        tsresol = 6
    if tsresol & 0x80:
        return 2 ** (tsresol & 0x7F), 10**9
    return 10**tsresol, 10**9


def write_pcapng(path: Path, sections: Sequence[Section], *, truncate: int = 0) -> Written:
    """pcapng with one or more sections.  truncate=N keeps only the first N bytes of
    the last packet block (N < 8: cut inside its block header)."""
    out = bytearray()
    written = Written(Path(path))
    last_start = 0
    for sec in sections:
        e = sec.endian
        shb_opts = _opts(e, [(4, b"hotspot-manager tests")])  # shb_userappl
        out += _block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + shb_opts)
        for iface in sec.interfaces:
            opts = []
            if iface.name:
                opts.append((2, iface.name.encode()))
            if iface.tsresol is not None:
                opts.append((9, bytes([iface.tsresol])))
            if iface.fcslen is not None:
                opts.append((13, bytes([iface.fcslen])))
            body = struct.pack(e + "HHI", iface.linktype, 0, iface.snaplen) + _opts(e, opts)
            out += _block(e, 1, body)
        if sec.extra_blocks:
            # Name Resolution Block: one IPv4 record, then end of records.
            nrb = struct.pack(e + "HH", 1, 4 + 8) + _pad4(bytes([192, 168, 88, 1]) + b"gateway\x00")
            out += _block(e, 4, nrb + struct.pack(e + "HH", 0, 0))
            # Custom block that may be copied (PEN 32473 = example enterprise).
            out += _block(e, 0x00000BAD, struct.pack(e + "I", 32473) + b"opaque!!")
        for rec in sec.records:
            iface = sec.interfaces[rec.iface]
            cap = _caplen(rec, iface.snaplen)
            _check_unambiguous(rec, cap, iface.linktype)
            last_start = len(out)
            if rec.block == "spb":
                assert rec.iface == 0, "SPBs belong to interface 0"
                assert rec.caplen_limit is None, "an SPB's captured length is implied"
                body = struct.pack(e + "I", rec.orig_len) + rec.data[:cap]
                out += _block(e, 3, body)
                written.add(rec, cap, iface.linktype, None)
                continue
            num, den = _ts_scale(iface.tsresol)
            units = rec.ts_ns * num // den
            ts = float(Fraction(units * den, num * 10**9))
            opts = _opts(e, [(1, rec.comment.encode())]) if rec.comment else b""
            body = (
                struct.pack(
                    e + "IIIII", rec.iface, units >> 32, units & 0xFFFFFFFF, cap, rec.orig_len
                )
                + _pad4(rec.data[:cap])
                + opts
            )
            out += _block(e, 6, body)
            written.add(rec, cap, iface.linktype, ts)
        if sec.extra_blocks and sec.interfaces:
            # Interface Statistics Block for interface 0 (isb_ifrecv).
            isb = struct.pack(e + "III", 0, 0, 0) + _opts(e, [(4, struct.pack(e + "Q", 1))])
            out += _block(e, 5, isb)
    if truncate:
        # cut in the middle of the last packet block (drop any trailing stats block)
        cut = last_start + truncate
        del out[cut:]
        for lst in (written.records, written.caplens, written.linktypes, written.timestamps):
            lst.pop()
    Path(path).write_bytes(bytes(out))
    return written


# --------------------------------------------------------------------------
# Expected totals (from the builder's own knowledge)
# --------------------------------------------------------------------------


def _is_malformed(caplen: int, linktype: int) -> bool:
    return caplen < LINK_HEADER_LEN.get(linktype, 0)


def expected_capture(w: Written) -> dict:
    return {
        "frames": len(w.records),
        "bytes": sum(r.orig_len for r in w.records),
        "malformed_frames": sum(
            _is_malformed(c, lt) for c, lt in zip(w.caplens, w.linktypes, strict=True)
        ),
        "first_ts": next((t for t in w.timestamps if t is not None), None),
        "last_ts": next((t for t in reversed(w.timestamps) if t is not None), None),
    }


def _endpoints(w: Written, by: str) -> Iterable[tuple[Record, str | None, str | None]]:
    for rec, cap, lt in zip(w.records, w.caplens, w.linktypes, strict=True):
        if _is_malformed(cap, lt):
            continue
        if by == "mac":
            yield rec, rec.src_mac, rec.dst_mac
        else:
            yield rec, rec.src_ip, rec.dst_ip


def expected_totals(w: Written, by: str) -> dict[str, Counters]:
    """{address: [tx_frames, tx_bytes, rx_frames, rx_bytes]} for --by mac|ip."""
    tot: dict[str, Counters] = {}
    for rec, src, dst in _endpoints(w, by):
        if src is not None:
            c = tot.setdefault(src, [0, 0, 0, 0])
            c[0] += 1
            c[1] += rec.orig_len
        if dst is not None:
            c = tot.setdefault(dst, [0, 0, 0, 0])
            c[2] += 1
            c[3] += rec.orig_len
    return tot


def is_internet(ip: str | None, lans: Sequence[str]) -> bool:
    """The issue's rule for the OTHER end of a frame."""
    if ip is None:
        return False
    a = ipaddress.ip_address(ip)
    if a.is_multicast or a.is_link_local or a.is_unspecified or a.is_loopback:
        return False
    if a == ipaddress.IPv4Address("255.255.255.255"):
        return False
    nets = [ipaddress.ip_network(n, strict=False) for n in lans]
    return not any(a.version == n.version and a in n for n in nets)


def expected_split(w: Written, by: str, lans: Sequence[str]) -> dict[str, dict[str, Counters]]:
    """{address: {"internet": [...], "local": [...]}}."""
    out: dict[str, dict[str, Counters]] = {}

    def bump(addr: str, kind: str, idx: int, nbytes: int) -> None:
        d = out.setdefault(addr, {"internet": [0, 0, 0, 0], "local": [0, 0, 0, 0]})
        d[kind][idx] += 1
        d[kind][idx + 1] += nbytes

    for rec, src, dst in _endpoints(w, by):
        if src is not None:
            bump(src, "internet" if is_internet(rec.dst_ip, lans) else "local", 0, rec.orig_len)
        if dst is not None:
            bump(dst, "internet" if is_internet(rec.src_ip, lans) else "local", 2, rec.orig_len)
    return out


# --------------------------------------------------------------------------
# Frame factories
# --------------------------------------------------------------------------


def _payload(rng: random.Random, lo: int = 0, hi: int = 1400) -> Raw:
    return Raw(b"\x00" * rng.randint(lo, hi))


def tagged(src: str, dst: str, l3: Packet, tags: Sequence[int] = ()) -> Packet:
    """Ether(src, dst) / one Dot1Q per TPID in tags (outermost first) / l3."""
    if not tags:
        return Ether(src=src, dst=dst) / l3
    pkt = Ether(src=src, dst=dst, type=tags[0])
    for i, _tpid in enumerate(tags):
        vid = 100 + 10 * i
        if i + 1 < len(tags):
            pkt = pkt / Dot1Q(vlan=vid, type=tags[i + 1])
        else:
            pkt = pkt / Dot1Q(vlan=vid)
    return pkt / l3


def _mac(rng: random.Random) -> str:
    return "02:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(5))


def _public_v4(rng: random.Random) -> str:
    first = rng.choice([1, 8, 9, 23, 31, 45, 52, 64, 77, 81, 91, 104, 142, 151, 185, 203, 212])
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randint(1, 254)}"


def _public_v6(rng: random.Random) -> str:
    prefix = rng.choice(["2606:4700:", "2a00:1450:4001:", "2001:4860:4860:", "2a03:2880:f12f:"])
    return str(ipaddress.ip_address(prefix + f":{rng.randrange(1, 0xFFFF):x}"))


def _multicast_mac_v4(ip: str) -> str:
    b = ipaddress.IPv4Address(ip).packed
    return f"01:00:5e:{b[1] & 0x7F:02x}:{b[2]:02x}:{b[3]:02x}"


def _multicast_mac_v6(ip: str) -> str:
    b = ipaddress.IPv6Address(ip).packed
    return "33:33:" + ":".join(f"{x:02x}" for x in b[12:])


@dataclass
class Mix:
    records: list[Record]
    lans: list[str]
    gateway_mac: str
    client_macs: list[str]


HOTSPOT_LANS = ["192.168.88.0/24", "10.20.0.0/16", "fd00:88::/64"]


def hotspot_mix(
    seed: int,
    *,
    vlan: bool = False,
    fcs: bool = False,
    llc: bool = True,
    n_frames: int | None = None,
) -> Mix:
    """A seeded hotspot: 5-40 clients behind one gateway; internet, DNS, DHCP, ARP,
    mDNS, IPv6 (global, ULA, link-local, NDP), LAN-to-LAN, CGNAT / non-LAN private
    peers (internet by the rule), loopback / link-local oddities (local), and
    optionally 802.1Q / 802.1ad / 0x9100 tags and STP (802.3 LLC) frames.
    No ICMP errors and no tunnels, so tshark's endpoint tables stay comparable."""
    rng = random.Random(seed)
    n_clients = rng.randint(5, 40)
    gw_mac = _mac(rng)
    gw4, gw4b, gw6, gw6ll = "192.168.88.1", "10.20.0.1", "fd00:88::1", "fe80::1"
    clients = []
    for i in range(n_clients):
        mac = _mac(rng)
        v4 = f"192.168.88.{10 + i}" if i % 4 else f"10.20.{i // 4}.{10 + i}"
        clients.append((mac, v4, f"fd00:88::{0x100 + i:x}", f"fe80::{0x200 + i:x}"))
    inet4 = [_public_v4(rng) for _ in range(rng.randint(3, 25))]
    inet4 += ["100.64.7.9", "172.16.9.9"]  # CGNAT / ISP modem: outside every LAN CIDR
    inet6 = [_public_v6(rng) for _ in range(rng.randint(2, 10))]
    kinds = [
        ("up4", 30),
        ("down4", 30),
        ("up6", 8),
        ("down6", 8),
        ("dns", 6),
        ("arp", 5),
        ("dhcp", 3),
        ("lan", 4),
        ("mdns", 3),
        ("ndp", 3),
        ("odd", 2),
        ("igmp", 1),
        ("mld", 1),
        ("frag", 2),
        ("stp", 2 if llc else 0),
    ]
    names, weights = zip(*kinds, strict=True)
    n = n_frames if n_frames is not None else rng.randint(100, 250)
    ts = BASE_TS_NS + rng.randrange(10**9) // 1000 * 1000
    records = []
    for _ in range(n):
        ts += rng.randint(1, 2_000_000) * 1000
        kind = rng.choices(names, weights)[0]
        mac, v4, v6, ll = rng.choice(clients)
        tags: tuple[int, ...] = ()
        if vlan and kind != "stp":
            tags = rng.choice(
                [(), (0x8100,), (0x88A8, 0x8100), (0x9100, 0x8100), (0x9100,), (0x88A8,)]
            )
        if kind == "up4":
            l4 = rng.choice(
                [
                    TCP(sport=rng.randint(49152, 60999), dport=443),
                    UDP(sport=rng.randint(49152, 60999), dport=443),
                ]
            )
            pkt = tagged(mac, gw_mac, IP(src=v4, dst=rng.choice(inet4)) / l4 / _payload(rng), tags)
        elif kind == "down4":
            l4 = TCP(sport=rng.choice([443, 80]), dport=rng.randint(49152, 60999))
            pkt = tagged(gw_mac, mac, IP(src=rng.choice(inet4), dst=v4) / l4 / _payload(rng), tags)
        elif kind == "up6":
            l4 = TCP(sport=rng.randint(49152, 60999), dport=443)
            pkt = tagged(
                mac, gw_mac, IPv6(src=v6, dst=rng.choice(inet6)) / l4 / _payload(rng), tags
            )
        elif kind == "down6":
            l4 = TCP(sport=443, dport=rng.randint(49152, 60999))
            pkt = tagged(
                gw_mac, mac, IPv6(src=rng.choice(inet6), dst=v6) / l4 / _payload(rng), tags
            )
        elif kind == "dns":
            gw = gw4 if v4.startswith("192.") else gw4b
            q = UDP(sport=rng.randint(49152, 60999), dport=53) / DNS(
                rd=1, qd=DNSQR(qname="example.com")
            )
            r = rng.random()
            if r < 0.15:
                pkt = tagged(mac, gw_mac, IPv6(src=v6, dst=gw6) / q, tags)
            elif r < 0.55:
                pkt = tagged(mac, gw_mac, IP(src=v4, dst=gw) / q, tags)
            else:
                pkt = tagged(
                    gw_mac,
                    mac,
                    IP(src=gw, dst=v4)
                    / UDP(sport=53, dport=q.sport)
                    / DNS(qr=1, qd=DNSQR(qname="example.com")),
                    tags,
                )
        elif kind == "arp":
            if rng.random() < 0.5:
                pkt = tagged(
                    mac, "ff:ff:ff:ff:ff:ff", ARP(op=1, hwsrc=mac, psrc=v4, pdst=gw4), tags
                )
            else:
                pkt = tagged(
                    gw_mac, mac, ARP(op=2, hwsrc=gw_mac, psrc=gw4, hwdst=mac, pdst=v4), tags
                )
        elif kind == "dhcp":
            chaddr = bytes(int(p, 16) for p in mac.split(":"))
            if rng.random() < 0.5:
                l3 = (
                    IP(src="0.0.0.0", dst="255.255.255.255")
                    / UDP(sport=68, dport=67)
                    / BOOTP(chaddr=chaddr)
                    / DHCP(options=[("message-type", "discover"), "end"])
                )
                pkt = tagged(mac, "ff:ff:ff:ff:ff:ff", l3, tags)
            else:
                l3 = (
                    IP(src=gw4, dst="255.255.255.255")
                    / UDP(sport=67, dport=68)
                    / BOOTP(op=2, yiaddr=v4, chaddr=chaddr)
                    / DHCP(options=[("message-type", "offer"), "end"])
                )
                pkt = tagged(gw_mac, "ff:ff:ff:ff:ff:ff", l3, tags)
        elif kind == "lan":
            omac, ov4, ov6, _ = rng.choice(clients)
            if omac == mac:
                continue
            if rng.random() < 0.7:
                l3 = IP(src=v4, dst=ov4) / UDP(sport=5000, dport=5001) / _payload(rng)
            else:
                l3 = IPv6(src=v6, dst=ov6) / UDP(sport=5000, dport=5001) / _payload(rng)
            pkt = tagged(mac, omac, l3, tags)
        elif kind == "mdns":
            l3 = (
                IP(src=v4, dst="224.0.0.251", ttl=255)
                / UDP(sport=5353, dport=5353)
                / DNS(qd=DNSQR(qname="_http._tcp.local", qtype="PTR"))
            )
            pkt = tagged(mac, _multicast_mac_v4("224.0.0.251"), l3, tags)
        elif kind == "ndp":
            target = rng.choice(clients)[3]
            sn = str(
                ipaddress.IPv6Address(
                    int(ipaddress.IPv6Address("ff02::1:ff00:0"))
                    | (int(ipaddress.IPv6Address(target)) & 0xFFFFFF)
                )
            )
            if rng.random() < 0.5:
                l3 = IPv6(src=ll, dst=sn, hlim=255) / ICMPv6ND_NS(tgt=target)
                pkt = tagged(mac, _multicast_mac_v6(sn), l3, tags)
            else:
                l3 = (
                    IPv6(src=gw6ll, dst="ff02::1", hlim=255)
                    / UDP(sport=547, dport=546)
                    / _payload(rng, 0, 40)
                )
                pkt = tagged(gw_mac, _multicast_mac_v6("ff02::1"), l3, tags)
        elif kind == "odd":
            dst = rng.choice(["169.254.10.20", "127.0.0.1", "255.255.255.255"])
            src = rng.choice([v4, "169.254.3.3"])
            pkt = tagged(
                mac,
                gw_mac,
                IP(src=src, dst=dst) / UDP(sport=40000, dport=9) / _payload(rng, 0, 100),
                tags,
            )
        elif kind == "igmp":  # IPv4 header with options (Router Alert): IHL 6
            l3 = IP(src=v4, dst="224.0.0.22", options=[IPOption_Router_Alert()])
            l3 = l3 / IGMPv3_MR(type=0x22, records=[IGMPv3_MR_Group(maddr="239.1.2.3")])
            pkt = tagged(mac, _multicast_mac_v4("224.0.0.22"), l3, tags)
        elif kind == "mld":  # IPv6 with a hop-by-hop extension header
            l3 = IPv6(src=ll, dst="ff02::16") / IPv6ExtHdrHopByHop(options=[RouterAlert()])
            pkt = tagged(mac, _multicast_mac_v6("ff02::16"), l3 / ICMPv6MLReport2(), tags)
        elif kind == "frag":
            whole = (
                IP(src=v4, dst=rng.choice(inet4), id=rng.randrange(65536))
                / UDP(sport=50000, dport=443)
                / Raw(b"\x00" * 3000)
            )
            for part in whole.fragment(1480):
                ts += 1000
                records.append(eth_record(tagged(mac, gw_mac, part, tags), ts, fcs=fcs, pad=True))
            continue
        elif kind == "stp":
            pkt = Dot3(src=gw_mac, dst="01:80:c2:00:00:00") / LLC() / STP()
        else:  # pragma: no cover
            raise AssertionError(kind)
        records.append(eth_record(pkt, ts, fcs=fcs, pad=True))
    return Mix(records, list(HOTSPOT_LANS), gw_mac, [c[0] for c in clients])


# --------------------------------------------------------------------------
# Small fixed captures
# --------------------------------------------------------------------------

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_GW = "02:00:00:00:00:01"
IP_A = "192.168.88.10"
IP_B = "192.168.88.11"
IP_GW = "192.168.88.1"
IP_NET = "93.184.216.34"
IP6_A = "fd00:88::a"
IP6_NET = "2606:4700::1111"


def basic_eth_records(*, fcs: bool = False, step_ns: int = 1000, n: int = 6) -> list[Record]:
    """A handful of varied Ethernet frames (IPv4, IPv6, ARP, broadcast)."""
    rng = random.Random(n)
    out = []
    ts = BASE_TS_NS + 654321000
    makers = [
        lambda: (
            Ether(src=MAC_A, dst=MAC_GW) / IP(src=IP_A, dst=IP_NET) / TCP(dport=443) / _payload(rng)
        ),
        lambda: (
            Ether(src=MAC_GW, dst=MAC_A) / IP(src=IP_NET, dst=IP_A) / TCP(sport=443) / _payload(rng)
        ),
        lambda: Ether(src=MAC_B, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=IP_B, pdst=IP_GW),
        lambda: (
            Ether(src=MAC_A, dst=MAC_GW)
            / IPv6(src=IP6_A, dst=IP6_NET)
            / UDP(dport=443)
            / _payload(rng)
        ),
        lambda: (
            Ether(src=MAC_A, dst=MAC_B)
            / IP(src=IP_A, dst=IP_B)
            / UDP(sport=5000, dport=5001)
            / _payload(rng)
        ),
        lambda: (
            Ether(src=MAC_B, dst=MAC_GW)
            / IP(src=IP_B, dst=IP_GW)
            / UDP(sport=5353, dport=53)
            / DNS(qd=DNSQR(qname="a.example"))
        ),
    ]
    for i in range(n):
        out.append(eth_record(makers[i % len(makers)](), ts, fcs=fcs))
        ts += step_ns
    return out


def l3_packets(rng: random.Random, n: int, *, v4: bool = True, v6: bool = True) -> list[Packet]:
    """IPv4 / IPv6 packets between hotspot hosts and the internet (no link layer)."""
    out: list[Packet] = []
    for i in range(n):
        use6 = v6 and (not v4 or i % 3 == 2)
        if use6:
            src, dst = (IP6_A, _public_v6(rng)) if i % 2 else (_public_v6(rng), IP6_A)
            out.append(IPv6(src=src, dst=dst) / UDP(sport=50000, dport=443) / _payload(rng, 0, 800))
        else:
            src, dst = (IP_A, _public_v4(rng)) if i % 2 else (_public_v4(rng), IP_B)
            out.append(IP(src=src, dst=dst) / TCP(sport=50000, dport=443) / _payload(rng, 0, 800))
    return out


def tunnel_records() -> list[Record]:
    """Frames whose payload carries another Ethernet or IP header: only the outermost counts."""
    inner_eth = (
        Ether(src="02:00:00:00:99:01", dst="02:00:00:00:99:02")
        / IP(src="10.99.0.1", dst="10.99.0.2")
        / UDP(sport=1, dport=2)
        / Raw(b"\x00" * 50)
    )
    inner_ip = IP(src="10.99.0.3", dst="10.99.0.4") / UDP(sport=1, dport=2) / Raw(b"\x00" * 30)
    inner6 = IPv6(src="2001:db8:99::1", dst="2001:db8:99::2") / UDP(sport=1, dport=2)
    pkts = [
        # GRE carrying Ethernet (transparent Ethernet bridging, 0x6558)
        Ether(src=MAC_A, dst=MAC_GW) / IP(src=IP_A, dst=IP_NET) / GRE(proto=0x6558) / inner_eth,
        # VXLAN carrying Ethernet
        Ether(src=MAC_GW, dst=MAC_A)
        / IP(src=IP_NET, dst=IP_A)
        / UDP(sport=40000, dport=4789)
        / VXLAN(vni=42)
        / inner_eth,
        # IP-in-IP
        Ether(src=MAC_A, dst=MAC_GW) / IP(src=IP_A, dst=IP_NET, proto=4) / inner_ip,
        # IPv6-in-IPv4 (6in4)
        Ether(src=MAC_B, dst=MAC_GW) / IP(src=IP_B, dst=IP_NET, proto=41) / inner6,
        # GRE carrying IPv4
        Ether(src=MAC_B, dst=MAC_GW) / IP(src=IP_B, dst=IP_NET) / GRE(proto=0x0800) / inner_ip,
        # ICMP error quoting an IP header
        Ether(src=MAC_GW, dst=MAC_B)
        / IP(src=IP_GW, dst=IP_B)
        / ICMP(type=3, code=3)
        / IPerror(src=IP_B, dst="10.99.0.9")
        / UDPerror(sport=1, dport=2),
    ]
    return [eth_record(p, BASE_TS_NS + i * 1000) for i, p in enumerate(pkts)]


def malformed_eth_records() -> list[Record]:
    """Good frames plus records too short for an Ethernet header (captured < 14)."""
    good = basic_eth_records(n=4)
    ts = good[-1].ts_ns
    full = bytes(Ether(src=MAC_B, dst=MAC_A) / IP(src=IP_B, dst=IP_A) / UDP() / Raw(b"\x00" * 60))
    bad = [
        Record(data=full, caplen_limit=10, ts_ns=ts + 1000),  # 10 of 102 bytes captured
        Record(data=full[:6], ts_ns=ts + 2000),  # a 6-byte frame
        Record(data=full, caplen_limit=13, ts_ns=ts + 3000),
        Record(data=full, caplen_limit=0, ts_ns=ts + 4000),  # nothing captured at all
    ]
    # exactly 14 bytes: a complete Ethernet header and nothing else -> counts by mac
    hdr_only = eth_record(Ether(src=MAC_B, dst=MAC_A, type=0x0806), ts + 5000)
    more = basic_eth_records(n=3)
    for i, r in enumerate(more):
        r.ts_ns = ts + 6000 + i * 1000
    out = good[:2] + bad[:2] + good[2:] + bad[2:] + [hdr_only] + more
    for i, r in enumerate(out):
        r.ts_ns = BASE_TS_NS + 500_000_000 + i * 1000
    return out
