"""What the customers context publishes: its routes and its read model."""

from __future__ import annotations

from casetrail.customers.api import routes
from casetrail.customers.projections.customer_list_view import CustomerListView
from casetrail.platform.context_wiring import ContextWiring

CUSTOMERS = ContextWiring(name="customers", routers=(routes.router,), views=(CustomerListView,))
