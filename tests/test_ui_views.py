# ruff: noqa: F811 - the fixtures imported from conftest_ui are parameters here
"""The store reads behind the window (store/views.py) and the local-calendar edges: plain
Python, no Qt. Expected values come from the deltas the fixture wrote."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest_ui import (  # noqa: F401 - fixtures
    APPLE,
    BROADCAST,
    GATEWAY,
    PHONE,
    XIAOMI,
    _no_real_home,
    db_path,
    delta,
    now,
    traffic,
)

from hotspot_manager.store import Flush, Store, views
from hotspot_manager.ui import periods


@pytest.fixture
def store(db_path, traffic):
    with Store.open(db_path) as s:
        yield s


def test_totals_per_second_are_internet_sums_of_unicast_devices(store, traffic):
    now = traffic.now
    rows = views.totals_per_second(store, now - 30, now + 1)
    assert [r[0] for r in rows] == list(range(now - 30, now + 1))
    for ts, down, up in rows:
        assert down == traffic.inet_down(ts)
        assert up == traffic.inet_up(ts)
    assert views.totals_per_second(store, now + 1, now + 100) == []


def test_device_rates_over_a_window(store, traffic):
    now = traffic.now
    got = {d["mac"]: d for d in views.device_rates(store, now - 4, now + 1)}
    assert BROADCAST not in got
    assert PHONE not in got  # silent in the last 10 s
    want = traffic.per_mac(now - 4, now + 1)
    for mac in (APPLE, XIAOMI, GATEWAY):
        d = got[mac]
        assert [d["rx_bytes"], d["tx_bytes"], d["inet_rx_bytes"], d["inet_tx_bytes"]] == want[mac]
    assert got[XIAOMI]["ipv4"] == "192.168.50.11"
    assert got[XIAOMI]["vendor"].startswith("Xiaomi")


def test_top_devices_by_internet_download(store, traffic):
    now = traffic.now
    ids = views.top_devices(store, now - 600, now + 1, 3)
    names = views.device_names(store, ids)
    assert [names[i]["mac"] for i in ids] == [XIAOMI, APPLE, PHONE]  # the gateway has none
    series = views.device_series(store, ids[:1], now - 5, now + 1)
    assert [(ts, down) for ts, _id, down, _up in series] == [
        (s, traffic.inet_down(s, {XIAOMI})) for s in range(now - 5, now + 1)
    ]


def test_usage_totals_and_devices_table(store, traffic):
    now = traffic.now
    day = now - now % 3600 - 3600  # hour-aligned, before all the traffic
    t = views.usage_totals(store, day)
    want = traffic.per_mac(0, now + 1)
    assert t["inet_rx_bytes"] == sum(v[2] for m, v in want.items() if m != BROADCAST)
    assert t["devices"] == 4
    rows = {r["mac"]: r for r in views.devices_table(store, day, day, now)}
    assert set(rows) == {APPLE, XIAOMI, PHONE, GATEWAY}
    assert rows[PHONE]["locally_administered"] is True
    assert rows[PHONE]["vendor"] is None
    assert rows[XIAOMI]["today_rx"] == want[XIAOMI][2]
    assert rows[XIAOMI]["month_tx"] == want[XIAOMI][3]
    assert rows[APPLE]["owner"] is None


def test_devices_table_shows_the_owner_from_billing(store, traffic):
    billing = pytest.importorskip("hotspot_manager.billing")
    now = traffic.now
    billing.add_customer(store, "María")
    billing.assign_device(store, XIAOMI, "María", since=now - 7200)
    rows = {r["mac"]: r for r in views.devices_table(store, now - 3600, now - 3600, now)}
    assert rows[XIAOMI]["owner"] == "María"
    assert rows[APPLE]["owner"] is None


def test_device_history_buckets(store, traffic):
    now = traffic.now
    xiaomi = next(r["id"] for r in views.devices_table(store, now, now, now) if r["mac"] == XIAOMI)
    h = now - now % 3600
    edges = [h - 7200, h - 3600, h, h + 3600]
    got = views.device_history(store, xiaomi, edges)
    assert [b["start"] for b in got] == edges[:-1]
    for b in got:
        want = traffic.per_mac(b["start"], b["end"]).get(XIAOMI, [0, 0, 0, 0])
        assert [b["rx"], b["tx"], b["inet_rx"], b["inet_tx"]] == want
    assert views.device_history(store, xiaomi, [h]) == []


def test_rename_device(store, traffic):
    now = traffic.now
    d = next(r for r in views.devices_table(store, now, now, now) if r["mac"] == PHONE)
    assert views.rename_device(store, d["id"], "  Teléfono   de  Ana ") == "Teléfono de Ana"
    assert store._conn.execute("SELECT name FROM devices WHERE id = ?", (d["id"],)).fetchone() == (
        "Teléfono de Ana",
    )
    assert views.rename_device(store, d["id"], "   ") is None
    with pytest.raises(ValueError):
        views.rename_device(store, d["id"], "x" * (views.NAME_MAX + 1))
    with pytest.raises(ValueError):
        views.rename_device(store, 99_999, "nobody")


def test_group_addresses_never_show(db_path, now):
    with Store.open(db_path) as store:
        store.write_flush(Flush(clock=now, source="t", usage=(delta(now, BROADCAST, 500, 0),)))
        assert views.totals_per_second(store, now, now + 1) == []
        assert views.devices_table(store, now, now, now) == []


def test_history_edges_follow_the_local_calendar():
    now = dt.datetime(2026, 3, 15, 13, 30).astimezone().timestamp()
    days = periods.history_edges("day", now, 3)
    assert [dt.datetime.fromtimestamp(e).strftime("%m-%d %H:%M") for e in days] == [
        "03-13 00:00",
        "03-14 00:00",
        "03-15 00:00",
        "03-16 00:00",
    ]
    months = periods.history_edges("month", now, 3)
    assert [dt.datetime.fromtimestamp(e).strftime("%Y-%m-%d") for e in months] == [
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
        "2026-04-01",
    ]
    hours = periods.history_edges("hour", now, 2)
    assert hours[-1] - hours[0] == 7200 and hours[-1] > now >= hours[-2]
    assert periods.day_start(now) == days[2]
    assert periods.month_start(now) == months[2]
