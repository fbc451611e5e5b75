"""Device names from the rare control frames: DHCP (options 12, 81, 60, 50) and mDNS.

The fast path never dissects; this module picks the few candidate frames of a
batch with numpy (IPv4 UDP to or from ports 67, 68 or 5353, untagged or with
one VLAN tag) and only those go through scapy. Names are what a device says
about itself; the operator's own label (``devices.name``) always wins in the UI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotspot_manager.capture import linktypes as lt
from hotspot_manager.capture.meter import mac_text
from hotspot_manager.capture.parser import Frames
from hotspot_manager.capture.sources import RawBatch

DHCP_PORTS = (67, 68)
MDNS_PORT = 5353
MAX_NAME = 64


@dataclass(frozen=True, slots=True)
class Naming:
    mac: str
    seen: int
    hostname: str | None = None
    vendor_class: str | None = None
    ipv4: str | None = None


def control_rows(raw: RawBatch, f: Frames) -> np.ndarray:
    """Rows of a batch that are whole IPv4 DHCP or mDNS frames (what discovery reads)."""
    if raw.link_type != lt.ETHERNET or len(raw) == 0:
        return np.zeros(0, dtype=np.int64)
    head = raw.head
    width = head.shape[1]
    # Cheap first cut on fixed offsets: IPv4 UDP, untagged or behind one 802.1Q tag.
    plain = (head[:, 12] == 0x08) & (head[:, 13] == 0x00) & (head[:, 23] == 17)
    tagged = (head[:, 12] == 0x81) & (head[:, 13] == 0x00) & (head[:, 27] == 17)
    complete = raw.caplen >= raw.wire_len
    idx = np.nonzero((plain | tagged) & (f.ip_ver == 4) & complete)[0]
    if len(idx) == 0:
        return idx
    h = head[idx]
    p = np.where(tagged[idx], 18, 14)
    rows = np.arange(len(idx))
    ihl = (h[rows, p] & 0x0F).astype(np.int64) * 4
    l4 = p + ihl
    fits = l4 + 4 <= width
    l4 = np.minimum(l4, width - 4)
    sport = (h[rows, l4].astype(np.int64) << 8) | h[rows, l4 + 1]
    dport = (h[rows, l4 + 2].astype(np.int64) << 8) | h[rows, l4 + 3]
    ports = (*DHCP_PORTS, MDNS_PORT)
    return idx[fits & (np.isin(sport, ports) | np.isin(dport, ports))]


def load_dissectors() -> None:
    """Import scapy's DHCP and DNS layers now (the agent does at start)."""
    import scapy.layers.dhcp
    import scapy.layers.dns
    import scapy.layers.l2  # noqa: F401


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    value = "".join(ch for ch in str(value) if ch.isprintable()).strip().rstrip(".")
    return value[:MAX_NAME] or None


_SEEN: dict[bytes, list[Naming]] = {}
_SEEN_MAX = 4096


def _remember(data: bytes, names: list[Naming]) -> None:
    if len(_SEEN) >= _SEEN_MAX:
        _SEEN.clear()
    _SEEN[data] = names


def names_in(raw: RawBatch, f: Frames) -> list[Naming]:
    """Names and addresses devices announced in this batch's control frames."""
    rows = control_rows(raw, f).tolist()
    buf = raw.buf
    frames = []
    for i in rows:
        start = int(raw.data_off[i])
        frames.append((int(raw.ts_sec[i]), bytes(buf[start : start + int(raw.caplen[i])])))
    return names_in_control(frames)


def _kind(sport: int, dport: int) -> str | None:
    """BOOTP where scapy binds it (68 -> 67, 67 -> 68), else DNS on the mDNS port."""
    if (sport, dport) in ((68, 67), (67, 68)):
        return "bootp"
    if MDNS_PORT in (sport, dport):
        return "mdns"
    return None


def _same_as(sender: bytes, kind: str, payload: bytes) -> bytes:
    """What decides a control frame's names: its sender and its UDP payload less the
    fields that change from one retry to the next (the BOOTP transaction id and seconds,
    the DNS id; IP ids and checksums are not in it). Frames alike in this are dissected
    once."""
    p = bytearray(payload)
    if kind == "bootp":
        p[4:10] = bytes(min(6, max(0, len(p) - 4)))
    else:
        p[0:2] = bytes(min(2, len(p)))
    return sender + bytes(p)


#: seconds: once a device has named itself over mDNS, its mDNS frames are read this often
MDNS_EVERY = 60
_MDNS_NAMED: dict[bytes, int] = {}  # sender MAC -> second of its last mDNS name


def names_in_control(frames: list[tuple[int, bytes]]) -> list[Naming]:
    """Names and addresses in whole control frames, given as (second, frame bytes).

    Every DHCP request is read. mDNS is chatty (each device announces its services
    again and again), so once a device has given its name over mDNS its further
    mDNS frames are read at most once per ``MDNS_EVERY`` seconds of capture time.
    """
    out: list[Naming] = []
    for seen, data in frames:
        udp = _udp_payload(data)
        kind = None if udp is None else _kind(udp[0], udp[1])
        if kind is None:
            continue
        sender = data[6:12]
        if kind == "mdns":
            last = _MDNS_NAMED.get(sender)
            if last is not None and 0 <= seen - last < MDNS_EVERY:
                continue
        key = _same_as(sender, kind, udp[2])
        known = _SEEN.get(key)
        if known is None:  # alike frames (retries, mDNS repeating itself) are dissected once
            known = _names(kind, udp[2], mac_text(int.from_bytes(sender, "big")))
            _remember(key, known)
        if kind == "mdns" and known:
            if len(_MDNS_NAMED) >= _SEEN_MAX:
                _MDNS_NAMED.clear()
            _MDNS_NAMED[sender] = seen
        out += [Naming(n.mac, seen, n.hostname, n.vendor_class, n.ipv4) for n in known]
    return out


def _udp_payload(data: bytes) -> tuple[int, int, bytes] | None:
    """(source port, destination port, payload) of an IPv4 UDP frame, untagged or one tag."""
    ip = 18 if data[12:14] == b"\x81\x00" else 14
    if len(data) < ip + 28 or data[ip] >> 4 != 4 or data[ip + 9] != 17:
        return None
    udp = ip + (data[ip] & 0x0F) * 4
    if len(data) < udp + 8:
        return None
    sport = int.from_bytes(data[udp : udp + 2], "big")
    dport = int.from_bytes(data[udp + 2 : udp + 4], "big")
    length = int.from_bytes(data[udp + 4 : udp + 6], "big")  # without Ethernet padding
    return sport, dport, data[udp + 8 : udp + max(length, 8)]


def _dissect(data: bytes, src: str) -> list[Naming]:
    """The names in one whole control frame sent by ``src``."""
    udp = _udp_payload(data)
    kind = None if udp is None else _kind(udp[0], udp[1])
    return [] if kind is None else _names(kind, udp[2], src)


def _names(kind: str, payload: bytes, src: str) -> list[Naming]:
    """scapy dissects the UDP payload as BOOTP or DNS (the way it would behind
    Ether/IP/UDP, at a third of the cost), and the names are picked from that."""
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.dns import DNS

    try:
        if kind == "bootp":
            if not payload or payload[0] != 1:  # requests only: a reply names no client
                return []
            pkt = BOOTP(payload)
        else:
            if len(payload) < 12 or payload[6:8] == payload[10:12] == b"\x00\x00":
                return []  # no answer or additional records (a query): no names in it
            pkt = DNS(payload)
    except Exception:
        return []
    if pkt.haslayer(DHCP) and pkt.haslayer(BOOTP):
        if pkt[BOOTP].op != 1:  # requests only: a server's reply names no client
            return []
        opts = {}
        for opt in pkt[DHCP].options:
            if isinstance(opt, tuple) and len(opt) >= 2:
                opts[opt[0]] = opt[1]
        host = _text(opts.get("hostname"))
        fqdn = opts.get("client_FQDN")
        if host is None and isinstance(fqdn, bytes) and len(fqdn) > 3:
            host = _text(fqdn[3:].split(b".")[0])
        requested = opts.get("requested_addr")
        client_mac = mac_text(int.from_bytes(bytes(pkt[BOOTP].chaddr)[:6], "big"))
        return [
            Naming(
                mac=client_mac,
                seen=0,
                hostname=host,
                vendor_class=_text(opts.get("vendor_class_id")),
                ipv4=str(requested) if requested else None,
            )
        ]
    if pkt.haslayer(DNS):
        for rr in _records(pkt[DNS]):
            name = _text(getattr(rr, "rrname", None))
            if rr.type in (1, 28) and name and name.endswith(".local"):
                return [Naming(mac=src, seen=0, hostname=name[: -len(".local")])]
    return []


def _records(dns) -> list:
    out = []
    for field in ("an", "ar"):
        value = getattr(dns, field, None)
        if value is None:
            continue
        if isinstance(value, list):
            out.extend(value)
        else:
            layer = value
            while layer is not None and hasattr(layer, "rrname"):
                out.append(layer)
                layer = layer.payload if layer.payload else None
    return out
