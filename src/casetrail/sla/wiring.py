"""What the SLA context publishes to the process roles that host it: its routes."""

from __future__ import annotations

from casetrail.platform.context_wiring import ContextWiring
from casetrail.sla.api import routes_calendars, routes_case_sla, routes_policies

# Importing the aggregates registers their event topics, so every process that reads the
# event log (projections, relay) can decode calendar and policy events.
from casetrail.sla.domain import aggregates as _aggregates  # noqa: F401

SLA = ContextWiring(
    name="sla",
    routers=(routes_calendars.router, routes_policies.router, routes_case_sla.router),
)
