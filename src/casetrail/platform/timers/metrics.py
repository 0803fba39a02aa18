"""Prometheus metrics of the timer worker in this process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from casetrail.platform.metrics import (
    TIMER_FAILING,
    TIMER_FAILURES,
    TIMER_FIRE_LAG_SECONDS,
    TIMER_FIRES,
    TIMER_OLDEST_OVERDUE_SECONDS,
    TIMER_OVERDUE,
    TIMER_PENDING,
    counter,
    gauge,
    histogram,
)
from casetrail.platform.timers.firing import Round
from casetrail.platform.timers.status import TimerStatus


class TimerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.fires = counter(TIMER_FIRES, registry)
        self.failures = counter(TIMER_FAILURES, registry)
        self.fire_lag = histogram(TIMER_FIRE_LAG_SECONDS, registry)
        self.pending = gauge(TIMER_PENDING, registry)
        self.overdue = gauge(TIMER_OVERDUE, registry)
        self.failing = gauge(TIMER_FAILING, registry)
        self.oldest_overdue_seconds = gauge(TIMER_OLDEST_OVERDUE_SECONDS, registry)

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
