"""tshark as the oracle for per-address totals.

``tshark -n -q -r FILE -z endpoints,eth -z endpoints,ip -z endpoints,ipv6`` prints,
in tshark 4.0, one table per tap (in reverse order of the -z options):

    ========================================
    Ethernet Endpoints
    Filter:<No Filter>
                 |  Packets  | |  Bytes  | | Tx Packets | | Tx Bytes | ...
    02:00:00:00:00:02   1001   1542042   1   42   1000   1542000
    ========================================

(columns: Packets, Bytes, Tx Packets, Tx Bytes, Rx Packets, Rx Bytes.)
Bytes are plain integers (checked by hand on a 1000 x 1542-byte capture: 1542000,
no "kB"); Packets = Tx + Rx Packets and Bytes = Tx + Rx Bytes, which the parser
checks on every row so that a column-order change can't pass silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

TSHARK = shutil.which("tshark")
IN_CI = os.environ.get("CI") == "true"

# Outside CI a machine without tshark skips these tests; in CI they never skip
# (the oracle raises, so the test fails and says why).
requires_tshark = pytest.mark.skipif(
    TSHARK is None and not IN_CI,
    reason="tshark not installed (apt-get install tshark, or `make deb-deps`); "
    "these tests use it as the oracle",
)

Counters = tuple[int, int, int, int]  # tx_frames, tx_bytes, rx_frames, rx_bytes

_TITLES = {"Ethernet Endpoints": "eth", "IPv4 Endpoints": "ip", "IPv6 Endpoints": "ipv6"}
_HEADER = re.compile(
    r"^\s*\|\s*Packets\s*\|\s*\|\s*Bytes\s*\|\s*\|\s*Tx Packets\s*\|\s*\|\s*Tx Bytes\s*\|"
    r"\s*\|\s*Rx Packets\s*\|\s*\|\s*Rx Bytes\s*\|\s*$"
)

_cache: dict[tuple[str, int, int], dict[str, dict[str, Counters]]] = {}


def parse_endpoints(text: str) -> dict[str, dict[str, Counters]]:
    """Parse tshark's endpoint tables into {"eth"|"ip"|"ipv6": {address: counters}}."""
    tables: dict[str, dict[str, Counters]] = {}
    current: dict[str, Counters] | None = None
    header_seen = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in _TITLES:
            current = tables.setdefault(_TITLES[stripped], {})
            header_seen = False
            continue
        if current is None or not stripped or stripped.startswith("Filter:"):
            continue
        if stripped.startswith("====="):
            current = None
            continue
        if not header_seen:
            if not _HEADER.match(line):
                raise ValueError(f"unexpected tshark endpoint header: {line!r}")
            header_seen = True
            continue
        parts = stripped.split()
        if len(parts) != 7 or not all(p.isdigit() for p in parts[1:]):
            raise ValueError(f"unexpected tshark endpoint row: {line!r}")
        addr = parts[0]
        pk, by, txp, txb, rxp, rxb = (int(p) for p in parts[1:])
        if pk != txp + rxp or by != txb + rxb:
            raise ValueError(f"tshark columns don't add up (column order changed?): {line!r}")
        if addr in current:
            raise ValueError(f"address listed twice by tshark: {addr}")
        current[addr] = (txp, txb, rxp, rxb)
    return tables


def tshark_endpoints(path: Path) -> dict[str, dict[str, Counters]]:
    """All three endpoint tables for a capture, from one tshark run (cached per file)."""
    if TSHARK is None:
        raise RuntimeError("tshark is not installed, and CI=true: the oracle tests must run")
    st = Path(path).stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _cache:
        cmd = [TSHARK, "-n", "-q", "-r", str(path)]
        for tap in ("eth", "ip", "ipv6"):
            cmd += ["-z", f"endpoints,{tap}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"tshark failed ({proc.returncode}) on {path}: {proc.stderr}")
        tables = parse_endpoints(proc.stdout)
        for tap in ("eth", "ip", "ipv6"):
            tables.setdefault(tap, {})
        _cache[key] = tables
    return _cache[key]


def tshark_by(path: Path, by: str) -> dict[str, Counters]:
    """What ``usage --by mac|ip`` must report, according to tshark."""
    t = tshark_endpoints(path)
    if by == "mac":
        return dict(t["eth"])
    merged = dict(t["ip"])
    overlap = merged.keys() & t["ipv6"].keys()
    assert not overlap, overlap
    merged.update(t["ipv6"])
    return merged
