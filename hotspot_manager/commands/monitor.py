"""`hotspot-manager monitor` (run the uplink/router monitor alone) and, until the agent's
own one exists, `hotspot-manager status` (the monitor's part of it).

The agent's `status` command should call :func:`status_section` and put its result under
``"monitor"`` in its JSON document.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

__all__ = ["cmd_monitor", "cmd_status", "register", "status_section"]

EXIT_CHECK_FAILED = 4


def register(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser(
        "monitor",
        help="run the uplink and router monitor alone (until Ctrl-C)",
        description="Probe the gateway, the internet targets, DNS, an HTTP URL, the network "
        "interfaces and the router (SNMP) on their own schedules; store latency, jitter, loss, "
        "outages and the live status in the database. Stops cleanly on SIGINT/SIGTERM. "
        "Configuration: a TOML file (docs/monitor.md); the defaults work with no file.",
    )
    m.add_argument("--db", metavar="PATH", help="database file (default: the app's data folder)")
    m.add_argument("--config", metavar="FILE", help="TOML configuration file ([monitor] table)")
    m.add_argument(
        "--check",
        action="store_true",
        help="probe everything a few times now, print what works and what does not, and exit "
        f"(status {EXIT_CHECK_FAILED} if something failed)",
    )
    m.add_argument("--json", action="store_true", help="with --check: print JSON")
    m.add_argument("--quiet", action="store_true", help="log only warnings and errors")
    m.set_defaults(func=cmd_monitor)

    if "status" not in sub.choices:
        s = sub.add_parser(
            "status",
            help="the uplink, router and call-quality status from the database",
            description="What the running monitor last recorded: per target latency, jitter "
            "and loss, the uplink and router states, the current outage and the MOS.",
        )
        s.add_argument(
            "--db", metavar="PATH", help="database file (default: the app's data folder)"
        )
        s.add_argument("--json", action="store_true", help="print JSON")
        s.set_defaults(func=cmd_status)


def _config(path: str | None):
    from hotspot_manager.cli import UserError
    from hotspot_manager.monitor.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def _db_path(value: str | None) -> str:
    from hotspot_manager.store import default_db_path

    return value or str(default_db_path())


def cmd_monitor(args: argparse.Namespace) -> int:
    cfg = _config(args.config)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if args.check:
        from hotspot_manager.monitor.check import format_check, run_check

        result = run_check(cfg)
        if args.json:
            json.dump(result, sys.stdout, separators=(",", ":"), default=str)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(format_check(result))
        return 0 if result["ok"] else EXIT_CHECK_FAILED

    from hotspot_manager.monitor.core import Monitor
    from hotspot_manager.store import Store

    path = _db_path(args.db)
    # open (and migrate) here, so that a bad --db is reported before any probing starts
    with Store.open(path):
        pass
    return Monitor(cfg, path).run_forever()


def status_section(store) -> dict:
    """The monitor's part of `status --json` (see hotspot_manager.monitor.status)."""
    from hotspot_manager.monitor.status import monitor_status

    return monitor_status(store)


def cmd_status(args: argparse.Namespace) -> int:
    from hotspot_manager.monitor.status import format_status
    from hotspot_manager.store import Store

    with Store.open(_db_path(args.db)) as store:
        section = status_section(store)
    if args.json:
        json.dump({"monitor": section}, sys.stdout, separators=(",", ":"))
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_status(section))
    return 0
