"""`hotspot-manager alerts`: check the quota and pack alerts, then list every alert.

What the Alerts screen does, from the command line: the quota and pack alerts due now are
recorded (``billing.alerts.check_alerts``, once each), then every kind the store knows
(the monitor's events and outages, quota and pack alerts, new devices, kernel drops) is
listed newest first over the period (``store.alerts.read_all``). Bad input is one line on
stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

_DB_HELP = "database file (default: the app's data folder)"
_SINCE_RE = re.compile(r"^(\d+)\s*d$")


def parse_since(text: str, now: int) -> int:
    """``today`` (local midnight), ``7d`` (7 × 24 h ago), or a local date/date-time."""
    import datetime as dt

    from hotspot_manager.cli import UserError

    t = text.strip().lower()
    if t == "today":
        return int(dt.datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0).timestamp())
    m = _SINCE_RE.match(t)
    if m:
        return now - int(m.group(1)) * 86_400
    try:
        return int(dt.datetime.fromisoformat(text.strip()).timestamp())
    except ValueError:
        raise UserError(
            f"--since: not a period: {text!r} (expected today, 7d, 30d or a date like 2026-11-01)"
        ) from None


def _size(n: int) -> str:
    from hotspot_manager.billing.parse import format_size

    return format_size(int(n))


def _amount(value: int, unit: str) -> str:
    from hotspot_manager.billing.parse import format_duration

    return format_duration(int(value)) if unit == "seconds" else _size(value)


def _when(t: int | None) -> str:
    import datetime as dt

    return "-" if t is None else dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")


def describe(r: dict[str, Any]) -> tuple[str, str]:
    """(kind, detail) of a row of ``read_all``, in English."""
    kind = r["kind"]
    if kind == "event":
        names = {
            "outage_start": "uplink down",
            "outage_end": "uplink up",
            "router_reboot": "router reboot",
        }
        return names.get(r["event"], r["event"]), r["detail"] or ""
    if kind == "outage":
        span = f"ongoing for {r['duration']} s" if r["ongoing"] else f"until {_when(r['end'])}"
        detail = f"{r['cause']}, {span}" + (f" ({r['detail']})" if r["detail"] else "")
        return "outage", detail
    if kind == "new_device":
        label = r["name"] or r["hostname"] or r["vendor"]
        return "new device", "  ".join(p for p in (label, r["mac"], r["ipv4"]) if p)
    if kind == "drops":
        return "kernel drops", f"{r['kernel_drops']} frames dropped ({r['source']})"
    p = r["params"]
    used, limit = _amount(p["used"], p["unit"]), _amount(p["limit"], p["unit"])
    a = r["alert"]
    texts = {
        "quota_near": f"{p['customer']} has used {used} of the {limit} in {p['plan']} this month",
        "quota_over": f"{p['customer']} has used {used}, over the {limit} in {p['plan']} "
        "this month",
        "pack_near": f"{p['customer']} has used {used} of the {limit} of pack {p['plan']}",
        "pack_used_up": f"{p['customer']} has used all of pack {p['plan']} ({limit})",
        "pack_expiring": f"{p['customer']}: pack {p['plan']} expires "
        f"{_when(p.get('expires_at'))} ({used} of {limit} used)",
        "pack_expired": f"{p['customer']}: pack {p['plan']} expired "
        f"{_when(p.get('expires_at'))} ({used} of {limit} used)",
    }
    return a.replace("_", " "), texts.get(a, "")


def cmd_alerts(args: argparse.Namespace) -> int:
    import json
    import sys
    import time

    from hotspot_manager.billing.alerts import check_alerts, set_near_percent
    from hotspot_manager.billing.errors import BillingError
    from hotspot_manager.commands.billing import _open
    from hotspot_manager.store import alerts as stored

    now = int(time.time())
    since = parse_since(args.since, now)
    with _open(args, create=args.set_near_percent is not None) as store:
        try:
            if args.set_near_percent is not None:
                set_near_percent(store, args.set_near_percent)
            if not args.no_check:
                result = check_alerts(store, now=now)
                for w in result.warnings:
                    print(f"warning: {w}", file=sys.stderr)
        except BillingError as exc:
            from hotspot_manager.cli import UserError

            raise UserError(str(exc)) from None
        rows = stored.read_all(store, since, now + 1, now)
    if args.json:
        out = []
        for r in rows:
            kind, detail = describe(r)
            out.append({**r, "title": kind, "text": detail})
        json.dump(out, sys.stdout, ensure_ascii=False, separators=(",", ":"))
        sys.stdout.write("\n")
        return 0
    for r in rows:
        kind, detail = describe(r)
        print(f"{_when(r['ts'])}  {kind:<14}  {' '.join(detail.split())}")
    print(f"{len(rows)} alerts since {_when(since)}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    a = subparsers.add_parser(
        "alerts",
        help="check quota and pack alerts, then list every alert",
        description="Record the quota and pack alerts due now (a customer near or over the "
        "data cap of a flat plan, a pack nearly used, used up, expiring within a day or "
        "expired; each once), then list every alert since --since, newest first: uplink "
        "down/up, router reboots, outages, quota and pack alerts, new devices, kernel drops.",
    )
    a.add_argument(
        "--since", default="7d", metavar="PERIOD", help="today, 7d (default), 30d or a date"
    )
    a.add_argument("--no-check", action="store_true", help="list only; record nothing new")
    a.add_argument(
        "--set-near-percent",
        metavar="N",
        help="save the near-quota threshold (1-99 %% of a cap or pack; default 80)",
    )
    a.add_argument("--db", metavar="PATH", help=_DB_HELP)
    a.add_argument("--json", action="store_true", help="print JSON")

    def run(args: argparse.Namespace) -> int:
        return cmd_alerts(args)

    a.set_defaults(func=run)
