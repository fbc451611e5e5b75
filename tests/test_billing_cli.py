"""The billing commands as an operator (or a script) uses them: every GUI action is a
command; bad input is one line on stderr and exit status 2, never a traceback; list
commands speak JSON; `register` builds parsers only (start-up stays fast)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from test_billing_support import LAPTOP, PHONE, daily, havana, local_tz, write_usage  # noqa: F401

from hotspot_manager.billing.model import Period
from hotspot_manager.cli import build_parser, main
from hotspot_manager.store import Store

REPO = Path(__file__).resolve().parents[1]
DAY = 86400
MB = 10**6


@pytest.fixture
def db(tmp_path, havana):  # noqa: F811
    return str(tmp_path / "hotspot.db")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, f"{argv}: exit {code}: {err}"
    return out


def ok_json(capsys, *argv: str):
    return json.loads(ok(capsys, *argv, "--json"))


def test_bookkeeping_scripted_end_to_end(capsys, db, tmp_path):
    june = Period.month("2025-06")
    with Store.open(db) as store:
        write_usage(
            store, LAPTOP, daily(june.start, 10, 9 * 3600, 30, 2 * MB), clock=june.end + DAY
        )
        write_usage(store, PHONE, daily(june.start, 20, 9 * 3600, 30, 1 * MB), clock=june.end + DAY)
    assert ok_json(
        capsys, "customers", "add", "María Pérez", "--phone", "+53 5 111", "--db", db
    ) == {
        "id": 1,
        "name": "María Pérez",
    }
    ok(capsys, "customers", "add", "John", "--currency", "usd", "--lang", "en", "--db", db)
    ok(capsys, "customers", "edit", "John", "--phone", "555", "--notes", "vecino", "--db", db)
    ok(capsys, "devices", "assign", LAPTOP.upper(), "--customer", "María Pérez", "--from",
       "2025-05-01", "--db", db)  # fmt: skip
    ok(capsys, "devices", "assign", PHONE.replace(":", "-"), "--customer", "2", "--from",
       "2025-05-01", "--db", db)  # fmt: skip
    ok(capsys, "plans", "add", "Datos", "--kind", "per-mb", "--tiers", "100:0.50,*:0.25",
       "--db", db)  # fmt: skip
    ok(capsys, "plans", "add", "Plana", "--kind", "flat", "--price", "10", "--currency", "USD",
       "--cap", "1GB", "--overage", "0.01", "--db", db)  # fmt: skip
    ok(capsys, "plans", "add", "Hora", "--kind", "per-hour", "--price", "20", "--rounding",
       "quarter", "--db", db)  # fmt: skip
    ok(capsys, "plans", "add", "1h20", "--kind", "pack", "--price", "25", "--time", "1h20m",
       "--validity", "2d", "--db", db)  # fmt: skip
    plans = ok_json(capsys, "plans", "list", "--db", db)
    assert [(p["name"], p["kind"]) for p in plans] == [
        ("Datos", "per_mb"),
        ("Plana", "flat"),
        ("Hora", "per_hour"),
        ("1h20", "pack"),
    ]
    assert plans[0]["tiers"] == [
        {"up_to_bytes": 100 * MB, "price_per_mb": "0.5"},
        {"up_to_bytes": None, "price_per_mb": "0.25"},
    ]
    assert plans[3]["allowance_seconds"] == 4800 and plans[3]["validity_seconds"] == 2 * DAY
    ok(capsys, "subscribe", "--customer", "1", "--plan", "Datos", "--from", "2025-05-01",
       "--db", db)  # fmt: skip
    ok(capsys, "subscribe", "--customer", "John", "--plan", "2", "--from", "2025-05-01",
       "--db", db)  # fmt: skip
    ok(capsys, "packs", "sell", "--customer", "1", "--plan", "1h20", "--at", "2025-06-03T10:00",
       "--db", db)  # fmt: skip
    ok(capsys, "rates", "set", "USD", "360", "--date", "2025-06-01", "--db", db)
    assert ok_json(capsys, "rates", "list", "--db", db) == [
        {"currency": "USD", "valid_from": "2025-06-01", "cup_per_unit": "360"}
    ]
    customers = ok_json(capsys, "customers", "list", "--db", db)
    assert [(c["name"], c["currency"], c["phone"]) for c in customers] == [
        ("María Pérez", "CUP", "+53 5 111"),
        ("John", "USD", "555"),
    ]
    assert ok_json(capsys, "devices", "list", "--db", db)[0]["mac"] == LAPTOP

    closed = ok_json(capsys, "bills", "close", "--month", "2025-06", "--db", db)
    # María: 600 MB: 100 x 0.50 + 500 x 0.25 = 175, plus the pack 25; John: flat 10 USD
    # (his 600 MB are under the 1 GB cap)
    assert [(i["number"], i["customer"], i["total"]) for i in closed["issued"]] == [
        (1, "María Pérez", "200"),
        (2, "John", "10"),
    ]
    assert "nothing new to issue" in ok(capsys, "bills", "close", "--month", "2025-06", "--db", db)

    paid = ok_json(capsys, "pay", "--invoice", "1", "--amount", "50,5", "--currency", "cup",
                   "--method", "transfermovil", "--reference", "TM123", "--db", db)  # fmt: skip
    assert paid["balance"] == "149.5"
    ok(
        capsys,
        "pay",
        "--invoice",
        "2",
        "--amount",
        "3600",
        "--currency",
        "CUP",
        "--method",
        "cash",
        "--db",
        db,
    )  # fmt: skip  (10 USD at 360: over-paid by 0)
    balances = ok_json(capsys, "balance", "--db", db)
    assert [(b["customer"], b["currency"], b["balance"]) for b in balances] == [
        ("María Pérez", "CUP", "149.5"),
        ("John", "USD", "0"),
    ]
    listed = ok_json(capsys, "bills", "list", "--month", "2025-06", "--db", db)
    assert [(b["document"], b["paid_against"]) for b in listed] == [
        ("F-000001", "50.5"),
        ("F-000002", "10"),
    ]
    shown = ok_json(capsys, "bills", "show", "1", "--db", db)
    assert [ln["kind"] for ln in shown["lines"]] == ["data", "data", "pack"]
    ok(
        capsys,
        "bills",
        "credit",
        "--invoice",
        "1",
        "--amount",
        "5",
        "--reason",
        "error",
        "--db",
        db,
    )
    assert ok_json(capsys, "bills", "show", "R1", "--db", db)["total"] == "-5.00"
    ok(capsys, "bills", "settings", "--business-name", "Mi WiFi", "--tax-percent", "0", "--db", db)
    out = tmp_path / "export"
    exported = ok_json(capsys, "bills", "export", "--month", "2025-06", "--out", out,
                       "--format", "csv", "--db", db)  # fmt: skip
    assert exported["documents"] == 2 and Path(exported["csv"]).exists()
    text = ok(capsys, "customers", "list", "--db", db)
    assert "María Pérez" in text and "2 customers" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["pay", "--invoice", "1", "--amount", "12,5x", "--method", "cash"], "bad --amount"),
        (["pay", "--invoice", "1", "--amount", "1e3", "--method", "cash"], "bad --amount"),
        (["pay", "--invoice", "77", "--amount", "1", "--method", "cash"], "no invoice number 77"),
        (["subscribe", "--customer", "Nadie", "--plan", "Plana"], "unknown customer 'Nadie'"),
        (["subscribe", "--customer", "1", "--plan", "Nada"], "unknown plan 'Nada'"),
        (["bills", "close", "--month", "2025-13"], "bad month"),
        (["bills", "close", "--month", "25-06"], "bad month"),
        (["bills", "close", "--month", "2999-01"], "not over yet"),
        (
            ["bills", "export", "--month", "2025-06", "--out", "x", "--format", "xls"],
            "unknown format",
        ),
        (["devices", "assign", "zz:zz", "--customer", "1"], "not a MAC address"),
        (["devices", "assign", PHONE, "--customer", "1", "--from", "ayer"], "--from: not a date"),
        (["plans", "add", "P", "--kind", "pack", "--price", "1", "--time", "1 hora y"], "duration"),
        (["plans", "add", "P", "--kind", "pack", "--price", "1"], "either time or data"),
        (["plans", "add", "P", "--kind", "flat", "--price", "-1"], "zero or more"),
        (["plans", "add", "P", "--kind", "flat", "--price", "5", "--time", "1h"], "does not apply"),
        (["plans", "add", "Plana", "--kind", "flat", "--price", "5"], "already a plan named"),
        (["customers", "add", "ana"], "already a customer named"),
        (["customers", "add", "   "], "needs a name"),
        (["customers", "edit", "99", "--name", "x"], "unknown customer"),
        (["packs", "sell", "--customer", "1", "--plan", "Plana"], "not a pack"),
        (["rates", "set", "USD", "abc"], "bad rate"),
        (["bills", "credit", "--invoice", "5", "--amount", "1", "--reason", "x"], "no invoice"),
        (
            ["bills", "credit", "--invoice", "R1", "--amount", "1", "--reason", "x"],
            "no credit note",
        ),
        (["bills", "show", "F-9"], "no invoice number 9"),
        (["bills", "settings", "--paper", "a4", "--tax-percent", "200"], "between 0 and 100"),
        (["bills", "settings", "--logo", "/nonexistent.png"], "no logo file"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(capsys, db, argv, message):
    ok(capsys, "customers", "add", "Ana", "--db", db)
    ok(capsys, "plans", "add", "Plana", "--kind", "flat", "--price", "5", "--db", db)
    code, out, err = run(capsys, *argv, "--db", db)
    assert code == 2, (out, err)
    assert message in err
    assert err.count("\n") == 1 and err.startswith("hotspot-manager: error: ")
    assert "Traceback" not in err


def test_reading_commands_need_an_existing_database(capsys, tmp_path):
    code, _, err = run(capsys, "customers", "list", "--db", tmp_path / "none.db")
    assert code == 2 and "no database at" in err
    assert not (tmp_path / "none.db").exists()


def test_argparse_errors_are_status_2_too(capsys, db):
    with pytest.raises(SystemExit) as exc:
        main(["pay", "--invoice", "1", "--amount", "1", "--method", "bitcoin", "--db", db])
    assert exc.value.code == 2


def _billing_parsers():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    names = (
        "customers",
        "devices",
        "plans",
        "subscribe",
        "packs",
        "pay",
        "balance",
        "rates",
        "bills",
    )
    helps = {c.dest: c.help for c in sub._choices_actions}
    for name in names:
        assert helps.get(name), f"{name} has no help text"
        p = sub.choices[name]
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        if subs:
            for action in subs[0]._choices_actions:
                yield f"{name} {action.dest}", action.help, subs[0].choices[action.dest]
        else:
            yield name, helps[name], p


def test_every_billing_command_has_help_and_a_db_option():
    seen = list(_billing_parsers())
    assert len(seen) >= 20
    for name, help_text, p in seen:
        assert help_text, f"{name} has no help text"
        assert "--db" in p._option_string_actions, f"{name} has no --db"


def test_registering_the_commands_imports_nothing_heavy():
    code = (
        "import sys; from hotspot_manager.cli import build_parser; build_parser(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'sqlite_utils') "
        "or m.startswith('hotspot_manager.billing')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    assert out.strip() == "[]"


def test_export_from_the_command_line_writes_pdfs_without_a_display(tmp_path):
    """The real thing, in a child process without DISPLAY: close, then PDF + CSV export."""
    if not os.environ.get("CI") and sys.platform != "linux":
        pytest.skip("headless Qt check is for Linux")
    db = tmp_path / "h.db"
    with local_tz():
        june = Period.month("2025-06")
        with Store.open(db) as store:
            write_usage(store, PHONE, daily(june.start, 3, 3600, 10, MB), clock=june.end + DAY)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["TZ"] = "America/Havana"

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "hotspot_manager", *map(str, args), "--db", str(db)],
            capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
        )  # fmt: skip

    for args in (
        ("customers", "add", "Ñoño <b>x</b>"),
        ("devices", "assign", PHONE, "--customer", "1", "--from", "2025-01-01"),
        ("plans", "add", "MB", "--kind", "per-mb", "--price", "1"),
        ("subscribe", "--customer", "1", "--plan", "MB", "--from", "2025-01-01"),
        ("bills", "close", "--month", "2025-06"),
        ("bills", "export", "--month", "2025-06", "--out", tmp_path / "out"),
    ):
        proc = cli(*args)
        assert proc.returncode == 0, proc.stderr
    pdfs = list((tmp_path / "out").glob("*.pdf"))
    assert [p.name for p in pdfs] == ["F-000001-nono-b-x-b.pdf"]
    assert pdfs[0].read_bytes().startswith(b"%PDF")
    proc = cli("pay", "--invoice", "1", "--amount", "12,5x", "--method", "cash")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert D(json.loads(cli("balance", "--json").stdout)[0]["balance"]) == D("30")
