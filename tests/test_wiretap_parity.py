"""Damaged and unusual capture files: ``usage --by mac`` against tshark 4.0.

Every file here is written byte by byte with ``struct``. tshark (Wireshark's
wiretap library) reads a damaged file up to the record it rejects, prints the
error, and still prints the endpoint table for what it read; ``usage`` must
then report exactly that table (and exit 0 with a warning). A file tshark
cannot open at all must make ``usage`` exit 2 with one line on stderr.

Each hand-made case also states what wiretap 4.0 does with it (``wiretap``:
"refused", or the frames it counts, "+error" when it stops at damage), so the
table below doubles as the record of what was found out; that expectation is
only checked against tshark 4.0.x, the parity with tshark always.

Then files cut at every offset, and a seeded fuzz: valid small pcap and pcapng
files with bytes flipped, overwritten, inserted, deleted or cut. ``usage``
must never fail with a traceback and must agree, on every file, with the
frames wiretap reads (through editcap: the same wiretap calls as tshark, 30
times faster, as tshark itself would take minutes here), and with tshark's
table on an evenly spread subset (HOTSPOT_FUZZ_TSHARK=all for every variant,
HOTSPOT_FUZZ_VARIANTS for more variants). A few named classes of difference
are detected, counted and printed, never skipped: tunnelled Ethernet (tshark
also lists inner headers), wire lengths of 2**31 and more (tshark adds them
as negative numbers), non-Ethernet link types (``--by mac`` on a Linux cooked
capture reports senders, tshark's eth table nothing), files wiretap hands to
a reader of some other format (MIME, JSON...; we refuse them) and link types
we do not account (refused).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import struct
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from oracle import IN_CI, TSHARK, parse_endpoints, requires_tshark

pytestmark = requires_tshark

CAPINFOS = shutil.which("capinfos")
EDITCAP = shutil.which("editcap")
FUZZ_VARIANTS = int(os.environ.get("HOTSPOT_FUZZ_VARIANTS", "300"))  # per format
# of which this many (evenly spread) also go through tshark itself; "all" for all
FUZZ_TSHARK = os.environ.get("HOTSPOT_FUZZ_TSHARK", "30")

Counters = tuple[int, int, int, int]


# --------------------------------------------------------------------------
# tshark and usage
# --------------------------------------------------------------------------


@dataclass
class Verdict:
    opened: bool  # tshark printed an endpoint table
    error: str  # what tshark printed on stderr ("" when it read the file cleanly)
    table: dict[str, Counters]


def tshark_eth(path: Path) -> Verdict:
    if TSHARK is None:  # requires_tshark skips these tests outside CI
        raise RuntimeError(f"tshark is not installed (CI={IN_CI}): these tests must run")
    proc = subprocess.run(
        [TSHARK, "-n", "-q", "-r", str(path), "-z", "endpoints,eth"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    error = "\n".join(
        line for line in proc.stderr.splitlines() if "could be dangerous" not in line
    ).strip()
    opened = "Ethernet Endpoints" in proc.stdout
    return Verdict(opened, error, parse_eth_table(proc.stdout) if opened else {})


def parse_eth_table(text: str) -> dict[str, Counters]:
    """oracle.parse_endpoints, except that a row's byte total may wrap around 2**64:
    tshark adds a frame length of 2**31 or more as a negative number."""
    try:
        return parse_endpoints(text).get("eth", {})
    except ValueError:
        pass
    table = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 7 and re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", parts[0]):
            pk, by, txp, txb, rxp, rxb = (int(x) for x in parts[1:])
            assert pk == txp + rxp and by == (txb + rxb) % 2**64, line
            table[parts[0]] = (txp, txb, rxp, rxb)
    return table


def _read_pcapng(data: bytes) -> list[tuple[int, int, int, bytes]]:
    """(link type, captured, wire length, first 14 bytes) of each EPB of a clean pcapng."""
    frames, links, off, order = [], [], 0, "<"
    while off + 12 <= len(data):
        if struct.unpack_from("<I", data, off)[0] == 0x0A0D0D0A:
            order = "<" if struct.unpack_from("<I", data, off + 8)[0] == 0x1A2B3C4D else ">"
            links = []
        btype, blen = struct.unpack_from(order + "II", data, off)
        if btype == 1:
            links.append(struct.unpack_from(order + "H", data, off + 8)[0])
        elif btype == 6:
            iface, _hi, _lo, cap, wire = struct.unpack_from(order + "IIIII", data, off + 8)
            frames.append((links[iface], cap, wire, data[off + 28 : off + 28 + min(cap, 14)]))
        off += max(blen, 12)
    return frames


def wiretap_eth(path: Path) -> Verdict:
    """The Ethernet endpoint table of the frames wiretap reads, without dissecting.

    editcap opens and reads the file with the same wiretap calls as tshark (in
    about 10 ms, where tshark spends 250 ms registering dissectors) and writes
    what it read to a clean pcapng, from which each frame's outer Ethernet
    header gives the table. ``opened`` is False when editcap cannot open the
    file; frames of other link types are left out of the table.
    """
    if EDITCAP is None:
        raise RuntimeError("editcap (wireshark-common) is not installed")
    out = path.with_name(path.name + ".wiretap")
    out.unlink(missing_ok=True)
    proc = subprocess.run(
        [EDITCAP, "-F", "pcapng", str(path), str(out)], capture_output=True, text=True, check=False
    )
    lines = [line for line in proc.stderr.splitlines() if "could be dangerous" not in line]
    error = "\n".join(line for line in lines if "can't be written" not in line).strip()
    if not out.exists():
        # Opened, but nothing to write: no interface was known when the first
        # read failed, so editcap could not start a pcapng (tshark: 0 frames).
        return Verdict(any("can't be written" in line for line in lines), error, {})
    table: dict[str, list[int]] = {}
    for link, cap, wire, head in _read_pcapng(out.read_bytes()):
        if link != 1 or cap < 14:
            continue
        dst, src = (":".join(f"{b:02x}" for b in head[i : i + 6]) for i in (0, 6))
        for addr, col in ((src, 0), (dst, 2)):
            row = table.setdefault(addr, [0, 0, 0, 0])
            row[col] += 1
            row[col + 1] += wire
    out.unlink()
    return Verdict(True, error, {a: tuple(c) for a, c in table.items()})


_TSHARK_4_0: bool | None = None


def tshark_is_4_0() -> bool:
    global _TSHARK_4_0
    if _TSHARK_4_0 is None:
        out = subprocess.run([TSHARK, "-v"], capture_output=True, text=True, check=False).stdout
        _TSHARK_4_0 = bool(re.search(r"\b4\.0\.\d+", out.splitlines()[0] if out else ""))
    return _TSHARK_4_0


@dataclass
class Ours:
    rc: int
    doc: dict | None
    stderr: str

    @property
    def totals(self) -> dict[str, Counters]:
        assert self.doc is not None
        return {
            a["address"]: (a["tx_frames"], a["tx_bytes"], a["rx_frames"], a["rx_bytes"])
            for a in self.doc["addresses"]
        }


def ours_cli(cli, path: Path) -> Ours:
    proc = cli.run(path, "--by", "mac", "--json")
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout) if proc.returncode == 0 else None
    return Ours(proc.returncode, doc, proc.stderr)


def ours_inproc(path: Path) -> Ours:
    """``usage`` in this process (HOTSPOT_DEBUG=1: an exception is a traceback here)."""
    from hotspot_manager.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["usage", str(path), "--by", "mac", "--json"])
    doc = json.loads(out.getvalue()) if rc == 0 else None
    return Ours(rc, doc, err.getvalue())


def ours_usage(path: Path) -> Ours:
    """What ``usage --by mac --json`` does, minus parsing its arguments (which costs
    25 ms, ten times the account of a small file); any exception fails the test."""
    from hotspot_manager.capture.accounting import account_file
    from hotspot_manager.capture.sources import CaptureError

    try:
        doc = json.loads(json.dumps(account_file(str(path), by="mac")))
    except CaptureError as exc:
        return Ours(2, None, f"hotspot-manager: error: {exc}\n")
    return Ours(0, doc, "")


def check_agreement(v: Verdict, ours: Ours, label: str) -> None:
    if not v.opened:
        assert ours.rc == 2, f"{label}: tshark cannot open it ({v.error}); usage exited {ours.rc}"
        lines = ours.stderr.splitlines()
        assert len(lines) == 1 and lines[0].strip(), f"{label}: want one stderr line: {lines}"
        assert ours.doc is None
        return
    assert ours.rc == 0, f"{label}: tshark read it ({v.error or 'no error'}); usage: {ours.stderr}"
    assert ours.totals == v.table, f"{label}: usage {ours.totals} != tshark {v.table} ({v.error})"
    if v.error:
        assert ours.doc["capture"]["warnings"], f"{label}: tshark reported {v.error!r}; no warning"


def wiretap_summary(v: Verdict) -> str:
    if not v.opened:
        return "refused"
    frames = sum(c[0] for c in v.table.values())
    return f"{frames}+error" if v.error else str(frames)


# --------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------


def eth(i: int, n: int = 60) -> bytes:
    """An Ethernet frame 02:00:00:00:00:ii -> 02:00:00:00:01:ii (ethertype 0x88b5, zeros)."""
    head = bytes([2, 0, 0, 0, 1, i, 2, 0, 0, 0, 0, i, 0x88, 0xB5])
    return (head + bytes(max(0, n - 14)))[:n]


@dataclass
class Rec:
    data: bytes
    incl: int | None = None
    orig: int | None = None
    frac: int = 5
    extra: bytes = b""  # more record header (modified / Nokia layouts)
    swap: bool = False  # lengths in the pre-2.3 order


def pcap(
    recs: list[Rec],
    *,
    magic: int = 0xA1B2C3D4,
    order: str = "<",
    version: tuple[int, int] = (2, 4),
    snaplen: int = 262144,
    link: int = 1,
    extra: bytes = b"",
) -> bytes:
    out = struct.pack(order + "IHHiIII", magic, *version, 0, 0, snaplen, link) + extra
    for i, r in enumerate(recs):
        incl = len(r.data) if r.incl is None else r.incl
        orig = len(r.data) if r.orig is None else r.orig
        if r.swap:
            incl, orig = orig, incl
        out += struct.pack(order + "IIII", 1_700_000_000 + i, r.frac, incl, orig) + r.extra + r.data
    return out


def recs4(**over) -> list[Rec]:
    """Four records (60, 100, 70, 80 bytes); over: {index: {field: value}}."""
    out = [Rec(eth(1, 60)), Rec(eth(2, 100)), Rec(eth(3, 70)), Rec(eth(4, 80))]
    for i, kw in over.items():
        for k, val in kw.items():
            setattr(out[int(i[1:])], k, val)
    return out


def block(btype: int, body: bytes, order: str = "<", blen=None, trailer=None) -> bytes:
    body += bytes(-len(body) % 4)
    n = 12 + len(body) if blen is None else blen
    return (
        struct.pack(order + "II", btype, n)
        + body
        + struct.pack(order + "I", n if trailer is None else trailer)
    )


def opt(code: int, value: bytes, order: str = "<") -> bytes:
    return struct.pack(order + "HH", code, len(value)) + value + bytes(-len(value) % 4)


def shb(order: str = "<", version=(1, 0), opts: bytes = b"", **kw) -> bytes:
    body = struct.pack(order + "IHHq", 0x1A2B3C4D, *version, -1) + opts
    return block(0x0A0D0D0A, body, order, **kw)


def idb(link: int = 1, snaplen: int = 0, order: str = "<", opts: bytes = b"", **kw) -> bytes:
    return block(1, struct.pack(order + "HHI", link, 0, snaplen) + opts, order, **kw)


def epb(data: bytes, iface=0, order="<", cap=None, wire=None, opts=b"", **kw) -> bytes:
    cap = len(data) if cap is None else cap
    wire = len(data) if wire is None else wire
    body = struct.pack(order + "IIIII", iface, 0, 1000, cap, wire) + data + bytes(-len(data) % 4)
    return block(6, body + opts, order, **kw)


def spb(data: bytes, wire=None, order="<", **kw) -> bytes:
    wire = len(data) if wire is None else wire
    return block(3, struct.pack(order + "I", wire) + data, order, **kw)


P1, P2, P3 = epb(eth(1, 60)), epb(eth(2, 100)), epb(eth(3, 70))
NG = shb() + idb()


def ixia(magic: int, recs: list[Rec]) -> bytes:
    body = pcap(recs)
    return struct.pack("<I", magic) + body[4:24] + struct.pack("<I", len(body) - 24) + body[24:]


# --------------------------------------------------------------------------
# Hand-made cases: (name, bytes, what wiretap 4.0 does)
# --------------------------------------------------------------------------

CASES: list[tuple[str, bytes, str]] = [
    # -- pcap: plain files, both byte orders, both resolutions, Ixia's headers
    ("pcap-le-us", pcap(recs4()), "4"),
    ("pcap-be-ns", pcap(recs4(), magic=0xA1B23C4D, order=">"), "4"),
    ("pcap-ixia-sw", ixia(0x1C0001AB, recs4()), "4"),
    ("pcap-ixia-hw", ixia(0x1C0001AC, recs4()), "4"),
    ("pcap-header-only", pcap([]), "0"),
    ("pcap-header-cut", pcap([])[:20], "refused"),
    ("pcap-magic-only", pcap([])[:4], "refused"),
    ("pcap-version-1.4", pcap(recs4(), version=(1, 4)), "refused"),
    ("pcap-linktype-reserved-bits", pcap(recs4(), link=0x00010001), "refused"),
    ("pcap-linktype-fcs-bits", pcap(recs4(), link=0x24000001), "4"),
    # lengths in the old order (version < 2.3, DG/UX 543.0), or either (2.3)
    (
        "pcap-v2.2-old-length-order",
        pcap(recs4(r0={"swap": True}, r1={"swap": True}), version=(2, 1)),
        "4",
    ),
    ("pcap-v543-old-length-order", pcap([Rec(eth(1), swap=True, orig=64)], version=(543, 0)), "1"),
    ("pcap-v2.3-either-order", pcap(recs4(r1={"orig": 120, "swap": True}), version=(2, 3)), "4"),
    # AIX: version 2.2 and an RFC 1573 ifType (6 = Ethernet); nanoseconds
    ("pcap-aix-ethernet", pcap(recs4(), version=(2, 2), link=6), "4"),
    # -- pcap: per-record limits
    ("pcap-rec1-incl-300000", pcap(recs4(r0={"incl": 300000})), "0+error"),
    ("pcap-rec4-incl-300000", pcap(recs4(r3={"incl": 300000})), "3+error"),
    ("pcap-rec4-incl-262145", pcap(recs4(r3={"incl": 262145})), "3+error"),
    ("pcap-last-cut-in-data", pcap(recs4())[:-10], "3+error"),
    ("pcap-rec1-incl-gt-orig", pcap(recs4(r0={"orig": 50})), "4"),
    ("pcap-rec4-orig-200MiB", pcap(recs4(r3={"orig": 200 << 20})), "4"),
    ("pcap-snaplen-0", pcap(recs4(), snaplen=0), "4"),
    # -- pcap: wiretap's variant heuristic (first three records) picks another layout
    ("pcap-rec2-incl-300000", pcap(recs4(r1={"incl": 300000})), "1+error"),
    ("pcap-rec2-incl-100000", pcap(recs4(r1={"incl": 100000})), "1+error"),
    ("pcap-rec3-incl-300000", pcap(recs4(r2={"incl": 300000})), "1+error"),
    ("pcap-rec2-incl-gt-orig", pcap(recs4(r1={"orig": 50})), "1+error"),
    ("pcap-snaplen-64", pcap(recs4(), snaplen=64), "1+error"),
    ("pcap-be-rec2-incl-300000", pcap(recs4(r1={"incl": 300000}), order=">"), "1+error"),
    ("pcap-cut-in-rec2-header", pcap(recs4()[:2])[: 24 + 76 + 8], "1"),
    (
        "pcap-v2.2-rec2-incl-300000",
        pcap(recs4(r1={"incl": 300000, "orig": 300000}), version=(2, 2)),
        "1+error",
    ),
    # nanosecond and Ixia magics are never second-guessed
    ("pcap-ns-rec2-incl-300000", pcap(recs4(r1={"incl": 300000}), magic=0xA1B23C4D), "1+error"),
    ("pcap-ns-frac-2e9", pcap(recs4(r0={"frac": 2_000_000_000}), magic=0xA1B23C4D), "4"),
    # -- pcap: the variant layouts themselves
    (
        "pcap-modified-ss991029",
        pcap([Rec(r.data, extra=bytes(8)) for r in recs4()], magic=0xA1B2CD34),
        "4",
    ),
    (
        "pcap-modified-ss990915",
        pcap([Rec(r.data, extra=bytes(12)) for r in recs4()], magic=0xA1B2CD34),
        "4",
    ),
    ("pcap-ss990417-layout", pcap([Rec(r.data, extra=bytes(8)) for r in recs4()]), "4"),
    ("pcap-nokia-layout", pcap([Rec(r.data, extra=bytes(4)) for r in recs4()]), "4"),
    # -- pcapng: blocks and lengths
    ("ng-valid", NG + P1 + P2 + P3, "3"),
    ("ng-be", shb(">") + idb(order=">") + epb(eth(1), order=">") + spb(eth(2), order=">"), "2"),
    ("ng-section-header-only", shb(), "0"),
    ("ng-first-shb-cut", shb()[:27], "refused"),
    ("ng-first-shb-version-1.1", shb(version=(1, 1)) + idb() + P1, "refused"),
    ("ng-first-shb-version-2.0", shb(version=(2, 0)) + idb() + P1, "refused"),
    ("ng-first-shb-trailer-mismatch", shb(trailer=32) + idb() + P1, "refused"),
    ("ng-first-idb-too-short", shb() + block(1, b"\x01\x00\x00\x00") + P1, "refused"),
    ("ng-first-idb-option-overrun", shb() + idb(opts=struct.pack("<HH", 2, 64)) + P1, "refused"),
    ("ng-3-bytes-after-shb", shb() + b"\x01\x00\x00", "refused"),
    ("ng-3-bytes-at-end", NG + P1 + b"\x01\x00\x00", "1+error"),
    ("ng-block-length-rounded-up", NG + P1 + epb(eth(2, 59), blen=91, trailer=92) + P3, "3"),
    ("ng-trailer-mismatch", NG + P1 + epb(eth(2), trailer=200) + P3, "1+error"),
    ("ng-block-length-8", NG + P1 + block(0x99, b"", blen=8) + P2, "1+error"),
    ("ng-block-length-huge", NG + P1 + block(6, bytes(40), blen=0x7FFFFFF0) + P2, "1+error"),
    ("ng-epb-shorter-than-its-packet", NG + P1 + epb(eth(2, 100), cap=104) + P3, "1+error"),
    ("ng-epb-cap-300000", NG + P1 + epb(eth(2, 100), cap=300000) + P3, "1+error"),
    ("ng-epb-undefined-interface", NG + P1 + epb(eth(2), iface=1) + P3, "1+error"),
    ("ng-epb-before-any-idb", shb() + P1 + idb() + P2, "0+error"),
    ("ng-spb-before-any-idb", shb() + spb(eth(1)) + idb() + P2, "0+error"),
    ("ng-spb-snaplen-0", shb() + idb(snaplen=0) + spb(eth(1)) + spb(eth(2, 100)), "2"),
    (
        "ng-spb-longer-than-snaplen",
        shb() + idb(snaplen=64) + spb(eth(1)) + spb(eth(2, 100)),
        "1+error",
    ),
    ("ng-spb-truncated-to-snaplen", shb() + idb(snaplen=64) + spb(eth(2, 100)[:64], wire=100), "1"),
    (
        "ng-unknown-blocks-skipped",
        NG + P1 + block(0x99, b"xyz") + block(0x208, b"") + block(0x80000001, b"") + P2,
        "2",
    ),
    # blocks wiretap parses (and can reject) although they carry no packet
    ("ng-nrb-too-short", NG + P1 + block(4, b"") + P2, "1+error"),
    (
        "ng-nrb-unterminated-name",
        NG + P1 + block(4, struct.pack("<HH", 1, 8) + b"\x0a\0\0\x01host" + bytes(4)) + P2,
        "1+error",
    ),
    (
        "ng-nrb-good",
        NG + P1 + block(4, struct.pack("<HH", 1, 9) + b"\x0a\0\0\x01host\0" + bytes(7)) + P2,
        "2",
    ),
    ("ng-isb-too-short", NG + P1 + block(5, b"") + P2, "1+error"),
    (
        "ng-dsb-secrets-overrun",
        NG + P1 + block(0xA, struct.pack("<II", 0x544C534B, 40) + b"abcd") + P2,
        "1+error",
    ),
    ("ng-custom-block-too-short", NG + P1 + block(0xBAD, b"") + P2, "1+error"),
    ("ng-custom-block", NG + P1 + block(0xBAD, struct.pack("<I", 32473) + b"data") + P2, "2"),
    (
        "ng-netflix-block-unknown-type",
        NG + P1 + block(0xBAD, struct.pack("<II", 10949, 9)) + P2,
        "1",
    ),
    ("ng-sysdig-too-short", NG + P1 + block(0x204, b"") + P2, "1+error"),
    ("ng-journal-too-short", NG + P1 + block(9, b"") + P2, "1+error"),
    # options
    (
        "ng-option-overrun",
        NG + P1 + epb(eth(2), opts=struct.pack("<HH", 1, 200) + b"abcd") + P3,
        "1+error",
    ),
    (
        "ng-option-end-then-junk",
        NG + P1 + epb(eth(2), opts=struct.pack("<HH", 0, 4) + b"abcd") + P3,
        "3",
    ),
    ("ng-epb-flags-3-bytes", NG + P1 + epb(eth(2), opts=opt(2, b"abc")) + P3, "1+error"),
    ("ng-epb-flags-4-bytes", NG + P1 + epb(eth(2), opts=opt(2, b"abcd")) + P3, "3"),
    ("ng-epb-dropcount-4-bytes", NG + P1 + epb(eth(2), opts=opt(4, b"abcd")) + P3, "1+error"),
    ("ng-epb-verdict-empty", NG + P1 + epb(eth(2), opts=opt(7, b"")) + P3, "1+error"),
    ("ng-epb-custom-option-2-bytes", NG + P1 + epb(eth(2), opts=opt(2988, b"ab")) + P3, "1+error"),
    (
        "ng-epb-netflix-option-short",
        NG + P1 + epb(eth(2), opts=opt(2989, struct.pack("<I", 10949) + b"ab")) + P3,
        "1",
    ),
    ("ng-idb-empty-filter-option", NG + P1 + idb(opts=opt(11, b"")) + P2, "1+error"),
    ("ng-idb-tsresol-huge", shb() + idb(opts=opt(9, b"\x7f")) + P1 + P2, "2"),
    # sections
    ("ng-second-section-v1.2", NG + P1 + shb(version=(1, 2)) + idb() + P2, "2"),
    ("ng-second-section-v2.0", NG + P1 + shb(version=(2, 0)) + idb() + P2, "1+error"),
    (
        "ng-second-section-bad-bom",
        NG + P1 + block(0x0A0D0D0A, struct.pack("<IHHq", 7, 1, 0, -1)) + idb() + P2,
        "1+error",
    ),
    (
        "ng-second-section-other-order",
        NG + P1 + shb(">") + idb(order=">") + epb(eth(2), order=">"),
        "2",
    ),
    # link types: a first section of another link type is refused; later ones are skipped
    (
        "ng-usb-then-ethernet-interface",
        shb() + idb(link=189) + idb() + epb(eth(1), iface=1) + P1,
        "1",
    ),
]


# Run as the operator would (a process each): one case per kind of outcome.
SUBPROCESS_CASES = {
    "pcap-le-us",
    "pcap-header-cut",
    "pcap-version-1.4",
    "pcap-rec2-incl-300000",
    "pcap-last-cut-in-data",
    "ng-first-idb-too-short",
    "ng-epb-undefined-interface",
    "ng-usb-then-ethernet-interface",
}


@pytest.fixture(scope="module")
def case_results(cli, tmp_path_factory) -> dict[str, tuple[Verdict, Ours]]:
    """tshark on every case, side by side; ``usage`` in this process, and in its
    own process too for SUBPROCESS_CASES (the two must say the same)."""
    d = tmp_path_factory.mktemp("cases")
    paths = {}
    for name, data, _ in CASES:
        paths[name] = d / f"{name}.cap"
        paths[name].write_bytes(data)
    with ThreadPoolExecutor(4) as pool:
        verdicts = {n: pool.submit(tshark_eth, p) for n, p in paths.items()}
        procs = {n: pool.submit(ours_cli, cli, paths[n]) for n in SUBPROCESS_CASES}
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("HOTSPOT_DEBUG", "1")  # an exception is a traceback, not exit 1
            ours = {n: ours_inproc(p) for n, p in paths.items()}
        for n, proc in procs.items():
            got = proc.result()
            assert (got.rc, got.doc, got.stderr) == (ours[n].rc, ours[n].doc, ours[n].stderr), n
        return {n: (verdicts[n].result(), ours[n]) for n in paths}


@pytest.mark.parametrize(
    ("name", "wiretap"), [(c[0], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_case_agrees_with_tshark(case_results, name, wiretap):
    v, ours = case_results[name]
    if tshark_is_4_0():
        assert wiretap_summary(v) == wiretap, f"wiretap 4.0 was found to do {wiretap}: {v}"
    check_agreement(v, ours, name)


# --------------------------------------------------------------------------
# Known differences, stated rather than hidden
# --------------------------------------------------------------------------

TINY = [("empty", b""), ("3-bytes-of-pcap", pcap([])[:3]), ("pcapng-cut-in-shb", shb()[:20])]


@pytest.mark.parametrize(("name", "data"), TINY, ids=[t[0] for t in TINY])
def test_files_wiretap_hands_to_other_readers_are_refused(cli, tmp_path, name, data):
    """wiretap reads a 0-byte file as an empty ERF capture, 1-3 bytes as MP4 and a
    pcapng cut inside its first section header as a MIME file: tshark prints an
    empty Ethernet table. ``usage`` says "not a capture" (exit 2): nothing is
    lost, and an empty file is not a capture (tests/test_usage_cli.py)."""
    path = tmp_path / f"{name}.cap"
    path.write_bytes(data)
    v = tshark_eth(path)
    assert v.opened and not v.table and not v.error, v
    ours = ours_cli(cli, path)
    assert ours.rc == 2 and len(ours.stderr.splitlines()) == 1, ours


def test_wire_length_of_2_to_the_31_is_not_sign_extended(tmp_path):
    """tshark adds a frame's length to its endpoint counters as a signed 32-bit
    number, so 2**31 bytes and more come out near 2**64. We count the length
    the file gives (what a bill needs), so the two differ for such frames."""
    path = tmp_path / "big.pcap"
    path.write_bytes(pcap(recs4(r3={"orig": 2**31})))
    v = tshark_eth(path)
    assert v.table["02:00:00:00:00:04"][1] == 2**64 - 2**31, v.table
    ours = ours_inproc(path)
    assert ours.totals["02:00:00:00:00:04"] == (1, 2**31, 0, 0)
    others = {a: c for a, c in v.table.items() if not a.endswith(":04")}
    assert {a: c for a, c in ours.totals.items() if not a.endswith(":04")} == others


# --------------------------------------------------------------------------
# Cut at every offset
# --------------------------------------------------------------------------

SMALL_PCAP = pcap([Rec(eth(1, 14)), Rec(eth(2, 20)), Rec(eth(3, 16))])
SMALL_NG = NG + epb(eth(1, 14)) + spb(eth(2, 20)) + epb(eth(3, 16), opts=opt(1, b"hi"))


def _tshark_subset(n: int, spread: str) -> set[int]:
    if spread == "all":
        return set(range(n))
    k = int(spread)
    return {round(i * (n - 1) / max(k - 1, 1)) for i in range(min(k, n))}


def _sweep(tmp_path: Path, data: bytes, stem: str) -> None:
    """Every prefix of data: usage against wiretap's frames (editcap) at every cut,
    and against tshark's table at each cut where wiretap's verdict changes."""
    paths = []
    for cut in range(len(data) + 1):
        p = tmp_path / f"{stem}-{cut:04d}"
        p.write_bytes(data[:cut])
        paths.append(p)
    with ThreadPoolExecutor(4) as pool:
        wiretap = list(pool.map(wiretap_eth, paths))
        seen = [(v.opened, bool(v.error), v.table) for v in wiretap]
        by_tshark = [i for i in range(len(paths)) if i == 0 or seen[i] != seen[i - 1]]
        tshark = {i: pool.submit(tshark_eth, paths[i]) for i in by_tshark}
        for cut, (p, v) in enumerate(zip(paths, wiretap, strict=True)):
            ours = ours_usage(p)
            verdicts = [(v, False)] + ([(tshark[cut].result(), True)] if cut in tshark else [])
            for verdict, is_tshark in verdicts:
                kind = classify(p, verdict, ours, tshark=is_tshark)
                if kind == "read by wiretap as another file format":
                    # 0-3 bytes (ERF, MP4), or a pcapng cut in its first block (MIME)
                    assert cut < 4 or (stem == "pcapng" and cut < 28), (cut, verdict)
                else:
                    assert kind == "agree", (cut, kind, verdict, ours)
    assert len(by_tshark) >= 8, by_tshark


def test_pcap_cut_at_every_offset(tmp_path):
    _sweep(tmp_path, SMALL_PCAP, "pcap")


def test_pcapng_cut_at_every_offset(tmp_path):
    _sweep(tmp_path, SMALL_NG, "pcapng")


# --------------------------------------------------------------------------
# Seeded fuzz
# --------------------------------------------------------------------------

INTERESTING = [
    0,
    1,
    3,
    4,
    12,
    13,
    14,
    16,
    20,
    28,
    32,
    60,
    64,
    100,
    999_999,
    1_000_000,
    65535,
    262144,
    262145,
    300000,
    0x7FFFFFFF,
    0xFFFFFFFF,
]


def fuzz_pcap(rng: random.Random) -> bytes:
    magic = rng.choice([0xA1B2C3D4, 0xA1B2C3D4, 0xA1B23C4D, 0xA1B2CD34])
    order = rng.choice("<>")
    version = rng.choice([(2, 4), (2, 4), (2, 4), (2, 3), (2, 2), (543, 0)])
    snaplen = rng.choice([262144, 262144, 65535, 96, 0])
    extra = bytes(rng.choice([8, 12])) if magic == 0xA1B2CD34 else b""
    recs = []
    for i in range(rng.randint(1, 6)):
        n = rng.choice([60, 64, 100, 1514, 42, 10])
        orig = n if rng.random() < 0.8 else n + rng.randint(1, 100)
        recs.append(Rec(eth(i, n), orig=orig, frac=rng.randrange(1_000_000), extra=extra))
    b = bytearray(pcap(recs, magic=magic, order=order, version=version, snaplen=snaplen))
    for _ in range(rng.randint(1, 3)):
        k = rng.random()
        if k < 0.35 and len(b) > 28:  # a record-header-sized value somewhere
            at = rng.randrange(24, len(b) - 3)
            at -= (at - 24) % 4
            struct.pack_into(order + "I", b, at, rng.choice(INTERESTING))
        elif k < 0.6 and b:
            b[rng.randrange(len(b))] = rng.getrandbits(8)
        elif k < 0.75:
            del b[rng.randrange(len(b) + 1) :]
        elif k < 0.9:
            at = rng.randrange(len(b) + 1)
            b[at:at] = rng.randbytes(rng.randint(1, 8))
        elif len(b) >= 24:  # version or snaplen
            at = rng.choice([4, 6, 16])
            struct.pack_into(order + "H", b, at, rng.choice([0, 1, 2, 3, 4, 543]))
    return bytes(b)


def fuzz_pcapng(rng: random.Random) -> bytes:
    out = bytearray()
    for _ in range(rng.choice([1, 1, 1, 2])):
        o = rng.choice("<>")
        opts = opt(4, b"tester", o) + opt(0, b"", o) if rng.random() < 0.5 else b""
        out += shb(o, (1, rng.choice([0, 0, 2])), opts)
        snaps = []
        for _ in range(rng.choice([1, 1, 2])):
            snap = rng.choice([0, 0, 262144, 64, 96])
            snaps.append(snap)
            io_ = b""
            if rng.random() < 0.5:
                io_ += opt(2, b"eth0", o)
            if rng.random() < 0.3:
                io_ += opt(9, bytes([rng.choice([6, 9, 0x80 | 20])]), o)
            if io_:
                io_ += opt(0, b"", o)
            out += idb(1, snap, o, io_)
        for i in range(rng.randint(1, 5)):
            r, n = rng.random(), rng.choice([60, 64, 100, 42, 10, 1514])
            iface = rng.randrange(len(snaps))
            cap = min(n, snaps[iface]) if snaps[iface] else n
            if r < 0.6:
                po = b""
                if rng.random() < 0.3:
                    po += opt(1, b"hello", o)
                if rng.random() < 0.3:
                    po += opt(2, struct.pack(o + "I", 1), o)
                out += epb(eth(i, cap), iface, o, wire=n, opts=po)
            elif r < 0.7:
                cap = min(n, snaps[0]) if snaps[0] else n
                out += spb(eth(i, cap), n, o)
            elif r < 0.78:
                body = struct.pack(o + "HHIIII", iface, 0, 0, 1000, cap, n) + eth(i, cap)
                out += block(2, body, o)
            elif r < 0.84:
                rec = struct.pack(o + "HH", 1, 9) + b"\x0a\0\0\x01host\0" + bytes(3)
                out += block(4, rec + struct.pack(o + "HH", 0, 0), o)
            elif r < 0.9:
                out += block(5, struct.pack(o + "III", 0, 0, 0) + opt(4, bytes(8), o), o)
            elif r < 0.95:
                out += block(0xBAD, struct.pack(o + "I", 32473) + b"custom", o)
            else:
                out += block(rng.choice([0x99, 0x208, 0x80000001]), b"unknown!", o)
    b = out
    for _ in range(rng.randint(1, 3)):
        k = rng.random()
        if k < 0.4 and len(b) >= 8:
            at = rng.randrange(0, len(b) - 3) & ~3
            struct.pack_into(rng.choice("<>") + "I", b, at, rng.choice(INTERESTING))
        elif k < 0.6 and b:
            b[rng.randrange(len(b))] = rng.getrandbits(8)
        elif k < 0.75:
            del b[rng.randrange(len(b) + 1) :]
        elif k < 0.85:
            at = rng.randrange(len(b) + 1) & ~3
            b[at:at] = rng.randbytes(rng.choice([1, 4, 8]))
        else:
            at = rng.randrange(len(b) + 1) & ~3
            del b[at : at + rng.choice([4, 8, 12])]
    return bytes(b)


def _file_type(path: Path) -> str:
    if CAPINFOS is None:
        raise RuntimeError("capinfos (wireshark-common) is not installed")
    out = subprocess.run([CAPINFOS, "-t", str(path)], capture_output=True, text=True).stdout
    m = re.search(r"File type:\s*(.*)", out)
    return m.group(1).strip() if m else "?"


def _tunnelled(path: Path) -> bool:
    """Does tshark see more than one Ethernet header in some frame?"""
    out = subprocess.run(
        [TSHARK, "-n", "-r", str(path), "-T", "fields", "-e", "eth.src"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return any("," in line for line in out.splitlines())


def classify(path: Path, v: Verdict, ours: Ours, tshark: bool) -> str:
    """'agree', or the named reason a variant may differ; 'MISMATCH' otherwise."""
    try:
        check_agreement(v, ours, path.name)
        return "agree"
    except AssertionError:
        pass
    if ours.rc == 2 and v.opened:
        if "unsupported link type" in ours.stderr:
            return "link type we do not account (refused)"
        if "pcap" not in _file_type(path).lower():
            return "read by wiretap as another file format"
    if ours.rc == 0 and v.opened:
        if ours.doc["capture"]["link_type"] != "Ethernet":
            return "not an Ethernet capture"
        if tshark and any(c[1] >= 2**63 or c[3] >= 2**63 for c in v.table.values()):
            return "wire length >= 2**31 (tshark sign-extends)"
        if tshark and _tunnelled(path):
            return "tunnelled Ethernet"
    return "MISMATCH"


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_fuzz_agrees_with_wiretap_and_tshark(tmp_path, fmt):
    """Every variant against wiretap's frames (editcap); an evenly spread subset
    against tshark's endpoint table as well."""
    make = fuzz_pcap if fmt == "pcap" else fuzz_pcapng
    paths = []
    for seed in range(FUZZ_VARIANTS):
        p = tmp_path / f"{fmt}-{seed:04d}"
        p.write_bytes(make(random.Random(f"{fmt}-{seed}")))
        paths.append(p)
    by_tshark = _tshark_subset(len(paths), FUZZ_TSHARK)
    outcome: Counter[str] = Counter()
    bad = []
    with ThreadPoolExecutor(4) as pool:
        tshark = {i: pool.submit(tshark_eth, paths[i]) for i in sorted(by_tshark)}
        wiretap = pool.map(wiretap_eth, paths)
        for i, (p, v) in enumerate(zip(paths, wiretap, strict=True)):
            ours = ours_usage(p)  # raises on what would be a traceback
            checks = [("wiretap", v, False)]
            if i in tshark:
                checks.append(("tshark", tshark[i].result(), True))
            for oracle, verdict, is_tshark in checks:
                kind = classify(p, verdict, ours, is_tshark)
                outcome[f"{oracle}: {kind}"] += 1
                if kind == "MISMATCH":
                    got = ours.totals if ours.doc else ours.stderr.strip()
                    bad.append(
                        f"{p.name} vs {oracle}: opened={verdict.opened} {verdict.error!r} "
                        f"{verdict.table} / usage {got}"
                    )
    summary = ", ".join(f"{k} {n}" for k, n in sorted(outcome.items()))
    print(f"\n{fmt} fuzz, {FUZZ_VARIANTS} variants ({len(by_tshark)} through tshark): {summary}")
    assert not bad, f"{summary}\n" + "\n".join(bad[:20])
    # the named differences stay exceptions
    assert outcome["wiretap: agree"] >= 0.9 * FUZZ_VARIANTS, summary
    assert outcome["tshark: agree"] >= 0.85 * len(by_tshark), summary
