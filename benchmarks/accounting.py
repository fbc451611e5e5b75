"""Offline accounting benchmark: `hotspot-manager usage` against tshark and tcpdump.

One run does everything, so the ratios compare tools measured on the same machine, file and
page cache, minutes apart:

1. Writes (or reuses, cached in benchmarks/out/) a 1,000,000-frame IMIX capture of a
   40-device hotspot made by benchmarks/imix.py, which also knows the exact per-MAC totals.
2. Times, ``--repeat`` times each, round-robin so that machine noise spreads evenly:
   ``hotspot-manager usage FILE --json``, ``tshark -n -q -r FILE -z endpoints,eth``,
   ``tcpdump -r FILE -w /dev/null``, and ``hotspot-manager import FILE --db DB`` into a
   fresh database followed by ``hotspot-manager report --db DB --json``.
   Wall time is perf_counter around the child; CPU time is the growth of
   getrusage(RUSAGE_CHILDREN); peak RSS is the child's own ru_maxrss from wait4 (the
   RUSAGE_CHILDREN maximum is a high-water mark over every child so far, so it cannot tell
   the tools apart). A small launcher process starts the tools: see Launcher.
3. Checks, in the same run: usage's per-MAC totals == the generator's == tshark's, and the
   report's ``addresses`` == usage's.
4. Prints a markdown block; ``--write-docs`` puts it in docs/benchmarks.md as the
   "Offline accounting" section.

Exit status 0 when every tool ran and every check held, 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Offline accounting"
SEED = 1
CLIENTS = 40

sys.path.insert(0, str(HERE))
import imix  # noqa: E402  (a sibling script, not a package)
from docs_section import write_section  # noqa: E402 - beside this script

Totals = dict[str, list[int]]  # mac -> [tx_frames, tx_bytes, rx_frames, rx_bytes]


@dataclasses.dataclass
class Run:
    wall: float
    cpu: float
    maxrss_kb: int


@dataclasses.dataclass
class Tool:
    key: str
    label: str
    shown: str  # the command as the docs show it
    runs: list[Run] = dataclasses.field(default_factory=list)
    missing: str = ""  # why it could not run

    def med(self, attr: str = "wall") -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    def min(self, attr: str = "wall") -> float:
        return min(getattr(r, attr) for r in self.runs)


class ToolFailed(RuntimeError):
    pass


# --- the capture -------------------------------------------------------------------------


def capture(frames: int) -> tuple[Path, Totals, float | None]:
    """The cached capture and its expected totals; (path, totals, seconds spent writing)."""
    key = hashlib.sha256((HERE / "imix.py").read_bytes()).hexdigest()[:10]
    stem = f"imix-{frames}-c{CLIENTS}-s{SEED}-{key}"
    pcap, totals_path = OUT / f"{stem}.pcap", OUT / f"{stem}.totals.json"
    if pcap.exists() and totals_path.exists():
        return pcap, json.loads(totals_path.read_text()), None
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob(f"imix-{frames}-c{CLIENTS}-s{SEED}-*"):  # made by an older generator
        old.unlink()
    tmp = pcap.with_suffix(".pcap.part")
    t0 = time.perf_counter()
    totals = imix.write_imix(tmp, frames=frames, clients=CLIENTS, seed=SEED)
    took = time.perf_counter() - t0
    tmp.rename(pcap)
    totals_path.write_text(json.dumps(totals, indent=1) + "\n")
    return pcap, totals, took


def warm(path: Path) -> None:
    """Read the file once so every tool, first run included, starts from the page cache."""
    with path.open("rb") as f:
        while f.read(1 << 24):
            pass


# --- running a tool ----------------------------------------------------------------------


# The tools are started by a small launcher process, not by this one. Linux charges a
# child's ru_maxrss with the peak RSS of the address space it was forked from (the high-water
# mark is carried over at exec), so children of this process, which holds the capture's
# totals and has generated the capture, would all report at least this process's peak. The
# launcher's own peak (~8 MB, `python -I -S`) is the floor of the RSS column instead.
LAUNCHER = r"""
import json, os, resource, sys, time
for line in sys.stdin:
    req = json.loads(line)
    fa = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        pid = os.posix_spawnp(req["cmd"][0], req["cmd"], os.environ, file_actions=fa)
    except OSError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        continue
    _, status, own = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({"wall": wall, "cpu": cpu, "maxrss_kb": own.ru_maxrss,
                      "status": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class Launcher:
    """Runs each command as a child of a small process; wall, CPU and peak RSS of that child.

    Wall time is perf_counter around spawn + wait4, CPU the growth of the launcher's
    getrusage(RUSAGE_CHILDREN) (user + system), peak RSS the child's own ru_maxrss from
    wait4 (RUSAGE_CHILDREN's ru_maxrss is a maximum over all children so far).
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, cmd: list[str], stdout: Path) -> Run:
        stderr = stdout.with_suffix(".stderr")
        assert self.proc.stdin and self.proc.stdout
        req = {"cmd": cmd, "stdout": str(stdout), "stderr": str(stderr)}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        ans = json.loads(self.proc.stdout.readline())
        if "error" in ans:
            raise ToolFailed(f"{' '.join(cmd)}: {ans['error']}")
        if ans["status"] != 0:
            tail = stderr.read_text(errors="replace")[-2000:].strip()
            raise ToolFailed(f"{' '.join(cmd)} exited with {ans['status']}: {tail}")
        return Run(wall=ans["wall"], cpu=ans["cpu"], maxrss_kb=ans["maxrss_kb"])

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


def app_command() -> list[str]:
    script = Path(sys.executable).parent / "hotspot-manager"
    return [str(script)] if script.exists() else [sys.executable, "-m", "hotspot_manager"]


def has_subcommand(name: str) -> str:
    """'' when `hotspot-manager NAME --help` works, else why not."""
    try:
        p = subprocess.run(
            [*app_command(), name, "--help"], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if p.returncode != 0:
        return (p.stderr.strip().splitlines() or [f"exit status {p.returncode}"])[-1]
    return ""


def db_size(db: Path) -> tuple[int, int]:
    """(database bytes, write-ahead log bytes)."""
    wal = db.with_name(db.name + "-wal")
    return db.stat().st_size, wal.stat().st_size if wal.exists() else 0


# --- reading the tools' answers ----------------------------------------------------------


def parse_tshark_endpoints(text: str) -> Totals:
    """Rows of `tshark -z endpoints,eth`: address, packets, bytes, tx/rx packets and bytes.

    tshark 4.0 prints raw integers; later versions may print units ("1234 kB"), which would
    make a row longer than 7 fields or not numeric: refuse those rather than misread them.
    """
    out: Totals = {}
    seen_header = False
    for line in text.splitlines():
        if "Tx Bytes" in line and "Rx Bytes" in line:
            seen_header = True
            continue
        fields = line.split()
        if not fields or not re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", fields[0]):
            continue
        if len(fields) != 7 or not all(f.isdigit() for f in fields[1:]):
            raise ValueError(f"tshark endpoint row not in raw counts: {line!r}")
        packets, nbytes, txp, txb, rxp, rxb = (int(f) for f in fields[1:])
        if packets != txp + rxp or nbytes != txb + rxb:
            raise ValueError(f"tshark endpoint row does not add up: {line!r}")
        out[fields[0]] = [txp, txb, rxp, rxb]
    if not seen_header:
        raise ValueError("no endpoint table in tshark's output")
    return out


def parse_addresses(doc: dict, what: str) -> Totals:
    """The `addresses` list of `usage --json` / `report --json` as totals per MAC."""
    try:
        rows = doc["addresses"]
        return {
            r["address"].lower(): [
                int(r["tx_frames"]),
                int(r["tx_bytes"]),
                int(r["rx_frames"]),
                int(r["rx_bytes"]),
            ]
            for r in rows
        }
    except (KeyError, TypeError, AttributeError) as exc:
        sample = json.dumps(doc)[:300]
        raise ValueError(f"{what}: unexpected JSON shape ({exc!r}): {sample}") from None


def compare(a_name: str, a: Totals, b_name: str, b: Totals) -> tuple[bool, str]:
    """(equal, a one-line summary with the first differences)."""
    if a == b:
        return True, f"{len(a)} addresses, identical"
    diffs = []
    for mac in sorted(set(a) | set(b)):
        if a.get(mac) != b.get(mac):
            diffs.append(f"{mac}: {a_name} {a.get(mac)} vs {b_name} {b.get(mac)}")
    head = "; ".join(diffs[:5]) + (f"; ... {len(diffs) - 5} more" if len(diffs) > 5 else "")
    return False, f"{len(diffs)} of {len(set(a) | set(b))} addresses differ: {head}"


# --- the machine -------------------------------------------------------------------------


def first_line(cmd: list[str]) -> str:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except OSError:
        return "not installed"
    return ((p.stdout or p.stderr).strip().splitlines() or ["?"])[0]


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    tshark = first_line(["tshark", "--version"])
    m = re.search(r"TShark \(Wireshark\) (\S+)", tshark)
    tcpdump = first_line(["tcpdump", "--version"])
    libpcap = subprocess.run(["tcpdump", "--version"], capture_output=True, text=True).stdout
    lp = re.search(r"libpcap version (\S+)", libpcap)
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024**2:.1f} GiB",
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "tshark": m.group(1) if m else tshark,
        "tcpdump": tcpdump.replace("tcpdump version ", "")
        + (f" (libpcap {lp.group(1)})" if lp else ""),
    }


# --- the report --------------------------------------------------------------------------


def fmt_s(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.2f}"


def fmt_rate(frames: int, seconds: float) -> str:
    r = frames / seconds
    return f"{r / 1e6:.2f} M" if r >= 1e6 else f"{r / 1e3:.0f} k"


def markdown(ctx: dict) -> str:
    m, tools, frames = ctx["machine"], ctx["tools"], ctx["frames"]
    lines = [
        SECTION,
        "",
        "<!-- Written by `python benchmarks/accounting.py --write-docs`; do not edit by hand. -->",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['kernel']}; "
        f"Python {m['python']}, TShark {m['tshark']}, tcpdump {m['tcpdump']}",
        f"- Date: {ctx['date']}",
        f"- Capture: {frames:,} frames, {ctx['file_bytes'] / 1e6:.1f} MB "
        f"(`benchmarks/imix.py`, {CLIENTS} devices, seed {SEED}, "
        f"{ctx['span_s'] / 60:.0f} min, {ctx['wire_bytes'] / 1e6:.1f} MB of frames)"
        + (f", generated in {ctx['gen_s']:.1f} s" if ctx["gen_s"] else ", cached"),
        f"- Each tool run {ctx['repeat']} times, round-robin, file in the page cache; "
        f"load average {ctx['load']} at the start; "
        "CPU = user + system seconds; RSS = the child's peak (floor ~8 MB, the launcher's)",
        "",
        "| tool | command | wall median s | wall min s | frames/s | CPU median s | peak RSS MB |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for t in tools.values():
        if t.missing:
            lines.append(f"| {t.label} | `{t.shown}` | not run: {t.missing} | | | | |")
            continue
        lines.append(
            f"| {t.label} | `{t.shown}` | {fmt_s(t.med())} | {fmt_s(t.min())} | "
            f"{fmt_rate(frames, t.med())} | {fmt_s(t.med('cpu'))} | "
            f"{max(r.maxrss_kb for r in t.runs) / 1024:.0f} |"
        )
    lines += ["", "| measure | result | target | goal | met |", "|---|--:|--:|--:|---|"]
    for row in ctx["ratios"]:
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Correctness, checked in the same run:", ""]
    for name, ok, detail in ctx["checks"]:
        mark = "yes" if ok else "**NO**" if ok is False else "not checked"
        lines.append(f"- {name}: {mark} ({detail})")
    return "\n".join(lines) + "\n"


def write_docs(block: str) -> None:
    write_section(block, DOCS)


# --- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=1_000_000, help="capture size (1,000,000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each tool (3)")
    ap.add_argument(
        "--write-docs",
        action="store_true",
        help=f'replace the "{SECTION[3:]}" section of docs/benchmarks.md with the result '
        "(only when every tool ran)",
    )
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    pcap, expected, gen_s = capture(args.frames)
    file_bytes = pcap.stat().st_size
    wire_bytes = sum(v[1] for v in expected.values())  # every frame has exactly one source
    print(
        f"capture: {pcap} ({file_bytes / 1e6:.1f} MB"
        + (f", written in {gen_s:.1f} s)" if gen_s else ", cached)"),
        file=sys.stderr,
    )
    warm(pcap)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())  # other work skews wall times

    app = app_command()
    shown_app = "hotspot-manager"
    tools = {
        "usage": Tool("usage", "usage", f"{shown_app} usage FILE --json"),
        "tshark": Tool("tshark", "tshark", "tshark -n -q -r FILE -z endpoints,eth"),
        "tcpdump": Tool("tcpdump", "tcpdump", "tcpdump -r FILE -w /dev/null"),
        "import": Tool("import", "import", f"{shown_app} import FILE --db DB (fresh DB)"),
        "report": Tool("report", "report", f"{shown_app} report --db DB --json"),
        "import+report": Tool("import+report", "import + report", "both of the above"),
    }
    for key in ("usage", "import", "report"):
        tools[key].missing = has_subcommand(key)
    for key, exe in (("tshark", "tshark"), ("tcpdump", "tcpdump")):
        if not shutil.which(exe):
            tools[key].missing = f"{exe} not installed"
    if tools["import"].missing or tools["report"].missing:
        tools["import+report"].missing = tools["import"].missing or tools["report"].missing

    work = Path(tempfile.mkdtemp(prefix="bench-", dir=OUT))
    launcher = Launcher()
    run = launcher.run
    answers: dict[str, Totals] = {}
    db_sizes: list[tuple[int, int]] = []
    failures: list[str] = []
    try:
        for rnd in range(args.repeat):
            print(f"round {rnd + 1}/{args.repeat}", file=sys.stderr)
            for key, cmd in (
                ("usage", [*app, "usage", str(pcap), "--json"]),
                ("tshark", ["tshark", "-n", "-q", "-r", str(pcap), "-z", "endpoints,eth"]),
                ("tcpdump", ["tcpdump", "-r", str(pcap), "-w", "/dev/null"]),
            ):
                t = tools[key]
                if t.missing:
                    continue
                out = work / f"{key}.out"
                try:
                    t.runs.append(run(cmd, out))
                except ToolFailed as exc:
                    t.missing, t.runs = "failed (see below)", []
                    failures.append(str(exc))
                    continue
                print(f"  {key}: {t.runs[-1].wall:.2f} s", file=sys.stderr)
                if rnd == 0 and key == "usage":
                    answers["usage"] = parse_addresses(json.loads(out.read_text()), "usage")
                if rnd == 0 and key == "tshark":
                    answers["tshark"] = parse_tshark_endpoints(out.read_text())
            if not tools["import+report"].missing:
                db = work / f"round{rnd}.db"
                try:
                    imp = run(
                        [*app, "import", str(pcap), "--db", str(db), "--quiet"], work / "i.out"
                    )
                    rep = run([*app, "report", "--db", str(db), "--json"], work / "report.out")
                except ToolFailed as exc:
                    for k in ("import", "report", "import+report"):
                        tools[k].missing, tools[k].runs = "failed (see below)", []
                    failures.append(str(exc))
                else:
                    tools["import"].runs.append(imp)
                    tools["report"].runs.append(rep)
                    tools["import+report"].runs.append(
                        Run(
                            imp.wall + rep.wall,
                            imp.cpu + rep.cpu,
                            max(imp.maxrss_kb, rep.maxrss_kb),
                        )
                    )
                    db_sizes.append(db_size(db))
                    print(f"  import+report: {imp.wall:.2f} + {rep.wall:.2f} s", file=sys.stderr)
                    if rnd == 0:
                        doc = json.loads((work / "report.out").read_text())
                        answers["report"] = parse_addresses(doc, "report")
                for f in work.glob(f"round{rnd}.db*"):
                    f.unlink()
    finally:
        launcher.close()
        shutil.rmtree(work, ignore_errors=True)

    checks: list[tuple[str, bool | None, str]] = []

    def check(name: str, a_name: str, b_name: str, b: Totals | None = None) -> None:
        a = expected if a_name == "generator" else answers.get(a_name)
        b = b if b is not None else answers.get(b_name)
        if a is None or b is None:
            missing = a_name if a is None else b_name
            checks.append((name, None, f"no answer from {missing}"))
            return
        ok, detail = compare(a_name, a, b_name, b)
        checks.append((name, ok, detail))

    check("generator's totals == tshark's `endpoints,eth`", "generator", "tshark")
    check("usage's per-MAC totals == generator's", "usage", "generator", expected)
    check("usage's per-MAC totals == tshark's", "usage", "tshark")
    check("report's `addresses` == usage's", "report", "usage")

    u, ts, td, ir = tools["usage"], tools["tshark"], tools["tcpdump"], tools["import+report"]
    ratios = []

    def ok_mark(good: bool) -> str:
        return "yes" if good else "**no**"

    if u.runs and ts.runs:
        x = ts.med() / u.med()
        ratios.append(
            [
                "usage vs tshark: tshark time / usage time",
                f"{x:.1f}x (CPU {ts.med('cpu') / u.med('cpu'):.1f}x)",
                ">= 10x",
                "25x",
                ok_mark(x >= 10) + (" (goal met)" if x >= 25 else " (goal not met)"),
            ]
        )
    if u.runs and td.runs:
        x = u.med() / td.med()
        ratios.append(
            [
                "usage vs tcpdump: usage time / tcpdump time",
                f"{x:.1f}x (CPU {u.med('cpu') / td.med('cpu'):.1f}x)",
                "",
                "<= 4x",
                ok_mark(x <= 4),
            ]
        )
    if ir.runs and ts.runs:
        ratios.append(
            [
                "import + report vs tshark: tshark time / their time",
                f"{ts.med() / ir.med():.1f}x",
                "",
                "",
                "",
            ]
        )
    if db_sizes:
        dbb, walb = max(db_sizes, key=sum)
        ratios.append(
            [
                "database after import + report (db + -wal)",
                f"{(dbb + walb) / 1e6:.1f} MB ({dbb / 1e6:.1f} + {walb / 1e6:.1f})",
                "< 50 MB",
                "",
                ok_mark(dbb + walb < 50e6),
            ]
        )

    ctx = {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "frames": args.frames,
        "file_bytes": file_bytes,
        "wire_bytes": wire_bytes,
        "span_s": imix.SPAN_S,
        "gen_s": gen_s,
        "repeat": args.repeat,
        "load": load,
        "tools": tools,
        "ratios": ratios,
        "checks": checks,
    }
    block = markdown(ctx)
    if failures:
        block += "\nFailures:\n\n" + "\n".join(f"- {f}" for f in failures) + "\n"
    print(block)
    complete = not any(t.missing for t in tools.values())
    if args.write_docs:
        if complete:
            write_docs(block)
            print(f"wrote {DOCS.relative_to(ROOT)}", file=sys.stderr)
        else:
            print("not writing the docs: some tools did not run", file=sys.stderr)
    return 0 if complete and all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
