"""The SLA context's Prometheus metrics in this process (names in platform.metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from casetrail.platform.metrics import (
    SUPPORT_RESPONSE_TIME_SECONDS,
    SUPPORT_SLA_AT_RISK,
    SUPPORT_SLA_BREACHES,
    counter,
    histogram,
)


class ClockMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.response_time = histogram(SUPPORT_RESPONSE_TIME_SECONDS, registry)


class AlarmMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.breaches = counter(SUPPORT_SLA_BREACHES, registry)
        self.at_risk = counter(SUPPORT_SLA_AT_RISK, registry)
