"""Sizes and warm start-up times of the Linux packages, for docs/benchmarks.md.

    .venv/bin/python packaging/measure.py [--runs N] [--xvfb] [--program PATH]

Run after `make package`. Sizes: the onedir bundle (bytes on disk, as du counts them),
the .tar.gz and the .deb. Times (median and range of N warm runs, after one run to warm
the page cache): `--version` from exec to exit; the window, from exec to its first frame,
as `gui --startup-check` reports it (offscreen; with --xvfb also on an X server, Qt's xcb
plugin as on a desktop); `usage` of a capture, the bundle against the source tree.
--program measures an installed copy instead (e.g. /usr/bin/hotspot-manager). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
NAME = "hotspot-manager"


def du_bytes(path: Path) -> int:
    """Allocated bytes, as `du -s --block-size=1` counts them (hard links once)."""
    seen, total = set(), 0
    for f in [path, *path.rglob("*")]:
        st = f.lstat()
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        total += st.st_blocks * 512
    return total


def stats(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "runs": len(values),
    }


def timed(argv, env, runs: int) -> list[float]:
    subprocess.run(argv, env=env, capture_output=True, check=True)  # warm-up
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        out.append(time.perf_counter() - t0)
    return out


def window(program: str, env, runs: int, db: Path) -> list[float]:
    shown = []
    for i in range(runs + 1):
        out = subprocess.run(
            [program, "gui", "--startup-check", "--db", str(db)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        m = re.search(r"window shown ([0-9.]+) s", out)
        if not m:
            raise SystemExit(f"measure: gui --startup-check said {out!r}")
        if i:  # the first one warms up
            shown.append(float(m.group(1)))
    return shown


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--xvfb", action="store_true", help="also time the window under Xvfb")
    ap.add_argument("--program", default=str(DIST / NAME / NAME))
    ap.add_argument(
        "--capture",
        type=Path,
        help="a pcap for the `usage` timing (default: the IMIX benchmark capture if present)",
    )
    args = ap.parse_args(argv)
    report: dict = {"program": args.program}

    bundle = DIST / NAME
    if bundle.is_dir():
        report["bundle_du_bytes"] = du_bytes(bundle)
    for pattern, key in (
        (f"{NAME}-*-linux-*.tar.gz", "tar_gz_bytes"),
        (f"{NAME}_*.deb", "deb_bytes"),
    ):
        found = sorted(DIST.glob(pattern))
        if found:
            report[key] = found[-1].stat().st_size

    with tempfile.TemporaryDirectory(prefix="hm-measure-") as tmp:
        tmp = Path(tmp)
        env = {
            "HOME": str(tmp),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": str(tmp),
        }
        report["version_s"] = stats(timed([args.program, "--version"], env, args.runs))
        off = dict(env, QT_QPA_PLATFORM="offscreen")
        report["window_offscreen_s"] = stats(window(args.program, off, args.runs, tmp / "w.db"))
        if args.xvfb:
            xvfb = shutil.which("Xvfb")
            if not xvfb:
                raise SystemExit("measure: --xvfb needs Xvfb")
            display = f":{150 + os.getpid() % 50}"
            server = subprocess.Popen(
                [xvfb, display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                time.sleep(1)
                x11 = dict(env, DISPLAY=display)
                report["window_xcb_s"] = stats(window(args.program, x11, args.runs, tmp / "x.db"))
            finally:
                server.terminate()
                server.wait(10)

        capture = args.capture
        if capture is None:
            found = sorted((ROOT / "benchmarks" / "out").glob("imix-1000000-*.pcap"))
            capture = found[0] if found else None
        if capture is not None:
            runs = max(3, args.runs // 3)
            frozen = timed([args.program, "usage", str(capture), "--json"], env, runs)
            source = timed(
                [sys.executable, "-m", "hotspot_manager", "usage", str(capture), "--json"],
                dict(env, PYTHONPATH=str(ROOT)),
                runs,
            )
            report["usage"] = {
                "capture": capture.name,
                "capture_bytes": capture.stat().st_size,
                "bundle_s": stats(frozen),
                "source_tree_s": stats(source),
            }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
