"""Live capture at tcpreplay's top speed: the agent against tcpdump, same traffic, same run.

A veth pair in a namespace of its own; tcpreplay --topspeed writes the IMIX
capture (benchmarks/imix.py) into one end, the capturing tool reads the
other. For each tool: frames counted against frames sent, kernel drops, CPU
seconds per million frames. For the agent also: its per-MAC totals against
`hotspot-manager usage` of the file (which the accounting benchmark checks
against tshark).

Run as root: python benchmarks/live_capture.py [--frames N] [--repeat K] [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
from docs_section import write_section  # noqa: E402 - beside this script
from imix import write_imix  # noqa: E402

NS = "hmbench"
KEYS = ("tx_frames", "tx_bytes", "rx_frames", "rx_bytes")


def sh(*cmd: str, check: bool = True, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def in_ns(*cmd: str) -> list[str]:
    return ["ip", "netns", "exec", NS, *cmd]


class Veth:
    """A namespace with a veth pair: `tx` is written by tcpreplay, `rx` captured."""

    def __enter__(self) -> Veth:
        sh("ip", "netns", "del", NS, check=False)
        sh("ip", "netns", "add", NS)
        sh(*in_ns("ip", "link", "add", "vtx", "type", "veth", "peer", "name", "vrx"))
        for dev in ("vtx", "vrx", "lo"):
            sh(*in_ns("ip", "link", "set", dev, "up"))
        for dev in ("vtx", "vrx"):
            sh(*in_ns("ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off"), check=False)
        sh(*in_ns("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"), check=False)
        return self

    def __exit__(self, *exc) -> None:
        sh("ip", "netns", "del", NS, check=False)

    def rx_stats(self) -> dict[str, int]:
        out = sh(
            *in_ns(
                "cat",
                "/sys/class/net/vrx/statistics/rx_packets",
                "/sys/class/net/vrx/statistics/rx_bytes",
            )
        ).stdout.split()
        return {"rx_packets": int(out[0]), "rx_bytes": int(out[1])}


def replay(pcap: Path) -> tuple[float, int]:
    t = time.perf_counter()
    p = sh(*in_ns("tcpreplay", "--topspeed", "-i", "vtx", str(pcap)))
    secs = time.perf_counter() - t
    m = re.search(r"Actual: (\d+) packets", p.stdout)
    return secs, int(m.group(1)) if m else -1


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) of every thread of ``pid``, to the nanosecond.

    /proc/PID/task/*/schedstat counts run time in ns; the usual utime/stime are
    10 ms ticks, too coarse for a tool that spends 0.08 s on a million frames.
    """
    try:
        total = 0
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system


def run_tcpdump(pcap: Path, v: Veth) -> dict:
    proc = subprocess.Popen(
        in_ns("tcpdump", "-i", "vrx", "-w", "/dev/null", "-s", "128", "-B", "32768"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    idle_cpu = cpu_of(proc.pid)  # start-up, not capture: left out, as for the agent
    secs, sent = replay(pcap)
    time.sleep(0.5)
    cpu = cpu_of(proc.pid) - idle_cpu
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    got = re.search(r"(\d+) packets received by filter", err)
    drops = re.search(r"(\d+) packets dropped by kernel", err)
    return {
        "tool": "tcpdump -w /dev/null (snap 128, 32 MB buffer)",
        "sent": sent,
        "replay_s": secs,
        "counted": int(got.group(1)) if got else -1,
        "kernel_drops": int(drops.group(1)) if drops else -1,
        "cpu_s": cpu,
    }


def run_agent(pcap: Path, v: Veth, expected: dict) -> dict:
    work = Path(tempfile.mkdtemp(prefix="hm-live-"))
    db = work / "h.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        in_ns(
            sys.executable,
            "-m",
            "hotspot_manager",
            "agent",
            "-i",
            "vrx",
            "--db",
            str(db),
            "--lan",
            "192.168.50.0/24",
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db) as c:
                if c.execute("SELECT 1 FROM settings WHERE key='agent.state'").fetchone():
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.1)
    idle_cpu = cpu_of(proc.pid)
    secs, sent = replay(pcap)
    time.sleep(1.5)
    cpu = cpu_of(proc.pid) - idle_cpu
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    rep = json.loads(
        sh(
            sys.executable, "-m", "hotspot_manager", "report", "--db", str(db), "--json", env=env
        ).stdout
    )
    state = json.loads(
        sqlite3.connect(db)
        .execute("SELECT value FROM settings WHERE key='agent.state'")
        .fetchone()[0]
    )
    got = {a["address"]: [a[k] for k in KEYS] for a in rep["addresses"]}
    shutil.rmtree(work, ignore_errors=True)
    return {
        "tool": "hotspot-manager agent",
        "sent": sent,
        "replay_s": secs,
        "counted": state["frames"],
        "kernel_drops": state["kernel_drops"],
        "cpu_s": cpu,
        "exact": got == expected,
        "mismatched": sorted(m for m in set(got) | set(expected) if got.get(m) != expected.get(m)),
    }


def machine() -> str:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = psutil.virtual_memory().total / 2**30
    return (
        f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("needs root (network namespace, tcpreplay)", file=sys.stderr)
        return 3
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    pcap = out / f"live-imix-{args.frames}.pcap"
    exp_path = pcap.with_suffix(".totals.json")
    if not pcap.exists() or not exp_path.exists():
        totals = write_imix(pcap, frames=args.frames, clients=40, seed=3)
        exp_path.write_text(json.dumps(totals))
    expected = {k: list(v) for k, v in json.loads(exp_path.read_text()).items()}
    rows = []
    with Veth() as v:
        for _ in range(args.repeat):
            rows.append(run_tcpdump(pcap, v))
            rows.append(run_agent(pcap, v, expected))
    block = render(rows, args.frames)
    print(block)
    if args.write_docs:
        write_docs(block)
    ok = all(r.get("exact", True) and r["kernel_drops"] == 0 for r in rows)
    return 0 if ok else 1


def render(rows: list[dict], frames: int) -> str:
    def med(tool: str, key: str) -> float:
        return statistics.median(r[key] for r in rows if r["tool"].startswith(tool))

    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"load average at start {os.getloadavg()[0]:.2f}.",
        "",
        f"{frames:,} IMIX frames replayed with `tcpreplay --topspeed` into a veth pair; "
        "the capturing tool reads the other end. One row per run. CPU is user + system "
        "time of every thread from /proc/PID/task/*/schedstat (ns), from just before the "
        "replay to 0.5 s (tcpdump) or 1.5 s (agent, a flush interval and a half) after it.",
        "",
        "| tool | sent | counted | kernel drops | replay rate | CPU s per M frames "
        "| exact per MAC |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        rate = r["sent"] / r["replay_s"] if r["replay_s"] else 0
        lines.append(
            f"| {r['tool']} | {r['sent']:,} | {r['counted']:,} | {r['kernel_drops']:,} | "
            f"{rate / 1000:,.0f} k frames/s | {r['cpu_s'] / r['sent'] * 1e6:.3f} | "
            f"{'yes' if r.get('exact') else ('n/a' if 'exact' not in r else 'NO')} |"
        )
    ratio = med("hotspot", "cpu_s") / med("tcpdump", "cpu_s")
    lines += [
        "",
        f"Agent CPU / tcpdump CPU (medians): **{ratio:.2f}x** (target at most 3x, goal 1.5x).",
    ]
    return "\n".join(lines)


def write_docs(block: str) -> None:
    write_section(
        "## Live capture\n\n`python benchmarks/live_capture.py --write-docs` (as root).\n\n" + block
    )


if __name__ == "__main__":
    raise SystemExit(main())
