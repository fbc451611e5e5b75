"""Open at login, in the tray: so that counting comes back by itself after a power cut.

With this on, the desktop session starts ``hotspot-manager gui --tray`` when the operator
logs in; the window stays in the tray and the keeper (``ui/keeper.py``) starts the agent
again if counting was on. Linux desktops: an XDG autostart entry in
``$XDG_CONFIG_HOME/autostart`` (GNOME, KDE, Xfce, Cinnamon, MATE, LXQt all read it).
Windows and macOS: not offered yet (the Settings box is hidden there).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENTRY_NAME = "hotspot-manager.desktop"


def supported(platform: str = sys.platform) -> bool:
    return platform.startswith("linux")


def entry_path() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart" / ENTRY_NAME


def command() -> list[str]:
    """How to open this app in the tray: the packaged program, or this interpreter."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "gui", "--tray"]
    return [sys.executable, "-m", "hotspot_manager", "gui", "--tray"]


def _quote(arg: str) -> str:
    """An argument of an Exec key (Desktop Entry Specification, "The Exec key")."""
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def entry_text(cmd: list[str] | None = None) -> str:
    exec_line = " ".join(_quote(a) for a in (cmd or command()))
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Hotspot Manager\n"
        "Comment=Opens in the tray at login, so that counting goes on after a restart\n"
        f"Exec={exec_line}\n"
        "Icon=hotspot-manager\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def enabled() -> bool:
    return supported() and entry_path().is_file()


def set_enabled(on: bool) -> None:
    """Write or remove the autostart entry (nothing happens where it is not supported)."""
    if not supported():
        return
    path = entry_path()
    if on:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(entry_text(), encoding="utf-8")
        os.replace(tmp, path)
    else:
        path.unlink(missing_ok=True)
