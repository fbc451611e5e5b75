"""Write a realistic IMIX capture of a small WiFi hotspot, fast, and know its exact totals.

The capture is what the gateway (a laptop sharing its uplink, 192.168.50.1) sees on its
client-facing interface: ``clients`` devices (192.168.50.10 ...) talking to ~200 internet
hosts through it, over about 30 minutes. Frames are built with numpy in batches (no
per-packet scapy), so a million frames take seconds, and the per-MAC totals that any
correct meter must report are computed from the same arrays the frames are written from.

What is in it:

- Bulk traffic (~99 %): IPv4 TCP (HTTPS mostly) and UDP (QUIC), plus some IPv6, between
  clients and internet hosts in the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
  203.0.113.0/24, 2001:db8::/32; the file is never sent anywhere but a lab). Sizes follow
  the simple IMIX, 7:4:1 of 64, 594 and 1518 bytes on the wire; as a capture shows them
  (without the 4-byte FCS) that is 60, 590 and 1514 bytes, so the file replays with
  tcpreplay on a 1500-MTU link. IPv6 has no 60-byte frame (its headers need 74), so its
  small class is 74 bytes. Downloads are larger than uploads (uploads are mostly ACKs).
  Flows have coherent TCP sequence/ack numbers, correct IPv4 header checksums and correct
  TCP/UDP checksums over random (TLS-looking) payloads. Pure ACKs are 54-byte frames padded
  to 60 with zeros, as on the wire: bill the frame length, not the IP length.
- Control traffic (~1 %): DHCP (DORA when a device joins, renewals, releases, hostnames in
  option 12), ARP (broadcast requests, unicast replies; 42 bytes when the gateway sends,
  60 padded bytes when it receives), DNS to the gateway (local, not internet usage), mDNS
  to 224.0.0.251 / ff02::fb, and ICMPv6 router solicitation/advertisement and duplicate
  address detection.
- Devices: Apple, Samsung, Xiaomi, Huawei, Google ... OUIs, about a third with randomised
  (locally administered) MACs; some present all along, some joining or leaving mid-way.

Totals are ``{mac: [tx_frames, tx_bytes, rx_frames, rx_bytes]}`` over every MAC seen as a
source or destination, including broadcast and multicast addresses (as ``tshark -z
endpoints,eth`` lists them): tx counts frames whose source is the MAC, rx frames whose
destination is the MAC, bytes are frame (wire) lengths, which equal the captured lengths
here because the snap length is 262144.

Usage: ``python benchmarks/imix.py OUT.pcap [--frames N] [--clients N] [--seed N]
[--totals OUT.json]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np

SNAPLEN = 262144
LINKTYPE_ETHERNET = 1
# 2025-03-14 17:00:00 UTC: an afternoon, when a neighbourhood hotspot is busy.
START_EPOCH = 1741971600
SPAN_S = 1800.0
FCS = 4
IMIX_WIRE = (64, 594, 1518)  # with FCS, as the simple IMIX is defined
IMIX_SHARE = (7 / 12, 4 / 12, 1 / 12)
V6_SMALL = 74  # smallest IPv6 TCP frame: 14 + 40 + 20

GATEWAY_IP = 0xC0A83201  # 192.168.50.1
CLIENT_IP0 = 0xC0A8320A  # 192.168.50.10
GATEWAY_MAC = bytes.fromhex("a4c3f01b2c3d")  # Intel Wi-Fi card of the laptop
V6_PREFIX = bytes.fromhex("20010db8005000000000000000000000")  # 2001:db8:50::/64 on the LAN
CLIENT_OUIS = [  # real vendors, so OUI lookups give names
    "f01898",  # Apple
    "3c22fb",  # Apple
    "5ce91e",  # Apple
    "b43a28",  # Samsung
    "8cf5a3",  # Samsung
    "640980",  # Xiaomi
    "286c07",  # Xiaomi
    "009acd",  # Huawei
    "3cf011",  # Intel
    "e89120",  # Motorola
    "f4f5d8",  # Google
    "dca632",  # Raspberry Pi
]
HOSTNAMES = [
    "iPhone",
    "Galaxy-A52",
    "Redmi-Note-12",
    "DESKTOP-7K2L9QF",
    "android-3f2a9c1d",
    "HUAWEI_P30_lite",
    "MacBook-Air",
    "moto-g22",
    "LAPTOP-MARIA",
    "Pixel-7a",
    "raspberrypi",
    "iPad",
]
DNS_NAMES = [
    "www.example.com",
    "cdn.example.net",
    "api.example.org",
    "video.example.net",
    "chat.example.org",
    "mail.example.com",
    "updates.example.net",
    "time.example.com",
    "img.example.org",
    "static.example.com",
]
MDNS_SERVICES = ["_googlecast._tcp.local", "_airplay._tcp.local", "_spotify-connect._tcp.local"]

# Bulk frame layouts: (ip version, ip protocol)
V4TCP, V4UDP, V6TCP, V6UDP, RARE = 0, 1, 2, 3, 4
LAYOUTS = {V4TCP: (4, 6), V4UDP: (4, 17), V6TCP: (6, 6), V6UDP: (6, 17)}
CHUNK = 1 << 16


# --- rare control frames, built one by one with struct -------------------------------------


def _csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _eth(dst: bytes, src: bytes, ethertype: int) -> bytes:
    return dst + src + struct.pack(">H", ethertype)


def _ipv4(src: int, dst: int, proto: int, payload: bytes, ttl: int, ident: int) -> bytes:
    hdr = struct.pack(">BBHHHBBHII", 0x45, 0, 20 + len(payload), ident, 0, ttl, proto, 0, src, dst)
    return hdr[:10] + struct.pack(">H", _csum(hdr)) + hdr[12:] + payload


def _udp4(src: int, dst: int, sport: int, dport: int, data: bytes, ttl: int, ident: int) -> bytes:
    length = 8 + len(data)
    pseudo = struct.pack(">IIBBH", src, dst, 0, 17, length)
    seg = struct.pack(">HHHH", sport, dport, length, 0) + data
    c = _csum(pseudo + seg) or 0xFFFF
    return _ipv4(src, dst, 17, seg[:6] + struct.pack(">H", c) + seg[8:], ttl, ident)


def _ipv6(src: bytes, dst: bytes, nxt: int, payload: bytes, hlim: int) -> bytes:
    return struct.pack(">IHBB", 0x60000000, len(payload), nxt, hlim) + src + dst + payload


def _l4v6(src: bytes, dst: bytes, nxt: int, seg: bytes, csum_at: int) -> bytes:
    pseudo = src + dst + struct.pack(">IxxxB", len(seg), nxt)
    c = _csum(pseudo + seg)
    if nxt == 17:
        c = c or 0xFFFF
    return seg[:csum_at] + struct.pack(">H", c) + seg[csum_at + 2 :]


def _pad60(frame: bytes) -> bytes:
    return frame + b"\0" * (60 - len(frame)) if len(frame) < 60 else frame


def _ip4b(ip: int) -> bytes:
    return struct.pack(">I", ip)


def _arp(eth_dst: bytes, op: int, sha: bytes, spa: int, tha: bytes, tpa: int) -> bytes:
    return _eth(eth_dst, sha, 0x0806) + struct.pack(
        ">HHBBH6sI6sI", 1, 0x0800, 6, 4, op, sha, spa, tha, tpa
    )


def _dns_name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def _dns_query(qid: int, name: str, qtype: int = 1, flags: int = 0x0100) -> bytes:
    return (
        struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 0)
        + _dns_name(name)
        + struct.pack(">HH", qtype, 1)
    )


def _dns_answer(qid: int, name: str, ips: list[int]) -> bytes:
    msg = struct.pack(">HHHHHH", qid, 0x8180, 1, len(ips), 0, 0)
    msg += _dns_name(name) + struct.pack(">HH", 1, 1)
    for ip in ips:
        msg += b"\xc0\x0c" + struct.pack(">HHIHI", 1, 1, 300, 4, ip)
    return msg


def _dhcp(
    op: int,
    msgtype: int,
    xid: int,
    mac: bytes,
    *,
    ciaddr: int = 0,
    yiaddr: int = 0,
    requested: int = 0,
    server_id: int = 0,
    hostname: str = "",
) -> bytes:
    bootp = struct.pack(
        ">BBBBIHHIIII16s64s128sI",
        op,
        1,
        6,
        0,
        xid,
        0,
        0,
        ciaddr,
        yiaddr,
        GATEWAY_IP if op == 2 else 0,
        0,
        mac,
        b"",
        b"",
        0x63825363,
    )
    opts = bytes([53, 1, msgtype])
    if op == 1:
        opts += bytes([61, 7, 1]) + mac
        if requested:
            opts += bytes([50, 4]) + _ip4b(requested)
        if server_id:
            opts += bytes([54, 4]) + _ip4b(server_id)
        if hostname:
            opts += bytes([12, len(hostname)]) + hostname.encode()
        if msgtype in (1, 3):  # parameter request list, max message size 1500
            opts += bytes([55, 7, 1, 3, 6, 15, 51, 58, 28, 57, 2, 0x05, 0xDC])
    else:
        opts += bytes([54, 4]) + _ip4b(GATEWAY_IP)
        if msgtype in (2, 5):
            opts += bytes([51, 4]) + struct.pack(">I", 3600)
            opts += bytes([58, 4]) + struct.pack(">I", 1800)
            opts += bytes([59, 4]) + struct.pack(">I", 3150)
            opts += bytes([1, 4]) + _ip4b(0xFFFFFF00)
            opts += bytes([3, 4]) + _ip4b(GATEWAY_IP)
            opts += bytes([6, 4]) + _ip4b(GATEWAY_IP)
            opts += bytes([28, 4]) + _ip4b(0xC0A832FF)
    opts += b"\xff"
    msg = bootp + opts
    return msg + b"\0" * max(0, 300 - len(msg))  # BOOTP minimum, as clients send it


# --- the hotspot ------------------------------------------------------------------------------


class _Macs:
    """Index of every MAC address in the capture; totals are kept per index."""

    def __init__(self) -> None:
        self.macs: list[bytes] = []
        self.index: dict[bytes, int] = {}

    def add(self, mac: bytes) -> int:
        if mac not in self.index:
            self.index[mac] = len(self.macs)
            self.macs.append(mac)
        return self.index[mac]


def _mac_str(mac: bytes) -> str:
    return ":".join(f"{b:02x}" for b in mac)


def _v6_solicited(addr: bytes) -> tuple[bytes, bytes]:
    ip = bytes.fromhex("ff0200000000000000000001ff") + addr[13:]  # ff02::1:ffXX:XXXX
    mac = b"\x33\x33\xff" + addr[13:]
    return ip, mac


def _eui64_link_local(mac: bytes) -> bytes:
    iid = bytes([mac[0] ^ 0x02]) + mac[1:3] + b"\xff\xfe" + mac[3:]
    return bytes.fromhex("fe800000000000000000000000000000")[:8] + iid


class _Hotspot:
    def __init__(self, frames: int, clients: int, rng: np.random.Generator) -> None:
        self.rng = rng
        self.frames = frames
        self.n_clients = clients
        self.macs = _Macs()
        self.gw = self.macs.add(GATEWAY_MAC)
        self.gw_ll = _eui64_link_local(GATEWAY_MAC)
        self.client_mac: list[bytes] = []
        self.client_ip = [CLIENT_IP0 + i for i in range(clients)]
        self.client_v6: list[bytes | None] = []
        self.client_ll: list[bytes] = []
        self.client_host: list[str] = []
        seen: set[bytes] = {GATEWAY_MAC}
        for i in range(clients):
            while True:
                tail = rng.integers(0, 256, 3, dtype=np.uint8).tobytes()
                if rng.random() < 0.35:  # randomised MAC (phones): locally administered
                    first = (int(rng.integers(0, 256)) & 0xFC) | 0x02
                    mac = bytes([first]) + rng.integers(0, 256, 2, dtype=np.uint8).tobytes() + tail
                else:
                    mac = bytes.fromhex(CLIENT_OUIS[int(rng.integers(len(CLIENT_OUIS)))]) + tail
                if mac not in seen:
                    break
            seen.add(mac)
            self.client_mac.append(mac)
            self.macs.add(mac)
            self.client_ll.append(_eui64_link_local(mac))
            if rng.random() < 0.6:
                self.client_v6.append(V6_PREFIX[:8] + rng.integers(0, 256, 8, np.uint8).tobytes())
            else:
                self.client_v6.append(None)
            self.client_host.append(
                f"{HOSTNAMES[i % len(HOSTNAMES)]}-{i}" if i >= 12 else HOSTNAMES[i]
            )
        self.client_idx = np.arange(1, clients + 1)
        self.client_ttl = np.where(rng.random(clients) < 0.25, 128, 64)  # Windows : the rest
        # Presence: most devices are there all along; some join and/or leave mid-way.
        join = np.zeros(clients)
        leave = np.full(clients, SPAN_S)
        late = rng.random(clients) < 0.3
        join[late] = rng.uniform(0, 0.6 * SPAN_S, late.sum())
        early = rng.random(clients) < 0.2
        leave[early] = np.minimum(SPAN_S, join[early] + rng.uniform(0.2, 0.7, early.sum()) * SPAN_S)
        self.join, self.leave, self.late, self.early = join, leave, late, early
        # Internet hosts.
        nets = [0xC0000200, 0xC6336400, 0xCB007100]  # 192.0.2/24, 198.51.100/24, 203.0.113/24
        hosts = rng.choice(np.arange(1, 255), size=(3, 254), replace=True)
        picks = rng.choice(3 * 254, size=200, replace=False)
        self.server_v4 = np.array([nets[p // 254] + int(hosts[p // 254, p % 254]) for p in picks])
        self.server_v4 = np.unique(self.server_v4).astype(np.uint32)
        self.server_v6 = [
            bytes.fromhex(f"20010db8{0x1000 + 16 * i:04x}")
            + b"\0" * 8
            + struct.pack(">I", 0x10 + i)
            for i in range(24)
        ]
        self.server_ttl4 = rng.choice([46, 50, 52, 54, 56, 58, 113, 116, 118], self.server_v4.size)
        self.server_ttl6 = rng.choice([50, 54, 56, 58, 118], len(self.server_v6))

    # -- flows ----------------------------------------------------------------------------

    def make_flows(self) -> None:
        rng = self.rng
        rows = []
        client_w = rng.lognormal(0.0, 1.0, self.n_clients)  # some heavy users
        for c in range(self.n_clients):
            n = int(rng.integers(20, 70))
            has6 = self.client_v6[c] is not None
            for k in range(n):
                if k == 0:  # a long-lived push connection keeps every device alive
                    start, end, proto, v6, sport, w = (
                        self.join[c],
                        self.leave[c],
                        6,
                        False,
                        5228,
                        0.02,
                    )
                else:
                    start = rng.uniform(self.join[c], self.leave[c])
                    end = min(self.leave[c], start + 5 + rng.exponential(300))
                    proto = 17 if rng.random() < 0.25 else 6
                    v6 = has6 and rng.random() < 0.15
                    if proto == 17:
                        sport = 443
                    else:
                        sport = int(rng.choice([443] * 8 + [993, 5228]))  # all TLS
                    w = rng.lognormal(0.0, 1.5)
                rows.append((c, start, end, proto, v6, sport, w * client_w[c]))
        c, start, end, proto, v6, sport, w = (np.array(x) for x in zip(*rows, strict=True))
        nf = c.size
        self.f_client = c.astype(np.int64)
        self.f_start, self.f_end, self.f_weight = start, end, w
        self.f_proto = proto.astype(np.int64)
        self.f_v6 = v6.astype(bool)
        self.f_sport = sport.astype(np.int64)
        windows = self.client_ttl[c] == 128
        self.f_cport = np.where(
            windows, rng.integers(49152, 65536, nf), rng.integers(32768, 61000, nf)
        ).astype(np.int64)
        self.f_server4 = rng.zipf(1.3, nf) % self.server_v4.size
        self.f_server6 = rng.integers(0, len(self.server_v6), nf)
        self.f_isn_up = rng.integers(0, 2**32, nf, dtype=np.uint64)
        self.f_isn_down = rng.integers(0, 2**32, nf, dtype=np.uint64)
        self.f_win_up = rng.integers(500, 2050, nf)
        self.f_win_down = rng.integers(250, 1100, nf)
        self.f_label = rng.integers(0, 1 << 20, nf)
        self.f_kind = np.where(self.f_v6, 2, 0) + (self.f_proto == 17)

    # -- rare frames --------------------------------------------------------------------------

    def make_rare(self) -> list[tuple[float, bytes, int, int]]:
        """Control frames: (time, frame, src mac index, dst mac index)."""
        rng = self.rng
        out: list[tuple[float, bytes, int, int]] = []
        gwm, bc = GATEWAY_MAC, b"\xff" * 6
        ident = (i & 0xFFFF for i in itertools.count(int(rng.integers(65536))))

        def add(t: float, frame: bytes) -> None:
            out.append((t, frame, self.macs.add(frame[6:12]), self.macs.add(frame[0:6])))

        for c in range(self.n_clients):
            mac, ip, host = self.client_mac[c], self.client_ip[c], self.client_host[c]
            ttl = int(self.client_ttl[c])
            xid = int(rng.integers(0, 2**32))
            if self.late[c]:  # joins: DHCP DORA, ARP for the gateway, IPv6 RS + DAD
                # done before the device's first packet (flows are picked per second)
                t = max(0.0, self.join[c] - rng.uniform(2.0, 4.0))
                disc = _dhcp(1, 1, xid, mac, requested=ip, hostname=host)
                add(t, _eth(bc, mac, 0x0800) + _udp4(0, 0xFFFFFFFF, 68, 67, disc, 64, 0))
                t += rng.uniform(0.001, 0.01)
                off = _dhcp(2, 2, xid, mac, yiaddr=ip)
                add(t, _eth(mac, gwm, 0x0800) + _udp4(GATEWAY_IP, ip, 67, 68, off, 64, next(ident)))
                t += rng.uniform(0.01, 0.3)
                req = _dhcp(1, 3, xid, mac, requested=ip, server_id=GATEWAY_IP, hostname=host)
                add(t, _eth(bc, mac, 0x0800) + _udp4(0, 0xFFFFFFFF, 68, 67, req, 64, 0))
                t += rng.uniform(0.001, 0.01)
                ack = _dhcp(2, 5, xid, mac, yiaddr=ip)
                add(t, _eth(mac, gwm, 0x0800) + _udp4(GATEWAY_IP, ip, 67, 68, ack, 64, next(ident)))
                t += rng.uniform(0.01, 0.2)
                add(t, _pad60(_arp(bc, 1, mac, ip, b"\0" * 6, GATEWAY_IP)))
                t += rng.uniform(0.0002, 0.002)
                add(t, _arp(mac, 2, gwm, GATEWAY_IP, mac, ip))
                v6 = self.client_v6[c]
                if v6 is not None:
                    t += rng.uniform(0.01, 0.1)
                    for addr in (self.client_ll[c], v6):
                        dst, dmac = _v6_solicited(addr)
                        seg = struct.pack(">BBHI", 135, 0, 0, 0) + addr
                        seg = _l4v6(b"\0" * 16, dst, 58, seg, 2)
                        add(t, _eth(dmac, mac, 0x86DD) + _ipv6(b"\0" * 16, dst, 58, seg, 255))
                        t += rng.uniform(0.001, 0.05)
                    dst = bytes.fromhex("ff020000000000000000000000000002")
                    seg = struct.pack(">BBHI", 133, 0, 0, 0) + bytes([1, 1]) + mac
                    seg = _l4v6(self.client_ll[c], dst, 58, seg, 2)
                    add(
                        t,
                        _eth(b"\x33\x33\0\0\0\x02", mac, 0x86DD)
                        + _ipv6(self.client_ll[c], dst, 58, seg, 255),
                    )
                    t += rng.uniform(0.001, 0.01)
                    add(t, self._ra())
            else:  # lease taken before the capture: a renewal, unicast
                t = rng.uniform(10, SPAN_S * 0.9)
                if t < self.leave[c] - 1:
                    req = _dhcp(1, 3, xid, mac, ciaddr=ip, hostname=host)
                    add(
                        t,
                        _eth(gwm, mac, 0x0800)
                        + _udp4(ip, GATEWAY_IP, 68, 67, req, ttl, next(ident)),
                    )
                    t += rng.uniform(0.001, 0.01)
                    ack = _dhcp(2, 5, xid, mac, ciaddr=ip, yiaddr=ip)
                    add(
                        t,
                        _eth(mac, gwm, 0x0800)
                        + _udp4(GATEWAY_IP, ip, 67, 68, ack, 64, next(ident)),
                    )
            if self.early[c] and rng.random() < 0.5:  # a polite leaver
                rel = _dhcp(1, 7, int(rng.integers(0, 2**32)), mac, ciaddr=ip, server_id=GATEWAY_IP)
                t = self.leave[c] + rng.uniform(1.0, 2.0)
                add(
                    t, _eth(gwm, mac, 0x0800) + _udp4(ip, GATEWAY_IP, 68, 67, rel, ttl, next(ident))
                )
        scale = self.frames / 1_000_000
        counts = {"arp": 1200, "dns": 3000, "mdns": 300, "ra": 9}

        def when(c: int) -> float:
            return float(rng.uniform(self.join[c], max(self.join[c] + 0.001, self.leave[c] - 1)))

        for _ in range(int(round(counts["arp"] * scale))):  # the gateway checks a neighbour
            c = int(rng.integers(self.n_clients))
            mac, ip, t = self.client_mac[c], self.client_ip[c], when(c)
            add(t, _arp(bc, 1, gwm, GATEWAY_IP, b"\0" * 6, ip))
            add(t + rng.uniform(0.0005, 0.02), _pad60(_arp(gwm, 2, mac, ip, gwm, GATEWAY_IP)))
        for _ in range(int(round(counts["dns"] * scale))):  # DNS to the hotspot itself
            c = int(rng.integers(self.n_clients))
            mac, ip, t = self.client_mac[c], self.client_ip[c], when(c)
            name = DNS_NAMES[int(rng.integers(len(DNS_NAMES)))]
            qid, port = int(rng.integers(65536)), int(rng.integers(32768, 61000))
            ttl = int(self.client_ttl[c])
            q = _udp4(ip, GATEWAY_IP, port, 53, _dns_query(qid, name), ttl, next(ident))
            add(t, _eth(gwm, mac, 0x0800) + q)
            ips = [int(x) for x in rng.choice(self.server_v4, int(rng.integers(1, 4)))]
            a = _udp4(GATEWAY_IP, ip, 53, port, _dns_answer(qid, name, ips), 64, next(ident))
            add(t + rng.uniform(0.002, 0.06), _eth(mac, gwm, 0x0800) + a)
        for _ in range(int(round(counts["mdns"] * scale))):
            c = int(rng.integers(self.n_clients))
            mac, t = self.client_mac[c], when(c)
            svc = MDNS_SERVICES[int(rng.integers(len(MDNS_SERVICES)))]
            msg = _dns_query(0, svc, qtype=12, flags=0)
            v6 = self.client_v6[c]
            if v6 is not None and rng.random() < 0.5:
                dst = bytes.fromhex("ff0200000000000000000000000000fb")
                seg = struct.pack(">HHHH", 5353, 5353, 8 + len(msg), 0) + msg
                seg = _l4v6(self.client_ll[c], dst, 17, seg, 6)
                add(
                    t,
                    _eth(b"\x33\x33\0\0\0\xfb", mac, 0x86DD)
                    + _ipv6(self.client_ll[c], dst, 17, seg, 255),
                )
            else:
                u = _udp4(self.client_ip[c], 0xE00000FB, 5353, 5353, msg, 255, next(ident))
                add(t, _eth(b"\x01\x00\x5e\x00\x00\xfb", mac, 0x0800) + u)
        for _ in range(max(1, int(round(counts["ra"] * scale)))):
            add(float(rng.uniform(0, SPAN_S)), self._ra())
        return out

    def _ra(self) -> bytes:
        dst = bytes.fromhex("ff020000000000000000000000000001")
        seg = struct.pack(">BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
        seg += struct.pack(">BBBBIII", 3, 4, 64, 0xC0, 86400, 14400, 0) + V6_PREFIX
        seg += bytes([1, 1]) + GATEWAY_MAC
        seg = _l4v6(self.gw_ll, dst, 58, seg, 2)
        return _eth(b"\x33\x33\0\0\0\x01", GATEWAY_MAC, 0x86DD) + _ipv6(
            self.gw_ll, dst, 58, seg, 255
        )


# --- bulk frames, built in batches with numpy ------------------------------------------------


def _put16(a: np.ndarray, col: int, v: np.ndarray) -> None:
    v = v.astype(np.int64)
    a[:, col] = ((v >> 8) & 0xFF).astype(np.uint8)
    a[:, col + 1] = (v & 0xFF).astype(np.uint8)


def _put32(a: np.ndarray, col: int, v: np.ndarray) -> None:
    v = v.astype(np.uint64)
    for k in range(4):
        a[:, col + k] = ((v >> np.uint64(24 - 8 * k)) & np.uint64(0xFF)).astype(np.uint8)


def _word_sum(a: np.ndarray) -> np.ndarray:
    """Sum of the big-endian 16-bit words of each row."""
    return (a[:, 0::2].astype(np.uint64) << np.uint64(8)).sum(axis=1) + a[:, 1::2].astype(
        np.uint64
    ).sum(axis=1)


def _fold(s: np.ndarray) -> np.ndarray:
    for _ in range(4):
        s = (s & np.uint64(0xFFFF)) + (s >> np.uint64(16))
    return (~s) & np.uint64(0xFFFF)


def _segment_word_sums(buf: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Sum of big-endian 16-bit words of buf[start:start+length] (length even) per segment."""
    out = np.zeros(start.size, dtype=np.uint64)
    for parity in (0, 1):
        sel = np.flatnonzero((start % 2 == parity) & (length > 0))
        if sel.size == 0:
            continue
        nw = (buf.size - parity) // 2
        words = buf[parity : parity + 2 * nw].view(">u2")
        s = (start[sel] - parity) // 2
        idx = np.empty(2 * sel.size, dtype=np.int64)
        idx[0::2] = s
        idx[1::2] = s + length[sel] // 2
        out[sel] = np.add.reduceat(words, idx, dtype=np.uint64)[0::2]
    return out


def write_imix(
    path: str | Path, frames: int = 1_000_000, clients: int = 40, seed: int = 1
) -> dict[str, list[int]]:
    """Write the capture to ``path``.

    Returns the exact totals ``{mac: [tx_frames, tx_bytes, rx_frames, rx_bytes]}`` of every
    MAC seen as a source or destination (broadcast and multicast included).
    """
    if not 1 <= clients <= 200:
        raise ValueError("clients must be 1..200 (192.168.50.10 ...)")
    if frames < 50 * clients:
        raise ValueError(f"frames must be at least {50 * clients} for {clients} clients")
    rng = np.random.default_rng(seed)
    hs = _Hotspot(frames, clients, rng)
    hs.make_flows()
    rare = hs.make_rare()
    rare.sort(key=lambda r: r[0])
    n_rare = len(rare)
    n_bulk = frames - n_rare
    if n_bulk < frames // 2:
        raise ValueError("too few frames for the control traffic of this many clients")

    # Times: busy and quiet seconds (a per-second rate that varies), then merged and made
    # strictly increasing in microseconds.
    secs = int(SPAN_S)
    rate = rng.lognormal(0.0, 0.6, secs) * (1 + 0.4 * np.sin(np.linspace(0, 3 * np.pi, secs)))
    cdf = np.concatenate([[0.0], np.cumsum(rate)])
    cdf /= cdf[-1]
    t_bulk = np.interp(np.sort(rng.random(n_bulk)), cdf, np.arange(secs + 1, dtype=float))
    t_rare = np.array([r[0] for r in rare]) if rare else np.zeros(0)
    t_all = np.concatenate([t_bulk, t_rare])
    order = np.argsort(t_all, kind="stable")
    is_rare = order >= n_bulk
    ts = np.round(t_all[order] * 1e6).astype(np.int64)
    ar = np.arange(frames, dtype=np.int64)
    ts = np.maximum.accumulate(ts - ar) + ar + START_EPOCH * 1_000_000
    # Where each frame comes from: bulk index or rare index, in time order.
    src_ref = np.where(is_rare, order - n_bulk, order)

    # Bulk packets: pick a flow among those open at the time, then size and direction.
    slice_s = 1.0
    slice_of = np.minimum((t_bulk // slice_s).astype(np.int64), int(SPAN_S // slice_s) - 1)
    flow = np.empty(n_bulk, dtype=np.int64)
    bounds = np.searchsorted(slice_of, np.arange(int(SPAN_S // slice_s) + 1))
    for s in range(int(SPAN_S // slice_s)):
        a, b = bounds[s], bounds[s + 1]
        if a == b:
            continue
        lo, hi = s * slice_s, (s + 1) * slice_s
        open_ = np.flatnonzero((hs.f_start < hi) & (hs.f_end > lo))
        if open_.size == 0:  # nobody around (cannot happen with these presences): anyone
            open_ = np.flatnonzero(hs.f_weight > 0)
        p = hs.f_weight[open_]
        flow[a:b] = open_[rng.choice(open_.size, b - a, p=p / p.sum())]
    cls = rng.choice(3, n_bulk, p=IMIX_SHARE)
    p_down = np.array([0.25, 0.8, 0.92])[cls]
    down = rng.random(n_bulk) < p_down
    kind = hs.f_kind[flow]
    v6 = kind >= V6TCP
    length = np.array(IMIX_WIRE, dtype=np.int64)[cls] - FCS
    length = np.where(v6 & (cls == 0), V6_SMALL, length)
    l3 = np.where(v6, 40, 20)
    l4 = np.where(kind % 2 == 0, 20, 8)
    hdr = 14 + l3 + l4
    small_tcp4 = (kind == V4TCP) & (cls == 0)  # pure ACKs: 54 bytes, padded to 60
    payload = np.where(small_tcp4, 0, length - hdr)
    ip_len = np.where(small_tcp4, 40, length - 14)

    # Coherent TCP sequence numbers: per flow, bytes sent each way before this packet.
    by_flow = np.argsort(flow, kind="stable")
    f_sorted = flow[by_flow]
    first = np.concatenate([[True], f_sorted[1:] != f_sorted[:-1]])
    group = np.cumsum(first) - 1

    def sent_before(x: np.ndarray) -> np.ndarray:
        xs = x[by_flow]
        excl = np.cumsum(xs) - xs
        res = np.empty(n_bulk, dtype=np.int64)
        res[by_flow] = excl - excl[first][group]
        return res

    up_before = sent_before(np.where(down, 0, payload))
    down_before = sent_before(np.where(down, payload, 0))
    isn_up, isn_down = hs.f_isn_up[flow], hs.f_isn_down[flow]
    m32 = np.uint64(0xFFFFFFFF)
    seq = (
        np.where(
            down, isn_down + down_before.astype(np.uint64), isn_up + up_before.astype(np.uint64)
        )
        & m32
    )
    ack = (
        np.where(
            down, isn_up + up_before.astype(np.uint64), isn_down + down_before.astype(np.uint64)
        )
        & m32
    )
    ipid = rng.integers(0, 65536, n_bulk)

    c = hs.f_client[flow]
    mac_client = hs.client_idx[c]
    src_mac_b = np.where(down, hs.gw, mac_client)
    dst_mac_b = np.where(down, mac_client, hs.gw)

    # Per-frame arrays for the whole file.
    rare_len = np.array([len(r[1]) for r in rare], dtype=np.int64)
    rare_src = np.array([r[2] for r in rare], dtype=np.int64)
    rare_dst = np.array([r[3] for r in rare], dtype=np.int64)
    f_len = np.empty(frames, dtype=np.int64)
    f_src = np.empty(frames, dtype=np.int64)
    f_dst = np.empty(frames, dtype=np.int64)
    for arr, r, bk in (
        (f_len, rare_len, length),
        (f_src, rare_src, src_mac_b),
        (f_dst, rare_dst, dst_mac_b),
    ):
        arr[is_rare] = r[src_ref[is_rare]]
        arr[~is_rare] = bk[src_ref[~is_rare]]

    mac_table = np.frombuffer(b"".join(hs.macs.macs), dtype=np.uint8).reshape(-1, 6)
    server_v6 = np.frombuffer(b"".join(hs.server_v6), dtype=np.uint8).reshape(-1, 16)
    client_v6 = np.frombuffer(
        b"".join(v if v is not None else b"\0" * 16 for v in hs.client_v6), dtype=np.uint8
    ).reshape(-1, 16)
    client_ip = np.array(hs.client_ip, dtype=np.uint64)

    path = Path(path)
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET))
        for a in range(0, frames, CHUNK):
            b = min(frames, a + CHUNK)
            n = b - a
            rec = 16 + f_len[a:b]
            off = np.concatenate([[0], np.cumsum(rec)[:-1]])
            total = int(rec.sum())
            buf = rng.integers(0, 256, total + 2, dtype=np.uint8)  # payloads look encrypted
            ph = np.empty((n, 4), dtype="<u4")
            ph[:, 0] = ts[a:b] // 1_000_000
            ph[:, 1] = ts[a:b] % 1_000_000
            ph[:, 2] = f_len[a:b]
            ph[:, 3] = f_len[a:b]
            buf[off[:, None] + np.arange(16)] = ph.view(np.uint8)
            ch_rare = np.flatnonzero(is_rare[a:b])
            for j in ch_rare.tolist():
                frame = rare[src_ref[a + j]][1]
                buf[off[j] + 16 : off[j] + 16 + len(frame)] = np.frombuffer(frame, np.uint8)
            bulk_pos = np.flatnonzero(~is_rare[a:b])
            bulk_ref = src_ref[a:b][bulk_pos]
            for k, (ipv, proto) in LAYOUTS.items():
                sel = kind[bulk_ref] == k
                if not sel.any():
                    continue
                pos, i = bulk_pos[sel], bulk_ref[sel]
                m = i.size
                ih = 20 if ipv == 4 else 40
                th = 20 if proto == 6 else 8
                width = 14 + ih + th
                h = np.zeros((m, width), dtype=np.uint8)
                h[:, 0:6] = mac_table[dst_mac_b[i]]
                h[:, 6:12] = mac_table[src_mac_b[i]]
                d = down[i]
                cc = c[i]
                fl = flow[i]
                if ipv == 4:
                    _put16(h, 12, np.full(m, 0x0800))
                    srv = hs.server_v4[hs.f_server4[fl]].astype(np.uint64)
                    sip = np.where(d, srv, client_ip[cc])
                    dip = np.where(d, client_ip[cc], srv)
                    ttl = np.where(d, hs.server_ttl4[hs.f_server4[fl]], hs.client_ttl[cc])
                    h[:, 14] = 0x45
                    _put16(h, 16, ip_len[i])
                    _put16(h, 18, ipid[i])
                    h[:, 20] = 0x40  # don't fragment
                    h[:, 22] = ttl
                    h[:, 23] = proto
                    _put32(h, 26, sip)
                    _put32(h, 30, dip)
                    _put16(h, 24, _fold(_word_sum(h[:, 14:34])).astype(np.int64))
                    pseudo = (
                        (sip >> np.uint64(16))
                        + (sip & np.uint64(0xFFFF))
                        + (dip >> np.uint64(16))
                        + (dip & np.uint64(0xFFFF))
                    )
                    l4_len = (ip_len[i] - 20).astype(np.uint64)
                else:
                    _put16(h, 12, np.full(m, 0x86DD))
                    srv6 = server_v6[hs.f_server6[fl]]
                    cl6 = client_v6[cc]
                    hl = np.where(d, hs.server_ttl6[hs.f_server6[fl]], 64)
                    _put32(
                        h, 14, (np.uint64(6) << np.uint64(28)) | hs.f_label[fl].astype(np.uint64)
                    )
                    l4_len = (length[i] - 54).astype(np.uint64)
                    _put16(h, 18, l4_len.astype(np.int64))
                    h[:, 20] = proto
                    h[:, 21] = hl
                    h[:, 22:38] = np.where(d[:, None], srv6, cl6)
                    h[:, 38:54] = np.where(d[:, None], cl6, srv6)
                    pseudo = _word_sum(h[:, 22:54])
                pseudo = pseudo + np.uint64(proto) + l4_len
                t0 = 14 + ih
                cport, sport = hs.f_cport[fl], hs.f_sport[fl]
                _put16(h, t0, np.where(d, sport, cport))
                _put16(h, t0 + 2, np.where(d, cport, sport))
                if proto == 6:
                    _put32(h, t0 + 4, seq[i])
                    _put32(h, t0 + 8, ack[i])
                    h[:, t0 + 12] = 0x50
                    h[:, t0 + 13] = np.where(cls[i] == 1, 0x18, 0x10)  # PSH on mid-size
                    _put16(h, t0 + 14, np.where(d, hs.f_win_down[fl], hs.f_win_up[fl]))
                    csum_at = t0 + 16
                else:
                    _put16(h, t0 + 4, l4_len.astype(np.int64))
                    csum_at = t0 + 6
                start = off[pos] + 16
                buf[start[:, None] + np.arange(width)] = h
                pad = small_tcp4[i]
                if pad.any():  # Ethernet padding of pure ACKs is zeros
                    buf[(start[pad] + width)[:, None] + np.arange(6)] = 0
                body = _segment_word_sums(buf, start + width, payload[i])
                csum = _fold(pseudo + _word_sum(h[:, t0:]) + body)
                if proto == 17:
                    csum = np.where(csum == 0, np.uint64(0xFFFF), csum)
                buf[start + csum_at] = (csum >> np.uint64(8)).astype(np.uint8)
                buf[start + csum_at + 1] = (csum & np.uint64(0xFF)).astype(np.uint8)
            out.write(buf[:total].data)

    nm = len(hs.macs.macs)
    tx_f = np.bincount(f_src, minlength=nm)
    tx_b = np.bincount(f_src, weights=f_len, minlength=nm)
    rx_f = np.bincount(f_dst, minlength=nm)
    rx_b = np.bincount(f_dst, weights=f_len, minlength=nm)
    return {
        _mac_str(mac): [int(tx_f[j]), int(tx_b[j]), int(rx_f[j]), int(rx_b[j])]
        for j, mac in enumerate(hs.macs.macs)
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="pcap file to write")
    ap.add_argument("--frames", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--totals", type=Path, help="also write the expected per-MAC totals as JSON")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    totals = write_imix(args.out, args.frames, args.clients, args.seed)
    dt = time.perf_counter() - t0
    if args.totals:
        args.totals.write_text(json.dumps(totals, indent=1) + "\n")
    size = args.out.stat().st_size
    print(
        f"{args.out}: {args.frames} frames, {size / 1e6:.1f} MB, {len(totals)} MACs, "
        f"written in {dt:.1f} s ({args.frames / dt / 1e3:.0f} k frames/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
