"""The one exception family billing raises for things the operator must fix."""

from __future__ import annotations


class BillingError(ValueError):
    """Bad input or a state the operator must fix; shown as one line, exit status 2."""
