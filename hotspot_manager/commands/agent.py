"""`agent`, `status` and `scan`: the live side of the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def register(sub) -> None:
    a = sub.add_parser(
        "agent",
        help="count every device's traffic on the hotspot interface (runs until stopped)",
        description="The headless agent: captures on the interface facing the clients and "
        "writes per-device usage to the database once per flush interval. It needs only the "
        "right to capture (CAP_NET_RAW on Linux). SIGTERM or Ctrl-C flush and exit.",
    )
    a.add_argument("--interface", "-i", required=True, help="interface facing the clients")
    a.add_argument("--db", metavar="PATH", help="database file (default: the app's data folder)")
    a.add_argument(
        "--lan",
        action="append",
        metavar="CIDR",
        help="hotspot LAN range (repeatable, or comma-separated); remembered in the database",
    )
    a.add_argument(
        "--flush-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how often counts are committed (default 1; at most this much is lost in a crash)",
    )
    a.add_argument(
        "--backend",
        choices=("auto", "ring", "scapy"),
        default="auto",
        help="capture method (default: the AF_PACKET ring on Linux, libpcap elsewhere)",
    )
    a.add_argument(
        "--monitor",
        action="store_true",
        help="also watch the uplink and the router (latency, loss, outages, SNMP) in this process",
    )
    a.add_argument(
        "--monitor-config", metavar="FILE", help="monitor settings (TOML; see docs/monitor.md)"
    )
    a.set_defaults(func=cmd_agent)

    s = sub.add_parser(
        "status",
        help="is the agent counting, how fast, and who is using the connection now",
    )
    s.add_argument("--db", metavar="PATH", help="database file (default: the app's data folder)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.add_argument(
        "--window", type=int, default=5, metavar="SECONDS", help="rate window (default 5 s)"
    )
    s.set_defaults(func=cmd_status)

    n = sub.add_parser(
        "scan",
        help="find devices on the hotspot now with an ARP sweep",
        description="Sends one ARP request to every address of the LAN and lists who answers "
        "(needs the right to capture, like the agent). Found devices are recorded.",
    )
    n.add_argument("--interface", "-i", required=True, help="interface facing the clients")
    n.add_argument("--db", metavar="PATH", help="database file (default: the app's data folder)")
    n.add_argument("--lan", metavar="CIDR", help="range to sweep (default: the stored LAN)")
    n.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for answers")
    n.add_argument("--json", action="store_true", help="print JSON")
    n.set_defaults(func=cmd_scan)


def _db(args) -> str:
    from hotspot_manager.store import default_db_path

    return args.db or str(default_db_path())


def cmd_agent(args: argparse.Namespace) -> int:
    from hotspot_manager.agent.runner import AgentError, run_agent
    from hotspot_manager.cli import PROG

    db = _db(args)
    try:
        stats = run_agent(
            args.interface,
            db,
            args.lan,
            args.flush_interval,
            args.backend,
            monitor=args.monitor or bool(args.monitor_config),
            monitor_config=args.monitor_config,
        )
    except AgentError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.status
    print(
        f"agent stopped: {stats.frames:,} frames, {stats.bytes:,} bytes counted into {db}; "
        f"{stats.kernel_drops:,} dropped by the kernel",
        file=sys.stderr,
    )
    return 0


def agent_status(store, window: int = 5, now: float | None = None) -> dict:
    """The `status` document (also what the GUI shows)."""
    from hotspot_manager.agent.runner import STATE_KEY

    now = time.time() if now is None else now
    raw = store.get_setting(STATE_KEY)
    state = json.loads(raw) if raw else None
    agent: dict = {"running": False, "last_flush": None}
    if state:
        age = now - state["last_flush"]
        alive = state.get("running", False) and age <= max(3 * state["flush_interval"], 5)
        if alive and state.get("host") == os.uname().nodename and not _pid_alive(state["pid"]):
            alive = False
        agent = {
            "running": alive,
            "pid": state["pid"],
            "interface": state["interface"],
            "started": state["started"],
            "last_flush": state["last_flush"],
            "seconds_since_flush": round(age, 1),
            "frames_per_second": state["frames_per_second"] if alive else 0.0,
            "bytes_per_second": state["bytes_per_second"] if alive else 0.0,
            "frames": state["frames"],
            "bytes": state["bytes"],
            "kernel_drops": state["kernel_drops"],
            "malformed_frames": state["malformed_frames"],
            "lan": state.get("lan"),
        }
    # Per-device rates from the last complete seconds the agent wrote.
    end = int(now)
    recent = store.recent(end - window)
    devices = [
        {
            "address": d["address"],
            "name": d["name"] or d["hostname"],
            "ipv4": d["ipv4"],
            "tx_bytes_per_second": round(d["tx_bytes"] / window, 1),
            "rx_bytes_per_second": round(d["rx_bytes"] / window, 1),
            "tx_frames_per_second": round(d["tx_frames"] / window, 1),
            "rx_frames_per_second": round(d["rx_frames"] / window, 1),
        }
        for d in recent["devices"]
    ]
    doc = {
        "agent": agent,
        "window_seconds": window,
        "devices": devices,
        "capture_health": {
            "kernel_drops_recent": recent["health"]["kernel_drops"],
            "malformed_recent": recent["health"]["malformed"],
            "kernel_drops_kept": recent["kernel_drops_kept"],
        },
    }
    try:
        from hotspot_manager.monitor.status import monitor_status
    except ImportError:
        doc["monitor"] = None
    else:
        doc["monitor"] = monitor_status(store)
    return doc


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cmd_status(args: argparse.Namespace) -> int:
    from hotspot_manager.cli import UserError
    from hotspot_manager.store import Store

    db = _db(args)
    if not os.path.exists(db):
        raise UserError(f"no database at {db} (start the agent first)")
    if args.window <= 0:
        raise UserError("--window must be at least 1 second")
    with Store.open(db) as store:
        doc = agent_status(store, args.window)
    if args.json:
        print(json.dumps(doc))
        return 0
    a = doc["agent"]
    if a["running"]:
        print(
            f"Agent: counting on {a['interface']} (pid {a['pid']}), "
            f"{a['frames_per_second']:,.0f} frames/s, "
            f"{a['bytes_per_second'] * 8 / 1e6:.2f} Mbit/s, "
            f"{a['kernel_drops']:,} dropped by the kernel, {a['malformed_frames']:,} malformed"
        )
    elif a.get("last_flush"):
        print(f"Agent: NOT running (last flush {a['seconds_since_flush']:.0f} s ago)")
    else:
        print("Agent: has never run on this database")
    if doc["monitor"] is not None:
        from hotspot_manager.monitor import format_status

        print()
        print(format_status(doc["monitor"]).rstrip())
    if doc["devices"]:
        print(f"\nDevices active in the last {doc['window_seconds']} s:")
        for d in doc["devices"]:
            label = d["name"] or ""
            print(
                f"  {d['address']}  {label:<20.20} {d['ipv4'] or '':<15}  "
                f"up {d['tx_bytes_per_second'] * 8 / 1000:8.1f} kbit/s  "
                f"down {d['rx_bytes_per_second'] * 8 / 1000:8.1f} kbit/s"
            )
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    import ipaddress

    from hotspot_manager.agent.pipeline import store_lan
    from hotspot_manager.cli import PROG, UserError
    from hotspot_manager.store import Store
    from hotspot_manager.store.records import Flush, Sighting

    db = _db(args)
    with Store.open(db) as store:
        lan = store_lan(store, [args.lan] if args.lan else None)
        nets = [n for n in lan.cidrs if ipaddress.ip_network(n).version == 4]
        if not nets:
            raise UserError("no IPv4 LAN range to sweep: give --lan CIDR")
        if any(ipaddress.ip_network(n).num_addresses > 4096 for n in nets):
            raise UserError(
                f"LAN {', '.join(nets)} is too large to sweep: give the hotspot's range with "
                "--lan (e.g. 192.168.137.0/24)"
            )
        try:
            from scapy.layers.l2 import arping
        except ImportError as exc:  # pragma: no cover - scapy is a dependency
            raise UserError(f"scapy is not available: {exc}") from None
        found: dict[str, str] = {}
        try:
            for net in nets:
                answered, _ = arping(net, iface=args.interface, timeout=args.timeout, verbose=False)
                for _sent, reply in answered:
                    found[reply.hwsrc.lower()] = reply.psrc
        except PermissionError:
            from hotspot_manager.capture.live import grant_hint

            print(f"{PROG}: error: {grant_hint()}", file=sys.stderr)
            return 3
        except OSError as exc:
            raise UserError(f"cannot sweep on {args.interface}: {exc}") from None
        now = int(time.time())
        store.write_flush(
            Flush(
                clock=now,
                source=f"scan:{args.interface}",
                sightings=tuple(Sighting(m, now, now, ip, None, ()) for m, ip in found.items()),
            )
        )
    rows = [{"address": m, "ipv4": ip} for m, ip in sorted(found.items())]
    if args.json:
        print(json.dumps({"lan": nets, "devices": rows}))
    else:
        for r in rows:
            print(f"{r['address']}  {r['ipv4']}")
        print(f"{len(rows)} devices answered on {', '.join(nets)}")
    return 0
