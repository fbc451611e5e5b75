"""SQLite store: devices, sessions, usage rollups, capture health, imports, settings."""

from .db import Store, default_db_path
from .records import Flush, HealthDelta, ImportProgress, Sighting, UsageDelta

__all__ = [
    "Flush",
    "HealthDelta",
    "ImportProgress",
    "Sighting",
    "Store",
    "UsageDelta",
    "default_db_path",
]
