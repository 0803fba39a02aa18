"""What the commerce context publishes: the customer-context route."""

from __future__ import annotations

from casetrail.commerce import routes_customer_context
from casetrail.platform.context_wiring import ContextWiring

COMMERCE = ContextWiring(name="commerce", routers=(routes_customer_context.router,))
