# ruff: noqa: F811 - the fixtures imported from conftest_ui are parameters here
"""The Alerts screen with pytest-qt on a fresh database, the worker synchronous."""

from __future__ import annotations

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

from hotspot_manager.store import Flush, HealthDelta, Sighting, Store, monitoring
from hotspot_manager.ui import i18n
from hotspot_manager.ui.alerts import AlertsScreen

NEW_MAC = "3c:22:fb:11:22:33"


@pytest.fixture(autouse=True)
def _english(qapp):
    i18n.install_language("en")
    yield
    i18n.install_language("en")


@pytest.fixture
def records(db_path, traffic):
    now = traffic.now
    with Store.open(db_path) as store:
        store.write_flush(
            Flush(
                clock=now,
                source="live:wlan0",
                usage=(delta(now - 30, NEW_MAC, 1_000, 100),),
                health=(HealthDelta(now - 20, 500, 400_000, 0, 42),),
                sightings=(Sighting(NEW_MAC, now - 30, now - 30, "192.168.50.77", None, ()),),
            )
        )
        oid = monitoring.open_outage(store, now - 600, "internet_unreachable", "8.8.8.8")
        monitoring.close_outage(store, oid, now - 480)
        monitoring.open_outage(store, now - 60, "router_unreachable")
        monitoring.add_events(store, [(now - 300, "router_reboot", "uptime 12 s")])
    return now


def rows(screen):
    m = screen.model
    return [tuple(m.data(m.index(r, c)) for c in range(3)) for r in range(m.rowCount())]


def test_alerts_list_what_the_store_recorded_newest_first(qtbot, worker, records):
    now = records
    s = AlertsScreen(worker, clock=lambda: now)
    qtbot.addWidget(s)
    s.show()  # refresh on show; the worker is synchronous
    got = rows(s)
    kinds = [k for _t, k, _d in got]
    assert "Kernel drops" in kinds
    assert "Router reboot" in kinds
    assert kinds.count("Outage") == 2
    new = [d for _t, k, d in got if k == "New device"]
    assert any(NEW_MAC in d and "192.168.50.77" in d for d in new)
    drops = next(d for _t, k, d in got if k == "Kernel drops")
    assert "42" in drops and "live:wlan0" in drops
    outages = [d for _t, k, d in got if k == "Outage"]
    assert outages[0].startswith("router unreachable, ongoing for")
    assert outages[1].startswith("internet unreachable, 2 min, until")
    assert "(8.8.8.8)" in outages[1]
    times = [r["ts"] for r in s.model.rows]
    assert times == sorted(times, reverse=True)
    assert got[0][0] == i18n.fmt_datetime(s.model.rows[0]["ts"])
    assert not s.empty.isVisible()


def test_period_selector_and_empty_state(qtbot, worker, db_path, now):
    with Store.open(db_path) as store:
        monitoring.add_events(store, [(now - 3 * 86_400, "router_reboot", None)])
    s = AlertsScreen(worker, clock=lambda: now)
    qtbot.addWidget(s)
    s.show()
    if s.model.rowCount() == 0:  # "today" excludes three days ago
        assert s.empty.isVisible()
    s.period.setCurrentIndex(s.period.findData("7d"))
    assert [k for _t, k, _d in rows(s)] == ["Router reboot"]
    assert s.count_label.text() == "1 alert(s)"


def test_quota_alerts_are_checked_recorded_once_and_shown(qtbot, worker, db_path, traffic):
    """A flat plan's cap over the month in progress: XIAOMI's ~12 MB are over a 10 MB cap,
    APPLE's ~2.8 MB are 94 % of a 3 MB cap; the screen records them (once) and shows them
    next to the monitor's kinds."""
    from decimal import Decimal

    from conftest_ui import APPLE

    from hotspot_manager import billing
    from hotspot_manager.billing.alerts import month_of
    from hotspot_manager.store import alerts as stored

    now = traffic.now
    start = month_of(now).start
    with Store.open(db_path) as store:
        for name, mac, cap in (("Ana", APPLE, 3_000_000), ("Beto", XIAOMI, 10_000_000)):
            billing.add_customer(store, name)
            billing.assign_device(store, mac, name, since=start)
            plan = f"Plana {name}"
            billing.add_plan(
                store, plan, "flat", price=Decimal(500), cap_bytes=cap, overage_per_mb=Decimal(1)
            )
            billing.subscribe(store, name, plan, since=start)
        monitoring.add_events(store, [(now - 5, "router_reboot", None)])
    s = AlertsScreen(worker, clock=lambda: now + 1)
    qtbot.addWidget(s)
    s.show()
    got = rows(s)
    kinds = [k for _t, k, _d in got]
    assert "Near quota" in kinds and "Over quota" in kinds and "Router reboot" in kinds
    near = next(d for _t, k, d in got if k == "Near quota")
    assert near.startswith("Ana has used 2.") and "of the 3.0 MB included in Plana Ana" in near
    over = next(d for _t, k, d in got if k == "Over quota")
    assert over.startswith("Beto has used 1") and "over the 10.0 MB included" in over
    s.refresh()
    s.refresh()
    assert [k for _t, k, _d in rows(s)].count("Over quota") == 1
    with Store.open(db_path) as store:
        assert sorted(a["kind"] for a in stored.alerts(store)) == ["quota_near", "quota_over"]
