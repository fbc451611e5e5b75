"""Quota and pack alerts: a customer near or over the data cap of a flat plan, a prepaid
pack nearly or wholly used, about to expire, or expired.

``check_alerts`` rates the month in progress with the month close's own code
(``prepare_month``, quantities only: nothing is issued, no rate is needed) and records what
crossed a threshold in the store (``store.alerts``), once: each alert has a key made of
what it is about (customer, kind, threshold and month, or the pack sale), so checking again
from the window or from ``hotspot-manager alerts`` records nothing twice. Thresholds: near =
``alerts.quota_near_percent`` of the cap or of the pack (default 80 %), over / used up = 100
%, expiring = within a day, expired = its validity (extended by outages when the pack pauses
during them) is over.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field
from typing import Any

from hotspot_manager.store import Store
from hotspot_manager.store import alerts as stored

from .close import OutageSource, prepare_month
from .errors import BillingError
from .model import Period

NEAR_KEY = "alerts.quota_near_percent"
DEFAULT_NEAR = 80
EXPIRING_WITHIN = 86_400


@dataclass
class CheckResult:
    new: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def near_percent(store: Store) -> int:
    raw = store.get_setting(NEAR_KEY)
    try:
        value = int(str(raw))
    except ValueError:
        return DEFAULT_NEAR
    return value if 1 <= value <= 99 else DEFAULT_NEAR


def set_near_percent(store: Store, percent: int | str) -> int:
    """The share of a cap or pack at which a customer is "near" it (1–99 %)."""
    try:
        value = int(str(percent).strip().rstrip("%").strip())
    except ValueError:
        raise BillingError(f"not a percentage: {percent!r} (expected 1 to 99)") from None
    if not 1 <= value <= 99:
        raise BillingError(f"the near-quota threshold must be 1 to 99 %, not {value}")
    store.set_setting(NEAR_KEY, str(value))
    return value


def month_of(now: int) -> Period:
    return Period.month(_dt.datetime.fromtimestamp(now).strftime("%Y-%m"))


def due_alerts(
    store: Store,
    now: int,
    *,
    near: int | None = None,
    outage_source: OutageSource | None = None,
) -> CheckResult:
    """What should be recorded at ``now`` (reads only)."""
    near = near_percent(store) if near is None else near
    period = month_of(now)
    prepared = prepare_month(store, period, outage_source=outage_source, quantities_only=True)
    out = CheckResult(warnings=list(prepared.warnings))
    for d in prepared.drafts:
        cid = d.customer["id"]
        who = {"customer": d.customer["name"]}
        for cap in d.rated.caps:
            limit, used = cap["cap_bytes"], cap["used_bytes"]
            if cap["from"] > now:
                continue
            params = {
                **who,
                "plan": cap["plan"],
                "used": used,
                "limit": limit,
                "unit": "bytes",
                "month": period.label,
            }
            base = f"{cid}:{period.label}:{cap['from']}"
            if used >= limit and (used > 0 or limit > 0):
                out.new.append(_alert(f"quota_over:{base}", now, "quota_over", cid, params))
            elif limit > 0 and used * 100 >= near * limit:
                params["percent"] = near
                out.new.append(_alert(f"quota_near:{base}:{near}", now, "quota_near", cid, params))
        for p in d.rated.summary.get("packs", []):
            if p["sold_at"] > now:
                continue
            unit = "seconds" if "allowance_seconds" in p else "bytes"
            limit = p.get("allowance_seconds") or p.get("allowance_bytes") or 0
            used = p["used"]
            sale = p["sale"]
            params = {
                **who,
                "plan": p["plan"],
                "used": used,
                "limit": limit,
                "unit": unit,
                "sold_at": p["sold_at"],
                "expires_at": p["expires_at"],
            }
            used_up = limit > 0 and used >= limit
            if p["expires_at"] <= now:
                out.new.append(
                    _alert(f"pack_expired:{sale}", p["expires_at"], "pack_expired", cid, params)
                )
            elif p["expires_at"] - now <= EXPIRING_WITHIN and not used_up:
                out.new.append(_alert(f"pack_expiring:{sale}", now, "pack_expiring", cid, params))
            if used_up:
                out.new.append(_alert(f"pack_used_up:{sale}", now, "pack_used_up", cid, params))
            elif limit > 0 and used * 100 >= near * limit and p["expires_at"] > now:
                out.new.append(
                    _alert(
                        f"pack_near:{sale}:{near}",
                        now,
                        "pack_near",
                        cid,
                        {**params, "percent": near},
                    )
                )
    return out


def _alert(key: str, ts: int, kind: str, customer_id: int, params: dict) -> dict[str, Any]:
    return {"key": key, "ts": int(ts), "kind": kind, "customer_id": customer_id, "params": params}


def check_alerts(
    store: Store,
    *,
    now: int | None = None,
    near: int | None = None,
    outage_source: OutageSource | None = None,
) -> CheckResult:
    """Record the quota and pack alerts due at ``now``; returns those recorded just now
    (already recorded ones are not repeated)."""
    now = int(time.time()) if now is None else int(now)
    due = due_alerts(store, now, near=near, outage_source=outage_source)
    return CheckResult(new=stored.record(store, due.new, now), warnings=due.warnings)


__all__ = [
    "DEFAULT_NEAR",
    "EXPIRING_WITHIN",
    "NEAR_KEY",
    "CheckResult",
    "check_alerts",
    "due_alerts",
    "month_of",
    "near_percent",
    "set_near_percent",
]
