"""The monitor's part of ``status --json``, read from the store (any process may call it)."""

from __future__ import annotations

import time
from typing import Any

__all__ = ["monitor_status", "format_status"]

#: the status is stale (the monitor is not running) after this many status intervals
STALE_INTERVALS = 3
STALE_MIN_SECONDS = 15.0


def monitor_status(store: Any, now: float | None = None) -> dict[str, Any]:
    """Per target latency/jitter/loss, uplink and router states, current outage, MOS.

    The running monitor rewrites its status every ``monitor.status_interval`` seconds; when
    the latest one is older than 3 intervals (at least 15 s), ``running`` is false and the
    uplink state is ``unknown``: the last figures stay, under ``stale: true``. The current
    outage comes from the outage table (what billing credits), not from the status.
    """
    from hotspot_manager.store import monitoring as m

    now = time.time() if now is None else now
    found = m.read_status(store)
    outage = m.current_outage(store, now)
    if found is None:
        return {
            "running": False,
            "updated": None,
            "stale": True,
            "note": "the monitor has not run with this database (hotspot-manager monitor)",
            "uplink": {"state": "unknown", "interface": None},
            "hotspot": {"interface": None},
            "targets": [],
            "router": {"address": None, "state": "unknown", "snmp": {"state": "unknown"}},
            "dns": None,
            "http": None,
            "current_outage": _outage(outage),
            "call_quality": None,
        }
    updated, doc = found
    interval = float(doc.get("status_interval") or 5.0)
    age = max(0.0, now - updated)
    stale = age > max(STALE_INTERVALS * interval, STALE_MIN_SECONDS) or not doc.get("running")
    out = dict(doc)
    out.pop("outage", None)
    out["updated"] = updated
    out["age_seconds"] = round(age, 1)
    out["stale"] = stale
    if stale:
        out["running"] = False
        uplink = dict(out.get("uplink") or {})
        uplink["last_state"] = uplink.get("state")
        uplink["state"] = "unknown"
        out["uplink"] = uplink
        router = dict(out.get("router") or {})
        router["last_state"] = router.get("state")
        router["state"] = "unknown"
        out["router"] = router
        out["note"] = "the monitor is not running; figures are from its last status"
    out["current_outage"] = _outage(outage)
    return out


def _outage(o: dict | None) -> dict | None:
    if o is None:
        return None
    return {
        "start": o["start"],
        "cause": o["cause"],
        "duration": o["duration"],
        "detail": o["detail"],
    }


def _f(v: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}{unit}"


def format_status(st: dict[str, Any]) -> str:
    """A few human-readable lines of ``monitor_status``."""
    lines = []
    running = "running" if st.get("running") else "not running"
    lines.append(f"Monitor: {running}" + (f" ({st['note']})" if st.get("note") else ""))
    up = st.get("uplink") or {}
    lines.append(f"Uplink: {up.get('state')}")
    o = st.get("current_outage")
    if o:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(o["start"]))
        lines.append(f"OUTAGE since {since} ({o['duration']} s): {o['cause']}")
    q = st.get("call_quality")
    if q:
        lines.append(f"Video calls: {q['verdict']} (MOS {q['mos']:.2f}, R {q['r_factor']:.0f})")
    r = st.get("router") or {}
    snmp = r.get("snmp") or {}
    rl = f"Router {r.get('address') or '-'}: {r.get('state')}"
    if snmp.get("state") not in (None, "disabled"):
        rl += f"; SNMP {snmp.get('state')}"
        if snmp.get("sys_name"):
            rl += f" ({snmp['sys_name']})"
        if snmp.get("error"):
            rl += f": {snmp['error']}"
    lines.append(rl)
    for t in st.get("targets") or []:
        lines.append(
            f"  {t['name']:<24} {t['state']:<8} latency {_f(t['latency_ms'], ' ms')}  "
            f"jitter {_f(t['jitter_ms'], ' ms')}  loss {_f(t['loss_percent'], ' %')}"
            + (f"  ({t['error']})" if t.get("error") else "")
        )
    d = st.get("dns")
    if d and d.get("enabled"):
        lines.append(
            f"DNS {d.get('server') or '-'}: {d.get('state', 'unknown')} "
            f"{_f(d.get('last_ms'), ' ms')}" + (f" ({d['error']})" if d.get("error") else "")
        )
    h = st.get("http")
    if h and h.get("enabled"):
        lines.append(
            f"HTTP {h.get('url')}: {h.get('state', 'unknown')} "
            f"{_f(h.get('elapsed_ms'), ' ms')}" + (f" ({h['error']})" if h.get("error") else "")
        )
    return "\n".join(lines) + "\n"
