"""The relay role: committed case events published to Kafka (``support.case.*``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from casetrail.bootstrap.roles.base import LoopRole
from casetrail.cases.outbound.relay import CaseEventRelay
from casetrail.cases.service.desk import SupportDesk


def build_relay(
    desk: SupportDesk, database_url: str, bootstrap_servers: str, registry: CollectorRegistry
) -> LoopRole:
    relay = CaseEventRelay(desk, database_url, bootstrap_servers, registry)
    return LoopRole("relay", relay.run)
