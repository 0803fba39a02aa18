"""Prometheus metrics of the projection runners in this process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ProjectionMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter(
            "casetrail_projection_events_total",
            "Events applied to a read model by this process.",
            ["projection"],
            registry=registry,
        )
        self.batches = Counter(
            "casetrail_projection_batches_total",
            "Transactions committed by a projection runner (each holds many events).",
            ["projection"],
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "casetrail_projection_batch_duration_seconds",
            "Time to apply one batch of events and its tracking position.",
            ["projection"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self.failures = Counter(
            "casetrail_projection_failures_total",
            "Projection runs that ended in an error, by kind (transient, poison, error).",
            ["projection", "kind"],
            registry=registry,
        )
        self.poison_events = Counter(
            "casetrail_projection_poison_events_total",
            "Times a projection stopped at an event it cannot apply (never skipped).",
            ["projection"],
            registry=registry,
        )
        self.blocked_at = Gauge(
            "casetrail_projection_blocked_at_notification",
            "Notification id of the event a projection is stuck at; 0 when it is not.",
            ["projection"],
            registry=registry,
        )
        self.active = Gauge(
            "casetrail_projection_runner_active",
            "1 when this process holds the projection's lock and applies its events.",
            ["projection"],
            registry=registry,
        )
