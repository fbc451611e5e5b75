"""Entry point of the packaged `hotspot-manager`: the window and every command.

The same as the `hotspot-manager` console script, plus one bridge for the frozen bundle:
the window starts the agent as ``sys.executable -m hotspot_manager agent ...``
(``ui/agent_control.py``), and in a PyInstaller bundle ``sys.executable`` is this program,
not a Python. ``-m hotspot_manager`` is therefore accepted here, and only that module.
On Linux an ``agent`` run this way is handed (exec, same process id) to the
``hotspot-manager-agent`` next to this program, which is the one binary of the bundle that
may hold CAP_NET_RAW; elsewhere it runs in this process.
"""

from __future__ import annotations

import os
import sys

PROG = "hotspot-manager"


def _argv(argv: list[str]) -> list[str]:
    if argv[:1] != ["-m"]:
        return argv
    if argv[1:2] != ["hotspot_manager"]:
        name = argv[1] if len(argv) > 1 else ""
        sys.exit(f"{PROG}: error: -m runs only hotspot_manager in this package, not {name!r}")
    rest = argv[2:]
    if rest[:1] == ["agent"] and sys.platform.startswith("linux"):
        agent = os.path.join(os.path.dirname(sys.executable), "hotspot-manager-agent")
        if os.access(agent, os.X_OK):
            env = dict(os.environ)
            # the bootloader's library path is for this program; the agent sets its own
            orig = env.pop("LD_LIBRARY_PATH_ORIG", None)
            env.pop("LD_LIBRARY_PATH", None)
            if orig:
                env["LD_LIBRARY_PATH"] = orig
            sys.stdout.flush()
            sys.stderr.flush()
            os.execve(agent, [agent, *rest[1:]], env)
    return rest


def run() -> int:
    from hotspot_manager.cli import main

    return main(_argv(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(run())
