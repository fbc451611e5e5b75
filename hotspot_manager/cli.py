"""The command line: `hotspot-manager SUBCOMMAND ...`.

Every subcommand imports what it needs when it runs, so `usage` on a big
capture does not pay for Qt, scapy or SQLite at start-up.

Exit statuses: 0 done, 1 unexpected failure, 2 bad input (a file that is not
a capture, a bad range, a bad date), 3 missing permission.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from hotspot_manager import __version__

PROG = "hotspot-manager"


class UserError(Exception):
    """Bad input from the operator: one line on stderr, exit status 2."""

    status = 2


def _lan(values: list[str] | None):
    from hotspot_manager.capture.lan import Lan, LanError

    if not values:
        return None
    cidrs = [c for v in values for c in v.split(",") if c.strip()]
    try:
        return Lan(cidrs)
    except LanError as exc:
        raise UserError(f"--lan: {exc}") from None


# -- usage ----------------------------------------------------------------------
def cmd_usage(args: argparse.Namespace) -> int:
    from hotspot_manager.capture.accounting import account_file

    lan = _lan(args.lan)
    result = account_file(args.capture, by=args.by, lan=lan)
    if args.json:
        json.dump(result, sys.stdout, indent=None, separators=(",", ":"))
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_usage_table(result, with_split=lan is not None))
    return 0


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def _when(ts: float) -> str:
    """A capture timestamp as a UTC date, or as seconds when no calendar holds it."""
    from datetime import UTC, datetime

    try:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError, OSError):
        return f"{ts:.0f} s since 1970"


def format_usage_table(result: dict, with_split: bool) -> str:
    cap = result["capture"]
    lines = [
        f"Capture: {cap['frames']:,} frames, {cap['bytes']:,} bytes ({_size(cap['bytes'])}), "
        f"link type {cap['link_type']}, {cap['malformed_frames']:,} malformed",
    ]
    if cap["first_ts"] is not None:
        lines.append(f"From {_when(cap['first_ts'])} to {_when(cap['last_ts'])} UTC")
    for w in cap["warnings"]:
        lines.append(f"Warning: {w}")
    head = ["Address", "Up frames", "Up bytes", "Down frames", "Down bytes"]
    if with_split:
        head += ["Internet up", "Internet down", "Local up", "Local down"]
    rows = [head]
    for a in result["addresses"]:
        row = [
            a["address"],
            f"{a['tx_frames']:,}",
            f"{a['tx_bytes']:,}",
            f"{a['rx_frames']:,}",
            f"{a['rx_bytes']:,}",
        ]
        if with_split:
            row += [
                f"{a['internet']['tx_bytes']:,}",
                f"{a['internet']['rx_bytes']:,}",
                f"{a['local']['tx_bytes']:,}",
                f"{a['local']['rx_bytes']:,}",
            ]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines.append("")
    for k, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    if not result["addresses"]:
        lines.append("(no addresses)")
    lines.append(f"{len(result['addresses'])} addresses (by {result['by']}); bytes at wire length")
    return "\n".join(lines) + "\n"


# -- argument parsing -------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Usage accounting, uplink monitoring and billing for a small WiFi hotspot.",
    )
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    u = sub.add_parser(
        "usage",
        help="account a capture file per device (offline)",
        description="Count every frame of a pcap/pcapng file per MAC or IP address, at wire "
        "length. --by mac matches `tshark -z endpoints,eth`; --by ip matches "
        "`endpoints,ip` and `endpoints,ipv6` for the outermost IP header.",
    )
    u.add_argument("capture", help="pcap or pcapng file")
    u.add_argument("--by", choices=("mac", "ip"), default="mac", help="group by (default: mac)")
    u.add_argument(
        "--lan",
        action="append",
        metavar="CIDR",
        help="hotspot LAN range (repeatable, or comma-separated): adds internet and local "
        "sub-totals per address",
    )
    u.add_argument("--json", action="store_true", help="print JSON instead of a table")
    u.set_defaults(func=cmd_usage)

    i = sub.add_parser(
        "import",
        help="count a capture file into the database, as the live agent would",
        description="Run a capture through the same pipeline as the live agent, on the "
        "capture's own clock. Importing the same file again counts nothing twice; a file that "
        "grew since its last import adds only the new frames.",
    )
    i.add_argument("capture", help="pcap or pcapng file")
    i.add_argument("--db", metavar="PATH", help="database file (default: the app's data folder)")
    i.add_argument(
        "--lan",
        action="append",
        metavar="CIDR",
        help="hotspot LAN range (repeatable, or comma-separated); remembered in the database; "
        "default: the private ranges",
    )
    i.add_argument("--json", action="store_true", help="print the outcome as JSON")
    i.add_argument("--quiet", action="store_true", help="no progress on stderr")
    i.set_defaults(func=_lazy("hotspot_manager.commands.importing", "cmd_import"))

    r = sub.add_parser(
        "report",
        help="per-device totals, sessions and time online from the database",
        description="Per-device usage over [--since, --until) from the database, in the shape "
        "of `usage --json` (field `addresses`), plus sessions and online seconds.",
    )
    r.add_argument("--db", metavar="PATH", help="database file (default: the app's data folder)")
    r.add_argument("--since", metavar="ISO", help="start, e.g. 2026-11-01 or 2026-11-01T08:00")
    r.add_argument("--until", metavar="ISO", help="end (exclusive)")
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")
    r.set_defaults(func=_lazy("hotspot_manager.commands.reporting", "cmd_report"))

    # Commands of other parts register themselves; a module here only builds its
    # parsers (cheap) and imports its machinery inside the handlers it sets.
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


COMMAND_MODULES: tuple[str, ...] = (
    "hotspot_manager.commands.billing",
    "hotspot_manager.commands.alerts",
    "hotspot_manager.commands.agent",
    "hotspot_manager.commands.lab",
    "hotspot_manager.commands.monitor",
    "hotspot_manager.commands.gui",
)


def _lazy(module: str, name: str):
    def run(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(module), name)(args)

    return run


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        # no command: open the window (Qt is imported only here, never for other commands)
        from hotspot_manager.commands.gui import open_window

        args.func = lambda _args: open_window()
    from hotspot_manager.capture.lan import LanError
    from hotspot_manager.capture.sources import CaptureError

    try:
        return int(args.func(args) or 0)
    except (CaptureError, LanError, UserError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # never a traceback for the operator
        if os.environ.get("HOTSPOT_DEBUG"):
            raise
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {exc} "
            "(set HOTSPOT_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1
