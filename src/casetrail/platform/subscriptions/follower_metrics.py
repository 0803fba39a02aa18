"""Prometheus metrics of the subscribers' followers in this process."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from casetrail.platform.metrics import (
    SUBSCRIPTION_ACTIVE,
    SUBSCRIPTION_BATCHES,
    SUBSCRIPTION_BLOCKED_AT,
    SUBSCRIPTION_EVENTS,
    SUBSCRIPTION_FAILURES,
    SUBSCRIPTION_LAG_EVENTS,
    SUBSCRIPTION_LAG_SECONDS,
    SUBSCRIPTION_POISON_EVENTS,
    counter,
    gauge,
)


@dataclass(frozen=True)
class FollowerGauges:
    """One follower's state: whether it is the active one, and how far behind it is."""

    active: Gauge
    lag_events: Gauge
    lag_seconds: Gauge


class SubscriptionMetrics:
    """Labelled by subscriber; also what the supervisor counts failures with."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.events: Counter = counter(SUBSCRIPTION_EVENTS, registry)
        self.batches: Counter = counter(SUBSCRIPTION_BATCHES, registry)
        self.failures: Counter = counter(SUBSCRIPTION_FAILURES, registry)
        self.poison_events: Counter = counter(SUBSCRIPTION_POISON_EVENTS, registry)
        self.blocked_at: Gauge = gauge(SUBSCRIPTION_BLOCKED_AT, registry)
        self.active: Gauge = gauge(SUBSCRIPTION_ACTIVE, registry)
        self.lag_events: Gauge = gauge(SUBSCRIPTION_LAG_EVENTS, registry)
        self.lag_seconds: Gauge = gauge(SUBSCRIPTION_LAG_SECONDS, registry)

    @classmethod
    def of(cls, registry: CollectorRegistry) -> SubscriptionMetrics:
        """The one instance for ``registry``: the relay and the other subscribers of a
        process share the metric families."""
        with _LOCK:
            metrics = _BY_REGISTRY.get(registry)
            if metrics is None:
                metrics = _BY_REGISTRY[registry] = cls(registry)
            return metrics

    def gauges(self, name: str) -> FollowerGauges:
        return FollowerGauges(
            self.active.labels(name), self.lag_events.labels(name), self.lag_seconds.labels(name)
        )


_LOCK = threading.Lock()
_BY_REGISTRY: weakref.WeakKeyDictionary[CollectorRegistry, SubscriptionMetrics] = (
    weakref.WeakKeyDictionary()
)
