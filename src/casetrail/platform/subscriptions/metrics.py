"""Prometheus metrics of the projection runners in this process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from casetrail.platform.metrics import (
    PROJECTION_BATCH_SECONDS,
    PROJECTION_BATCHES,
    PROJECTION_BLOCKED_AT,
    PROJECTION_EVENTS,
    PROJECTION_FAILURES,
    PROJECTION_POISON_EVENTS,
    PROJECTION_RUNNER_ACTIVE,
    counter,
    gauge,
    histogram,
)


class ProjectionMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = counter(PROJECTION_EVENTS, registry)
        self.batches = counter(PROJECTION_BATCHES, registry)
        self.batch_seconds = histogram(PROJECTION_BATCH_SECONDS, registry)
        self.failures = counter(PROJECTION_FAILURES, registry)
        self.poison_events = counter(PROJECTION_POISON_EVENTS, registry)
        self.blocked_at = gauge(PROJECTION_BLOCKED_AT, registry)
        self.active = gauge(PROJECTION_RUNNER_ACTIVE, registry)
