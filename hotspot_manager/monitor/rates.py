"""Counters turned into rates, with counter wrap, counter resets and router reboots.

A counter that goes down either wrapped (it passed its maximum, 2**32 or 2**64, and
started again) or was reset (the router or the interface restarted). It is taken for a
wrap only when the wrapped difference is plausible (below ``max_rate`` bytes per second
over the elapsed time); otherwise the interval has no rate and counting starts again from
the new value. A 64-bit octet counter never wraps in practice, so a decrease of one is a
reset, unless it was within ``max_rate * elapsed`` of its maximum.

``sysUpTime`` (hundredths of a second, 32 bits: it wraps after 497 days) tells reboots
apart: the uptime advancing less than the wall clock did means the agent restarted in
between, even when the new value is larger than the old one.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Counter", "UptimeTracker", "clock", "interface_counters"]

#: default plausibility bound: 100 Gbit/s
DEFAULT_MAX_RATE = 100e9 / 8


def clock() -> float:
    """Seconds on a clock that keeps counting through a suspend (Linux CLOCK_BOOTTIME)."""
    if sys.platform.startswith("linux"):
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    return time.monotonic()


class Counter:
    """Rate of one monotonically increasing counter of ``width`` bits."""

    __slots__ = ("width", "value", "at", "wraps", "resets")

    def __init__(self, width: int = 64) -> None:
        self.width = width
        self.value: int | None = None
        self.at: float | None = None
        self.wraps = 0
        self.resets = 0

    def reset(self) -> None:
        self.value = None
        self.at = None

    def update(
        self,
        value: int,
        now: float,
        *,
        discontinuity: bool = False,
        max_rate: float | None = None,
    ) -> float | None:
        """Record a reading; return the rate per second since the previous one, or None."""
        value = int(value)
        old, then = self.value, self.at
        self.value, self.at = value, now
        if discontinuity:
            if old is not None:
                self.resets += 1
            return None
        if old is None or then is None:
            return None
        elapsed = now - then
        if elapsed <= 0:
            return None
        delta = value - old
        if delta < 0:
            wrapped = value + (1 << self.width) - old
            bound = (DEFAULT_MAX_RATE if max_rate is None else max_rate) * elapsed
            if wrapped <= bound:
                self.wraps += 1
                delta = wrapped
            else:
                self.resets += 1
                return None
        return delta / elapsed

    def delta_since(self, old_value: int | None) -> int | None:
        if old_value is None or self.value is None:
            return None
        d = self.value - old_value
        return d if d >= 0 else d + (1 << self.width)


class UptimeTracker:
    """Watches ``sysUpTime`` readings: ``first``, ``ok``, ``wrap`` or ``reboot``."""

    MOD = 1 << 32

    def __init__(self, tolerance: float = 3.0) -> None:
        self.tolerance = tolerance  # seconds of slack (request delays, agent caching)
        self.ticks: int | None = None
        self.at: float | None = None
        self.reboots = 0

    def update(self, ticks: int, now: float) -> str:
        old, then = self.ticks, self.at
        self.ticks, self.at = int(ticks), now
        if old is None or then is None:
            return "first"
        elapsed_cs = max(0.0, now - then) * 100.0
        slack = max(self.tolerance * 100.0, 0.1 * elapsed_cs)
        expected = old + elapsed_cs
        if ticks < old:
            # a wrap of the 32-bit counter: the new value continues the old one modulo 2**32
            if expected >= self.MOD - slack and abs(ticks + self.MOD - expected) <= slack:
                return "wrap"
            self.reboots += 1
            return "reboot"
        if ticks < expected - slack:
            # advanced less than the wall clock: restarted in between and already up again
            self.reboots += 1
            return "reboot"
        return "ok"


def interface_counters() -> dict[str, dict[str, int]]:
    """Byte, packet, error and drop counters of every interface (psutil)."""
    import psutil

    out = {}
    for name, c in psutil.net_io_counters(pernic=True, nowrap=True).items():
        out[name] = {
            "rx_bytes": c.bytes_recv,
            "tx_bytes": c.bytes_sent,
            "rx_packets": c.packets_recv,
            "tx_packets": c.packets_sent,
            "rx_errors": c.errin,
            "tx_errors": c.errout,
            "rx_drops": c.dropin,
            "tx_drops": c.dropout,
        }
    return out
