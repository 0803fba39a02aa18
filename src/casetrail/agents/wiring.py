"""What the agents context publishes to the process roles: its routes, the directory's
read model, the presence leases (armed as durable timers) and the handler that lets a
lease lapse."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from casetrail.agents.api import (
    routes_agents,
    routes_departments,
    routes_presence,
    routes_queues,
    routes_routing,
)
from casetrail.agents.clock import utc_now
from casetrail.agents.projections.directory_view import DirectoryView
from casetrail.agents.projections.presence_leases import PRESENCE_EXPIRED, PresenceLeases
from casetrail.agents.service.directory import Directory
from casetrail.agents.service.presence_expiry import presence_expiry_handler
from casetrail.platform.context_wiring import ContextWiring
from casetrail.platform.timers import Handler


def _presence_expiry(store: Application[Any]) -> Handler:
    typed: Application[UUID] = store
    return presence_expiry_handler(Directory(typed, clock=utc_now))


AGENTS = ContextWiring(
    name="agents",
    routers=(
        routes_queues.router,  # first: /support/agents/available is not an agent's id
        routes_agents.router,
        routes_presence.router,
        routes_departments.router,
        routes_routing.router,
    ),
    views=(DirectoryView, PresenceLeases),
    store_timer_handlers={PRESENCE_EXPIRED: _presence_expiry},
)
