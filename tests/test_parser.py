"""The raw-byte header parser and the capture reader never raise on bad bytes.

Property tests (hypothesis) feed arbitrary frames to every supported link
type and arbitrary files to the reader; unit tests pin the offsets of the
headers that matter for billing.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspot_manager.capture import linktypes as lt
from hotspot_manager.capture.lan import Lan
from hotspot_manager.capture.meter import Meter, mac_text
from hotspot_manager.capture.parser import parse
from hotspot_manager.capture.sources import CaptureError, open_capture

LINK_TYPES = [
    lt.ETHERNET,
    lt.LINUX_SLL,
    lt.LINUX_SLL2,
    lt.RAW,
    lt.RAW_DLT12,
    lt.RAW_DLT14,
    lt.IPV4,
    lt.IPV6,
    lt.NULL,
    lt.LOOP,
]


def pcap_bytes(link_type: int, frames: list[bytes], wire_extra: list[int] | None = None) -> bytes:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link_type)]
    for i, fr in enumerate(frames):
        extra = wire_extra[i] if wire_extra else 0
        out.append(struct.pack("<IIII", 1_700_000_000 + i, 0, len(fr), len(fr) + extra))
        out.append(fr)
    return b"".join(out)


def account(path, by="mac", lan=None) -> tuple[Meter, list[str]]:
    meter = Meter(by=by, lan=Lan(lan) if lan else None)
    with open_capture(path) as cap:
        for raw in cap.batches(max_frames=7):  # small batches: batch seams get exercised
            meter.add(parse(raw))
        return meter, cap.warnings


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    link=st.sampled_from(LINK_TYPES),
    frames=st.lists(st.binary(min_size=0, max_size=120), min_size=1, max_size=30),
    extra=st.integers(min_value=0, max_value=3000),
    by=st.sampled_from(["mac", "ip"]),
)
def test_parser_never_raises_on_arbitrary_frames(tmp_path, link, frames, extra, by):
    path = tmp_path / "f.pcap"
    path.write_bytes(pcap_bytes(link, frames, [extra] * len(frames)))
    meter, _ = account(path, by=by, lan=["192.168.0.0/16", "fd00::/8"])
    assert meter.frames == len(frames)
    assert meter.bytes == sum(len(f) + extra for f in frames)
    # Every counted byte belongs to a frame: tx sums never exceed the capture.
    totals = meter.totals()
    assert sum(c[1] for _, c in totals) <= meter.bytes
    assert sum(c[3] for _, c in totals) <= meter.bytes
    if link == lt.ETHERNET:
        short = sum(1 for f in frames if len(f) < 14)
        assert meter.malformed == short
        if by == "mac":
            assert sum(c[0] for _, c in totals) == len(frames) - short


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(min_size=0, max_size=400))
def test_reader_never_raises_on_arbitrary_files(tmp_path, data):
    path = tmp_path / "junk"
    path.write_bytes(data)
    try:
        meter, _ = account(path)
    except CaptureError as exc:
        assert str(exc)
    else:
        assert meter.frames >= 0


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tail=st.binary(min_size=0, max_size=300),
    magic=st.sampled_from([0xA1B2C3D4, 0xA1B23C4D, 0x0A0D0D0A]),
    order=st.sampled_from(["<", ">"]),
)
def test_reader_never_raises_on_damaged_headers(tmp_path, tail, magic, order):
    """A valid magic followed by junk: refused or read, never a crash."""
    path = tmp_path / "damaged"
    head = struct.pack(order + "I", magic)
    if magic == 0x0A0D0D0A:
        head = struct.pack("<I", magic) + struct.pack(order + "II", 28, 0x1A2B3C4D)
    path.write_bytes(head + tail)
    try:
        account(path)
    except CaptureError as exc:
        assert str(exc)


def eth(dst: str, src: str, et: int, payload: bytes = b"") -> bytes:
    return (
        bytes.fromhex(dst.replace(":", ""))
        + bytes.fromhex(src.replace(":", ""))
        + struct.pack("!H", et)
        + payload
    )


def ipv4(src: str, dst: str, payload: bytes = b"\0" * 8) -> bytes:
    a = bytes(int(x) for x in src.split("."))
    b = bytes(int(x) for x in dst.split("."))
    return struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(payload), 0, 0, 64, 17, 0) + a + b + payload


def ipv6(src: bytes, dst: bytes) -> bytes:
    return struct.pack("!IHBB", 6 << 28, 8, 17, 64) + src + dst + b"\0" * 8


A, B = "02:11:22:33:44:55", "00:1b:63:00:00:01"


def frames_of(tmp_path, link, frames, **kw):
    p = tmp_path / "x.pcap"
    p.write_bytes(pcap_bytes(link, frames, **kw))
    with open_capture(p) as cap:
        return [parse(b) for b in cap.batches()]


def test_ethernet_addresses_and_ipv4(tmp_path):
    (f,) = frames_of(tmp_path, lt.ETHERNET, [eth(B, A, 0x0800, ipv4("192.168.1.5", "8.8.8.8"))])
    assert mac_text(int(f.src_mac[0])) == A and mac_text(int(f.dst_mac[0])) == B
    assert f.ip_ver[0] == 4
    assert int(f.v4_src[0]) == 0xC0A80105 and int(f.v4_dst[0]) == 0x08080808


@pytest.mark.parametrize("tags", [[0x8100], [0x88A8, 0x8100], [0x9100, 0x88A8, 0x8100, 0x8100]])
def test_vlan_tags_are_skipped_to_ip(tmp_path, tags):
    inner = b"".join(struct.pack("!HH", 7, nxt) for nxt in tags[1:] + [0x86DD])
    src6, dst6 = bytes(range(16)), bytes(range(16, 32))
    frame = eth(B, A, tags[0], inner + ipv6(src6, dst6))
    (f,) = frames_of(tmp_path, lt.ETHERNET, [frame])
    assert f.ip_ver[0] == 6  # 4 tags + IPv6 reach past the head copy: read from the file
    assert f.v6_src[0].tolist() == [int.from_bytes(src6[:8]), int.from_bytes(src6[8:])]
    assert f.v6_dst[0].tolist() == [int.from_bytes(dst6[:8]), int.from_bytes(dst6[8:])]


def test_pppoe_session_ip(tmp_path):
    pppoe = struct.pack("!BBHHH", 0x11, 0, 1, 30, 0x0021) + ipv4("10.0.0.1", "1.1.1.1")
    (f,) = frames_of(tmp_path, lt.ETHERNET, [eth(B, A, 0x8864, pppoe)])
    assert f.ip_ver[0] == 4 and int(f.v4_dst[0]) == 0x01010101


def test_short_and_bogus_headers(tmp_path):
    frames = [
        b"\x01" * 13,  # short: malformed
        eth(B, A, 0x0800, b"\x45" + b"\0" * 10),  # IPv4 header cut short: no IP
        eth(B, A, 0x0800, b"\x43" + b"\0" * 30),  # IHL 3: bogus, no IP
        eth(B, A, 0x86DD, b"\x45" + b"\0" * 60),  # IPv6 ethertype, version 4: no IP
    ]
    (f,) = frames_of(tmp_path, lt.ETHERNET, frames)
    assert f.malformed.tolist() == [True, False, False, False]
    assert f.ip_ver.tolist() == [0, 0, 0, 0]
    assert f.has_src_mac.tolist() == [False, True, True, True]


@pytest.mark.parametrize("endian", ["<", ">"])
def test_null_loopback_either_byte_order(tmp_path, endian):
    fr = struct.pack(endian + "I", 2) + ipv4("127.0.0.1", "127.0.0.2")
    (f,) = frames_of(tmp_path, lt.NULL, [fr])
    assert f.ip_ver[0] == 4 and int(f.v4_src[0]) == 0x7F000001


def test_sll2_source_mac_only(tmp_path):
    addr = bytes.fromhex(A.replace(":", "")) + b"\0\0"
    hdr = struct.pack("!HHIHBB", 0x0800, 0, 3, 1, 0, 6) + addr
    (f,) = frames_of(tmp_path, lt.LINUX_SLL2, [hdr + ipv4("192.168.1.9", "9.9.9.9")])
    assert f.mac_source_only and f.has_src_mac[0] and not f.has_dst_mac[0]
    assert mac_text(int(f.src_mac[0])) == A and f.ip_ver[0] == 4


def test_wire_length_not_captured_length(tmp_path):
    p = tmp_path / "snap.pcap"
    p.write_bytes(
        pcap_bytes(
            lt.ETHERNET, [eth(B, A, 0x0800, ipv4("192.168.1.5", "8.8.8.8"))], wire_extra=[1400]
        )
    )
    meter, _ = account(p)
    got = dict(meter.totals())
    assert got[A][1] == 14 + 28 + 1400


def test_internet_split_rule():
    lan = Lan(["192.168.1.0/24"])
    addrs = np.array(
        [0xC0A80105, 0x08080808, 0xFFFFFFFF, 0xE00000FB, 0xA9FE0101, 0x0A000001], dtype=np.uint64
    )
    # LAN, public, broadcast, mDNS multicast, link-local, another private range (not this LAN)
    assert lan.internet_v4(addrs).tolist() == [False, True, False, False, False, True]


def test_batches_resume_at_a_record_boundary(tmp_path):
    p = tmp_path / "r.pcap"
    frames = [eth(B, A, 0x0806, bytes(28 + i)) for i in range(10)]
    p.write_bytes(pcap_bytes(lt.ETHERNET, frames))
    with open_capture(p) as cap:
        ends = [b.end_offset for b in cap.batches(max_frames=4)]
    with open_capture(p) as cap:
        rest = sum(len(b) for b in cap.batches(start_offset=ends[0]))
    assert rest == 6
