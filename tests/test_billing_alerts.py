"""Quota and pack alerts against a real store: computed by the month close's own rating,
recorded once (idempotent by key), listed with the monitor's events by the CLI.

June 2025 in Havana time; "now" is 20 June 12:00 unless a test says otherwise.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal as D

import pytest
from test_billing_support import (
    APPLE,
    PHONE,
    TABLET,
    daily,
    havana,  # noqa: F401  (fixture)
    store,  # noqa: F401  (fixture)
    write_usage,
)

from hotspot_manager import billing as B
from hotspot_manager.billing import alerts as A
from hotspot_manager.billing.errors import BillingError
from hotspot_manager.billing.model import Period, Tier
from hotspot_manager.cli import main
from hotspot_manager.store import alerts as stored
from hotspot_manager.store import monitoring

DAY = 86400
HOUR = 3600
MB = 10**6
GB = 10**9


@pytest.fixture
def june(havana):  # noqa: F811
    return Period.month("2025-06")


@pytest.fixture
def shop(store, june):  # noqa: F811
    """Carla on a flat 1 GB plan, 855 MB used by the 20th; Dora with a data pack sold on
    the 19th (450 of 500 MB used, 12 h left) and a time pack that expired on the 12th."""
    p = june
    now = p.start + 19 * DAY + 12 * HOUR
    write_usage(store, PHONE, daily(p.start, 19, 20 * HOUR, 45, 1 * MB), clock=now)
    write_usage(store, TABLET, daily(p.start + 18 * DAY, 1, 10 * HOUR, 45, 10 * MB), clock=now)
    carla = B.add_customer(store, "Carla")
    dora = B.add_customer(store, "Dora")
    B.assign_device(store, PHONE, carla, since=p.start - 30 * DAY)
    B.assign_device(store, TABLET, dora, since=p.start - 30 * DAY)
    B.add_plan(store, "Plana 1 GB", "flat", price=D(500), cap_bytes=GB, overage_per_mb=D("0.1"))
    B.add_plan(
        store,
        "500 MB 2 días",
        "pack",
        price=D(100),
        allowance_bytes=500 * MB,
        validity_seconds=2 * DAY,
    )
    B.add_plan(store, "1 h", "pack", price=D(25), allowance_seconds=HOUR, validity_seconds=2 * DAY)
    B.subscribe(store, carla, "Plana 1 GB", since=p.start - 30 * DAY)
    data_sale = B.sell_pack(store, dora, "500 MB 2 días", at=p.start + 18 * DAY)
    time_sale = B.sell_pack(store, dora, "1 h", at=p.start + 9 * DAY + 9 * HOUR)
    return {
        "now": now,
        "carla": carla,
        "dora": dora,
        "data_sale": data_sale["id"],
        "time_sale": time_sale["id"],
    }


def kinds(items) -> dict[str, dict]:
    return {a["kind"]: a for a in items}


def test_near_quota_packs_expiring_and_expired_are_recorded_once(store, june, shop):  # noqa: F811
    now = shop["now"]
    first = A.check_alerts(store, now=now)
    got = kinds(first.new)
    assert set(got) == {"quota_near", "pack_near", "pack_expiring", "pack_expired"}
    near = got["quota_near"]
    assert near["customer_id"] == shop["carla"]
    assert near["params"]["used"] == 855 * MB and near["params"]["limit"] == GB
    assert near["params"]["percent"] == 80
    assert near["key"] == f"quota_near:{shop['carla']}:2025-06:{june.start}:80"
    pack = got["pack_near"]
    assert pack["params"]["used"] == 450 * MB and pack["params"]["limit"] == 500 * MB
    assert got["pack_expiring"]["params"]["expires_at"] == june.start + 20 * DAY
    expired = got["pack_expired"]
    assert expired["ts"] == june.start + 11 * DAY + 9 * HOUR  # sale + 2 days
    assert expired["key"] == f"pack_expired:{shop['time_sale']}"
    assert expired["params"]["used"] == 0 and expired["params"]["unit"] == "seconds"

    # checking again (an hour later, from the window or the CLI) records nothing twice
    assert A.check_alerts(store, now=now + HOUR).new == []
    assert len(stored.alerts(store)) == 4


def test_over_quota_and_pack_used_up(store, june, shop):  # noqa: F811
    now = shop["now"]
    A.check_alerts(store, now=now)
    # Carla's phone downloads 200 MB more, Dora's tablet 60 MB more
    write_usage(store, PHONE, [(now - HOUR + i, 10 * MB, 0) for i in range(20)], clock=now)
    write_usage(store, TABLET, [(now - HOUR + 60 * i, 10 * MB, 0) for i in range(6)], clock=now)
    later = A.check_alerts(store, now=now + 60)
    got = kinds(later.new)
    assert set(got) == {"quota_over", "pack_used_up"}
    assert got["quota_over"]["params"]["used"] == 1055 * MB
    assert got["pack_used_up"]["params"]["used"] == 500 * MB
    assert A.check_alerts(store, now=now + 120).new == []


def test_threshold_is_a_setting_and_a_new_threshold_is_a_new_alert(store, shop):  # noqa: F811
    now = shop["now"]
    assert A.near_percent(store) == 80
    assert A.set_near_percent(store, "90 %") == 90
    got = kinds(A.check_alerts(store, now=now).new)
    assert "quota_near" not in got  # 85.5 % < 90 %
    assert got["pack_near"]["params"]["percent"] == 90  # 450/500 = 90 %
    with pytest.raises(BillingError):
        A.set_near_percent(store, "100")
    with pytest.raises(BillingError):
        A.set_near_percent(store, "eighty")
    A.set_near_percent(store, 80)
    assert "quota_near" in kinds(A.check_alerts(store, now=now).new)


def test_a_missing_exchange_rate_does_not_stop_the_check(store, june, shop):  # noqa: F811
    # a USD plan for a CUP customer: the close would ask for a rate, the alerts do not
    B.add_customer(store, "Eva")
    B.assign_device(store, APPLE, "Eva", since=june.start)
    B.add_plan(
        store,
        "Plana USD",
        "flat",
        currency="USD",
        price=D(5),
        cap_bytes=10 * MB,
        overage_per_mb=D("0.01"),
    )
    B.subscribe(store, "Eva", "Plana USD", since=june.start)
    write_usage(store, APPLE, daily(june.start, 1, 9 * HOUR, 20, 1 * MB), clock=shop["now"])
    got = A.check_alerts(store, now=shop["now"]).new
    assert [a["params"]["customer"] for a in got if a["kind"] == "quota_over"] == ["Eva"]


def test_a_plan_without_a_cap_never_alerts(store, june):  # noqa: F811
    now = june.start + 10 * DAY
    write_usage(store, PHONE, daily(june.start, 9, 9 * HOUR, 60, 100 * MB), clock=now)
    B.add_customer(store, "Ana")
    B.assign_device(store, PHONE, "Ana", since=june.start)
    B.add_plan(store, "Por MB", "per_mb", tiers=(Tier(None, D(1)),))
    B.subscribe(store, "Ana", "Por MB", since=june.start)
    assert A.check_alerts(store, now=now).new == []


def test_cli_checks_and_lists_every_kind(store, june, shop, capsys):  # noqa: F811
    from hotspot_manager.store.alerts import read_all

    now = shop["now"]
    A.check_alerts(store, now=now)  # as if the window had checked already
    monitoring.add_events(store, [(now - 300, "router_reboot", "uptime 12 s")])
    path = monitoring.database_path(store)
    # the CLI's clock is the real one: list everything since the 1st of June 2025
    code = main(["alerts", "--db", path, "--since", "2025-06-01", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = json.loads(out)
    titles = [r["title"] for r in rows]
    assert "router reboot" in titles and "quota near" in titles and "pack expired" in titles
    near = next(r for r in rows if r["title"] == "quota near")
    assert near["text"] == "Carla has used 855 MB of the 1 GB in Plana 1 GB this month"
    # the same rows the Alerts screen reads
    real_now = int(time.time())
    screen = read_all(store, june.start, real_now + 1, real_now)
    assert [(r["ts"], r["kind"]) for r in rows] == [(r["ts"], r["kind"]) for r in screen]
    code = main(["alerts", "--db", path, "--since", "2025-06-01"])
    out, _ = capsys.readouterr()
    assert code == 0 and "router reboot" in out and out.strip().endswith("since 2025-06-01 00:00")
    code = main(["alerts", "--db", path, "--since", "last week"])
    _, err = capsys.readouterr()
    assert code == 2 and "--since" in err and "Traceback" not in err
    code = main(["alerts", "--db", path, "--set-near-percent", "150"])
    _, err = capsys.readouterr()
    assert code == 2 and "1 to 99" in err
