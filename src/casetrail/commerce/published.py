"""What other contexts may use of commerce: the context tables (the timeline view reads
them), and the customer's context as the API shows it (the privacy export includes it)."""

from __future__ import annotations

from casetrail.commerce.context import ContextUnavailable
from casetrail.commerce.routes_customer_context import context_read
from casetrail.commerce.schema import COMPONENT, CONTEXT_EVENTS, MIGRATIONS

__all__ = [
    "COMPONENT",
    "CONTEXT_EVENTS",
    "MIGRATIONS",
    "ContextUnavailable",
    "context_read",
]
