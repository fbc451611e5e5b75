# ruff: noqa: F811 - the fixtures imported from conftest_ui are parameters here
"""Tray notifications: each new alert of every kind is shown once, read on the store
worker; the seam is the ``show(title, message)`` callable the app gives the notifier
(the tray's showMessage), here a list."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest_ui import (  # noqa: F401 - fixtures
    XIAOMI,
    _no_real_home,
    db_path,
    delta,
    now,
    traffic,
    worker,
)

from hotspot_manager import billing
from hotspot_manager.billing.alerts import month_of
from hotspot_manager.store import Flush, HealthDelta, Sighting, Store, monitoring
from hotspot_manager.ui import i18n
from hotspot_manager.ui.notify import WATERMARK_KEY, Notifier

NEW_MAC = "3c:22:fb:11:22:33"


@pytest.fixture(autouse=True)
def _english(qapp):
    i18n.install_language("en")
    yield
    i18n.install_language("en")


def notifier(worker, now, shown):
    return Notifier(worker, lambda title, text: shown.append((title, text)), clock=lambda: now)


def happen(db_path, now):
    """An uplink outage and its end, a router reboot, a new device, kernel drops in two
    seconds, and a customer over a flat plan's cap."""
    with Store.open(db_path) as store:
        monitoring.add_events(
            store,
            [
                (now - 50, "outage_start", "internet unreachable"),
                (now - 40, "outage_end", None),
                (now - 30, "router_reboot", "uptime 12 s"),
            ],
        )
        store.write_flush(
            Flush(
                clock=now,
                source="live:wlan0",
                usage=(delta(now - 20, NEW_MAC, 1_000, 100),),
                health=(
                    HealthDelta(now - 10, 500, 400_000, 0, 42),
                    HealthDelta(now - 9, 500, 400_000, 0, 8),
                ),
                sightings=(Sighting(NEW_MAC, now - 20, now - 20, "192.168.50.77", None, ()),),
            )
        )
        start = month_of(now).start
        billing.add_customer(store, "Beto")
        billing.assign_device(store, XIAOMI, "Beto", since=start)
        billing.add_plan(
            store, "Plana", "flat", price=Decimal(5), cap_bytes=1_000_000, overage_per_mb=Decimal(1)
        )
        billing.subscribe(store, "Beto", "Plana", since=start)


def test_every_kind_is_notified_once_and_history_is_skipped(qtbot, worker, db_path, traffic):
    now = traffic.now
    with Store.open(db_path) as store:
        monitoring.add_events(store, [(now - 3600, "router_reboot", "old news")])
    shown: list[tuple[str, str]] = []
    n = notifier(worker, now, shown)
    n.poll()
    assert shown == []  # the first run skips what was recorded before
    happen(db_path, now + 60)
    n.clock = lambda: now + 60
    n.poll()  # not a check poll yet (5 minutes): the quota alert waits
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "5 new alert(s)"
    assert text.splitlines() == [
        "… and 1 earlier",
        "Uplink up: –",
        "Router reboot: uptime 12 s",
        "New device: Apple, Inc.  3c:22:fb:11:22:33  192.168.50.77",
        "Kernel drops: 50 frames dropped by the kernel (live:wlan0)",
    ]
    n.poll()
    assert len(shown) == 1  # nothing new
    n.clock = lambda: now + 301
    n.poll()  # a check poll: the quota alert is recorded and notified
    assert shown[-1][0] == "Over quota"
    assert shown[-1][1].startswith("Beto has used 1")
    # a restart remembers what was notified (the watermark is in the store)
    again: list[tuple[str, str]] = []
    notifier(worker, now + 302, again).poll()
    assert again == []
    with Store.open(db_path) as store:
        assert store.get_setting(WATERMARK_KEY) is not None
        monitoring.add_events(store, [(now + 303, "outage_start", "router unreachable")])
    n.clock = lambda: now + 304
    n.poll()
    assert shown[-1] == ("Uplink down", "router unreachable")


def test_many_alerts_are_summed_up_in_one_message(qtbot, worker, db_path, traffic):
    now = traffic.now
    shown: list[tuple[str, str]] = []
    n = notifier(worker, now, shown)
    n.poll()
    with Store.open(db_path) as store:
        monitoring.add_events(store, [(now - 60 + i, "router_reboot", f"#{i}") for i in range(7)])
    n.poll()
    title, text = shown[-1]
    assert title == "7 new alert(s)"
    lines = text.splitlines()
    assert lines[0] == "… and 3 earlier"
    assert lines[1:] == [f"Router reboot: #{i}" for i in range(3, 7)]


def test_reads_on_the_worker_thread(qtbot, qapp, db_path, traffic):
    """With the real (threaded) worker the poll returns at once and the message comes
    back through the worker's queued signal."""
    from hotspot_manager.ui.worker import StoreWorker

    now = traffic.now
    w = StoreWorker(db_path)
    try:
        shown: list[tuple[str, str]] = []
        n = notifier(w, now, shown)
        n.poll()
        assert w.wait()
        qtbot.waitUntil(lambda: not w.busy("notify"))
        with Store.open(db_path) as store:
            monitoring.add_events(store, [(now - 5, "outage_end", None)])
        n.poll()
        qtbot.waitUntil(lambda: len(shown) == 1)
        assert shown == [("Uplink up", "–")]
    finally:
        w.close()


def test_no_system_tray_no_notifier_and_nothing_breaks(qtbot, qapp, db_path, traffic):
    from PySide6.QtWidgets import QSystemTrayIcon

    from hotspot_manager.ui.app import App, qsettings

    app = App(str(db_path), qsettings(), synchronous=True, use_tray=True)
    try:
        if QSystemTrayIcon.isSystemTrayAvailable():
            assert app.notifier is not None
        else:
            assert app.tray is None and app.notifier is None
        app.notify("Uplink down", "x")  # harmless without a tray
        qtbot.addWidget(app.window)
    finally:
        app.close()
