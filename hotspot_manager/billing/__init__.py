"""Billing: customers, plans, packs, exchange rates, month close, payments, exports.

No Qt here except ``billing.pdf`` (imported only when PDFs are made). The pure part is
``rating.rate``; ``close.close_month`` gathers facts and writes invoices through
``store.books.Books``; ``export.export_month`` writes the PDFs and the CSV.
"""

from .accounts import (
    BillingSettings,
    add_customer,
    add_plan,
    archive_plan,
    assign_device,
    edit_customer,
    edit_plan,
    list_assignments,
    list_customers,
    list_plans,
    list_rates,
    save_settings,
    sell_pack,
    set_rate,
    subscribe,
)
from .close import CloseResult, close_month, prepare_month
from .errors import BillingError
from .export import ExportResult, export_month
from .ledger import (
    balances,
    customer_history,
    issue_credit_note,
    list_payments,
    record_payment,
)
from .model import Period, Plan, Tier
from .money import MissingRate, MoneyError
from .rating import rate
from .views import month_documents

__all__ = [
    "BillingError",
    "BillingSettings",
    "CloseResult",
    "ExportResult",
    "MissingRate",
    "MoneyError",
    "Period",
    "Plan",
    "Tier",
    "add_customer",
    "add_plan",
    "archive_plan",
    "assign_device",
    "balances",
    "close_month",
    "customer_history",
    "edit_customer",
    "edit_plan",
    "export_month",
    "issue_credit_note",
    "list_assignments",
    "list_customers",
    "list_payments",
    "list_plans",
    "list_rates",
    "month_documents",
    "prepare_month",
    "rate",
    "record_payment",
    "save_settings",
    "sell_pack",
    "set_rate",
    "subscribe",
]
