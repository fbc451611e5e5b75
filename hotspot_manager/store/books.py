"""Bookkeeping tables (customers, plans, invoices, payments): see issue #5.

Owned by the billing work; defines ``migrations`` applied by ``schema.migrate``.
"""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

migrations = Migrations("hotspot_manager.billing")
