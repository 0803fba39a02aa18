"""Prometheus metrics of the commerce consumers in this process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from casetrail.platform.metrics import (
    COMMERCE_APPLIED,
    COMMERCE_BATCH_MESSAGES,
    COMMERCE_BATCH_SECONDS,
    COMMERCE_CONSUMED,
    COMMERCE_DEAD_LETTERS,
    COMMERCE_DUPLICATES,
    COMMERCE_LAG,
    COMMERCE_RETRIES,
    counter,
    gauge,
    histogram,
)


class ConsumerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.consumed = counter(COMMERCE_CONSUMED, registry)
        self.applied = counter(COMMERCE_APPLIED, registry)
        self.duplicates = counter(COMMERCE_DUPLICATES, registry)
        self.dead_letters = counter(COMMERCE_DEAD_LETTERS, registry)
        self.retries = counter(COMMERCE_RETRIES, registry)
        self.lag = gauge(COMMERCE_LAG, registry)
        self.batch_seconds = histogram(COMMERCE_BATCH_SECONDS, registry)
        self.batch_size = histogram(COMMERCE_BATCH_MESSAGES, registry)

    def count(self, kind: str, topic: str, amount: int) -> None:
        """``kind``: consumed, applied, duplicates, or ``dead-letter:<reason>``."""
        if kind.startswith("dead-letter:"):
            self.dead_letters.labels(topic, kind.removeprefix("dead-letter:")).inc(amount)
            return
        counter = {"consumed": self.consumed, "applied": self.applied}.get(kind, self.duplicates)
        counter.labels(topic).inc(amount)
