"""Plain records the store takes as input.

The capture pipeline builds these; the store never sees frames. All byte counts and times
are integers (epoch seconds, UTC), except the import timestamps, which are pcap timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UsageDelta:
    """Traffic of one address during one second."""

    second: int  # epoch seconds (UTC)
    mac: str  # "aa:bb:cc:dd:ee:ff" lower-case; may be a group (broadcast/multicast) address
    tx_frames: int
    tx_bytes: int
    rx_frames: int
    rx_bytes: int
    # the internet part of the above (local = total - internet)
    inet_tx_frames: int
    inet_tx_bytes: int
    inet_rx_frames: int
    inet_rx_bytes: int


@dataclass(frozen=True, slots=True)
class HealthDelta:
    """Capture health for one second."""

    second: int
    frames: int
    bytes: int
    malformed: int
    kernel_drops: int


@dataclass(frozen=True, slots=True)
class Sighting:
    """What one flush saw of one MAC."""

    mac: str
    first_seen: int
    last_seen: int
    ipv4: str | None  # last LAN addresses seen as its source, if any
    ipv6: str | None
    # sorted distinct seconds in which this MAC SENT at least one frame (drives sessions)
    active_seconds: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ImportProgress:
    import_id: int
    done_offset: int
    done_sha256: str  # sha256 hex of file bytes [0, done_offset)
    frames: int
    bytes: int
    first_ts: float | None
    last_ts: float | None
    finished: bool


@dataclass(frozen=True, slots=True)
class DeviceName:
    """What a device said about itself in a control frame (DHCP, mDNS)."""

    mac: str
    seen: int  # epoch second of the frame
    hostname: str | None = None  # DHCP option 12 or 81, or an mDNS name
    vendor_class: str | None = None  # DHCP option 60
    ipv4: str | None = None  # the address it asked for or was given


@dataclass(frozen=True, slots=True)
class Flush:
    # the pipeline's "now" in epoch seconds: wall clock for the live agent, the capture's own
    # clock for an import; retention is relative to it
    clock: int
    source: str  # e.g. "import:<path>" or "live:wlan0"
    usage: tuple[UsageDelta, ...] = ()
    health: tuple[HealthDelta, ...] = ()
    sightings: tuple[Sighting, ...] = ()
    import_progress: ImportProgress | None = None
    names: tuple[DeviceName, ...] = ()
    # settings written in the same transaction (the live agent's heartbeat)
    settings: tuple[tuple[str, str], ...] = ()
