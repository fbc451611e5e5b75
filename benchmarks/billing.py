"""Billing benchmark: month close, CSV and PDF export for 500 customers and a month of usage.

1. Builds (or reuses, cached in benchmarks/out/) a database the way the agent fills one:
   500 customers, 600 devices (100 customers have two; 40 devices change hands mid-month),
   October 2025 in Havana time with one usage record per device per minute online (each
   device online 1 to 6 hours a day in 1 to 3 stretches, about 3.8 million records) written
   through ``Store.write_flush``; plans of every kind (per MB with tiers, per hour by the
   started minute and by the quarter hour, flat with a cap, plan changes mid-month, packs of
   time and data sold through the month); customers in CUP, USD and MLC with dated rates;
   25 uplink outages recorded through the monitor's store functions; a 10 % tax; business
   details and a logo.
2. Times, ``--repeat`` times each, the commands as the operator runs them (child processes,
   so Python start-up and imports count): ``hotspot-manager bills close --month`` on a
   fresh copy of the database, then ``bills export --format csv`` and
   ``bills export --format pdf``.
3. Checks, in the same run, that the totals in the PDFs (read back with ``pdftotext``), the
   CSV and the database agree to the cent for every invoice, and that closing again issues
   nothing.
4. Prints a markdown block; ``--write-docs`` puts it in docs/benchmarks.md as the "Billing"
   section.

Exit status 0 when every command ran and every check held, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import inspect
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Billing"
MONTH = "2025-10"
TZ = "America/Havana"
CUSTOMERS = 500
SEED = 5
CLOSE_PLUS_CSV_TARGET = 10.0
PDF_TARGET = 60.0

os.environ["TZ"] = TZ
time.tzset()
sys.path.insert(0, str(ROOT))
from docs_section import write_section  # noqa: E402 - beside this script

from hotspot_manager import billing as B  # noqa: E402
from hotspot_manager.billing.model import Period, Tier  # noqa: E402
from hotspot_manager.store import Flush, Sighting, Store, UsageDelta, monitoring  # noqa: E402

DAY = 86400
HOUR = 3600
MB = 10**6
GB = 10**9


# --------------------------------------------------------------------------- the database


def _mac(i: int) -> str:
    # half of them randomised (locally administered) like phones, half with a vendor OUI
    first = 0xDA if i % 2 else 0x00
    return f"{first:02x}:1b:63:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}"


def _png(path: Path, size: int = 160) -> Path:
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            d = ((x - size / 2) ** 2 + (y - size / 2) ** 2) ** 0.5
            inside = d < size * 0.45
            ring = int(d / (size * 0.09)) % 2
            colour = (11, 79, 113, 255) if ring else (80, 170, 200, 255)
            row += bytes(colour if inside else (255, 255, 255, 0))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )  # fmt: skip

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
    return path


def build(path: Path, customers: int) -> dict:
    """Fill a fresh database at ``path``; returns what was made."""
    rnd = random.Random(SEED)
    p = Period.month(MONTH)
    clock = p.end + DAY
    n_dev = customers + customers // 5
    stats = {"deltas": 0, "devices": n_dev, "customers": customers}
    with Store.open(path) as store:
        # usage: one record per minute online, a day per flush
        plan_of_day = {}
        for dev in range(n_dev):
            for day in range(31):
                stretches = []
                for _ in range(rnd.randint(1, 3)):
                    start = rnd.randrange(6 * 60, 23 * 60)  # minute of the day
                    length = rnd.randint(20, 150)
                    stretches.append((start, min(length, 24 * 60 - start)))
                plan_of_day[(dev, day)] = stretches
        for day in range(31):
            midnight = int(datetime(2025, 10, day + 1).timestamp())
            usage = []
            sightings = []
            for dev in range(n_dev):
                mac = _mac(dev)
                secs = []
                for start, length in plan_of_day[(dev, day)]:
                    for m in range(start, start + length):
                        t = midnight + m * 60 + rnd.randrange(60)
                        inet = rnd.randrange(20_000, 3_000_000)
                        local = rnd.randrange(0, 40_000)
                        iu, lu = inet // 6, local // 2
                        usage.append(
                            UsageDelta(
                                t,
                                mac,
                                3,
                                iu + lu,
                                5,
                                inet - iu + local - lu,
                                2,
                                iu,
                                4,
                                inet - iu,
                            )  # fmt: skip
                        )
                        secs.append(t)
                if secs:
                    secs = sorted(set(secs))
                    sightings.append(Sighting(mac, secs[0], secs[-1], None, None, tuple(secs)))
            stats["deltas"] += len(usage)
            store.write_flush(
                Flush(clock=clock, source="bench", usage=tuple(usage), sightings=tuple(sightings))
            )

        # outages, as the monitor records them
        for _ in range(25):
            a = p.start + rnd.randrange(p.end - p.start - 4 * HOUR)
            cause = rnd.choice(["internet_unreachable", "dns_failing"])
            oid = monitoring.open_outage(store, a, cause)
            monitoring.close_outage(store, oid, a + rnd.randint(300, 3 * HOUR))

        # the books
        B.save_settings(
            store,
            {
                "business_name": "WiFi El Vedado — Conexión Ñandú",
                "business_address": "Calle 23 n.º 456, e/ L y M\nEl Vedado, La Habana",
                "business_phone": "+53 5 123 4567",
                "business_tax_id": "12345678901",
                "logo": str(_png(path.with_suffix(".logo.png"))),
                "tax_name": "Impuesto s/ servicios",
                "tax_percent": "10",
            },
        )
        B.set_rate(store, "USD", D("360"), "2025-09-01")
        B.set_rate(store, "USD", D("370"), "2025-10-15")
        B.set_rate(store, "MLC", D("300"), "2025-09-01")
        tiers = B.add_plan(
            store, "Datos escalonados", "per_mb",
            tiers=(Tier(1 * GB, D("0.50")), Tier(5 * GB, D("0.40")), Tier(None, D("0.30"))),
        )  # fmt: skip
        minute = B.add_plan(store, "Hora (minuto)", "per_hour", price=D("20"), rounding="minute")
        quarter = B.add_plan(store, "Hora (cuarto)", "per_hour", price=D("18"), rounding="quarter")
        flat = B.add_plan(
            store, "Plana 10 GB", "flat", price=D("500"), cap_bytes=10 * GB,
            overage_per_mb=D("0.10"),
        )  # fmt: skip
        flat_usd = B.add_plan(
            store, "Plana USD", "flat", currency="USD", price=D("10"), cap_bytes=5 * GB,
            overage_per_mb=D("0.002"),
        )  # fmt: skip
        time_pack = B.add_plan(
            store, "1 h 20 min", "pack", price=D("25"), allowance_seconds=4800,
            validity_seconds=2 * DAY,
        )  # fmt: skip
        data_pack = B.add_plan(
            store, "1 GB", "pack", price=D("80"), allowance_bytes=1 * GB, validity_seconds=3 * DAY
        )
        surnames = ["Pérez", "Núñez", "González", "Martínez", "Rodríguez", "Hernández", "Díaz"]
        since = p.start - 60 * DAY
        for i in range(customers):
            currency = "USD" if i % 10 == 7 else "MLC" if i % 20 == 3 else "CUP"
            name = f"Cliente {i + 1:03d} {surnames[i % len(surnames)]}"
            if i == 0:
                name = '=HYPERLINK("x")'
            elif i == 1:
                name = "<b>x</b>"
            cid = B.add_customer(
                store, name, phone=f"+53 5 {rnd.randrange(10**6):06d}", currency=currency,
                language="en" if i % 5 == 4 else "es",
            )  # fmt: skip
            B.assign_device(store, _mac(i), cid, since=since)
            if i < customers // 5:
                B.assign_device(store, _mac(customers + i), cid, since=since)
            kind = i % 10
            if kind in (0, 1, 2, 3):
                B.subscribe(store, cid, tiers, since=since)
            elif kind in (4, 5):
                B.subscribe(store, cid, minute, since=since)
            elif kind == 6:
                B.subscribe(store, cid, quarter, since=since)
            elif kind in (7, 8):
                B.subscribe(store, cid, flat_usd if currency == "USD" else flat, since=since)
            else:  # packs, on top of per-hour by the minute for what they do not cover
                B.subscribe(store, cid, minute, since=since)
                for _ in range(4):
                    at = p.start + rnd.randrange(p.end - p.start - DAY)
                    B.sell_pack(store, cid, rnd.choice([time_pack, data_pack]), at=at)
            if i % 20 == 2:  # a change of plan mid-month
                B.subscribe(store, cid, flat, since=p.start + rnd.randint(5, 25) * DAY)
        # 40 devices change hands on some day of the month
        for k in range(40):
            dev = customers - 1 - k
            B.assign_device(
                store, _mac(dev), (dev + 1) % customers + 1,
                since=p.start + rnd.randint(3, 27) * DAY + rnd.choice([0, 13 * HOUR]),
            )  # fmt: skip
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return stats


def cached_db(customers: int) -> tuple[Path, dict, float]:
    key = hashlib.sha256(
        (inspect.getsource(build) + inspect.getsource(_mac) + f"{customers}{SEED}").encode()
    ).hexdigest()[:10]
    OUT.mkdir(exist_ok=True)
    path = OUT / f"billing-{MONTH}-c{customers}-{key}.db"
    info = path.with_suffix(".info")
    if path.exists() and info.exists():
        deltas, secs = info.read_text().split()
        return path, {"deltas": int(deltas), "customers": customers}, float(secs)
    tmp = path.with_suffix(".tmp.db")
    for f in OUT.glob(tmp.name + "*"):
        f.unlink()
    t0 = time.perf_counter()
    stats = build(tmp, customers)
    secs = time.perf_counter() - t0
    os.replace(tmp, path)
    info.write_text(f"{stats['deltas']} {secs:.1f}")
    return path, stats, secs


# --------------------------------------------------------------------------- running


def cli(db: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = dict(os.environ, TZ=TZ, PYTHONPATH=str(ROOT))
    env.pop("DISPLAY", None)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "hotspot_manager", *args, "--db", str(db)],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    return time.perf_counter() - t0, proc


def check(db: Path, out: Path) -> list[tuple[str, bool, str]]:
    """PDF, CSV and database totals, to the cent, for every invoice."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT number, language, total_cents, amount_due_cents FROM invoices "
        "WHERE series = 'F' AND month = ?",
        (MONTH,),
    ).fetchall()
    con.close()
    inv = {n: (lang, D(t) / 100, D(d) / 100) for n, lang, t, d in rows}
    results = []
    with (out / "csv" / f"bills-{MONTH}.csv").open(encoding="utf-8-sig", newline="") as f:
        data = list(csv.DictReader(f))
    sums: dict[int, D] = {}
    doc_total: dict[int, D] = {}
    due: dict[int, D] = {}
    for r in data:
        n = int(r["numero"])
        sums[n] = sums.get(n, D(0)) + D(r["importe"])
        doc_total[n] = D(r["total_documento"])
        due[n] = D(r["total_a_pagar"])
    csv_ok = set(sums) == set(inv) and all(
        sums[n] == doc_total[n] == inv[n][1] and due[n] == inv[n][2] for n in inv
    )
    results.append(
        (
            "CSV lines add up to each invoice's total and its totals equal the database's",
            csv_ok,
            f"{len(inv)} invoices, {len(data)} rows",
        )  # fmt: skip
    )
    bad = []
    pdfs = sorted((out / "pdf").glob("F-*.pdf"))
    for pdf in pdfs:
        n = int(pdf.name[2:8])
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        lang, total, amount_due = inv[n]
        labels = (
            ("Total del periodo", "Total a pagar", "Saldo a su favor")
            if lang == "es"
            else ("Total for the period", "Amount due", "Credit in your favour")
        )
        got_total = _after(labels[0], text)
        got_due = _after(labels[1], text)
        if got_due is None:
            credit = _after(labels[2], text)
            got_due = None if credit is None else -credit
        if got_total != total or got_due != amount_due:
            bad.append(n)
    results.append(
        (
            "PDF totals equal the database's (pdftotext)",
            not bad and len(pdfs) == len(inv),
            f"{len(pdfs)} PDFs" + (f", mismatched: {bad[:10]}" if bad else ""),
        )  # fmt: skip
    )
    return results


def _after(label: str, text: str) -> D | None:
    m = re.search(re.escape(label) + r"\s+(-?[\d,]+\.\d\d) (CUP|USD|MLC)", text)
    return None if m is None else D(m.group(1).replace(",", ""))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import PySide6

    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, PySide6 {PySide6.__version__}"
    )


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _stats(xs: list[float]) -> tuple[float, float]:
    return statistics.median(xs), min(xs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=CUSTOMERS, help="customers (500)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each command (3)")
    ap.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = ap.parse_args(argv)

    db, stats, build_secs = cached_db(args.customers)
    size_mb = db.stat().st_size / 1e6
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    times: dict[str, list[float]] = {"close": [], "csv": [], "pdf": []}
    failures: list[str] = []
    issued = pages = 0
    with tempfile.TemporaryDirectory(prefix="hm-bench-") as tmp:
        work = Path(tmp)
        for k in range(args.repeat):
            copy = work / f"run{k}.db"
            shutil.copyfile(db, copy)
            out = work / f"out{k}"
            secs, proc = cli(copy, "bills", "close", "--month", MONTH, "--json")
            if proc.returncode != 0:
                failures.append(f"close: {proc.stderr.strip()}")
                break
            import json

            issued = len(json.loads(proc.stdout)["issued"])
            times["close"].append(secs)
            secs, proc = cli(copy, "bills", "export", "--month", MONTH, "--out", str(out / "csv"),
                             "--format", "csv")  # fmt: skip
            if proc.returncode != 0:
                failures.append(f"csv: {proc.stderr.strip()}")
                break
            times["csv"].append(secs)
            secs, proc = cli(copy, "bills", "export", "--month", MONTH, "--out", str(out / "pdf"),
                             "--format", "pdf", "--json")  # fmt: skip
            if proc.returncode != 0:
                failures.append(f"pdf: {proc.stderr.strip()}")
                break
            pages = json.loads(proc.stdout)["pages"]
            times["pdf"].append(secs)
            if k == args.repeat - 1:
                checks = check(copy, out)
                _, again = cli(copy, "bills", "close", "--month", MONTH, "--json")
                n_again = len(json.loads(again.stdout)["issued"]) if again.returncode == 0 else -1
                checks.append(("closing again issues nothing", n_again == 0, f"{n_again} issued"))
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1

    close_m, close_min = _stats(times["close"])
    csv_m, csv_min = _stats(times["csv"])
    pdf_m, pdf_min = _stats(times["pdf"])
    both = [a + b for a, b in zip(times["close"], times["csv"], strict=True)]
    both_m, _ = _stats(both)
    lines = [
        SECTION,
        "",
        "<!-- Written by `python benchmarks/billing.py --write-docs`; do not edit by hand. -->",
        "",
        "`python benchmarks/billing.py [--customers 500] [--repeat 3] [--write-docs]` (needs "
        "`pdftotext`, Debian poppler-utils). It builds, or reuses from `benchmarks/out/`, a "
        "database filled the way the agent fills one: a month of per-minute usage through "
        "`Store.write_flush` for every device, outages through the monitor's store functions, "
        "and books with every kind of plan, packs sold through the month, plan changes and "
        "devices changing hands mid-month, customers in CUP, USD and MLC with dated rates, a "
        "tax, business details and a logo. It then times the commands as the operator runs "
        "them, as child processes, and checks that the totals in every PDF (read back with "
        "`pdftotext`), the CSV and the database agree to the cent. Targets (issue #5): close "
        f"plus CSV export at most {CLOSE_PLUS_CSV_TARGET:.0f} s, PDF export at most "
        f"{PDF_TARGET:.0f} s.",
        "",
        f"- Machine: {machine()}",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC; load average "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the start",
        f"- Data (`benchmarks/billing.py`, seed {SEED}): {args.customers} customers, "
        f"{stats.get('devices', args.customers * 6 // 5)} devices, month {MONTH} ({TZ}), "
        f"{stats['deltas']:,} per-minute usage records written through `Store.write_flush` "
        f"(building took {build_secs:.0f} s); database {size_mb:.0f} MB",
        f"- Each command run {args.repeat} times as a child process (start-up included), "
        "close on a fresh copy of the database each time",
        "",
        "| command | median s | min s | target |",
        "|---|--:|--:|---|",
        f"| `hotspot-manager bills close --month {MONTH}` ({issued} invoices) | "
        f"{close_m:.2f} | {close_min:.2f} | |",
        f"| `hotspot-manager bills export --month {MONTH} --format csv` | {csv_m:.2f} | "
        f"{csv_min:.2f} | |",
        f"| close + CSV export | {both_m:.2f} | {min(both):.2f} | "
        f"<= {CLOSE_PLUS_CSV_TARGET:.0f} s: {_met(both_m <= CLOSE_PLUS_CSV_TARGET)} |",
        f"| `hotspot-manager bills export --month {MONTH} --format pdf` ({issued} PDFs, "
        f"{pages} pages) | {pdf_m:.2f} | {pdf_min:.2f} | <= {PDF_TARGET:.0f} s: "
        f"{_met(pdf_m <= PDF_TARGET)} |",
        "",
        "Checked in the same run:",
        "",
    ]
    ok = True
    for name, good, detail in checks:
        ok &= good
        lines.append(f"- {name}: {'yes' if good else '**NO**'} ({detail})")
    block = "\n".join(lines) + "\n"
    print(block)
    if args.write_docs:
        write_docs(block)
    return 0 if ok else 1


def write_docs(block: str) -> None:
    write_section(block, DOCS)


if __name__ == "__main__":
    sys.exit(main())
