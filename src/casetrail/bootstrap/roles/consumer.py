"""The consumer role: one member of the commerce consumer group, absorbing orders,
payments, shipments and fraud alerts into the context tables."""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry

from casetrail.bootstrap.commerce import build_consumer
from casetrail.bootstrap.roles.base import LoopRole
from casetrail.bootstrap.settings import Settings
from casetrail.platform.http.routes_health import ReadinessCheck
from casetrail.timeline.model import TimelineInvalidation


def build_consumer_role(
    settings: Settings,
    database_url: str,
    registry: CollectorRegistry,
    *,
    timeline: TimelineInvalidation | None = None,
) -> LoopRole:
    """A halt (a DLQ limit, a missing topic) is logged and shown by ``consumer_readiness``,
    never retried behind the operator's back: it needs a decision."""

    def consume(stop: threading.Event) -> None:
        running = build_consumer(
            settings, database_url, registry=registry, stop=stop, timeline=timeline
        )
        try:
            running.consumer.run()
        finally:
            running.close()

    return LoopRole("consumer", consume)


def consumer_readiness(role: LoopRole) -> ReadinessCheck:
    def check() -> str | None:
        return f"commerce consumer halted: {role.failure}" if role.failure else None

    return check
