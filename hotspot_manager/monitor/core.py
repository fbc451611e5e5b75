"""The monitor: every probe on its own schedule, on one asyncio loop in one thread.

Threads: ``hm-monitor`` runs the event loop (all probes: sockets registered with the loop,
timeouts as loop timers, name look-ups in the loop's executor); ``hm-monitor-store`` owns
the monitor's own SQLite connection and does every write in order, so a slow disk or a
busy database never delays a probe and never blocks the caller (the capture pipeline).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import emodel
from .config import MonitorConfig, Target
from .icmp import IcmpError, Pinger
from .outage import Outage, OutageEvent, OutageTracker
from .probes import (
    ProbeError,
    UdpEcho,
    dns_query,
    http_check,
    resolve,
    system_resolver,
    tcp_connect,
)
from .rates import Counter, clock, interface_counters
from .stats import PeriodCounter, ProbeStats

__all__ = ["Monitor", "default_gateway", "default_interface"]

log = logging.getLogger("hotspot_manager.monitor")

RESOLVE_EVERY = 600.0  # seconds between look-ups of a target given by name
PRUNE_EVERY = 3600.0
GATEWAY_CHECK = 10.0  # seconds between looks at the default route (monitor.gateway = "auto")
DEGRADED_LOSS = 0.05  # every internet target losing this much: the uplink is "degraded"


# ----------------------------------------------------------------------------- routes


def _default_route(path: str = "/proc/net/route") -> tuple[str, str] | None:
    """(interface, gateway) of the IPv4 default route with the lowest metric (Linux)."""
    best = None
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            next(f, None)
            for line in f:
                cols = line.split()
                if len(cols) < 8 or cols[1] != "00000000" or cols[7] != "00000000":
                    continue
                flags = int(cols[3], 16)
                if not flags & 0x1:  # RTF_UP
                    continue
                gw = socket.inet_ntoa(int(cols[2], 16).to_bytes(4, "little"))
                metric = int(cols[6])
                if best is None or metric < best[0]:
                    best = (metric, cols[0], gw if flags & 0x2 else "")
    except (OSError, ValueError):
        return None
    return None if best is None else (best[1], best[2])


def default_gateway() -> str | None:
    r = _default_route()
    return r[1] or None if r else None


def default_interface() -> str | None:
    r = _default_route()
    return r[0] if r else None


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 3)


def _us(seconds: float | None) -> int | None:
    return None if seconds is None else int(round(seconds * 1e6))


# ----------------------------------------------------------------------------- state


@dataclass
class _Probed:
    """One target probed for latency (an internet target or the gateway)."""

    target: Target
    role: str  # internet | gateway
    key: str  # config key, for messages
    stats: ProbeStats
    period: PeriodCounter = field(default_factory=PeriodCounter)
    addr: str | None = None
    resolved_at: float = 0.0
    error: str | None = None  # why it cannot be probed at all (unknown host, permission)
    last_error: str | None = None  # why the last probe failed
    udp: UdpEcho | None = None

    @property
    def name(self) -> str:
        return self.target.name


@dataclass
class _Nic:
    role: str
    name: str
    counters: dict[str, Counter] = field(default_factory=dict)
    period: dict[str, int] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- monitor


class Monitor:
    """Probes the gateway, the internet targets, DNS, HTTP, the NICs and the router.

    ``store`` is a :class:`~hotspot_manager.store.Store` (the monitor opens its own
    connection to the same file, for its writer thread) or a database path. ``start()``
    returns at once; ``stop()`` ends the probes, closes a running outage and waits for the
    last writes. ``status()`` is the latest status document (what ``status --json`` shows).
    """

    def __init__(self, config: MonitorConfig | None = None, store: Any = None) -> None:
        from hotspot_manager.store import Store
        from hotspot_manager.store.monitoring import database_path

        self.config = config or MonitorConfig()
        if store is None:
            from hotspot_manager.store import default_db_path

            store = default_db_path()
        self.db_path = database_path(store) if isinstance(store, Store) else os.fspath(store)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()
        self._done = threading.Event()
        self._writer: ThreadPoolExecutor | None = None
        self._writer_store = None
        self.failure: BaseException | None = None
        self.problems: list[str] = []
        self._status: dict[str, Any] = {"running": False}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ public

    def start(self) -> None:
        """Start the monitor thread; returns at once."""
        if self._thread is not None:
            raise RuntimeError("the monitor was already started")
        self._thread = threading.Thread(target=self._thread_main, name="hm-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the probes and wait (up to ``timeout`` s) for the final writes."""
        loop, stopping = self._loop, self._stopping
        if self._thread is None:
            return
        self._started.wait(timeout)
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> dict[str, Any]:
        """The latest status document (a copy; safe from any thread)."""
        with self._lock:
            return dict(self._status)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the monitor thread to end; True if it did."""
        return self._done.wait(timeout)

    def run_forever(self) -> int:
        """Run until SIGINT/SIGTERM (or a fatal error); 0 after a clean stop, 1 on failure."""
        stop = threading.Event()
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, lambda *_: stop.set())
        try:
            self.start()
            while not stop.is_set() and not self._done.is_set():
                stop.wait(0.5)
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.failure is not None:
            log.error("the monitor failed: %s: %s", type(self.failure).__name__, self.failure)
            return 1
        return 0

    # ------------------------------------------------------------------ thread

    def _thread_main(self) -> None:
        # sockets are registered with the loop (add_reader): a selector loop everywhere
        loop = asyncio.SelectorEventLoop() if sys.platform == "win32" else asyncio.new_event_loop()
        self._loop = loop
        try:
            asyncio.set_event_loop(loop)
            self._stopping = asyncio.Event()
            self._started.set()
            loop.run_until_complete(self._main())
        except BaseException as exc:
            self.failure = exc
            log.exception("monitor thread failed")
        finally:
            self._started.set()
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
            self._done.set()

    # ------------------------------------------------------------------ writer thread

    def _open_writer(self) -> None:
        from hotspot_manager.store import Store

        def init() -> None:
            self._writer_store = Store.open(self.db_path)

        self._writer = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="hm-monitor-store", initializer=init
        )

    def _write(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future:
        """Run ``fn(store, *args)`` on the writer thread, in submission order."""
        assert self._loop is not None and self._writer is not None

        def job() -> Any:
            store = self._writer_store
            if store is None:
                raise RuntimeError("the monitor's store connection is not open")
            for attempt in range(3):
                try:
                    return fn(store, *args)
                except Exception as exc:  # sqlite3.OperationalError: locked, disk full
                    if attempt == 2:
                        raise
                    log.warning("store write failed (%s), retrying", exc)
                    time.sleep(1.0)
            return None

        fut = self._loop.run_in_executor(self._writer, job)
        fut.add_done_callback(self._write_done)
        return fut

    @staticmethod
    def _write_done(fut: asyncio.Future) -> None:
        if not fut.cancelled() and fut.exception() is not None:
            log.error("store write failed: %s", fut.exception())

    # ------------------------------------------------------------------ main

    async def _main(self) -> None:
        from hotspot_manager.store import monitoring as m

        cfg = self.config
        loop = asyncio.get_running_loop()
        self._started_at = time.time()
        self._open_writer()
        n = await self._write(m.close_stale_outages)
        if n:
            log.warning("closed %d outage(s) left open by a monitor that stopped abruptly", n)

        self._pingers: dict[int, Pinger | IcmpError] = {}
        self._internet = [
            _Probed(t, "internet", f"monitor.targets[{i}]", ProbeStats(cfg.loss_window))
            for i, t in enumerate(cfg.targets)
        ]
        self._gateway: _Probed | None = None
        if cfg.gateway:
            # "auto" with no default route yet (started before the network): looked up
            # again by the gateway's probe loop until there is one
            host = default_gateway() or "" if cfg.gateway == "auto" else cfg.gateway
            self._gateway = _Probed(
                Target("icmp", host, 0, host),
                "gateway",
                "monitor.gateway",
                ProbeStats(cfg.loss_window),
            )
        self.tracker = OutageTracker(
            [p.name for p in self._internet],
            threshold=cfg.outage_after,
            dns_threshold=cfg.dns.outage_after,
            dns=cfg.dns.enabled,
            router=self._gateway is not None,
        )
        self._outage_detail = ""
        self._dns_status: dict[str, Any] = {"enabled": cfg.dns.enabled}
        self._dns_stats = ProbeStats(max(2, min(cfg.loss_window, 60)))
        self._dns_period = PeriodCounter()
        self._http_status: dict[str, Any] = {"enabled": cfg.http.enabled}
        self._http_period = PeriodCounter()
        self._nics: list[_Nic] = []
        self._router_snmp: dict[str, Any] = {"state": "disabled"}
        self._snmp_period: dict[str, dict[str, int]] = {}
        self._snmp_last: dict[str, tuple[int | None, int | None]] = {}
        self._period_start = time.time()
        self._last_prune = 0.0

        sup = self._supervise
        tasks = [loop.create_task(sup(p.key, self._probe_loop, p)) for p in self._internet]
        if self._gateway is not None:
            tasks.append(loop.create_task(sup("gateway", self._probe_loop, self._gateway)))
        if cfg.dns.enabled:
            tasks.append(loop.create_task(sup("dns", self._dns_loop)))
        if cfg.http.enabled:
            tasks.append(loop.create_task(sup("http", self._http_loop)))
        tasks.append(loop.create_task(sup("interfaces", self._nic_loop)))
        if cfg.snmp.enabled:
            tasks.append(loop.create_task(sup("snmp", self._snmp_loop)))
        tasks.append(loop.create_task(sup("status", self._status_loop)))
        tasks.append(loop.create_task(sup("recording", self._record_loop)))
        log.info(
            "monitor started: %d internet targets, gateway %s, config %s",
            len(self._internet),
            (self._gateway.name or "auto (no default route yet)") if self._gateway else "none",
            cfg.source,
        )
        assert self._stopping is not None
        try:
            await self._stopping.wait()
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._shutdown()

    async def _shutdown(self) -> None:
        from hotspot_manager.store import monitoring as m

        now = time.time()
        for ev in self.tracker.close(now):
            self._outage_event(ev, reason="monitor_stopped")
        for p in [*self._internet, *([self._gateway] if self._gateway else [])]:
            if p.udp is not None:
                p.udp.close()
        for pg in self._pingers.values():
            if isinstance(pg, Pinger):
                pg.close()
        if getattr(self, "_snmp_poller", None) is not None:
            self._snmp_poller.close()
        doc = self._build_status(now)
        doc["running"] = False
        self._set_status(doc)
        try:
            self._record(now)
            await self._write(m.write_status, doc, now)
        except Exception as exc:
            log.error("final store write failed: %s", exc)
        assert self._writer is not None
        store = self._writer_store

        def close() -> None:
            if store is not None:
                store.close()

        with contextlib.suppress(Exception):
            await asyncio.get_running_loop().run_in_executor(self._writer, close)
        self._writer.shutdown(wait=True)
        log.info("monitor stopped")

    async def _supervise(self, name: str, loop_fn, *args: Any) -> None:
        """Run one probe loop; a bug in it restarts that loop, never stops the others."""
        while True:
            try:
                await loop_fn(*args)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the %s loop failed; restarting it in 5 s", name)
                await asyncio.sleep(5.0)

    def _problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)
            log.warning("%s", text)

    # ------------------------------------------------------------------ latency probes

    def _pinger(self, family: int) -> Pinger:
        pg = self._pingers.get(family)
        if pg is None:
            try:
                pg = Pinger(asyncio.get_running_loop(), family)
            except IcmpError as exc:
                pg = exc
            self._pingers[family] = pg
        if isinstance(pg, IcmpError):
            raise pg
        return pg

    async def _resolve(self, p: _Probed) -> bool:
        now = time.monotonic()
        if p.addr is not None and now - p.resolved_at < RESOLVE_EVERY:
            return True
        try:
            addr = await resolve(
                p.target.host, timeout=min(5.0, max(1.0, self.config.ping_timeout))
            )
        except ProbeError as exc:
            p.resolved_at = now
            if p.addr is not None:
                return True  # keep the old address while the name does not resolve
            msg = f"{p.key}: {exc}"
            if p.error != msg:
                log.warning("%s", msg)
            p.error = msg
            if p.role == "internet":
                self.tracker.set_usable(p.name, False)
            return False
        if p.error:
            log.info("%s: %s resolves to %s again", p.key, p.target.host, addr)
        if p.udp is not None and addr != p.addr:
            p.udp.close()
            p.udp = None
        p.addr, p.resolved_at, p.error = addr, now, None
        if p.role == "internet":
            self.tracker.set_usable(p.name, True)
        return True

    async def _probe_loop(self, p: _Probed) -> None:
        cfg = self.config
        loop = asyncio.get_running_loop()
        interval, timeout = cfg.ping_interval, cfg.ping_timeout
        next_t = loop.time()
        auto = p.role == "gateway" and cfg.gateway == "auto"
        checked = -GATEWAY_CHECK
        while True:
            if auto and (not p.target.host or loop.time() - checked >= GATEWAY_CHECK):
                checked = loop.time()
                self._follow_default_route(p)
            if not p.target.host:
                p.error = "monitor.gateway: auto, but this computer has no default route (yet)"
            elif await self._resolve(p):
                self._send_probe(p, timeout)
            else:
                next_t = max(next_t, loop.time() + min(30.0, max(interval, 5.0)) - interval)
            next_t += interval
            now = loop.time()
            if next_t < now:  # fell behind (suspend, overload): do not send a burst
                next_t = now
            await asyncio.sleep(next_t - now)

    def _follow_default_route(self, p: _Probed) -> None:
        """monitor.gateway = "auto": probe the gateway of the default route of now."""
        host = default_gateway()
        # no default route (the uplink is down): keep probing the last gateway
        if host and host != p.target.host:
            if p.target.host:
                log.info("the default gateway is now %s (was %s)", host, p.target.host)
            p.target = Target("icmp", host, 0, host)
            p.addr, p.resolved_at, p.error = None, 0.0, None
            p.stats = ProbeStats(self.config.loss_window)

    def _send_probe(self, p: _Probed, timeout: float) -> None:
        assert p.addr is not None
        sent = time.time()

        def done(rtt: float | None, err: str | None) -> None:
            self._on_result(p, sent, rtt, err)

        t = p.target
        try:
            if t.kind == "icmp":
                family = socket.AF_INET6 if ":" in p.addr else socket.AF_INET
                self._pinger(family).ping(p.addr, timeout, done)
            elif t.kind == "udp":
                if p.udp is None:
                    p.udp = UdpEcho(asyncio.get_running_loop(), p.addr, t.port)
                p.udp.ping(timeout, done)
            else:
                asyncio.get_running_loop().create_task(self._tcp_probe(p, timeout, done))
        except IcmpError as exc:
            msg = f"{p.key}: {exc}"
            if p.error != msg:
                self._problem(msg)
            p.error = msg
            if p.role == "internet":
                self.tracker.set_usable(p.name, False)
            return
        except OSError as exc:
            done(None, exc.strerror or str(exc))
            return
        if p.error and p.error.startswith(f"{p.key}: no permission"):
            p.error = None

    async def _tcp_probe(self, p: _Probed, timeout: float, done) -> None:
        assert p.addr is not None
        try:
            rtt = await tcp_connect(p.addr, p.target.port, timeout)
        except ProbeError as exc:
            done(None, str(exc))
        else:
            done(rtt, None)

    def _on_result(self, p: _Probed, sent: float, rtt: float | None, err: str | None) -> None:
        p.stats.add(rtt)
        p.period.add(rtt)
        p.last_error = err
        if p.role == "internet":
            events = self.tracker.internet(p.name, rtt is not None, sent)
        else:
            events = self.tracker.router(rtt is not None, sent)
        for ev in events:
            self._outage_event(ev)

    # ------------------------------------------------------------------ outages

    def _describe(self, out: Outage) -> str:
        cfg = self.config
        gw = self._gateway
        if out.cause == "dns_failing":
            err = self._dns_status.get("error") or "no answer"
            return (
                f"DNS failed {cfg.dns.outage_after} times in a row "
                f"({self._dns_status.get('server')}: {err}); the internet targets answer"
            )
        names = ", ".join(p.name for p in self._internet if p.error is None)
        text = f"every internet target ({names}) failed {cfg.outage_after} probes in a row"
        if out.cause == "router_unreachable" and gw is not None:
            return f"{text}, and so did the router {gw.addr or gw.name}"
        if gw is not None:
            return f"{text}; the router {gw.addr or gw.name} answers"
        return text

    def _outage_event(self, ev: OutageEvent, reason: str = "recovered") -> None:
        from hotspot_manager.store import monitoring as m

        out = ev.outage
        if ev.kind == "start":
            detail = self._describe(out)
            log.warning("OUTAGE started %s: %s (%s)", _stamp(out.start), out.cause, detail)

            def open_(store) -> None:
                out.db_id = m.open_outage(store, out.start, out.cause, detail)
                m.add_events(store, [(out.start, "outage_start", f"{out.cause}: {detail}")])

            self._write(open_)
        elif ev.kind == "cause":
            detail = self._describe(out)
            log.warning("outage cause now %s (%s)", out.cause, detail)

            def cause(store) -> None:
                db_id = out.db_id
                if db_id is not None:
                    m.set_outage_cause(store, db_id, out.cause, detail)

            self._write(cause)
        else:
            assert out.end is not None
            # the window's failures are the outage's: loss and MOS start afresh
            for p in [*self._internet, *([self._gateway] if self._gateway else [])]:
                p.stats.restart()
            log.warning(
                "OUTAGE ended %s after %.0f s (%s%s)",
                _stamp(out.end),
                out.end - out.start,
                out.cause,
                "" if reason == "recovered" else ", monitor stopped",
            )

            def close(store) -> None:
                db_id = out.db_id
                if db_id is not None:
                    m.close_outage(store, db_id, out.end, reason)
                    m.add_events(
                        store,
                        [(out.end, "outage_end", f"{out.cause}, {out.end - out.start:.0f} s")],
                    )

            self._write(close)

    # ------------------------------------------------------------------ DNS

    async def _dns_loop(self) -> None:
        cfg = self.config.dns
        loop = asyncio.get_running_loop()
        next_t = loop.time()
        while True:
            server = cfg.server
            if server == "system":
                server = system_resolver() or ""
            st = self._dns_status
            st.update({"server": server or None, "port": cfg.port, "name": cfg.name})
            sent = time.time()
            if not server:
                st.update({"state": "error", "error": "no resolver in /etc/resolv.conf"})
                ok, rtt = False, None
            else:
                try:
                    addr = await resolve(server, cfg.timeout)
                    res = await dns_query(addr, cfg.port, cfg.name, cfg.timeout)
                except ProbeError as exc:
                    ok, rtt = False, None
                    st.update({"state": "failing", "error": str(exc), "rcode": None})
                else:
                    ok, rtt = res.ok, res.rtt
                    st.update(
                        {
                            "state": "ok" if res.ok else "failing",
                            "error": None if res.ok else f"the resolver answered {res.rcode_name}",
                            "rcode": res.rcode_name,
                            "answers": res.answers,
                        }
                    )
            self._dns_stats.add(rtt if ok else None)
            self._dns_period.add(rtt if ok else None)
            st["last_ms"] = _ms(rtt) if ok else None
            st["consecutive_failures"] = self._dns_stats.consecutive_failures
            if ok:
                st["last_ok"] = sent
            for ev in self.tracker.dns(ok, sent):
                self._outage_event(ev)
            next_t = max(next_t + cfg.interval, loop.time())
            await asyncio.sleep(next_t - loop.time())

    # ------------------------------------------------------------------ HTTP

    async def _http_loop(self) -> None:
        cfg = self.config.http
        loop = asyncio.get_running_loop()
        ctx = None
        if cfg.url.lower().startswith("https"):
            ctx = ssl.create_default_context(cafile=cfg.ca_file or None)
            if not cfg.verify_tls:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
        next_t = loop.time()
        st = self._http_status
        st["url"] = cfg.url
        while True:
            sent = time.time()
            try:
                res = await http_check(cfg.url, cfg.timeout, ctx)
            except (ProbeError, TimeoutError) as exc:
                msg = str(exc) or f"no answer within {cfg.timeout:g} s"
                st.update({"state": "failing", "error": msg, "status": None, "elapsed_ms": None})
                self._http_period.add(None)
            else:
                expect = cfg.expect_status
                good = res.status == expect if expect else 200 <= res.status < 400
                err = None
                if not good:
                    err = f"answered HTTP {res.status}" + (f", expected {expect}" if expect else "")
                    if 300 <= res.status < 400 and res.location:
                        err += (
                            f"; redirected to {res.location} (a captive portal asking to log "
                            "in again?)"
                        )
                st.update(
                    {
                        "state": "ok" if good else "failing",
                        "error": err,
                        "status": res.status,
                        "elapsed_ms": _ms(res.elapsed),
                        "connect_ms": _ms(res.connect),
                    }
                )
                self._http_period.add(res.elapsed if good else None)
                if good:
                    st["last_ok"] = sent
            st["checked_at"] = sent
            next_t = max(next_t + cfg.interval, loop.time())
            await asyncio.sleep(next_t - loop.time())

    # ------------------------------------------------------------------ NICs

    async def _nic_loop(self) -> None:
        cfg = self.config.interfaces
        loop = asyncio.get_running_loop()
        nics: dict[str, _Nic] = {}
        next_t = loop.time()
        while True:
            wanted = []
            up = cfg.uplink
            if up == "auto":
                up = default_interface() or (nics["uplink"].name if "uplink" in nics else "")
            if up:
                wanted.append(("uplink", up))
            if cfg.hotspot:
                wanted.append(("hotspot", cfg.hotspot))
            try:
                counters = interface_counters()
                import psutil

                ifstats = psutil.net_if_stats()
            except Exception as exc:
                counters, ifstats = {}, {}
                self._problem(f"cannot read interface counters: {exc}")
            now = clock()
            for role, name in wanted:
                nic = nics.get(role)
                if nic is None or nic.name != name:
                    nic = nics[role] = _Nic(role, name)
                self._nic_update(nic, counters.get(name), ifstats.get(name), now)
            self._nics = [nics[r] for r, _ in wanted]
            next_t = max(next_t + cfg.interval, loop.time())
            await asyncio.sleep(next_t - loop.time())

    def _nic_update(self, nic: _Nic, c: dict[str, int] | None, st: Any, now: float) -> None:
        status: dict[str, Any] = {"name": nic.name, "role": nic.role}
        if c is None:
            status["error"] = f"no interface named {nic.name!r}"
            key = f"monitor.interfaces.{nic.role}"
            if self.config.interfaces.uplink != "auto" or nic.role != "uplink":
                status["error"] = f"{key}: no interface named {nic.name!r}"
            nic.status = status
            return
        if st is not None:
            status["up"] = bool(st.isup)
            status["speed_mbps"] = st.speed or None
        for k, v in c.items():
            ctr = nic.counters.setdefault(k, Counter(64))
            old = ctr.value
            rate = ctr.update(v, now)
            if k.endswith("_bytes"):
                status[f"{k}_per_second"] = None if rate is None else round(rate, 1)
            status[k] = v
            if old is not None and rate is not None:
                nic.period[k] = nic.period.get(k, 0) + (v - old if v >= old else 0)
        nic.status = status

    # ------------------------------------------------------------------ SNMP

    async def _snmp_loop(self) -> None:
        from . import snmp

        cfg = self.config.snmp
        loop = asyncio.get_running_loop()
        self._snmp_poller = None
        next_t = loop.time()
        while True:
            host = cfg.host
            if host == "gateway":
                host = self._gateway.target.host if self._gateway else ""
            if not host:
                self._router_snmp = {
                    "state": "error",
                    "error": 'monitor.snmp.host: "gateway", and there is no default route yet',
                }
            else:
                try:
                    addr = await resolve(host, cfg.timeout)
                except ProbeError as exc:
                    self._router_snmp = {
                        "state": "error",
                        "host": host,
                        "error": f"monitor.snmp.host: {exc}",
                    }
                else:
                    poller = self._snmp_poller
                    if poller is None or poller.addr != addr:
                        if poller is not None:
                            poller.close()
                        poller = self._snmp_poller = snmp.RouterPoller(cfg, addr)
                    was = poller.state
                    st, events = await poller.poll()
                    if st["state"] != was and st["state"] != "ok":
                        log.warning("router SNMP: %s", st.get("error"))
                    elif st["state"] == "ok" and was not in ("ok", "unknown"):
                        log.info("router SNMP answers again")
                    self._router_snmp = st
                    self._snmp_account(st)
                    if events:
                        from hotspot_manager.store import monitoring as m

                        now = time.time()
                        for e in events:
                            log.warning("%s: %s", e["kind"], e["detail"])
                        self._write(m.add_events, [(now, e["kind"], e["detail"]) for e in events])
            next_t = max(next_t + cfg.interval, loop.time())
            await asyncio.sleep(next_t - loop.time())

    def _snmp_account(self, st: dict) -> None:
        """Add the router's counter deltas since the previous poll to the period."""
        for role, i in (st.get("interfaces") or {}).items():
            name = i.get("name") or role
            rx, tx = i.get("rx_bytes"), i.get("tx_bytes")
            last = self._snmp_last.get(name)
            self._snmp_last[name] = (rx, tx)
            if last is None or i.get("rx_bytes_per_second") is None:
                continue
            acc = self._snmp_period.setdefault(name, {"role": role, "rx": 0, "tx": 0})  # type: ignore[dict-item]
            bits = 1 << int(i.get("counter_bits") or 64)
            if rx is not None and last[0] is not None:
                acc["rx"] += (rx - last[0]) % bits
            if tx is not None and last[1] is not None:
                acc["tx"] += (tx - last[1]) % bits

    # ------------------------------------------------------------------ status

    def _set_status(self, doc: dict) -> None:
        with self._lock:
            self._status = doc

    def _target_status(self, p: _Probed) -> dict[str, Any]:
        s = p.stats.summary()
        if p.error:
            state = "error"
        elif s.sent == 0:
            state = "unknown"
        elif s.consecutive_failures >= self.config.outage_after:
            state = "failing"
        elif s.loss:
            state = "lossy"
        else:
            state = "ok"
        d: dict[str, Any] = {
            "name": p.name,
            "kind": p.target.kind,
            "role": p.role,
            "address": p.addr,
            "state": state,
            "latency_ms": _ms(s.latency),
            "jitter_ms": _ms(s.jitter),
            "loss_percent": None if s.loss is None else round(100.0 * s.loss, 2),
            "probes": s.sent,
            "answered": s.received,
            "min_ms": _ms(s.latency_min),
            "max_ms": _ms(s.latency_max),
            "last_ms": _ms(s.last_rtt),
            "consecutive_failures": s.consecutive_failures,
            "total_probes": s.total_sent,
            "total_answered": s.total_received,
            "error": p.error or (p.last_error if s.consecutive_failures else None),
        }
        if s.latency is not None and s.loss is not None:
            q = emodel.call_quality(s.latency * 1000, (s.jitter or 0) * 1000, 100 * s.loss)
            d["call_quality"] = q.as_dict()
        else:
            d["call_quality"] = None
        return d

    def _build_status(self, now: float) -> dict[str, Any]:
        cfg = self.config
        targets = [self._target_status(p) for p in self._internet]
        inet = self.tracker.internet_state()
        out = self.tracker.current
        if out is not None:
            uplink = "down"
        elif inet == "up":
            usable = [t for t in targets if t["state"] != "error" and t["loss_percent"] is not None]
            lossy = usable and all(t["loss_percent"] >= 100 * DEGRADED_LOSS for t in usable)
            uplink = "degraded" if lossy else "up"
        else:
            uplink = inet
        quality = None
        best = None
        for t in targets:
            q = t["call_quality"]
            if q is not None and (best is None or q["r_factor"] > best[0]["r_factor"]):
                best = (q, t["name"])
        if best is not None and out is None:
            quality = dict(best[0], target=best[1])
        elif out is not None:
            quality = {"r_factor": 0.0, "mos": 1.0, "verdict": "poor", "target": None}
        router: dict[str, Any] = {"address": None, "state": "unknown"}
        if self._gateway is not None:
            g = self._target_status(self._gateway)
            router.update(
                {
                    "address": g["address"] or g["name"] or None,
                    "state": {
                        "ok": "reachable",
                        "lossy": "reachable",
                        "failing": "unreachable",
                    }.get(g["state"], "unknown"),
                    "latency_ms": g["latency_ms"],
                    "jitter_ms": g["jitter_ms"],
                    "loss_percent": g["loss_percent"],
                    "error": g["error"],
                }
            )
        router["snmp"] = self._router_snmp
        if router["state"] == "unknown" and self._router_snmp.get("state") == "ok":
            router["state"] = "reachable"
        nics = {n.role: n.status for n in self._nics}
        return {
            "running": True,
            "updated": now,
            "started": self._started_at,
            "pid": os.getpid(),
            "config": cfg.source,
            "status_interval": cfg.status_interval,
            "icmp": {
                ("ipv4" if fam == socket.AF_INET else "ipv6"): (
                    pg.mode if isinstance(pg, Pinger) else f"error: {pg}"
                )
                for fam, pg in self._pingers.items()
            },
            "uplink": {
                "state": uplink,
                "interface": nics.get("uplink"),
            },
            "hotspot": {"interface": nics.get("hotspot")},
            "targets": targets,
            "router": router,
            "dns": dict(self._dns_status),
            "http": dict(self._http_status),
            "outage": None
            if out is None
            else {
                "start": out.start,
                "cause": out.cause,
                "duration": max(0.0, now - out.start),
            },
            "call_quality": quality,
            "problems": list(self.problems),
        }

    async def _status_loop(self) -> None:
        from hotspot_manager.store import monitoring as m

        loop = asyncio.get_running_loop()
        interval = self.config.status_interval
        next_t = loop.time()
        while True:
            now = time.time()
            doc = self._build_status(now)
            self._set_status(doc)
            self._write(m.write_status, doc, now)
            next_t = max(next_t + interval, loop.time())
            await asyncio.sleep(next_t - loop.time())

    # ------------------------------------------------------------------ recording

    def _record(self, now: float) -> None:
        from hotspot_manager.store import monitoring as m

        ts = int(self._period_start)
        seconds = max(1, int(round(now - self._period_start)))
        rows = []
        probed = [*self._internet, *([self._gateway] if self._gateway else [])]
        for p in probed:
            pc = p.period
            if pc.sent:
                rows.append(
                    (
                        ts,
                        p.name,
                        p.target.kind,
                        p.role,
                        pc.sent,
                        pc.received,
                        _us(pc.rtt_sum / pc.received) if pc.received else None,
                        _us(pc.rtt_min),
                        _us(pc.rtt_max),
                        _us(p.stats.jitter),
                    )
                )
            pc.reset()
        for name, kind, pc in (
            (f"dns:{self._dns_status.get('server')}", "dns", self._dns_period),
            (f"http:{self.config.http.url}", "http", self._http_period),
        ):
            if pc.sent:
                avg = _us(pc.rtt_sum / pc.received) if pc.received else None
                rows.append(
                    (ts, name, kind, kind, pc.sent, pc.received, avg, _us(pc.rtt_min),
                     _us(pc.rtt_max), None)
                )  # fmt: skip
            pc.reset()
        traffic = []
        for nic in self._nics:
            if nic.period:
                p = nic.period
                traffic.append(
                    (
                        ts,
                        "host",
                        nic.name,
                        nic.role,
                        seconds,
                        p.get("rx_bytes"),
                        p.get("tx_bytes"),
                        p.get("rx_errors"),
                        p.get("tx_errors"),
                        p.get("rx_drops"),
                        p.get("tx_drops"),
                    )
                )
            nic.period = {}
        for name, acc in self._snmp_period.items():
            traffic.append(
                (ts, "snmp", name, acc["role"], seconds, acc["rx"], acc["tx"], None, None,
                 None, None)
            )  # fmt: skip
        self._snmp_period = {}
        self._period_start = now
        if rows or traffic:
            self._write(m.write_samples, rows, traffic)
        if now - self._last_prune >= PRUNE_EVERY:
            self._last_prune = now
            self._write(m.prune, now - self.config.retention_days * 86400)

    async def _record_loop(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.config.sample_interval
        # periods aligned to the wall clock (minutes at the default 60 s)
        await asyncio.sleep(interval - time.time() % interval)
        next_t = loop.time()
        while True:
            self._record(time.time())
            next_t = max(next_t + interval, loop.time())
            await asyncio.sleep(next_t - loop.time())


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
