"""Run the frozen programs once, on any system (the Windows and macOS workflows use it; on
Linux tests/test_packaging.py does this and more).

    python packaging/smoke.py [BUNDLE_DIR]      # default: dist/hotspot-manager

Checks: both programs answer --version with the package's version; `usage --json` on a
capture made here equals the source tree's answer; the window opens offscreen
(`gui --startup-check`) and how long it took. Prints the figures as JSON; exit status 1 on
the first failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "hotspot-manager"
EXE = ".exe" if sys.platform == "win32" else ""


def version() -> str:
    text = (ROOT / "hotspot_manager" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M).group(1)


def run(argv, env=None, timeout=300) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, env=env, timeout=timeout
    )
    if proc.returncode != 0:
        cmd = " ".join(map(str, argv))
        raise SystemExit(f"smoke: {cmd}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def main(argv: list[str]) -> int:
    bundle = Path(argv[0]) if argv else ROOT / "dist" / NAME
    gui, agent = bundle / f"{NAME}{EXE}", bundle / f"{NAME}-agent{EXE}"
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="hm-smoke-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, HOME=str(tmp), QT_QPA_PLATFORM="offscreen")
        env.pop("DISPLAY", None)
        for exe in (gui, agent):
            out = run([exe, "--version"], env=env).stdout.strip()
            if out != f"{NAME} {version()}":
                raise SystemExit(f"smoke: {exe.name} --version said {out!r}")
        t = []
        for _ in range(5):
            t0 = time.monotonic()
            run([gui, "--version"], env=env)
            t.append(round(time.monotonic() - t0, 3))
        figures["version_s"] = t

        from scapy.layers.inet import IP, UDP
        from scapy.layers.l2 import Ether
        from scapy.packet import Raw
        from scapy.utils import wrpcap

        cap = tmp / "smoke.pcap"
        pkts = []
        for i in range(300):
            p = (
                Ether(src=f"02:00:00:00:00:{i % 5:02x}", dst="02:00:00:00:01:00")
                / IP(src=f"192.168.50.{10 + i % 5}", dst="8.8.8.8")
                / UDP()
                / Raw(b"\0" * (i % 900))
            )
            p.time = 1749556800 + i
            pkts.append(p)
        wrpcap(str(cap), pkts)
        frozen = json.loads(run([gui, "usage", cap, "--json"], env=env).stdout)
        source = json.loads(
            run([sys.executable, "-m", "hotspot_manager", "usage", cap, "--json"], env=env).stdout
        )
        if frozen != source:
            raise SystemExit("smoke: usage --json differs between the bundle and the source tree")
        figures["usage_addresses"] = len(frozen["addresses"])

        shown = []
        for _ in range(3):
            out = run([gui, "gui", "--startup-check", "--db", tmp / "gui.db"], env=env).stdout
            m = re.search(r"window shown ([0-9.]+) s", out)
            if not m:
                raise SystemExit(f"smoke: gui --startup-check said {out!r}")
            shown.append(float(m.group(1)))
        figures["window_shown_offscreen_s"] = shown
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
