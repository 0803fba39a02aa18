"""The relay role: committed case and directory events published to Kafka
(``support.case.*``, ``support.customer.*``, ``support.agent.*``, ``support.department.*``),
and the SLA context's recorded breaches and warnings (``support.case.sla.*``) beside them."""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry

from casetrail.agents.published import directory_events
from casetrail.bootstrap.roles.base import LoopRole
from casetrail.cases.outbound.relay import CaseEventRelay
from casetrail.cases.service.desk import SupportDesk
from casetrail.customers.published import customer_events
from casetrail.sla.outbound.alarm_relay import SlaAlarmRelay


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
    alarms = SlaAlarmRelay(database_url, bootstrap_servers, registry)

    def run(stop: threading.Event) -> None:
        beside = threading.Thread(target=alarms.run, args=(stop,), name="sla-alarm-relay")
        beside.daemon = True
        beside.start()
        try:
            relay.run(stop)
        finally:
            stop.set()  # the role ends as a whole
            beside.join(10)

    return LoopRole("relay", run)
