"""Make ``resources/demo.pcap.gz``, the capture ``hotspot-manager demo`` replays.

It is a synthetic hotspot, not a recording of real people: the IMIX generator of
``benchmarks/imix.py`` (a laptop sharing its uplink with a few neighbours' phones and
laptops; DHCP hostnames, randomised MACs, devices joining and leaving), over 10 minutes
at a modest rate, as a Cuban hotspot's uplink allows. Frames are cut after their IP
header (the agent's own snap length does much the same; the wire length, which is what is
counted, is kept), so the file stays small; DHCP and mDNS frames stay whole so that device
names are found.
The demo says all this in its banner.

Run from the repository root: ``.venv/bin/python resources/make_demo_capture.py``.
"""

from __future__ import annotations

import gzip
import struct
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "demo.pcap.gz"
SPAN_S = 600.0
FRAMES = 150_000
CLIENTS = 14
SEED = 6
SNAPLEN = 64  # frames that are neither IPv4 nor IPv6
KEEP_WHOLE_PORTS = (67, 68, 5353)


def _keep_whole(frame: bytes) -> bool:
    """DHCP and mDNS frames (what device naming dissects) are kept whole."""
    if len(frame) < 14:
        return False
    ethertype = struct.unpack_from(">H", frame, 12)[0]
    if ethertype == 0x0806:  # ARP: short anyway
        return True
    if ethertype == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] == 17 and len(frame) >= 14 + ihl + 4:
            sport, dport = struct.unpack_from(">HH", frame, 14 + ihl)
            return sport in KEEP_WHOLE_PORTS or dport in KEEP_WHOLE_PORTS
    if ethertype == 0x86DD and len(frame) >= 58 and frame[20] == 17:
        sport, dport = struct.unpack_from(">HH", frame, 54)
        return sport in KEEP_WHOLE_PORTS or dport in KEEP_WHOLE_PORTS
    return False


def _headers(frame: bytes) -> int:
    """Bytes up to the end of the IP header: all the meter reads."""
    if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
        return 14 + (frame[14] & 0x0F) * 4
    if frame[12:14] == b"\x86\xdd":
        return 54
    return SNAPLEN


def truncate(src: Path, dst) -> tuple[int, int]:
    """Copy pcap ``src`` to the open file ``dst`` with frames cut to SNAPLEN bytes."""
    data = src.read_bytes()
    magic, major, minor, zone, sigfigs, _snap, link = struct.unpack_from("<IHHiIII", data, 0)
    assert magic == 0xA1B2C3D4, "imix.py writes little-endian microsecond pcap"
    dst.write(struct.pack("<IHHiIII", magic, major, minor, zone, sigfigs, 65535, link))
    off, n, kept_whole = 24, 0, 0
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, off)
        frame = data[off + 16 : off + 16 + incl]
        if not _keep_whole(frame):
            frame = frame[: _headers(frame)]
        else:
            kept_whole += 1
        dst.write(struct.pack("<IIII", sec, usec, len(frame), orig))
        dst.write(frame)
        off += 16 + incl
        n += 1
    return n, kept_whole


def main() -> int:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import imix

    imix.SPAN_S = SPAN_S
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.pcap"
        imix.write_imix(full, FRAMES, CLIENTS, SEED)
        # mtime=0: the same input gives the same bytes
        with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            n, whole = truncate(full, gz)
    print(f"{OUT}: {n} frames ({whole} kept whole), {OUT.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
