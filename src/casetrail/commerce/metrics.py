"""Prometheus metrics of the commerce consumers in this process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ConsumerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.consumed = Counter(
            "casetrail_commerce_messages_consumed_total",
            "Messages read from a commerce topic (or lines from a file).",
            ["topic"],
            registry=registry,
        )
        self.applied = Counter(
            "casetrail_commerce_events_applied_total",
            "Events stored in the context projections for the first time.",
            ["topic"],
            registry=registry,
        )
        self.duplicates = Counter(
            "casetrail_commerce_duplicates_total",
            "Messages that changed nothing: redelivered offsets or event ids already stored.",
            ["topic"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "casetrail_commerce_dead_letters_total",
            "Messages sent to the dead-letter topic, by reason.",
            ["topic", "reason"],
            registry=registry,
        )
        self.retries = Counter(
            "casetrail_commerce_retries_total",
            "Batches retried after a transient error (database or dead-letter topic away).",
            ["cause"],
            registry=registry,
        )
        self.lag = Gauge(
            "casetrail_commerce_lag_messages",
            "Messages in a partition not yet applied (high watermark minus stored position).",
            ["topic", "partition"],
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "casetrail_commerce_batch_duration_seconds",
            "Time to decode, dead-letter and store one batch, retries included.",
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
        )
        self.batch_size = Histogram(
            "casetrail_commerce_batch_messages",
            "Messages per stored batch.",
            registry=registry,
            buckets=(1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000),
        )

    def count(self, kind: str, topic: str, amount: int) -> None:
        """``kind``: consumed, applied, duplicates, or ``dead-letter:<reason>``."""
        if kind.startswith("dead-letter:"):
            self.dead_letters.labels(topic, kind.removeprefix("dead-letter:")).inc(amount)
            return
        counter = {"consumed": self.consumed, "applied": self.applied}.get(kind, self.duplicates)
        counter.labels(topic).inc(amount)
