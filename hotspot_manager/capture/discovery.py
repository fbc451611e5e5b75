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


def _candidates(raw: RawBatch, f: Frames) -> np.ndarray:
    if raw.link_type != lt.ETHERNET or len(raw) == 0:
        return np.zeros(0, dtype=np.int64)
    head = raw.head
    width = head.shape[1]
    # Cheap first cut on fixed offsets: IPv4 UDP, untagged or behind one 802.1Q tag.
    plain = (head[:, 12] == 0x08) & (head[:, 13] == 0x00) & (head[:, 23] == 17)
    tagged = (head[:, 12] == 0x81) & (head[:, 13] == 0x00) & (head[:, 27] == 17)
    complete = raw.caplen >= raw.wire_len
    if raw.whole is not None:  # live: only the frames kept whole can be read whole
        complete = np.zeros(len(raw), dtype=bool)
        complete[list(raw.whole)] = True
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
    idx = _candidates(raw, f)
    if len(idx) == 0:
        return []
    out: list[Naming] = []
    buf = raw.buf
    for i in idx.tolist():
        if raw.whole is not None:
            data = raw.whole[i]
        else:
            start = int(raw.data_off[i])
            data = bytes(buf[start : start + int(raw.caplen[i])])
        seen = int(raw.ts_sec[i])
        known = _SEEN.get(data)
        if known is None:  # identical frames (mDNS repeats itself) are dissected once
            known = _dissect(data, mac_text(int(f.src_mac[i])))
            _remember(data, known)
        out += [Naming(n.mac, seen, n.hostname, n.vendor_class, n.ipv4) for n in known]
    return out


def _dissect(data: bytes, src: str) -> list[Naming]:
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.dns import DNS
    from scapy.layers.l2 import Ether

    try:
        pkt = Ether(data)
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
