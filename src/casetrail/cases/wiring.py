"""What the cases context publishes: its routes and its read models."""

from __future__ import annotations

from casetrail.cases.api import routes_agents, routes_case_queries, routes_cases, routes_customers
from casetrail.cases.projections.case_events_view import CaseEventsView
from casetrail.cases.projections.case_list_view import CaseListView
from casetrail.cases.projections.messages_view import CaseMessagesView
from casetrail.platform.context_wiring import ContextWiring

CASES = ContextWiring(
    name="cases",
    routers=(
        routes_case_queries.router,
        routes_cases.router,
        routes_customers.router,
        routes_agents.router,
    ),
    views=(CaseListView, CaseMessagesView, CaseEventsView),
)
