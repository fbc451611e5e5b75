"""Offline accounting of a capture file: the `usage` command's result."""

from __future__ import annotations

from hotspot_manager.capture import linktypes as lt
from hotspot_manager.capture.lan import Lan
from hotspot_manager.capture.meter import Meter
from hotspot_manager.capture.parser import parse
from hotspot_manager.capture.sources import open_capture

_FIELDS = ("tx_frames", "tx_bytes", "rx_frames", "rx_bytes")
_RAW_TYPES = {lt.RAW, lt.RAW_DLT12, lt.RAW_DLT14, lt.IPV4, lt.IPV6, lt.NULL, lt.LOOP}


def split(counters: list[int]) -> dict:
    """The internet and local parts of one address's 8 counters."""
    inet = counters[4:8]
    return {
        "internet": dict(zip(_FIELDS, inet, strict=True)),
        "local": {
            "tx_frames": counters[0] - inet[0],
            "tx_bytes": counters[1] - inet[1],
            "rx_frames": counters[2] - inet[2],
            "rx_bytes": counters[3] - inet[3],
        },
    }


def account_file(path: str, by: str = "mac", lan: Lan | None = None) -> dict:
    with open_capture(path) as cap:
        meter = Meter(by=by, lan=lan, keep_seconds=False)
        for raw in cap.batches():
            meter.add(parse(raw))
        warnings = list(cap.warnings)
        link_types = cap.link_types
        names = ", ".join(cap.link_type_names)
    if by == "mac":
        if meter.mac_source_only:
            warnings.append(
                "Linux cooked capture: the link layer names only the sender, so per-MAC "
                "download is not known; use --by ip for downloads"
            )
        elif link_types and set(link_types) <= _RAW_TYPES:
            warnings.append("this capture has no MAC addresses (raw IP); use --by ip")
    addresses = []
    for text, c in meter.totals():
        entry = {
            "address": text,
            "tx_frames": c[0],
            "tx_bytes": c[1],
            "rx_frames": c[2],
            "rx_bytes": c[3],
        }
        if lan is not None:
            entry.update(split(c))
        addresses.append(entry)
    return {
        "capture": {
            "frames": meter.frames,
            "bytes": meter.bytes,
            "link_type": names,
            "first_ts": meter.first_ts,
            "last_ts": meter.last_ts,
            "malformed_frames": meter.malformed,
            "warnings": warnings,
        },
        "by": by,
        "addresses": addresses,
    }
