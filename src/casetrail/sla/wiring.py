"""What the SLA context publishes to the process roles that host it: its routes, the
``sla.clocks`` subscriber (the projector role runs it) and the breach and at-risk timer
handlers (the scheduler role fires them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventsourcing.application import Application
from prometheus_client import CollectorRegistry

from casetrail.customers.published import CustomerDirectory
from casetrail.platform.context_wiring import ContextWiring
from casetrail.sla.api import (
    routes_calendars,
    routes_case_sla,
    routes_policies,
    routes_simulations,
    routes_sla_lists,
)

# Importing the aggregates registers their event topics, so every process that reads the
# event log (projections, relay) can decode calendar and policy events.
from casetrail.sla.domain import aggregates as _aggregates  # noqa: F401
from casetrail.sla.projections.alarms import alarm_handlers
from casetrail.sla.projections.clock_keeper import SlaClockKeeper
from casetrail.sla.projections.metrics import ClockMetrics
from casetrail.sla.service.tiers import DirectoryTiers


def clock_keeper(app: Application[Any], registry: CollectorRegistry) -> SlaClockKeeper:
    """Deciding with the directory's tiers as each customer stood at the deciding event."""
    directory = CustomerDirectory(app, clock=lambda: datetime.now(UTC))  # type: ignore[arg-type]
    return SlaClockKeeper(app, tiers=DirectoryTiers(directory), metrics=ClockMetrics(registry))


SLA = ContextWiring(
    name="sla",
    routers=(
        routes_calendars.router,
        routes_policies.router,
        routes_sla_lists.router,
        routes_simulations.router,
        routes_case_sla.router,
    ),
    subscribers=(clock_keeper,),
    timer_handler_factory=alarm_handlers,
)
