"""`import` drives the live pipeline on a capture's clock; `report` reads it back.

Import then report must equal `usage` exactly; importing the same capture
again must count nothing; a grown capture adds only its new frames; an
import cut short resumes where its last committed batch ended.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from hotspot_manager.commands import importing
from hotspot_manager.commands.importing import import_capture
from hotspot_manager.store import Store
from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from imix import write_imix

KEYS = ("tx_frames", "tx_bytes", "rx_frames", "rx_bytes")
LAN = "192.168.50.0/24"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotspot_manager", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )


def totals(doc: dict, with_split: bool = False) -> dict[str, tuple]:
    out = {}
    for a in doc["addresses"]:
        row = tuple(a[k] for k in KEYS)
        if with_split:
            row += tuple(a["internet"][k] for k in KEYS) + tuple(a["local"][k] for k in KEYS)
        out[a["address"]] = row
    return out


@pytest.fixture(scope="module")
def imix(tmp_path_factory):
    path = tmp_path_factory.mktemp("imix") / "hotspot.pcap"
    expected = write_imix(path, frames=30_000, clients=12, seed=7)
    return path, expected


def test_import_then_report_equals_usage(imix, tmp_path):
    cap, expected = imix
    db = tmp_path / "h.db"
    usage = run("usage", str(cap), "--json", "--lan", LAN)
    assert usage.returncode == 0, usage.stderr
    imp = run("import", str(cap), "--db", str(db), "--lan", LAN)
    assert imp.returncode == 0, imp.stderr
    rep = run("report", "--db", str(db), "--json")
    assert rep.returncode == 0, rep.stderr
    u, r = json.loads(usage.stdout), json.loads(rep.stdout)
    assert totals(r, with_split=True) == totals(u, with_split=True)
    # ...and both equal what the generator wrote, worked out as it wrote it.
    assert totals(u) == {mac: tuple(v) for mac, v in expected.items()}
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_second_import_counts_nothing(imix, tmp_path):
    cap, _ = imix
    db = str(tmp_path / "h.db")
    first = import_capture(str(cap), db, [LAN])
    second = import_capture(str(cap), db, [LAN])
    assert first["new_frames"] == 30_000 and not first["already_counted"]
    assert second["new_frames"] == 0 and second["already_counted"]
    with Store.open(db) as store:
        rep = store.report()
    usage = json.loads(run("usage", str(cap), "--json").stdout)
    assert totals(rep) == totals(usage)
    out = run("import", str(cap), "--db", db)
    assert out.returncode == 0 and "already imported" in out.stdout


def test_grown_capture_adds_only_new_frames(imix, tmp_path):
    cap, _ = imix
    data = cap.read_bytes()
    # Cut mid-record: the import counts complete records and warns.
    part = tmp_path / "growing.pcap"
    part.write_bytes(data[: len(data) // 2])
    db = str(tmp_path / "h.db")
    first = import_capture(str(part), db, [LAN])
    assert any("truncated" in w for w in first["warnings"])
    part.write_bytes(data)  # the capture grew to the full file
    second = import_capture(str(part), db, [LAN])
    assert second["resumed_at_byte"] is not None
    assert first["new_frames"] + second["new_frames"] == 30_000
    with Store.open(db) as store:
        rep = store.report()
    usage = json.loads(run("usage", str(cap), "--json").stdout)
    assert totals(rep) == totals(usage)


def test_interrupted_import_resumes_without_double_count(imix, tmp_path, monkeypatch):
    cap, _ = imix
    db = str(tmp_path / "h.db")
    monkeypatch.setattr(importing, "FLUSH_FRAMES", 4000)
    real = Store.write_flush
    calls = {"n": 0}

    def dying(self, flush):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the power cut, after two committed flushes
        return real(self, flush)

    monkeypatch.setattr(Store, "write_flush", dying)
    with pytest.raises(KeyboardInterrupt):
        import_capture(str(cap), db, [LAN])
    monkeypatch.setattr(Store, "write_flush", real)
    resumed = import_capture(str(cap), db, [LAN])
    assert resumed["resumed_at_byte"] > 0
    assert 0 < resumed["new_frames"] < 30_000
    with Store.open(db) as store:
        rep = store.report()
    usage = json.loads(run("usage", str(cap), "--json").stdout)
    assert totals(rep) == totals(usage)


def test_report_range_and_sessions(imix, tmp_path):
    cap, _ = imix
    db = str(tmp_path / "h.db")
    import_capture(str(cap), db, [LAN])
    with Store.open(db) as store:
        whole = store.report()
        first = whole["addresses"][0]
    assert all(a["online_seconds"] >= 0 for a in whole["addresses"])
    clients = [a for a in whole["addresses"] if a["tx_frames"] and a["sessions"]]
    assert clients, "devices that sent frames have sessions"
    for a in clients:
        assert a["online_seconds"] == sum(s["end"] - s["start"] for s in a["sessions"])
    # Splitting the period in two adds up to the whole, through the CLI's ISO dates.
    cut = first["sessions"][0]["start"] + 61 if first["sessions"] else None
    if cut:
        from datetime import UTC, datetime

        iso = datetime.fromtimestamp(cut, UTC).isoformat()
        a = json.loads(run("report", "--db", db, "--json", "--until", iso).stdout)
        b = json.loads(run("report", "--db", db, "--json", "--since", iso).stdout)
        both = {}
        for doc in (a, b):
            for mac, row in totals(doc).items():
                both[mac] = tuple(x + y for x, y in zip(both.get(mac, (0,) * 4), row, strict=True))
        assert both == totals(whole)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["report", "--db", "/nonexistent/x.db"], "no database"),
        (["report", "--db", "{db}", "--since", "yesterday"], "not a date"),
        (["import", "/nonexistent.pcap", "--db", "{db}"], "no such file"),
        (["import", "{junk}", "--db", "{db}"], "not a pcap"),
        (["import", "{cap}", "--db", "{db}", "--lan", "300.1.1.0/24"], "not an address range"),
    ],
)
def test_bad_input_is_one_line_and_status_2(imix, tmp_path, args, needle):
    cap, _ = imix
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    db = tmp_path / "h.db"
    import_capture(str(cap), str(db), [LAN])
    argv = [a.format(db=db, junk=junk, cap=cap) for a in args]
    p = run(*argv)
    assert p.returncode == 2, p
    assert needle in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert "Traceback" not in p.stderr
