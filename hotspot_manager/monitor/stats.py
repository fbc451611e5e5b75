"""Latency, jitter and loss of one probed target.

Jitter follows RFC 3550 section 6.4.1: for consecutive answered probes i-1, i the
difference of their transit times ``D = (R_i - R_{i-1}) - (S_i - S_{i-1})`` (with round
trips: the difference of the two round-trip times) feeds the running estimate
``J += (|D| - J) / 16``. Loss and the latency average are over a rolling window of the
last ``window`` completed probes (answered or timed out); probes still in flight do not
count yet.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["PeriodCounter", "ProbeStats", "Summary", "rfc3550_jitter"]


def rfc3550_jitter(rtts: list[float], start: float = 0.0) -> float:
    """The RFC 3550 jitter estimate after a series of round-trip (or transit) times."""
    j = start
    prev = None
    for r in rtts:
        if prev is not None:
            j += (abs(r - prev) - j) / 16.0
        prev = r
    return j


@dataclass(frozen=True)
class Summary:
    """A target's figures; times in seconds, loss as a fraction (0..1)."""

    sent: int  # completed probes in the window
    received: int
    loss: float | None
    latency: float | None  # mean RTT of the answered probes in the window
    latency_min: float | None
    latency_max: float | None
    jitter: float | None
    last_rtt: float | None
    consecutive_failures: int
    total_sent: int
    total_received: int


class ProbeStats:
    """Rolling statistics of one target (not thread-safe: one event loop feeds it)."""

    def __init__(self, window: int = 100) -> None:
        if window < 1:
            raise ValueError("window must be >= 1")
        self.window = window
        self._results: deque[float | None] = deque(maxlen=window)  # rtt or None (lost)
        self._sum = 0.0
        self._answered = 0
        self._jitter: float | None = None
        self._prev_rtt: float | None = None
        self.last_rtt: float | None = None
        self.consecutive_failures = 0
        self.total_sent = 0
        self.total_received = 0

    def add(self, rtt: float | None) -> None:
        """Record one completed probe: its round-trip time in seconds, or None if lost."""
        if len(self._results) == self._results.maxlen:
            old = self._results[0]
            if old is not None:
                self._sum -= old
                self._answered -= 1
        self._results.append(rtt)
        self.total_sent += 1
        if rtt is None:
            self.consecutive_failures += 1
            return
        self.total_received += 1
        self.consecutive_failures = 0
        self._sum += rtt
        self._answered += 1
        self.last_rtt = rtt
        if self._prev_rtt is not None:
            j = self._jitter or 0.0
            self._jitter = j + (abs(rtt - self._prev_rtt) - j) / 16.0
        self._prev_rtt = rtt

    def restart(self) -> None:
        """Empty the window (after an outage: its failures are counted as the outage)."""
        self._results.clear()
        self._sum = 0.0
        self._answered = 0
        self._prev_rtt = None

    @property
    def loss(self) -> float | None:
        n = len(self._results)
        return None if n == 0 else (n - self._answered) / n

    @property
    def jitter(self) -> float | None:
        return self._jitter

    def summary(self) -> Summary:
        answered = [r for r in self._results if r is not None]
        # the running sum drifts by float rounding over days: recompute from the window
        latency = sum(answered) / len(answered) if answered else None
        return Summary(
            sent=len(self._results),
            received=len(answered),
            loss=self.loss,
            latency=latency,
            latency_min=min(answered) if answered else None,
            latency_max=max(answered) if answered else None,
            jitter=self._jitter if self._jitter is not None else (0.0 if answered else None),
            last_rtt=self.last_rtt,
            consecutive_failures=self.consecutive_failures,
            total_sent=self.total_sent,
            total_received=self.total_received,
        )


class PeriodCounter:
    """Counts of one target over a recording period (reset when stored)."""

    __slots__ = ("sent", "received", "rtt_sum", "rtt_min", "rtt_max")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.sent = 0
        self.received = 0
        self.rtt_sum = 0.0
        self.rtt_min: float | None = None
        self.rtt_max: float | None = None

    def add(self, rtt: float | None) -> None:
        self.sent += 1
        if rtt is None:
            return
        self.received += 1
        self.rtt_sum += rtt
        self.rtt_min = rtt if self.rtt_min is None else min(self.rtt_min, rtt)
        self.rtt_max = rtt if self.rtt_max is None else max(self.rtt_max, rtt)
