"""Render every screen of the desktop app to PNG in docs/screenshots/.

The data is the demo's: the capture shipped in resources/ replayed through the agent's
pipeline into a temporary database (nothing is invented for the pictures). Each screen is
drawn in Spanish and English at 1366x768 and 1920x1080, plus the dashboard in the dark
theme and the dialogs. Rerun it when a screen changes, then look at the pictures.

    .venv/bin/python scripts/screenshots.py            # offscreen (no display needed)
    xvfb-run -a .venv/bin/python scripts/screenshots.py  # or under Xvfb

The real HOME is never touched: settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SIZES = ((1366, 768), (1920, 1080))
LANGS = ("es", "en")


def seed_books(db: str) -> None:
    """Customers on the demo's busiest devices, plans, a pack, a rate, last month closed,
    a payment: so the Customers, Billing and Alerts screens show something real."""
    import datetime as dt
    from decimal import Decimal as D

    from hotspot_manager import billing
    from hotspot_manager.billing.alerts import check_alerts
    from hotspot_manager.store import Store
    from hotspot_manager.store.books import Books

    with Store.open(db) as store:
        with store._read() as conn:
            macs = [
                r[0]
                for r in conn.execute(
                    "SELECT d.mac FROM devices d JOIN usage_hour u ON u.device_id = d.id "
                    "WHERE d.is_group = 0 GROUP BY d.id "
                    "ORDER BY sum(u.inet_rx_bytes + u.inet_tx_bytes) DESC LIMIT 4"
                )
            ]
        first = dt.date.today().replace(day=1)
        two_ago = (first - dt.timedelta(days=40)).replace(day=1)
        since = int(dt.datetime(two_ago.year, two_ago.month, 1).timestamp())
        billing.add_plan(
            store, "Plana 10 GB", "flat", price=D(500), cap_bytes=10**10, overage_per_mb=D("0.10")
        )
        billing.add_plan(
            store, "Plana 5 MB", "flat", price=D(250), cap_bytes=5 * 10**6, overage_per_mb=D(1)
        )
        billing.add_plan(store, "Por MB", "per_mb", tiers=(billing.Tier(None, D("0.50")),))
        billing.add_plan(
            store,
            "1 h 20 min, 2 días",
            "pack",
            price=D(25),
            allowance_seconds=4800,
            validity_seconds=2 * 86400,
        )
        billing.add_plan(
            store,
            "Plana USD",
            "flat",
            currency="USD",
            price=D(5),
            cap_bytes=5 * 10**9,
            overage_per_mb=D("0.01"),
        )
        billing.archive_plan(store, "Plana USD")
        billing.set_rate(store, "USD", D(400), two_ago.isoformat())
        billing.set_rate(store, "MLC", D(300), two_ago.isoformat())
        people = [
            ("Ana Pérez", "+53 5 123 4567", "CUP", "Plana 10 GB"),
            ("Beto Núñez", "+53 5 765 4321", "CUP", "Plana 5 MB"),
            ("Carla Díaz", None, "USD", "Por MB"),
            ("Dora Hernández", "+53 5 222 3333", "CUP", None),
        ]
        for (name, phone, cur, plan), mac in zip(people, macs, strict=False):
            billing.add_customer(store, name, phone=phone, currency=cur)
            billing.assign_device(store, mac, name, since=since)
            if plan:
                billing.subscribe(store, name, plan, since=since)
        now = int(time.time())
        billing.sell_pack(store, "Dora Hernández", "1 h 20 min, 2 días", at=now - 40 * 3600)
        last = (first - dt.timedelta(days=1)).strftime("%Y-%m")
        billing.close_month(store, last)
        invoices = Books(store).invoices(month=last, series="F")
        if invoices:
            billing.record_payment(
                store,
                amount=D(200),
                method="transfermovil",
                reference="TM4F7A21",
                invoice=invoices[0]["number"],
            )
        check_alerts(store)


def book_dialogs(w) -> dict:
    """The Customers and Billing screens' dialogs, filled as an operator would."""
    from hotspot_manager import billing
    from hotspot_manager.store import Store
    from hotspot_manager.ui.billing import CreditNoteDialog, read_issued
    from hotspot_manager.ui.devices import AssignToCustomerDialog
    from hotspot_manager.ui.plans import (
        HistoryDialog,
        PlanDialog,
        PlansDialog,
        RatesDialog,
        SellPackDialog,
        SubscribeDialog,
    )

    with Store.open(w.worker.db_path) as store:
        plans = billing.list_plans(store)
        customers = billing.list_customers(store)
        history = billing.customer_history(store, customers[0]["id"])
        month = w.billing.current_month()
        docs = [d for d in read_issued(store, month) if d.series == "F"]

    def new_pack():
        d = PlanDialog(parent=w)
        d.name.setText("500 MB, 7 días")
        d.kind.setCurrentIndex(d.kind.findData("pack"))
        d.price.setText("60")
        d.data.setText("500MB")
        d.validity.setText("7d")
        return d

    def edit_flat():
        return PlanDialog(plans[0], parent=w)

    def credit():
        d = CreditNoteDialog(docs[0], w)
        d.amount.setText("30")
        d.reason.setText("Cobro doble del 3 de junio")
        return d

    out = {
        "plans": lambda: PlansDialog(w.worker, parent=w),
        "plan-new-pack": new_pack,
        "plan-edit": edit_flat,
        "rates": lambda: RatesDialog(w.worker, parent=w),
        "set-plan": lambda: SubscribeDialog(customers[0], plans, parent=w),
        "sell-pack": lambda: SellPackDialog(customers[3], plans, parent=w),
        "history": lambda: HistoryDialog(history, parent=w),
        "assign-to-customer": lambda: AssignToCustomerDialog("Xiaomi", customers, parent=w),
    }
    if docs:
        out["credit-note"] = credit
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--quick", action="store_true", help="Spanish at 1366x768 only")
    ap.add_argument("--live-seconds", type=float, default=6.0, help="replay before drawing")
    args = ap.parse_args(argv)

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = tempfile.TemporaryDirectory(prefix="hotspot-shots-")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = os.path.join(tmp.name, var.lower())
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from hotspot_manager.ui import app as gui
    from hotspot_manager.ui import i18n, theme
    from hotspot_manager.ui.agent_control import CaptureRightsDialog
    from hotspot_manager.ui.demo import DemoFeeder, unpack_capture
    from hotspot_manager.ui.settings import FirstRunDialog, Interface

    qapp = gui.make_qapp(["screenshots"])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp.name)
    settings = gui.qsettings()
    # The machine's own interfaces would show in the pictures: use a typical laptop's.
    interfaces = [
        Interface("wlan0", True, "a4:c3:f0:1b:2c:3d", [("192.168.50.1", "255.255.255.0")], []),
        Interface("eth0", True, "3c:52:82:10:20:30", [("10.0.0.23", "255.255.255.0")], []),
        Interface("usb0", False, "02:11:22:33:44:55", [], []),
    ]

    db = os.path.join(tmp.name, "demo.db")
    feeder = DemoFeeder(db, unpack_capture(Path(tmp.name)))
    feeder.start()
    if not feeder.ready.wait(30):
        print("the demo feeder did not start", file=sys.stderr)
        return 1
    time.sleep(args.live_seconds)
    seed_books(db)
    args.out.mkdir(parents=True, exist_ok=True)
    written = []

    def settle(window, ms: int = 600) -> None:
        deadline = time.monotonic() + 10
        QTest.qWait(ms)
        while time.monotonic() < deadline and window.dashboard.ticks < 2:
            QTest.qWait(100)
        window.worker.wait(5000)
        QTest.qWait(200)

    def select_busiest(window) -> None:
        """The busiest device's history, by hour."""
        rows = window.devices.model.rows
        if rows:
            busiest = max(rows, key=lambda r: r["today_rx"] + r["today_tx"])
            window.devices.select_device(busiest["id"])
            window.devices.history.set_kind("hour")
            settle(window)

    def save(widget, name: str) -> None:
        path = args.out / f"{name}.png"
        widget.grab().save(str(path), "PNG", 9)
        written.append(path)

    langs = LANGS[:1] if args.quick else LANGS
    sizes = SIZES[:1] if args.quick else SIZES
    for lang in langs:
        i18n.install_language(lang)
        theme.apply(qapp, "light")
        settings.setValue("language", lang)
        settings.setValue("theme", "light")
        app = gui.App(db, settings, gui.demo_banner(), use_tray=False, interfaces=interfaces)
        w = app.window
        for width, height in sizes:
            w.resize(width, height)
            w.show()
            for screen in ("dashboard", "devices", "customers", "billing", "alerts", "settings"):
                w.show_screen(screen)
                settle(w)
                if screen == "devices":
                    select_busiest(w)
                if screen == "billing":
                    w.billing.issued.selectRow(0)
                if screen == "customers":
                    w.customers.table.selectRow(0)
                save(w, f"{screen}-{lang}-{width}x{height}")
        # dialogs, once per language
        for name, make in book_dialogs(w).items():
            d = make()
            d.show()
            QTest.qWait(200)
            w.worker.wait(5000)
            QTest.qWait(100)
            save(d, f"{name}-{lang}")
            d.close()
        dlg = FirstRunDialog(interfaces=interfaces)
        dlg.form.load({"language": lang, "theme": "system"}, {})
        dlg.show()
        QTest.qWait(200)
        save(dlg, f"first-run-{lang}")
        dlg.close()
        from hotspot_manager.capture.live import grant_hint

        rights = CaptureRightsDialog(
            grant_hint("/usr/bin/hotspot-manager"),
            "error: cannot capture on wlan0: Operation not permitted",
        )
        rights.show()
        QTest.qWait(200)
        save(rights, f"capture-rights-{lang}")
        rights.close()
        # dark theme, dashboard and devices
        theme.apply(qapp, "dark")
        w.quitting = True
        w.close()
        app.close()
        app = gui.App(db, settings, gui.demo_banner(), use_tray=False, interfaces=interfaces)
        w = app.window
        w.resize(*SIZES[0])
        w.show()
        for screen in ("dashboard", "devices"):
            w.show_screen(screen)
            settle(w)
            if screen == "devices":
                select_busiest(w)
            save(w, f"{screen}-dark-{lang}-{SIZES[0][0]}x{SIZES[0][1]}")
        w.quitting = True
        w.close()
        app.close()
    feeder.stop()
    QApplication.processEvents()
    for p in written:
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
