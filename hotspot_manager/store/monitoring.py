"""Monitor tables (probe results, outages, router state): see issue #4.

Owned by the monitor work; defines ``migrations`` applied by ``schema.migrate``.
"""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

migrations = Migrations("hotspot_manager.monitor")
