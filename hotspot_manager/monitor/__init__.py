"""Uplink and router monitor (issue #4): latency, jitter, loss, outages, throughput, SNMP.

Library use (the agent runs it on its own thread next to capture)::

    from hotspot_manager.monitor import Monitor, load_config
    mon = Monitor(load_config(path_or_None), store)   # a Store or a database path
    mon.start()          # returns at once
    ...
    mon.status()         # the live status document
    mon.stop()

``monitor_status(store)`` is the monitor part of ``status --json``;
``hotspot_manager.store.monitoring.outages(store, since, until)`` lists outages for billing.
See docs/monitor.md.
"""

from __future__ import annotations

from .config import ConfigError, MonitorConfig, load_config, parse_config
from .status import format_status, monitor_status

__all__ = [
    "ConfigError",
    "Monitor",
    "MonitorConfig",
    "format_status",
    "load_config",
    "monitor_status",
    "parse_config",
    "run_check",
]


def __getattr__(name: str):
    # the probes (sockets, psutil) load only when a monitor is made
    if name == "Monitor":
        from .core import Monitor

        return Monitor
    if name == "run_check":
        from .check import run_check

        return run_check
    raise AttributeError(name)
