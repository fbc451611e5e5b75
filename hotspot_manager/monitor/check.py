"""``monitor --check``: every probe a few times, now, with a plain verdict per item.

For the operator setting things up: is the config right, do the targets answer, does the
router speak SNMP with these credentials. Uses the same probe code as the monitor.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from typing import Any

from .config import MonitorConfig, Target
from .icmp import IcmpError, Pinger
from .probes import ProbeError, UdpEcho, dns_query, http_check, resolve, system_resolver
from .probes import tcp_connect as _tcp
from .stats import ProbeStats

__all__ = ["run_check", "format_check"]


def run_check(config: MonitorConfig, count: int = 3, spacing: float = 0.2) -> dict[str, Any]:
    """Probe everything ``count`` times; ``{"ok": bool, "items": [...]}``."""
    return asyncio.run(_check(config, count, spacing))


async def _latency(
    loop, pingers: dict, key: str, target: Target, count: int, spacing: float, timeout: float
) -> dict[str, Any]:
    item: dict[str, Any] = {"key": key, "what": target.name, "ok": False}
    try:
        addr = await resolve(target.host, min(5.0, timeout + 1))
    except ProbeError as exc:
        item["error"] = f"{key}: {exc}"
        return item
    item["address"] = addr
    stats = ProbeStats(count)
    errors: list[str] = []
    udp = None
    try:
        for i in range(count):
            fut = loop.create_future()

            def done(rtt, err, fut=fut):
                if not fut.done():
                    fut.set_result((rtt, err))

            if target.kind == "icmp":
                fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
                if fam not in pingers:
                    pingers[fam] = Pinger(loop, fam)
                pingers[fam].ping(addr, timeout, done)
            elif target.kind == "udp":
                if udp is None:
                    udp = UdpEcho(loop, addr, target.port)
                udp.ping(timeout, done)
            else:
                try:
                    done(await _tcp(addr, target.port, timeout), None)
                except ProbeError as exc:
                    done(None, str(exc))
            rtt, err = await fut
            stats.add(rtt)
            if err:
                errors.append(err)
            if i + 1 < count:
                await asyncio.sleep(spacing)
    except IcmpError as exc:
        item["error"] = f"{key}: {exc}"
        return item
    finally:
        if udp is not None:
            udp.close()
    s = stats.summary()
    item.update(
        {
            "ok": s.received > 0,
            "answered": s.received,
            "probes": s.sent,
            "latency_ms": None if s.latency is None else round(s.latency * 1000, 2),
        }
    )
    if not s.received:
        item["error"] = f"{key}: {target.name} did not answer ({errors[-1] if errors else ''})"
    return item


async def _check(cfg: MonitorConfig, count: int, spacing: float) -> dict[str, Any]:
    from .core import default_gateway

    loop = asyncio.get_running_loop()
    pingers: dict[int, Pinger] = {}
    items: list[dict[str, Any]] = []
    try:
        jobs = [
            _latency(loop, pingers, f"monitor.targets[{i}]", t, count, spacing, cfg.ping_timeout)
            for i, t in enumerate(cfg.targets)
        ]
        gw = cfg.gateway
        if gw == "auto":
            gw = default_gateway() or ""
            if not gw:
                items.append(
                    {
                        "key": "monitor.gateway",
                        "what": "gateway",
                        "ok": False,
                        "error": "monitor.gateway: auto, but there is no default route",
                    }
                )
        if gw:
            jobs.append(
                _latency(
                    loop,
                    pingers,
                    "monitor.gateway",
                    Target("icmp", gw, 0, gw),
                    count,
                    spacing,
                    cfg.ping_timeout,
                )
            )
        items += await asyncio.gather(*jobs)
        if cfg.dns.enabled:
            items.append(await _dns(cfg))
        if cfg.http.enabled:
            items.append(await _http(cfg))
        if cfg.snmp.enabled:
            items.append(await _snmp(cfg, gw))
    finally:
        for p in pingers.values():
            p.close()
    return {"ok": all(i["ok"] for i in items), "items": items, "checked_at": time.time()}


async def _dns(cfg: MonitorConfig) -> dict[str, Any]:
    d = cfg.dns
    server = d.server if d.server != "system" else (system_resolver() or "")
    item: dict[str, Any] = {"key": "monitor.dns", "what": f"DNS {server or '-'}", "ok": False}
    if not server:
        item["error"] = "monitor.dns.server: system, but /etc/resolv.conf names no resolver"
        return item
    try:
        addr = await resolve(server, d.timeout)
        res = await dns_query(addr, d.port, d.name, d.timeout)
    except ProbeError as exc:
        item["error"] = f"monitor.dns.server: {exc}"
        return item
    item.update({"ok": res.ok, "latency_ms": round(res.rtt * 1000, 2), "rcode": res.rcode_name})
    if not res.ok:
        item["error"] = f"monitor.dns.server: {server} answered {res.rcode_name} for {d.name}"
    return item


async def _http(cfg: MonitorConfig) -> dict[str, Any]:
    h = cfg.http
    item: dict[str, Any] = {"key": "monitor.http.url", "what": f"HTTP {h.url}", "ok": False}
    ctx = None
    if h.url.lower().startswith("https"):
        ctx = ssl.create_default_context(cafile=h.ca_file or None)
        if not h.verify_tls:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    try:
        res = await http_check(h.url, h.timeout, ctx)
    except (ProbeError, TimeoutError) as exc:
        item["error"] = f"monitor.http.url: {exc or f'no answer within {h.timeout:g} s'}"
        return item
    good = res.status == h.expect_status if h.expect_status else 200 <= res.status < 400
    item.update({"ok": good, "status": res.status, "latency_ms": round(res.elapsed * 1000, 2)})
    if not good:
        item["error"] = f"monitor.http.url: answered HTTP {res.status}"
    return item


async def _snmp(cfg: MonitorConfig, gateway: str) -> dict[str, Any]:
    from .snmp import RouterPoller

    s = cfg.snmp
    host = gateway if s.host == "gateway" else s.host
    item: dict[str, Any] = {"key": "monitor.snmp", "what": f"SNMP {host or '-'}", "ok": False}
    if not host:
        item["error"] = "monitor.snmp.host: no router address"
        return item
    try:
        addr = await resolve(host, s.timeout)
    except ProbeError as exc:
        item["error"] = f"monitor.snmp.host: {exc}"
        return item
    poller = RouterPoller(s, addr)
    try:
        st, _ = await poller.poll()
    finally:
        poller.close()
    item["ok"] = st["state"] == "ok"
    item["snmp"] = st
    if not item["ok"]:
        item["error"] = st.get("error")
    else:
        for i in (st.get("interfaces") or {}).values():
            if i.get("error"):
                item["ok"] = False
                item["error"] = i["error"]
        item["sys_name"] = st.get("sys_name")
    return item


def format_check(result: dict[str, Any]) -> str:
    lines = []
    for i in result["items"]:
        mark = "ok  " if i["ok"] else "FAIL"
        extra = ""
        if i.get("latency_ms") is not None:
            extra = f" {i['latency_ms']:.1f} ms"
        if i.get("sys_name"):
            extra += f" ({i['sys_name']})"
        lines.append(f"{mark} {i['what']}{extra}")
        if i.get("error"):
            lines.append(f"     {i['error']}")
    lines.append("all checks passed" if result["ok"] else "some checks failed")
    return "\n".join(lines) + "\n"
