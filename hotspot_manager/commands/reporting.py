"""`hotspot-manager report`: per-device totals, sessions and time online."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime

from hotspot_manager.store import Store, default_db_path


class ReportError(Exception):
    pass


def parse_when(text: str | None, option: str) -> int | None:
    """An ISO date or date-time; without a zone it is the computer's local time."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        from hotspot_manager.cli import UserError

        raise UserError(
            f"{option}: not a date: {text!r} (expected e.g. 2026-11-01 or 2026-11-01T08:30)"
        ) from None
    return int(when.timestamp())


def _hms(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}"


def _kind(a: dict) -> str:
    if a.get("group"):
        return "broadcast" if a["address"] == "ff:ff:ff:ff:ff:ff" else "multicast"
    return a["vendor"] or ("randomised MAC" if a["locally_administered"] else "")


def cmd_report(args: argparse.Namespace) -> int:
    from hotspot_manager.cli import UserError

    db = args.db or str(default_db_path())
    if not os.path.exists(db):
        raise UserError(f"no database at {db} (run `hotspot-manager import` or the agent first)")
    since = parse_when(args.since, "--since")
    until = parse_when(args.until, "--until")
    if since is not None and until is not None and since > until:
        raise UserError("--since is after --until")
    with Store.open(db) as store:
        result = store.report(since, until)
    if args.json:
        print(json.dumps(result))
        return 0
    out = sys.stdout
    for w in result["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    head = ("Device", "MAC", "Vendor", "Up bytes", "Down bytes", "Internet", "Online", "Sessions")
    rows = [head]
    for a in result["addresses"]:
        inet = a["internet"]["tx_bytes"] + a["internet"]["rx_bytes"]
        rows.append(
            (
                (a["name"] or a["hostname"] or "")[:24],
                a["address"],
                _kind(a)[:28],
                f"{a['tx_bytes']:,}",
                f"{a['rx_bytes']:,}",
                f"{inet:,}",
                _hms(a["online_seconds"]),
                str(len(a["sessions"])),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for k, r in enumerate(rows):
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].ljust(widths[2])]
        cells += [c.rjust(w) for c, w in zip(r[3:], widths[3:], strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")
        if k == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")
    out.write(f"{len(result['addresses'])} addresses with traffic in the period\n")
    return 0
