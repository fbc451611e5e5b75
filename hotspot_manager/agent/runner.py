"""The live agent: capture on the hotspot interface, count, flush every interval.

Crash safety: everything counted goes to the store in one transaction per
flush interval (default 1 s), with ``synchronous=FULL``, so a power cut or a
SIGKILL loses at most the frames of the interval in progress and never
counts one twice (nothing is replayed after a restart: live frames are gone
once counted). Counting resumes as soon as the agent is started again (by the
systemd unit, or by the GUI).

One agent per database: a lock file beside the database, held with
``flock`` for the agent's life (the kernel drops it when the process dies, so
a crash never leaves a stale lock).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field

from hotspot_manager.agent.pipeline import Pipeline, store_lan
from hotspot_manager.capture.live import CaptureUnavailable, open_live
from hotspot_manager.store import Store

STATE_KEY = "agent.state"


class AgentError(Exception):
    """The agent cannot run; ``status`` is the exit status to use."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def lock_path(db_path: str) -> str:
    return db_path + ".agent.lock"


class AgentLock:
    """An exclusive, crash-proof lock naming the agent that holds it."""

    def __init__(self, db_path: str) -> None:
        self.path = lock_path(db_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except BlockingIOError:
            os.lseek(fd, 0, os.SEEK_SET)
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AgentError(
                f"another agent (pid {holder}) is already counting into this database; "
                "stop it first (hotspot-manager agent can run once per database)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _lock(fd: int) -> None:
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            raise BlockingIOError from None


@dataclass
class AgentStats:
    started: float = field(default_factory=time.time)
    frames: int = 0
    bytes: int = 0
    malformed: int = 0
    kernel_drops: int = 0
    flushes: int = 0


def run_agent(
    interface: str,
    db_path: str,
    lan_cidrs: list[str] | None = None,
    flush_interval: float = 1.0,
    backend: str = "auto",
    stop: threading.Event | None = None,
    on_flush=None,
    monitor: bool = False,
    monitor_config: str | None = None,
) -> AgentStats:
    """Count frames on ``interface`` into ``db_path`` until ``stop`` is set or a signal."""
    if flush_interval <= 0:
        raise AgentError("--flush-interval must be more than 0 seconds")
    stop = stop or threading.Event()
    lock = AgentLock(db_path)
    lock.acquire()
    try:
        try:
            source = open_live(interface, backend)
        except CaptureUnavailable as exc:
            raise AgentError(str(exc), status=3 if exc.permission else 2) from None
        uplink = None
        try:
            with Store.open(db_path, durable=True) as store:
                if monitor:
                    uplink = _start_monitor(monitor_config, db_path)
                return _loop(source, store, interface, lan_cidrs, flush_interval, stop, on_flush)
        finally:
            if uplink is not None:
                uplink.stop()
            source.close()
    finally:
        lock.release()


def _start_monitor(config_path: str | None, db_path: str):
    """The uplink monitor in this process, on threads of its own (never blocks capture)."""
    from hotspot_manager.monitor import ConfigError, Monitor, load_config

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise AgentError(f"monitor configuration: {exc}") from None
    uplink = Monitor(config, db_path)
    uplink.start()
    return uplink


def _install_signals(stop: threading.Event):
    if threading.current_thread() is not threading.main_thread():
        return []
    old = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        old.append((sig, signal.signal(sig, lambda *_: stop.set())))
    return old


def _warm_up() -> None:
    """Load what the first DHCP frame and the first new device would, before counting.

    The scapy dissectors and the IEEE OUI index take about half a second to
    load; paid at start, they never stall the first busy seconds of capture.
    """
    import netaddr

    from hotspot_manager.capture import discovery

    discovery.load_dissectors()
    try:
        netaddr.EUI("00:1b:63:00:00:00").oui.registration()
    except netaddr.NotRegisteredError:  # pragma: no cover - the registry lists it
        pass


def _loop(source, store, interface, lan_cidrs, interval, stop, on_flush) -> AgentStats:
    _warm_up()
    lan = store_lan(store, lan_cidrs)
    pipe = Pipeline(store, f"live:{interface}", lan)
    stats = AgentStats()
    old = _install_signals(stop)
    host = socket.gethostname()
    next_flush = time.monotonic() + interval
    last = (time.monotonic(), 0, 0)
    try:
        while True:
            wait = max(0.0, min(0.2, next_flush - time.monotonic()))
            for batch in source.batches(wait):
                pipe.feed_live(batch)
            now_m = time.monotonic()
            stopping = stop.is_set()
            if now_m < next_flush and not stopping:
                continue
            if stopping:
                # Frames of a block the kernel has not handed over yet (it does after
                # its block timeout) would be lost: wait that long once more.
                for batch in source.batches(getattr(source, "drain_seconds", 0.0)):
                    pipe.feed_live(batch)
                now_m = time.monotonic()
            ks = source.kernel_stats()
            m = pipe.meter
            stats.frames, stats.bytes, stats.malformed = m.frames, m.bytes, m.malformed
            stats.kernel_drops += ks.drops
            dt = max(now_m - last[0], 1e-6)
            now = int(time.time())
            state = {
                "pid": os.getpid(),
                "host": host,
                "interface": interface,
                "started": int(stats.started),
                "last_flush": time.time(),
                "flush_interval": interval,
                "frames": stats.frames,
                "bytes": stats.bytes,
                "malformed_frames": stats.malformed,
                "kernel_drops": stats.kernel_drops,
                "frames_per_second": round((stats.frames - last[1]) / dt, 1),
                "bytes_per_second": round((stats.bytes - last[2]) / dt, 1),
                "running": not stopping,
                "lan": lan.cidrs,
            }
            last = (now_m, stats.frames, stats.bytes)
            pipe.flush(
                clock=now,
                kernel_drops={now: ks.drops} if ks.drops else None,
                settings=((STATE_KEY, json.dumps(state)),),
            )
            stats.flushes += 1
            if on_flush:
                on_flush(stats)
            if stopping:
                return stats
            next_flush += interval
            if next_flush < now_m:  # fell behind (suspend, a slow disk): start afresh
                next_flush = now_m + interval
    finally:
        for sig, handler in old:
            signal.signal(sig, handler)
