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
    et = (head[:, 12].astype(np.int64) << 8) | head[:, 13]
    tagged = et == 0x8100
    pos = np.where(tagged, 18, 14)
    rows = np.arange(len(raw))
    ip = (f.ip_ver == 4) & (pos + 28 <= width)
    if not ip.any():
        return np.zeros(0, dtype=np.int64)
    p = np.minimum(pos, width - 28)
    proto = head[rows, p + 9]
    ihl = (head[rows, p] & 0x0F).astype(np.int64) * 4
    l4 = np.minimum(p + ihl, width - 4)
    sport = (head[rows, l4].astype(np.int64) << 8) | head[rows, l4 + 1]
    dport = (head[rows, l4 + 2].astype(np.int64) << 8) | head[rows, l4 + 3]
    ports = (*DHCP_PORTS, MDNS_PORT)
    hit = (
        ip
        & (proto == 17)
        & (p + ihl + 4 <= width)
        & (np.isin(sport, ports) | np.isin(dport, ports))
    )
    # Only frames captured whole can be dissected.
    hit &= raw.caplen >= raw.wire_len
    return np.nonzero(hit)[0]


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    value = "".join(ch for ch in str(value) if ch.isprintable()).strip().rstrip(".")
    return value[:MAX_NAME] or None


def names_in(raw: RawBatch, f: Frames) -> list[Naming]:
    """Names and addresses devices announced in this batch's control frames."""
    idx = _candidates(raw, f)
    if len(idx) == 0:
        return []
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.dns import DNS
    from scapy.layers.l2 import Ether

    out: list[Naming] = []
    buf = raw.buf
    for i in idx.tolist():
        start = int(raw.data_off[i])
        data = bytes(buf[start : start + int(raw.caplen[i])])
        try:
            pkt = Ether(data)
        except Exception:
            continue
        src = mac_text(int(f.src_mac[i]))
        seen = int(raw.ts_sec[i])
        if pkt.haslayer(DHCP) and pkt.haslayer(BOOTP):
            if pkt[BOOTP].op != 1:  # requests only: a server's reply names no client
                continue
            opts = {}
            for opt in pkt[DHCP].options:
                if isinstance(opt, tuple) and len(opt) >= 2:
                    opts[opt[0]] = opt[1]
            host = _text(opts.get("hostname"))
            fqdn = opts.get("client_FQDN")
            if host is None and isinstance(fqdn, bytes) and len(fqdn) > 3:
                host = _text(fqdn[3:].split(b".")[0] if b"." in fqdn[3:] else fqdn[3:])
            requested = opts.get("requested_addr")
            client_mac = mac_text(int.from_bytes(bytes(pkt[BOOTP].chaddr)[:6], "big"))
            out.append(
                Naming(
                    mac=client_mac,
                    seen=seen,
                    hostname=host,
                    vendor_class=_text(opts.get("vendor_class_id")),
                    ipv4=str(requested) if requested else None,
                )
            )
        elif pkt.haslayer(DNS):
            dns = pkt[DNS]
            for rr in _records(dns):
                name = _text(getattr(rr, "rrname", None))
                if rr.type in (1, 28) and name and name.endswith(".local"):
                    out.append(Naming(mac=src, seen=seen, hostname=name[: -len(".local")]))
                    break
    return out


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
