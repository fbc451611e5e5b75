"""The ``usage`` command as a user sees it: JSON shape, table, exit codes, edge files."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from captures import (
    BASE_TS_NS,
    LT_SLL,
    LT_USER0,
    MAC_A,
    MAC_B,
    MAC_GW,
    Interface,
    Record,
    Section,
    basic_eth_records,
    eth_record,
    expected_capture,
    expected_split,
    expected_totals,
    hotspot_mix,
    malformed_eth_records,
    write_pcap,
    write_pcapng,
)
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

CAPTURE_KEYS = {
    "frames",
    "bytes",
    "link_type",
    "first_ts",
    "last_ts",
    "malformed_frames",
    "warnings",
}
COUNTER_KEYS = {"tx_frames", "tx_bytes", "rx_frames", "rx_bytes"}
REPO_ROOT = Path(__file__).resolve().parents[1]
MAC_RE = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def _is_int(v) -> bool:
    return type(v) is int and v >= 0


def _totals(doc: dict) -> dict[str, list[int]]:
    return {
        a["address"]: [a["tx_frames"], a["tx_bytes"], a["rx_frames"], a["rx_bytes"]]
        for a in doc["addresses"]
    }


def assert_clean_failure(proc: subprocess.CompletedProcess[str]) -> None:
    """Exit 2, nothing on stdout, exactly one line on stderr, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == "", proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"want one line on stderr, got {lines!r}"


@pytest.fixture
def basic_pcap(tmp_path):
    return write_pcap(tmp_path / "basic.pcap", basic_eth_records(n=12))


# --------------------------------------------------------------------------
# JSON shape
# --------------------------------------------------------------------------


def test_json_shape_exact(cli, basic_pcap):
    proc = cli.run(basic_pcap.path, "--by", "mac", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # stdout holds the JSON document and nothing else
    assert set(doc) == {"capture", "by", "addresses"}
    cap = doc["capture"]
    assert set(cap) == CAPTURE_KEYS
    for k in ("frames", "bytes", "malformed_frames"):
        assert _is_int(cap[k]), (k, cap[k])
    assert isinstance(cap["link_type"], str) and cap["link_type"]
    assert type(cap["first_ts"]) is float and type(cap["last_ts"]) is float
    assert isinstance(cap["warnings"], list) and all(isinstance(w, str) for w in cap["warnings"])
    assert cap["warnings"] == []  # a clean Ethernet capture has nothing to warn about
    assert doc["by"] == "mac"
    assert isinstance(doc["addresses"], list) and doc["addresses"]
    seen = set()
    for a in doc["addresses"]:
        assert set(a) == {"address"} | COUNTER_KEYS, a
        assert all(_is_int(a[k]) for k in COUNTER_KEYS), a
        assert MAC_RE.match(a["address"]), a["address"]
        assert a["address"] not in seen
        seen.add(a["address"])
    assert _totals(doc) == expected_totals(basic_pcap, "mac")


def test_json_shape_with_lan(cli, basic_pcap):
    doc = cli.json(basic_pcap.path, "--lan", "192.168.88.0/24", "--lan", "fd00:88::/64")
    assert doc["by"] == "mac"
    for a in doc["addresses"]:
        assert set(a) == {"address", "internet", "local"} | COUNTER_KEYS, a
        for part in ("internet", "local"):
            assert set(a[part]) == COUNTER_KEYS, a
            assert all(_is_int(a[part][k]) for k in COUNTER_KEYS), a
            assert all(a[part][k] <= a[k] for k in COUNTER_KEYS)
        for k in COUNTER_KEYS:
            assert a["internet"][k] + a["local"][k] == a[k], a
    order = ("tx_frames", "tx_bytes", "rx_frames", "rx_bytes")
    got = {
        a["address"]: {p: [a[p][k] for k in order] for p in ("internet", "local")}
        for a in doc["addresses"]
    }
    assert got == expected_split(basic_pcap, "mac", ["192.168.88.0/24", "fd00:88::/64"])


def test_json_shape_by_ip(cli, basic_pcap):
    doc = cli.json(basic_pcap.path, "--by", "ip")
    assert doc["by"] == "ip"
    for a in doc["addresses"]:
        assert set(a) == {"address"} | COUNTER_KEYS, a
        # the canonical text form (what tshark prints too: RFC 5952 for IPv6)
        assert str(ipaddress.ip_address(a["address"])) == a["address"], a["address"]
    assert _totals(doc) == expected_totals(basic_pcap, "ip")


def test_default_by_is_mac(cli, basic_pcap):
    """`[--by mac|ip]` is optional; the issue's example output says "by": "mac"."""
    doc = cli.json(basic_pcap.path)
    assert doc["by"] == "mac"
    assert _totals(doc) == expected_totals(basic_pcap, "mac")


def test_console_script_matches_module(cli, basic_pcap):
    script = Path(sys.executable).with_name("hotspot-manager")
    if not script.exists():
        pytest.skip(f"{script} not installed (pip install -e .)")
    proc = subprocess.run(
        [str(script), "usage", str(basic_pcap.path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == cli.json(basic_pcap.path)


# --------------------------------------------------------------------------
# Table output
# --------------------------------------------------------------------------


def _small_capture(tmp_path: Path):
    """Three stations, distinct small counts (no thousands separators possible)."""
    recs = []
    ts = BASE_TS_NS
    for i in range(3):  # A -> GW, 3 frames x 100 bytes
        recs.append(
            eth_record(
                Ether(src=MAC_A, dst=MAC_GW)
                / IP(src="192.168.88.10", dst="93.184.216.34")
                / UDP()
                / Raw(b"\0" * 58),
                ts + i * 1000,
            )
        )
    for i in range(5):  # GW -> B, 5 frames x 70 bytes
        recs.append(
            eth_record(
                Ether(src=MAC_GW, dst=MAC_B)
                / IP(src="93.184.216.34", dst="192.168.88.11")
                / UDP()
                / Raw(b"\0" * 28),
                ts + 10_000 + i * 1000,
            )
        )
    assert {len(r.data) for r in recs} == {100, 70}
    return write_pcap(tmp_path / "small.pcap", recs)


@pytest.mark.parametrize("extra", [(), ("--lan", "192.168.88.0/24")], ids=["plain", "lan"])
def test_table_output(cli, tmp_path, extra):
    w = _small_capture(tmp_path)
    proc = cli.run(w.path, *extra)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.strip()
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
    want = expected_totals(w, "mac")
    assert want == {MAC_A: [3, 300, 0, 0], MAC_GW: [5, 350, 3, 300], MAC_B: [0, 0, 5, 350]}
    for mac, (txf, txb, rxf, rxb) in want.items():
        lines = [ln for ln in out.splitlines() if mac in ln.lower()]
        assert len(lines) == 1, f"{mac} should be on exactly one table row:\n{out}"
        tokens = re.findall(r"\d+", lines[0].lower().replace(mac, ""))
        for n in (txf, txb, rxf, rxb):
            assert str(n) in tokens, f"{n} missing from row for {mac}: {lines[0]!r}"


def test_table_output_by_ip(cli, tmp_path):
    w = _small_capture(tmp_path)
    proc = cli.run(w.path, "--by", "ip")
    assert proc.returncode == 0, proc.stderr
    for ip in ("192.168.88.10", "93.184.216.34", "192.168.88.11"):
        assert ip in proc.stdout


# --------------------------------------------------------------------------
# Files that are not (good) captures
# --------------------------------------------------------------------------


def _garbage(tmp_path: Path, kind: str) -> Path:
    p = tmp_path / f"{kind}.pcap"
    if kind == "random":
        p.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(4096)))
    elif kind == "text":
        p.write_text("this is not a capture file\n" * 20)
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "missing":
        pass
    elif kind == "directory":
        p.mkdir()
    elif kind == "unknown-linktype-pcap":
        write_pcap(p, basic_eth_records(n=3), linktype=LT_USER0)
    elif kind == "unknown-linktype-pcapng":
        write_pcapng(p, [Section([Interface(linktype=LT_USER0)], basic_eth_records(n=3))])
    else:  # pragma: no cover
        raise AssertionError(kind)
    return p


BAD_FILES = [
    "random",
    "text",
    "empty",
    "missing",
    "directory",
    "unknown-linktype-pcap",
    "unknown-linktype-pcapng",
]


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_file_exit_2_one_line(cli, tmp_path, kind):
    assert_clean_failure(cli.run(_garbage(tmp_path, kind), "--json"))


@pytest.mark.parametrize("kind", ["random", "empty", "missing", "unknown-linktype-pcap"])
def test_bad_file_exit_2_one_line_table(cli, tmp_path, kind):
    assert_clean_failure(cli.run(_garbage(tmp_path, kind), "--by", "ip"))


@pytest.mark.parametrize("kind", ["unknown-linktype-pcap", "unknown-linktype-pcapng"])
def test_unknown_link_type_is_named(cli, tmp_path, kind):
    proc = cli.run(_garbage(tmp_path, kind), "--json")
    assert_clean_failure(proc)
    assert re.search(r"\b147\b", proc.stderr), proc.stderr


def test_corrupt_record_length_never_raises(cli, tmp_path):
    """A record header claiming ~4 GiB: whatever the verdict, no traceback."""
    w = write_pcap(tmp_path / "corrupt.pcap", basic_eth_records(n=3))
    data = bytearray(w.path.read_bytes())
    data += (BASE_TS_NS // 10**9).to_bytes(4, "little") + bytes(4)
    data += (0xFFFFFFF0).to_bytes(4, "little") * 2 + b"\x00" * 64
    w.path.write_bytes(bytes(data))
    proc = cli.run(w.path, "--json")
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        doc = json.loads(proc.stdout)
        assert doc["capture"]["frames"] == 3
        assert doc["capture"]["warnings"]


def test_header_only_pcap(cli, tmp_path):
    w = write_pcap(tmp_path / "nothing.pcap", [])
    doc = cli.json(w.path)
    assert doc["capture"]["frames"] == 0
    assert doc["capture"]["bytes"] == 0
    assert doc["addresses"] == []


# --------------------------------------------------------------------------
# Truncated files
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt",
    ["pcap-data", "pcap-header", "pcap-nsec-be-data", "pcapng-block", "pcapng-block-header"],
)
def test_truncated_capture(cli, tmp_path, fmt):
    recs = hotspot_mix(11, n_frames=60).records
    if fmt.startswith("pcapng"):
        cut = 6 if fmt.endswith("header") else 17
        sec = Section([Interface()], recs)
        w = write_pcapng(tmp_path / "cut.pcapng", [sec], truncate=cut)
    elif fmt == "pcap-nsec-be-data":
        w = write_pcap(tmp_path / "cut.pcap", recs, nsec=True, endian=">", truncate="data")
    else:
        w = write_pcap(tmp_path / "cut.pcap", recs, truncate=fmt.split("-")[1])
    assert len(w.records) == len(recs) - 1
    proc = cli.run(w.path, "--json")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    exp = expected_capture(w)
    assert doc["capture"]["frames"] == exp["frames"]
    assert doc["capture"]["bytes"] == exp["bytes"]
    assert any("truncat" in x.lower() for x in doc["capture"]["warnings"]), doc["capture"]
    assert _totals(doc) == expected_totals(w, "mac")
    assert doc["capture"]["last_ts"] == pytest.approx(exp["last_ts"], abs=1e-6)


def test_truncated_capture_table_exit_0(cli, tmp_path):
    w = write_pcap(tmp_path / "cut.pcap", basic_eth_records(n=5), truncate="data")
    proc = cli.run(w.path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------
# Wire length vs captured length; malformed frames
# --------------------------------------------------------------------------


def test_wire_length_not_captured_length(cli, tmp_path):
    big = (
        Ether(src=MAC_A, dst=MAC_GW)
        / IP(src="192.168.88.10", dst="93.184.216.34")
        / UDP()
        / Raw(b"\0" * 1472)
    )
    recs = [eth_record(big, BASE_TS_NS + i * 1000) for i in range(10)]
    assert len(recs[0].data) == 1514
    w = write_pcap(tmp_path / "snap.pcap", recs, snaplen=96)
    assert set(w.caplens) == {96}
    for by, src, dst in (("mac", MAC_A, MAC_GW), ("ip", "192.168.88.10", "93.184.216.34")):
        doc = cli.json(w.path, "--by", by)
        assert doc["capture"]["bytes"] == 15140
        assert _totals(doc) == {src: [10, 15140, 0, 0], dst: [0, 0, 10, 15140]}


def test_wire_length_pcapng_per_record_cut(cli, tmp_path):
    recs = basic_eth_records(n=9)
    for i, r in enumerate(recs):
        if i % 2 == 0:
            r.caplen_limit = 60  # EPB captured length 60, original length kept
    w = write_pcapng(tmp_path / "cut-epb.pcapng", [Section([Interface()], recs)])
    doc = cli.json(w.path, "--by", "mac")
    assert doc["capture"]["bytes"] == sum(len(r.data) for r in recs)
    assert _totals(doc) == expected_totals(w, "mac")


def test_malformed_frames_counted_not_attributed(cli, tmp_path):
    w = write_pcap(tmp_path / "short.pcap", malformed_eth_records())
    exp = expected_capture(w)
    assert exp["malformed_frames"] == 4
    for by in ("mac", "ip"):
        doc = cli.json(w.path, "--by", by)
        assert doc["capture"]["frames"] == exp["frames"]
        assert doc["capture"]["bytes"] == exp["bytes"]
        assert doc["capture"]["malformed_frames"] == 4
        assert _totals(doc) == expected_totals(w, by)


def test_only_malformed_frames(cli, tmp_path):
    recs = [Record(data=b"\x02\x00\x00\x00\x00\x0a\x02", ts_ns=BASE_TS_NS + i) for i in range(3)]
    w = write_pcap(tmp_path / "all-short.pcap", recs, nsec=True)
    doc = cli.json(w.path)
    assert doc["capture"]["frames"] == 3
    assert doc["capture"]["bytes"] == 21
    assert doc["capture"]["malformed_frames"] == 3
    assert doc["addresses"] == []


def test_malformed_sll_frames(cli, tmp_path):
    good = eth_record(Ether(src=MAC_A, dst=MAC_GW) / IP(src="192.168.88.10", dst="9.9.9.9") / UDP())
    sll = b"\x00\x00\x00\x01\x00\x06" + bytes.fromhex("02000000000a") + b"\x00\x00\x08\x00"
    recs = [
        Record(data=sll + good.data[14:], ts_ns=BASE_TS_NS),
        Record(data=sll[:15], ts_ns=BASE_TS_NS + 1000),  # one byte short of the SLL header
    ]
    w = write_pcap(tmp_path / "sll.pcap", recs, linktype=LT_SLL)
    doc = cli.json(w.path, "--by", "ip")
    assert doc["capture"]["malformed_frames"] == 1
    assert doc["capture"]["frames"] == 2
    assert _totals(doc) == {"192.168.88.10": [1, 44, 0, 0], "9.9.9.9": [0, 0, 1, 44]}


# --------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------

FIRST_NS = 1_700_000_000 * 10**9 + 123_456_789
LAST_NS = 1_700_000_042 * 10**9 + 987_654_321


def _ts_records(us: bool) -> list[Record]:
    recs = basic_eth_records(n=5)
    first, last = FIRST_NS, LAST_NS
    if us:
        first, last = first // 1000 * 1000, last // 1000 * 1000
    recs[0].ts_ns, recs[-1].ts_ns = first, last
    for i, r in enumerate(recs[1:-1], 1):
        r.ts_ns = first + i * 10**9
    return recs


US_FIRST, US_LAST = 1700000000.123456, 1700000042.987654
NS_FIRST, NS_LAST = 1700000000.123456789, 1700000042.987654321


@pytest.mark.parametrize(
    ("fmt", "opts", "first", "last"),
    [
        ("pcap", {"endian": "<"}, US_FIRST, US_LAST),
        ("pcap", {"endian": ">"}, US_FIRST, US_LAST),
        ("pcap", {"endian": "<", "nsec": True}, NS_FIRST, NS_LAST),
        ("pcap", {"endian": ">", "nsec": True}, NS_FIRST, NS_LAST),
        ("pcapng", {"tsresol": None}, US_FIRST, US_LAST),
        ("pcapng", {"tsresol": 9}, NS_FIRST, NS_LAST),
        ("pcapng", {"tsresol": 3, "endian": ">"}, 1700000000.123, 1700000042.987),
        ("pcapng", {"tsresol": 0x94}, None, None),  # 2^-20 s units
    ],
    ids=[
        "pcap-us-le",
        "pcap-us-be",
        "pcap-ns-le",
        "pcap-ns-be",
        "ng-default",
        "ng-ns",
        "ng-ms-be",
        "ng-2^-20",
    ],
)
def test_first_last_ts(cli, tmp_path, fmt, opts, first, last):
    us = fmt == "pcap" and not opts.get("nsec") or fmt == "pcapng" and opts["tsresol"] is None
    recs = _ts_records(us)
    path = tmp_path / f"ts.{fmt}"
    if fmt == "pcap":
        w = write_pcap(path, recs, **opts)
    else:
        iface = Interface(tsresol=opts["tsresol"])
        w = write_pcapng(path, [Section([iface], recs, opts.get("endian", "<"))])
    exp = expected_capture(w)
    if first is not None:  # pin the builder too, independently of its arithmetic
        assert exp["first_ts"] == pytest.approx(first, abs=1e-6)
        assert exp["last_ts"] == pytest.approx(last, abs=1e-6)
    cap = cli.json(w.path)["capture"]
    assert type(cap["first_ts"]) is float and type(cap["last_ts"]) is float
    assert cap["first_ts"] == pytest.approx(exp["first_ts"], abs=1e-6)
    assert cap["last_ts"] == pytest.approx(exp["last_ts"], abs=1e-6)


def test_link_type_reported(cli, basic_pcap, tmp_path):
    """link_type is a non-empty string, and differs between Ethernet and SLL."""
    eth = cli.json(basic_pcap.path)["capture"]["link_type"]
    sll = b"\x00\x00\x00\x01\x00\x06" + bytes.fromhex("02000000000a") + b"\x00\x00\x08\x00"
    body = bytes(IP(src="192.168.88.10", dst="9.9.9.9") / UDP())
    w = write_pcap(tmp_path / "sll.pcap", [Record(data=sll + body)], linktype=LT_SLL)
    other = cli.json(w.path, "--by", "ip")["capture"]["link_type"]
    assert eth and other and eth != other


def test_unreadable_file(cli, tmp_path):
    """A capture the user may not read: one clear line, status 2.

    Root reads any file, so as root the command runs as the unprivileged
    user 'nobody' (setpriv), as an operator would.
    """
    import shutil

    d = tmp_path / "shared"
    d.mkdir()
    d.chmod(0o755)
    tmp_path.chmod(0o755)
    path = write_pcap(d / "secret.pcap", basic_eth_records(n=2)).path
    path.chmod(0)
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to drop root for this test"
        proc = subprocess.run(
            [
                setpriv,
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-m",
                "hotspot_manager",
                "usage",
                str(path),
                "--json",
            ],
            capture_output=True,
            text=True,
            cwd="/",
            timeout=120,
            check=False,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
    else:
        proc = cli.run(path, "--json")
    assert_clean_failure(proc)
    assert "permission denied" in proc.stderr


def test_path_with_spaces_and_unicode(cli, tmp_path):
    w = write_pcap(tmp_path / "hotspot capture – día 1.pcap", basic_eth_records(n=4))
    assert _totals(cli.json(w.path, "--by", "ip")) == expected_totals(w, "ip")
