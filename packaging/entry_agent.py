"""Entry point of the packaged `hotspot-manager-agent`: the capture agent and nothing else.

This is the one program of the bundle that is given the right to capture (on Linux the
file capability ``cap_net_raw+ep``, set by the .deb's postinst, or the systemd unit's
AmbientCapabilities). It runs only ``hotspot-manager agent``: every argument is an
argument of that command, so whoever can run it can count traffic into a database they
can write, and nothing more. ``--version`` is the one other thing it answers.
"""

from __future__ import annotations

import sys


def run() -> int:
    from hotspot_manager.cli import main

    args = sys.argv[1:]
    if args == ["--version"]:
        return main(["--version"])
    if args[:1] == ["agent"]:  # `hotspot-manager-agent agent ...`, as the rights hint prints
        args = args[1:]
    return main(["agent", *args])


if __name__ == "__main__":
    sys.exit(run())
