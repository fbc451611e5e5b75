"""`gui` and `demo`: the desktop window (also what `hotspot-manager` alone opens).

Only argparse here at import time: Qt loads when a handler runs, so `usage` and the other
commands start as fast as before.
"""

from __future__ import annotations

import argparse


def register(sub) -> None:
    g = sub.add_parser(
        "gui",
        help="open the desktop window (the same as running hotspot-manager alone)",
        description="The desktop app: live dashboard, devices and settings. It never needs "
        "capture rights; the agent it starts does.",
    )
    _window_options(g)
    g.add_argument(
        "--tray",
        action="store_true",
        help="start in the tray, without the window (as at login), where there is a tray",
    )
    g.add_argument(
        "--startup-check",
        action="store_true",
        help="print how long the window took to appear, then close it",
    )
    g.set_defaults(func=cmd_gui)

    d = sub.add_parser(
        "demo",
        help="the whole app on a temporary database fed by a replayed capture",
        description="Opens the window on a temporary database that a capture shipped with "
        "the app (a synthetic hotspot) feeds in real time through the agent's pipeline; "
        "the database is deleted when the window closes. Needs no hotspot and no rights.",
    )
    d.add_argument("--lang", choices=("es", "en"), help="language (default: the saved one)")
    d.add_argument("--theme", choices=("system", "light", "dark"), help="appearance")
    d.set_defaults(func=cmd_demo)


def _window_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH", help="database file (default: the app's data folder)")
    p.add_argument("--lang", choices=("es", "en"), help="language (default: the saved one)")
    p.add_argument("--theme", choices=("system", "light", "dark"), help="appearance")


def cmd_gui(args: argparse.Namespace) -> int:
    from hotspot_manager.ui.app import run

    return run(
        db_path=getattr(args, "db", None),
        language=getattr(args, "lang", None),
        theme_name=getattr(args, "theme", None),
        startup_check=getattr(args, "startup_check", False),
        tray_only=getattr(args, "tray", False),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from hotspot_manager.ui.app import run

    return run(demo=True, language=args.lang, theme_name=args.theme)


def open_window() -> int:
    """`hotspot-manager` with no arguments."""
    return cmd_gui(argparse.Namespace())
