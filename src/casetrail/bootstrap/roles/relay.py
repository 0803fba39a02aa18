"""The relay role: committed case and directory events published to Kafka
(``support.case.*``, ``support.customer.*``, ``support.agent.*``, ``support.department.*``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from casetrail.agents.published import directory_events
from casetrail.bootstrap.roles.base import LoopRole
from casetrail.cases.outbound.relay import CaseEventRelay
from casetrail.cases.service.desk import SupportDesk
from casetrail.customers.published import customer_events


def build_relay(
    desk: SupportDesk, database_url: str, bootstrap_servers: str, registry: CollectorRegistry
) -> LoopRole:
    relay = CaseEventRelay(
        desk,
        database_url,
        bootstrap_servers,
        registry,
        sources=[customer_events(desk), directory_events(desk)],
    )
    return LoopRole("relay", relay.run)
