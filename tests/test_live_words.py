"""The live fast path agrees with the general code it shortcuts.

The agent parses ring slots as 8-byte words (``parse_ethernet_words``), looks
MAC ids up in a hash table, and dissects control frames from their UDP payload;
import and the oracle tests use the general parser, a sort, and scapy's full
Ether/IP/UDP stack. Each shortcut is checked here against the general path on
the seeded hotspot mixes the tshark oracle tests use, and on arbitrary bytes.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Dot1Q, Ether

from hotspot_manager.capture import discovery
from hotspot_manager.capture.lan import Lan
from hotspot_manager.capture.live import _raw_rows
from hotspot_manager.capture.meter import Meter, mac_text
from hotspot_manager.capture.parser import WORDS, parse, parse_ethernet_words, splice
from tests.captures import hotspot_mix

SNAP = 128
FIELDS = [
    f.name
    for f in dataclasses.fields(
        parse(
            _raw_rows(
                np.zeros((1, SNAP), np.uint8),
                np.array([60]),
                np.array([60]),
                np.array([0]),
                np.array([0]),
            )
        )
    )
]


def _rows(frames: list[bytes], rng: random.Random) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames cut at SNAP into rows; what lies past a frame's bytes is junk, as in the ring."""
    rows = np.frombuffer(rng.randbytes(len(frames) * SNAP), dtype=np.uint8).reshape(-1, SNAP).copy()
    for i, f in enumerate(frames):
        cut = f[:SNAP]
        rows[i, : len(cut)] = np.frombuffer(cut, dtype=np.uint8)
    caplen = np.array([min(len(f), SNAP) for f in frames], dtype=np.int64)
    wire = np.array([len(f) for f in frames], dtype=np.int64)
    return rows, caplen, wire


def _both(frames: list[bytes], seed: int = 0):
    rows, caplen, wire = _rows(frames, random.Random(seed))
    sec = np.arange(len(frames), dtype=np.int64) // 7 + 1_700_000_000
    nsec = np.zeros(len(frames), dtype=np.int64)
    general = parse(_raw_rows(rows, caplen, wire, sec, nsec))
    words = rows[:, : 8 * WORDS].copy().view(">u8").astype(np.uint64)
    fast, slow = parse_ethernet_words(words, caplen, wire, sec, nsec)
    idx = np.nonzero(slow)[0]
    if len(idx):
        splice(fast, idx, parse(_raw_rows(rows[idx], caplen[idx], wire[idx], sec[idx], nsec[idx])))
    return general, fast, slow


def _assert_same(general, fast) -> None:
    for name in FIELDS:
        a, b = getattr(general, name), getattr(fast, name)
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b), name
        else:
            assert a == b, name


def test_word_parser_equals_the_general_parser_on_hotspot_mixes():
    tagged = 0
    for seed in range(12):
        mix = hotspot_mix(seed, vlan=seed % 2 == 1, n_frames=600)
        frames = [r.data for r in mix.records]
        general, fast, slow = _both(frames, seed)
        _assert_same(general, fast)
        tagged += int(slow.sum())
        assert (general.ip_ver == 4).any() and (general.ip_ver == 6).any()
    assert tagged > 0  # the tagged mixes went through the slow rows too


ETHERTYPES = [
    b"\x08\x00",
    b"\x86\xdd",
    b"\x81\x00",
    b"\x88\xa8",
    b"\x91\x00",
    b"\x88\x64",
    b"\x08\x06",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.binary(min_size=12, max_size=12),
            st.sampled_from(ETHERTYPES),
            st.sampled_from([b"", b"\x45", b"\x46", b"\x4f", b"\x60", b"\x65"]),
            st.binary(min_size=0, max_size=150),
            st.integers(min_value=0, max_value=80),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_word_parser_equals_the_general_parser_on_arbitrary_frames(parts):
    frames = [(a + et + v + rest)[: max(cut, 0) or None] for a, et, v, rest, cut in parts]
    general, fast, _ = _both(frames)
    _assert_same(general, fast)


def test_word_parser_equals_the_general_parser_on_random_bytes():
    # Random bytes everywhere (hypothesis favours zeros, which hide a wrong shift).
    rng = random.Random(7)
    frames = []
    for _ in range(20_000):
        et = rng.choice(ETHERTYPES)
        version = bytes([rng.choice([0x45, 0x46, 0x4F, 0x60, 0x6A, 0x00, 0x44])])
        frame = rng.randbytes(12) + et + version + rng.randbytes(rng.randint(0, 140))
        frames.append(frame[: rng.choice([len(frame), rng.randint(0, 60)])])
    general, fast, _ = _both(frames, 7)
    _assert_same(general, fast)
    assert (general.ip_ver == 6).sum() > 500 and (general.ip_ver == 4).sum() > 500


def _full_stack(data: bytes, src: str) -> list[tuple]:
    """The oracle: scapy dissects the whole frame (Ether/IP/UDP/...), as it would be read
    by hand; then the same rules as discovery pick the names."""
    pkt = Ether(data)
    if pkt.haslayer(DHCP) and pkt.haslayer(BOOTP):
        if pkt[BOOTP].op != 1:
            return []
        opts = {o[0]: o[1] for o in pkt[DHCP].options if isinstance(o, tuple) and len(o) >= 2}
        host = discovery._text(opts.get("hostname"))
        fqdn = opts.get("client_FQDN")
        if host is None and isinstance(fqdn, bytes) and len(fqdn) > 3:
            host = discovery._text(fqdn[3:].split(b".")[0])
        req = opts.get("requested_addr")
        mac = mac_text(int.from_bytes(bytes(pkt[BOOTP].chaddr)[:6], "big"))
        return [(mac, 0, host, discovery._text(opts.get("vendor_class_id")), req and str(req))]
    if pkt.haslayer(DNS):
        for rr in discovery._records(pkt[DNS]):
            name = discovery._text(getattr(rr, "rrname", None))
            if rr.type in (1, 28) and name and name.endswith(".local"):
                return [(src, 0, name[: -len(".local")], None, None)]
    return []


def _control_frames() -> list[bytes]:
    cl, gw = "02:00:00:00:00:0a", "02:00:00:00:00:01"
    req = Ether(src=cl, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255")
    req = req / UDP(sport=68, dport=67)
    chaddr = bytes.fromhex("02000000000a")
    opts = [
        [
            ("message-type", "request"),
            ("hostname", b"Maria-Phone"),
            ("requested_addr", "192.168.77.20"),
            "end",
        ],
        [("message-type", "discover"), ("client_FQDN", b"\x00\x00\x00laptop-7.home"), "end"],
        [
            ("message-type", "request"),
            ("vendor_class_id", b"android-dhcp-14"),
            ("hostname", b"Pixel\x07 8"),
            "end",
        ],
        [("message-type", "inform"), "end"],
    ]
    frames = [
        bytes(req / BOOTP(op=1, chaddr=chaddr, xid=i + 1) / DHCP(options=o))
        for i, o in enumerate(opts)
    ]
    offer = (
        Ether(src=gw, dst=cl)
        / IP(src="192.168.77.1", dst="192.168.77.20")
        / UDP(sport=67, dport=68)
    )
    frames.append(
        bytes(offer / BOOTP(op=2, chaddr=chaddr) / DHCP(options=[("message-type", "offer"), "end"]))
    )
    mdns = Ether(src=cl, dst="01:00:5e:00:00:fb") / IP(src="192.168.77.20", dst="224.0.0.251")
    mdns = mdns / UDP(sport=5353, dport=5353)
    frames.append(
        bytes(
            mdns / DNS(qr=1, an=DNSRR(rrname="Marias-iPad.local", type="A", rdata="192.168.77.20"))
        )
    )
    frames.append(bytes(mdns / DNS(qr=0, qd=DNSQR(qname="_airplay._tcp.local", qtype="PTR"))))
    frames.append(
        bytes(mdns / DNS(qr=1, an=DNSRR(rrname="printer.local", type="AAAA", rdata="fe80::1")))
        + bytes(20)
    )
    tagged = (
        Ether(src=cl, dst="ff:ff:ff:ff:ff:ff")
        / Dot1Q(vlan=5)
        / IP(src="0.0.0.0", dst="255.255.255.255")
    )
    frames.append(
        bytes(tagged / UDP(sport=68, dport=67) / BOOTP(op=1, chaddr=chaddr) / DHCP(options=opts[0]))
    )
    frames.append(frames[0][:60])  # cut short
    return frames


def test_control_frames_give_the_names_a_full_dissection_gives():
    frames = _control_frames()
    for seed in range(6):
        mix = hotspot_mix(seed, n_frames=800)
        frames += [
            r.data
            for r in mix.records
            if b"\x14\xe9" in r.data[34:38]
            or r.data[34:38] in (b"\x00\x44\x00\x43", b"\x00\x43\x00\x44")
        ]
    named = 0
    for data in frames:
        src = mac_text(int.from_bytes(data[6:12], "big"))
        got = [dataclasses.astuple(n) for n in discovery._dissect(data, src)]
        assert got == _full_stack(data, src), data.hex()
        named += bool(got)
    assert named >= 5
    # Retries that differ only in ids and checksums are dissected once, with the same result.
    discovery._SEEN.clear()
    again = bytearray(frames[0])
    again[18:20] = b"\x12\x34"  # IP id
    first = discovery.names_in_control([(1, frames[0])])
    assert discovery.names_in_control([(2, bytes(again))]) == [
        dataclasses.replace(first[0], seen=2)
    ]
    assert len(discovery._SEEN) == 1


def test_mac_ids_survive_hash_collisions_and_the_zero_mac():
    rng = np.random.default_rng(5)
    macs = np.concatenate([[0, 0xFFFFFFFFFFFF], rng.integers(1, 1 << 48, 20_000, dtype=np.uint64)])
    meter = Meter(by="mac", lan=Lan(["192.168.0.0/16"]))
    expected: dict[int, int] = {}
    for _ in range(5):
        src = rng.choice(macs, 50_000).astype(np.uint64)
        dst = rng.choice(macs, 50_000).astype(np.uint64)
        wire = rng.integers(60, 1515, 50_000)
        n = len(src)
        from hotspot_manager.capture.parser import Frames

        f = Frames(
            ts_sec=np.full(n, 1_700_000_000, dtype=np.int64),
            ts_nsec=np.zeros(n, dtype=np.int64),
            ts_known=None,
            wire_len=wire,
            malformed=np.zeros(n, dtype=bool),
            has_src_mac=np.ones(n, dtype=bool),
            has_dst_mac=np.ones(n, dtype=bool),
            src_mac=src,
            dst_mac=dst,
            ip_ver=np.zeros(n, dtype=np.uint8),
            v4_src=np.zeros(n, dtype=np.uint64),
            v4_dst=np.zeros(n, dtype=np.uint64),
            v6_src=np.zeros((n, 2), dtype=np.uint64),
            v6_dst=np.zeros((n, 2), dtype=np.uint64),
        )
        meter.add(f)
        for s, w in zip(src.tolist(), wire.tolist(), strict=True):
            expected[s] = expected.get(s, 0) + w
    got = {text: c[1] for text, c in meter.totals() if c[1]}
    assert got == {mac_text(k): v for k, v in expected.items()}
    tick = meter.drain()
    assert int(tick.counters[:, 1].sum()) == sum(expected.values())


def test_mdns_is_read_once_a_minute_after_a_device_named_itself():
    discovery._SEEN.clear()
    discovery._MDNS_NAMED.clear()
    base = Ether(src="02:00:00:00:00:0c", dst="01:00:5e:00:00:fb")
    base = base / IP(src="192.168.77.30", dst="224.0.0.251") / UDP(sport=5353, dport=5353)

    def answer(name: str) -> bytes:
        return bytes(
            base / DNS(qr=1, an=DNSRR(rrname=f"{name}.local", type="A", rdata="192.168.77.30"))
        )

    query = bytes(base / DNS(qr=0, qd=DNSQR(qname="_ipp._tcp.local", qtype="PTR")))
    names = discovery.names_in_control(
        [
            (100, query),
            (101, answer("tv-sala")),
            (130, answer("tv-cuarto")),
            (161, answer("tv-cuarto")),
        ]
    )
    # the query names nothing and does not start the minute; the rename shows a minute later
    assert [(n.seen, n.hostname) for n in names] == [(101, "tv-sala"), (161, "tv-cuarto")]
    dhcp = _control_frames()[0]
    again = discovery.names_in_control([(162, dhcp), (163, dhcp)])
    assert [n.hostname for n in again] == ["Maria-Phone", "Maria-Phone"]  # DHCP: every request


def _health_of(path, by: str) -> dict[int, list[int]]:
    from hotspot_manager.capture.sources import open_capture

    meter = Meter(by=by, lan=Lan(["192.168.88.0/24"]))
    with open_capture(path) as cap:
        for raw in cap.batches(max_frames=500):
            meter.add(parse(raw))
    tick = meter.drain()
    return {
        s: row for s, row in zip(tick.health_seconds.tolist(), tick.health.tolist(), strict=True)
    }


def test_per_second_health_is_every_frame_whichever_way_it_is_summed(tmp_path):
    # By MAC with every sender known the meter sums health from its counters; with
    # malformed frames, by IP, or seconds hours apart it counts frames directly.
    from tests.captures import malformed_eth_records, write_pcap

    dense = [r for r in hotspot_mix(3, n_frames=3000).records]
    sparse = [
        dataclasses.replace(r, ts_ns=r.ts_ns + (i % 7) * 3_600 * 10**9) for i, r in enumerate(dense)
    ]
    for name, records in (
        ("dense", dense),
        ("sparse", sparse),
        ("malformed", malformed_eth_records()),
    ):
        w = write_pcap(tmp_path / f"{name}.pcap", records)
        want: dict[int, list[int]] = {}
        for rec, caplen, ts in zip(w.records, w.caplens, w.timestamps, strict=True):
            row = want.setdefault(int(ts), [0, 0, 0])
            row[0] += 1
            row[1] += rec.orig_len
            row[2] += caplen < 14
        for by in ("mac", "ip"):
            assert _health_of(w.path, by) == want, (name, by)


def test_each_mac_keeps_the_last_lan_address_it_sent_from_per_interval():
    # Addresses change within a batch, between batches and between intervals; a MAC
    # that sends only from outside the LAN in an interval gets no address then.
    from hotspot_manager.capture.parser import Frames

    rng = random.Random(4)
    lan = Lan(["192.168.88.0/24"])
    macs = [0x020000000000 + i for i in range(6)]
    meter = Meter(by="mac", lan=lan)
    for interval in range(4):
        want: dict[int, int] = {}
        for batch in range(3):
            n = 400
            src = [rng.choice(macs) for _ in range(n)]
            if batch == 1:  # every MAC keeps the address it ended the last batch with
                ips = [want.get(m, 0xC0A85800 + (m & 0xFF)) for m in src]
            else:  # each frame one of three addresses of its MAC
                ips = [
                    0xC0A85800 + (m & 0xFF) + rng.choice((0, 10, 20)) + 30 * interval for m in src
                ]
            outside = [
                (batch != 1 and rng.random() < 0.1) or m == macs[5] or (m == macs[4] and interval)
                for m in src
            ]
            ips = [0x08080808 if o else ip for ip, o in zip(ips, outside, strict=True)]
            for m, ip, o in zip(src, ips, outside, strict=True):
                if not o:
                    want[m] = ip
            u64 = np.array(src, dtype=np.uint64)
            f = Frames(
                ts_sec=np.full(n, 1_700_000_000 + interval, dtype=np.int64),
                ts_nsec=np.zeros(n, dtype=np.int64),
                ts_known=None,
                wire_len=np.full(n, 100, dtype=np.int64),
                malformed=np.zeros(n, dtype=bool),
                has_src_mac=np.ones(n, dtype=bool),
                has_dst_mac=np.ones(n, dtype=bool),
                src_mac=u64,
                dst_mac=np.full(n, 0x02AAAAAAAAAA, dtype=np.uint64),
                ip_ver=np.full(n, 4, dtype=np.uint8),
                v4_src=np.array(ips, dtype=np.uint64),
                v4_dst=np.full(n, 0xC0A85801, dtype=np.uint64),
                v6_src=np.zeros((n, 2), dtype=np.uint64),
                v6_dst=np.zeros((n, 2), dtype=np.uint64),
            )
            meter.add(f)
        got = {k: s.ipv4 for k, s in meter.drain().sightings.items() if k != "02:aa:aa:aa:aa:aa"}
        import ipaddress

        assert got == {
            mac_text(m): (str(ipaddress.IPv4Address(want[m])) if m in want else None) for m in macs
        }, interval


def _fake_ring(n_slots: int):
    """A PacketRingSource over plain memory laid out as the kernel lays out its ring."""
    import socket

    from hotspot_manager.capture.live import PacketRingSource

    src = object.__new__(PacketRingSource)
    buf = np.zeros(n_slots * src.SLOT, dtype=np.uint8)
    src._bytes = buf
    src._slots = buf.view(np.uint64).reshape(n_slots, src.SLOT // 8)
    src._status = buf.view(np.uint32).reshape(n_slots, src.SLOT // 4)[:, 0]
    src._n, src._next, src.snaplen = n_slots, 0, 128
    src._ctl, other = socket.socketpair()
    src._keep = other
    return src, buf


def _put(buf, slot: int, frame: bytes, sec: int, *, ready=True, mac=72, vlan=False) -> None:
    import struct

    from hotspot_manager.capture.live import TP_STATUS_USER, TP_STATUS_VLAN_VALID

    snap = min(len(frame), 128)
    status = (TP_STATUS_USER if ready else 0) | (TP_STATUS_VLAN_VALID if vlan else 0)
    struct.pack_into("<IIIHHII", buf, slot * 256, status, len(frame), snap, mac, mac + 14, sec, 0)
    buf[slot * 256 + mac : slot * 256 + mac + snap] = np.frombuffer(frame[:snap], dtype=np.uint8)


def test_ring_batches_stop_at_an_unfinished_slot_wrap_and_parse_odd_slots():
    src, buf = _fake_ring(64)
    frames = [r.data for r in hotspot_mix(2, vlan=True, n_frames=14).records]
    order = [60, 61, 62, 63, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    src._next = 60
    for k, (slot, frame) in enumerate(zip(order, frames, strict=True)):
        # slot 5 is still being written by another CPU; slot 2 holds its frame 2 bytes later
        _put(buf, slot, frame, 1_700_000_000 + k, ready=slot != 5, mac=74 if slot == 2 else 72)
    first = list(src.batches(0))
    assert len(first) == 1 and len(first[0].frames) == 9  # 60..63 and 0..4, not past slot 5
    assert src._next == 5 and not src._status[[60, 61, 62, 63, 0, 1, 2, 3, 4]].any()
    assert src._status[[6, 7, 8, 9]].all()  # taken next time, not lost
    src._status[5] |= 1  # slot 5 finished
    second = list(src.batches(0))
    assert len(second[0].frames) == 5 and src._next == 10
    got = np.concatenate([b.frames.src_mac for b in first + second])
    rows, caplen, wire = _rows(frames, random.Random(0))
    want = parse(_raw_rows(rows, caplen, wire, np.zeros(14, np.int64), np.zeros(14, np.int64)))
    assert np.array_equal(got, want.src_mac)
    for name in ("dst_mac", "ip_ver", "v4_src", "v4_dst", "v6_src", "v6_dst", "wire_len"):
        both = np.concatenate([getattr(b.frames, name) for b in first + second])
        assert np.array_equal(both, getattr(want, name)), name
    assert list(src.batches(0)) == []
    src._ctl.close()
    src._keep.close()
