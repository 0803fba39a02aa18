"""What the cases context publishes: its routes and its read models. Another context may add
to the answer of ``GET /support/cases/{id}`` (see ``api.case_detail``)."""

from __future__ import annotations

from casetrail.cases.api import routes_agents, routes_case_queries, routes_cases, routes_customers
from casetrail.cases.api.case_detail import CaseDetailAddition, case_detail_router
from casetrail.cases.projections.case_events_view import CaseEventsView
from casetrail.cases.projections.case_list_view import CaseListView
from casetrail.cases.projections.messages_view import CaseMessagesView
from casetrail.platform.context_wiring import ContextWiring


def cases_context(case_detail: CaseDetailAddition | None = None) -> ContextWiring:
    return ContextWiring(
        name="cases",
        routers=(
            routes_case_queries.router,
            # After the routes of fixed paths under /support/cases, which it would shadow.
            case_detail_router(case_detail),
            routes_cases.router,
            routes_customers.router,
            routes_agents.router,
        ),
        views=(CaseListView, CaseMessagesView, CaseEventsView),
    )
