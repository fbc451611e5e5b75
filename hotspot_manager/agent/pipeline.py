"""The counting pipeline: raw frames -> Meter -> per-second ticks -> one store flush.

The live agent and `hotspot-manager import` run the same code: frames go into
a :class:`Meter`, and at every flush the meter's per-second buckets become
one :class:`~hotspot_manager.store.records.Flush`, written in one
transaction. Only the clock differs: the agent's is the wall clock, an
import's the capture's own timestamps.
"""

from __future__ import annotations

import json

from hotspot_manager.capture.lan import DEFAULT_LAN, Lan
from hotspot_manager.capture.meter import Meter, Tick
from hotspot_manager.capture.parser import Frames
from hotspot_manager.store import Store
from hotspot_manager.store.records import (
    Flush,
    HealthDelta,
    ImportProgress,
    Sighting,
    UsageDelta,
)

LAN_SETTING = "lan"


def store_lan(store: Store, cidrs: list[str] | None) -> Lan:
    """The LAN to classify with: the one given (then remembered), else the stored one."""
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
    )


class Pipeline:
    """Feeds frames to a meter and writes what it counted to the store."""

    def __init__(self, store: Store, source: str, lan: Lan):
        self.store = store
        self.source = source
        self.meter = Meter(by="mac", lan=lan, keep_seconds=True)
        self.clock: int | None = None  # highest second seen: the capture's clock

    def feed(self, frames: Frames) -> None:
        self.meter.add(frames)
        if len(frames):
            hi = int(frames.ts_sec.max())
            self.clock = hi if self.clock is None else max(self.clock, hi)

    def flush(
        self,
        clock: int | None = None,
        kernel_drops: dict[int, int] | None = None,
        progress: ImportProgress | None = None,
    ) -> Flush:
        """Write everything counted since the last flush, in one transaction."""
        tick = self.meter.drain()
        now = clock if clock is not None else (self.clock or 0)
        flush = tick_to_flush(tick, now, self.source, kernel_drops, progress)
        self.store.write_flush(flush)
        return flush
