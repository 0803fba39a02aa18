"""Prometheus metrics of the timer worker in this process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from casetrail.platform.timers.firing import Round
from casetrail.platform.timers.status import TimerStatus


class TimerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.fires = Counter(
            "casetrail_timer_fires_total",
            "Timers fired by this process (handler effect committed).",
            ["kind"],
            registry=registry,
        )
        self.failures = Counter(
            "casetrail_timer_failures_total",
            "Timer fires whose handler failed (the timer stays armed and is retried).",
            ["kind"],
            registry=registry,
        )
        self.fire_lag = Histogram(
            "casetrail_timer_fire_lag_seconds",
            "Detection time minus due time of each fire by this process.",
            ["kind"],
            registry=registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0),
        )
        self.pending = Gauge(
            "casetrail_timer_pending",
            "Armed timers in the database (overdue and failing ones included).",
            registry=registry,
        )
        self.overdue = Gauge(
            "casetrail_timer_overdue",
            "Armed timers whose due time has passed.",
            registry=registry,
        )
        self.failing = Gauge(
            "casetrail_timer_failing",
            "Armed timers whose last attempt failed (retried with backoff, never dropped).",
            registry=registry,
        )
        self.oldest_overdue_seconds = Gauge(
            "casetrail_timer_oldest_overdue_seconds",
            "How long the oldest overdue timer has been due; 0 when none is.",
            registry=registry,
        )

    def observe_round(self, result: Round) -> None:
        for fire in result.fired:
            self.fires.labels(fire.kind).inc()
            self.fire_lag.labels(fire.kind).observe(max(0.0, fire.lag_seconds))
        for fire, _reason in result.failed:
            self.failures.labels(fire.kind).inc()

    def observe_status(self, status: TimerStatus) -> None:
        self.pending.set(status.pending)
        self.overdue.set(status.overdue)
        self.failing.set(status.failing)
        self.oldest_overdue_seconds.set(status.oldest_overdue_seconds)
