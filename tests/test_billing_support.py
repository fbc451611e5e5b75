"""Shared helpers of the billing tests (no tests here).

Usage is written the way the agent writes it: ``Flush`` records through
``Store.write_flush``, never rows inserted by hand. Outages go through the monitor's own
store functions (``store.monitoring.open_outage`` / ``close_outage``).
"""

from __future__ import annotations

import os
import struct
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hotspot_manager.store import Flush, Sighting, Store, UsageDelta

#: Cuba first: month boundaries are local midnights there (DST in March and November)
TZ = "America/Havana"

APPLE = "00:1b:63:84:45:e6"
LAPTOP = "00:1b:63:00:00:02"
PHONE = "da:a1:19:00:00:01"  # randomised
PHONE2 = "da:a1:19:00:00:02"
TABLET = "00:1b:63:00:00:03"


@contextmanager
def local_tz(name: str = TZ) -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture
def havana():
    with local_tz():
        yield


@pytest.fixture
def store(tmp_path: Path, havana) -> Iterator[Store]:
    s = Store.open(tmp_path / "hotspot.db")
    try:
        yield s
    finally:
        s.close()


def delta(t: int, mac: str, inet: int, local: int = 0) -> UsageDelta:
    """One second of traffic: ``inet`` internet bytes and ``local`` LAN bytes, split
    between upload and download (a fifth up for internet, half for local)."""
    iu, lu = inet // 5, local // 2
    return UsageDelta(
        t, mac, 1 + (lu > 0), iu + lu, 1 + (local > 0), inet - iu + local - lu,
        1, iu, 1, inet - iu,
    )  # fmt: skip


def write_usage(
    store: Store,
    mac: str,
    events: Iterable[tuple[int, int, int]],
    *,
    clock: int,
) -> None:
    """Write ``(second, internet_bytes, local_bytes)`` events for one device as one flush;
    every event second also counts as a second the device was active (drives sessions)."""
    evs = sorted(events)
    if not evs:
        return
    secs = tuple(sorted({t for t, _, _ in evs}))
    store.write_flush(
        Flush(
            clock=clock,
            source="test",
            usage=tuple(delta(t, mac, i, lo) for t, i, lo in evs),
            sightings=(Sighting(mac, secs[0], secs[-1], None, None, secs),),
        )
    )


def daily(start: int, days: int, at: int, minutes: int, inet: int, local: int = 0, step: int = 60):
    """One active second every ``step`` seconds for ``minutes`` minutes from ``at`` seconds
    after each local midnight (``start`` is a local midnight) of ``days`` days."""
    out = []
    for d in range(days):
        for m in range(0, minutes * 60, step):
            out.append((start + d * 86400 + at + m, inet, local))
    return out


def add_outage(store: Store, start: int, end: int | None, cause: str = "internet_unreachable"):
    from hotspot_manager.store import monitoring

    oid = monitoring.open_outage(store, start, cause)
    if end is not None:
        monitoring.close_outage(store, oid, end)
    return oid


def png(path: Path, w: int = 120, h: int = 120) -> Path:
    """A small PNG logo written without any imaging library."""
    rows = []
    for y in range(h):
        row = bytearray([0])
        for x in range(w):
            inside = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (w * 0.45) ** 2
            row += bytes((11, 79, 113, 255) if inside else (255, 255, 255, 0))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
    return path
