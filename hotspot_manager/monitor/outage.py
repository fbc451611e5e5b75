"""The outage state machine (pure: times are passed in, nothing is measured here).

The uplink is down when every usable internet target has failed its last ``threshold``
probes in a row; the outage starts at the send time of the first failed probe of the
latest of those streaks (from then on nothing answered) and ends at the send time of the
first probe that is answered again. DNS failing ``dns_threshold`` times in a row while the
internet answers is an outage too (customers cannot browse). A streak shorter than the
threshold (a blip) is no outage at all.

Cause, the most severe seen during the outage:
``router_unreachable`` (the gateway failed its last ``threshold`` probes too) >
``internet_unreachable`` > ``dns_failing``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CAUSES",
    "Outage",
    "OutageEvent",
    "OutageTracker",
]

#: outage causes, least to most severe
CAUSES = ("dns_failing", "internet_unreachable", "router_unreachable")
_SEVERITY = {c: i for i, c in enumerate(CAUSES)}


@dataclass
class _Streak:
    failures: int = 0
    since: float | None = None  # send time of the first failure of the current streak
    seen_ok: bool = False
    results: int = 0

    def add(self, ok: bool, t: float) -> None:
        self.results += 1
        if ok:
            self.failures = 0
            self.since = None
            self.seen_ok = True
        else:
            if self.failures == 0:
                self.since = t
            self.failures += 1

    def reset(self) -> None:
        self.failures = 0
        self.since = None


@dataclass
class Outage:
    start: float
    cause: str
    end: float | None = None
    db_id: int | None = None  # the store's row, set by whoever records it


@dataclass(frozen=True)
class OutageEvent:
    """``kind`` is ``start``, ``cause`` (a more severe cause found) or ``end``."""

    kind: str
    outage: Outage


class OutageTracker:
    def __init__(
        self,
        targets: list[str] | tuple[str, ...],
        threshold: int = 3,
        dns_threshold: int = 3,
        dns: bool = True,
        router: bool = True,
    ) -> None:
        if threshold < 1 or dns_threshold < 1:
            raise ValueError("thresholds are 1 or more")
        self.threshold = threshold
        self.dns_threshold = dns_threshold
        self._targets = {name: _Streak() for name in targets}
        self._usable = set(targets)
        self._dns = _Streak() if dns else None
        self._router = _Streak() if router else None
        self.current: Outage | None = None

    # ------------------------------------------------------------------ inputs

    def set_usable(self, target: str, usable: bool) -> list[OutageEvent]:
        """Leave a target out of the decision (e.g. its name does not resolve)."""
        if usable:
            self._usable.add(target)
        else:
            self._usable.discard(target)
            self._targets[target].reset()
        return []

    def internet(self, target: str, ok: bool, t: float) -> list[OutageEvent]:
        self._targets[target].add(ok, t)
        return self._update(t)

    def dns(self, ok: bool, t: float) -> list[OutageEvent]:
        if self._dns is None:
            return []
        self._dns.add(ok, t)
        return self._update(t)

    def router(self, ok: bool, t: float) -> list[OutageEvent]:
        if self._router is None:
            return []
        self._router.add(ok, t)
        return self._update(t)

    def close(self, t: float) -> list[OutageEvent]:
        """End the current outage (the monitor is stopping)."""
        if self.current is None:
            return []
        out = self.current
        out.end = max(out.start, t)
        self.current = None
        return [OutageEvent("end", out)]

    # ------------------------------------------------------------------ state

    def internet_down_since(self) -> float | None:
        usable = [self._targets[n] for n in self._usable]
        if not usable or any(s.failures < self.threshold for s in usable):
            return None
        return max(s.since for s in usable if s.since is not None)

    def dns_down_since(self) -> float | None:
        d = self._dns
        if d is None or d.failures < self.dns_threshold:
            return None
        return d.since

    def router_down(self) -> bool:
        r = self._router
        return r is not None and r.failures >= self.threshold

    def internet_state(self) -> str:
        """up, down or unknown (no usable target has answered or failed enough yet)."""
        usable = [self._targets[n] for n in self._usable]
        if not usable:
            return "unknown"
        if self.internet_down_since() is not None:
            return "down"
        if any(s.seen_ok and s.failures < self.threshold for s in usable):
            return "up"
        return "unknown"

    def _update(self, t: float) -> list[OutageEvent]:
        inet = self.internet_down_since()
        if inet is None and self.current is not None and self._dns is not None:
            if self.current.cause != "dns_failing":
                # DNS failed because the internet (or router) did: those failures say
                # nothing of the resolver once the path is back.
                self._dns.reset()
        dns = self.dns_down_since()
        if inet is not None:
            cause = "router_unreachable" if self.router_down() else "internet_unreachable"
            since = inet
        elif dns is not None:
            cause, since = "dns_failing", dns
        else:
            cause, since = None, None

        events: list[OutageEvent] = []
        cur = self.current
        if cur is None:
            if cause is not None:
                assert since is not None
                self.current = Outage(start=since, cause=cause)
                events.append(OutageEvent("start", self.current))
        elif cause is None:
            cur.end = max(cur.start, t)
            self.current = None
            events.append(OutageEvent("end", cur))
        elif _SEVERITY[cause] > _SEVERITY[cur.cause]:
            cur.cause = cause
            events.append(OutageEvent("cause", cur))
        return events
