"""The counting pipeline: raw frames -> Meter -> per-second ticks -> one store flush.

The live agent and `hotspot-manager import` run the same code: frames go into
a :class:`Meter`, and at every flush the meter's per-second buckets become
one :class:`~hotspot_manager.store.records.Flush`, written in one
transaction. Only the clock differs: the agent's is the wall clock, an
import's the capture's own timestamps.
"""

from __future__ import annotations

import json

from hotspot_manager.capture.discovery import Naming, names_in, names_in_control
from hotspot_manager.capture.lan import DEFAULT_LAN, Lan
from hotspot_manager.capture.meter import Meter, Tick
from hotspot_manager.capture.parser import Frames, parse
from hotspot_manager.capture.sources import RawBatch
from hotspot_manager.store import Store
from hotspot_manager.store.records import (
    DeviceName,
    Flush,
    HealthDelta,
    ImportProgress,
    Sighting,
    UsageDelta,
)

LAN_SETTING = "lan"


def store_lan(store: Store, cidrs: list[str] | None) -> Lan:
    """The LAN to classify with: the one given (then remembered), else the stored one.

    Each value may hold several ranges separated by commas, as ``usage --lan`` takes them.
    """
    cidrs = [c for v in cidrs or () for c in v.split(",") if c.strip()]
    if cidrs:
        lan = Lan(cidrs)
        store.set_setting(LAN_SETTING, json.dumps(lan.cidrs))
        return lan
    saved = store.get_setting(LAN_SETTING)
    return Lan(json.loads(saved) if saved else DEFAULT_LAN)


def tick_to_flush(
    tick: Tick,
    clock: int,
    source: str,
    kernel_drops: dict[int, int] | None = None,
    progress: ImportProgress | None = None,
    namings: list[Naming] | None = None,
    settings: tuple[tuple[str, str], ...] = (),
) -> Flush:
    names = tick.addresses
    usage = tuple(
        UsageDelta(s, names[a], *c)
        for s, a, c in zip(
            tick.seconds.tolist(), tick.address_ids.tolist(), tick.counters.tolist(), strict=True
        )
    )
    drops = kernel_drops or {}
    health = tuple(
        HealthDelta(s, f, b, m, drops.pop(s, 0))
        for s, (f, b, m) in zip(tick.health_seconds.tolist(), tick.health.tolist(), strict=True)
    ) + tuple(HealthDelta(s, 0, 0, 0, d) for s, d in drops.items())
    sightings = tuple(
        Sighting(mac, s.first_seen, s.last_seen, s.ipv4, s.ipv6, tuple(sorted(s.active_seconds)))
        for mac, s in tick.sightings.items()
    )
    return Flush(
        clock=clock,
        source=source,
        usage=usage,
        health=health,
        sightings=sightings,
        import_progress=progress,
        names=tuple(
            DeviceName(n.mac, n.seen, n.hostname, n.vendor_class, n.ipv4) for n in namings or ()
        ),
        settings=settings,
    )


class Pipeline:
    """Feeds frames to a meter and writes what it counted to the store."""

    def __init__(self, store: Store, source: str, lan: Lan):
        self.store = store
        self.source = source
        self.meter = Meter(by="mac", lan=lan, keep_seconds=True)
        self.clock: int | None = None  # highest second seen: the capture's clock
        self.namings: list[Naming] = []

    def feed_raw(self, raw: RawBatch) -> Frames:
        """Parse a batch, count it, and pick up the names in its control frames."""
        frames = parse(raw)
        self.feed(frames)
        self.namings += names_in(raw, frames)
        return frames

    def feed_live(self, batch) -> None:
        """Count a live source's batch and pick up the names in its control frames."""
        self.feed(batch.frames)
        if batch.control:
            self.namings += names_in_control(batch.control)

    def feed(self, frames: Frames) -> None:
        self.meter.add(frames)
        if len(frames):
            hi = self.meter.batch_seconds[1]
            self.clock = hi if self.clock is None else max(self.clock, hi)

    def flush(
        self,
        clock: int | None = None,
        kernel_drops: dict[int, int] | None = None,
        progress: ImportProgress | None = None,
        settings: tuple[tuple[str, str], ...] = (),
    ) -> Flush:
        """Write everything counted since the last flush, in one transaction."""
        tick = self.meter.drain()
        now = clock if clock is not None else (self.clock or 0)
        namings, self.namings = self.namings, []
        flush = tick_to_flush(tick, now, self.source, kernel_drops, progress, namings, settings)
        self.store.write_flush(flush)
        return flush
