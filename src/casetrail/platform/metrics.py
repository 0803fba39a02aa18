"""Every Prometheus metric casetrail exposes: name, type, labels and help, in one list.

A module that exports a metric creates it from its entry here (``counter``, ``gauge``,
``histogram``, ``gauge_family``), so the names an operator's dashboards and alerts depend on
are all in one place, and docs/metrics.md documents each of them (a test holds the list,
the documentation and a running server's /metrics to agreement). Names are written as
/metrics shows them: counters end in ``_total``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily


class Kind(enum.Enum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if (self.kind is Kind.COUNTER) != self.name.endswith("_total"):
            raise ValueError(f"{self.name}: counters, and only counters, end in _total")


def _counter(name: str, help: str, *labels: str) -> Metric:
    return Metric(name, Kind.COUNTER, help, labels)


def _gauge(name: str, help: str, *labels: str) -> Metric:
    return Metric(name, Kind.GAUGE, help, labels)


def _histogram(name: str, help: str, buckets: tuple[float, ...], *labels: str) -> Metric:
    return Metric(name, Kind.HISTOGRAM, help, labels, buckets)


_FAST_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_QUERY_SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

# HTTP edge.
HTTP_REQUESTS = _counter(
    "casetrail_http_requests_total",
    "HTTP requests answered, by route and status.",
    "method",
    "route",
    "status",
)
HTTP_REQUEST_SECONDS = _histogram(
    "casetrail_http_request_duration_seconds",
    "HTTP request latency, by route.",
    _FAST_SECONDS,
    "method",
    "route",
)

# Projections (read models), by the runners of this process.
PROJECTION_EVENTS = _counter(
    "casetrail_projection_events_total",
    "Events applied to a read model by this process.",
    "projection",
)
PROJECTION_BATCHES = _counter(
    "casetrail_projection_batches_total",
    "Transactions committed by a projection runner (each holds many events).",
    "projection",
)
PROJECTION_BATCH_SECONDS = _histogram(
    "casetrail_projection_batch_duration_seconds",
    "Time to apply one batch of events and its tracking position.",
    _FAST_SECONDS,
    "projection",
)
PROJECTION_FAILURES = _counter(
    "casetrail_projection_failures_total",
    "Projection runs that ended in an error, by kind (transient, poison, error).",
    "projection",
    "kind",
)
PROJECTION_POISON_EVENTS = _counter(
    "casetrail_projection_poison_events_total",
    "Times a projection stopped at an event it cannot apply (never skipped).",
    "projection",
)
PROJECTION_BLOCKED_AT = _gauge(
    "casetrail_projection_blocked_at_notification",
    "Notification id of the event a projection is stuck at; 0 when it is not.",
    "projection",
)
PROJECTION_RUNNER_ACTIVE = _gauge(
    "casetrail_projection_runner_active",
    "1 when this process holds the projection's lock and applies its events.",
    "projection",
)
# Projections, as the database says (read at scrape time, whichever process runs them).
PROJECTION_POSITION = _gauge(
    "casetrail_projection_position",
    "Last notification id applied by the active version.",
    "projection",
)
PROJECTION_LAG_EVENTS = _gauge(
    "casetrail_projection_lag_events", "Events recorded but not yet applied.", "projection"
)
PROJECTION_LAG_SECONDS = _gauge(
    "casetrail_projection_lag_seconds",
    "Age of the oldest event not yet applied (0 when caught up).",
    "projection",
)
PROJECTION_VERSION = _gauge(
    "casetrail_projection_version",
    "Active version (table set) of the projection.",
    "projection",
)

# Subscribers (followers of the log other than projections), by the followers of this process.
SUBSCRIPTION_EVENTS = _counter(
    "casetrail_subscription_events_total",
    "Events whose effect a subscriber made and whose position it committed.",
    "subscription",
)
SUBSCRIPTION_BATCHES = _counter(
    "casetrail_subscription_batches_total",
    "Batches a subscriber committed (effect made, then or with its position).",
    "subscription",
)
SUBSCRIPTION_FAILURES = _counter(
    "casetrail_subscription_failures_total",
    "Subscriber runs that ended in an error, by kind (transient, poison, error).",
    "subscription",
    "kind",
)
SUBSCRIPTION_POISON_EVENTS = _counter(
    "casetrail_subscription_poison_events_total",
    "Times a subscriber stopped at an event it cannot handle (never skipped).",
    "subscription",
)
SUBSCRIPTION_BLOCKED_AT = _gauge(
    "casetrail_subscription_blocked_at_notification",
    "Notification id of the event a subscriber is stuck at; 0 when it is not.",
    "subscription",
)
SUBSCRIPTION_ACTIVE = _gauge(
    "casetrail_subscription_active",
    "1 while this process holds the subscriber's lock and follows the log for it.",
    "subscription",
)
SUBSCRIPTION_LAG_EVENTS = _gauge(
    "casetrail_subscription_lag_events",
    "Notifications recorded after the subscriber's committed position.",
    "subscription",
)
SUBSCRIPTION_LAG_SECONDS = _gauge(
    "casetrail_subscription_lag_seconds",
    "Age of the oldest event the subscriber has not committed (0 when caught up).",
    "subscription",
)

# The outbound relay (support.case.* to Kafka), a subscriber with its own names kept.
RELAY_PUBLISHED = _counter(
    "casetrail_relay_published_total", "Case events published to Kafka, by topic.", "topic"
)
RELAY_LAG_EVENTS = _gauge(
    "casetrail_relay_lag_events", "Notifications in the event store not yet examined by the relay."
)
RELAY_LAG_SECONDS = _gauge(
    "casetrail_relay_lag_seconds", "Age of the oldest event not yet published (0 when caught up)."
)
RELAY_ACTIVE = _gauge(
    "casetrail_relay_active", "1 while this process holds the relay's lock and publishes."
)

# Durable timers.
TIMER_FIRES = _counter(
    "casetrail_timer_fires_total",
    "Timers fired by this process (handler effect committed).",
    "kind",
)
TIMER_FAILURES = _counter(
    "casetrail_timer_failures_total",
    "Timer fires whose handler failed (the timer stays armed and is retried).",
    "kind",
)
TIMER_FIRE_LAG_SECONDS = _histogram(
    "casetrail_timer_fire_lag_seconds",
    "Detection time minus due time of each fire by this process.",
    (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0),
    "kind",
)
TIMER_PENDING = _gauge(
    "casetrail_timer_pending", "Armed timers in the database (overdue and failing ones included)."
)
TIMER_OVERDUE = _gauge("casetrail_timer_overdue", "Armed timers whose due time has passed.")
TIMER_FAILING = _gauge(
    "casetrail_timer_failing",
    "Armed timers whose last attempt failed (retried with backoff, never dropped).",
)
TIMER_OLDEST_OVERDUE_SECONDS = _gauge(
    "casetrail_timer_oldest_overdue_seconds",
    "How long the oldest overdue timer has been due; 0 when none is.",
)

# SLA clocks (seed 003's names).
SUPPORT_RESPONSE_TIME_SECONDS = _histogram(
    "support_response_time_seconds",
    "Business time from a customer's wait starting to the agent's reply, per response clock"
    " that stopped (first and next response).",
    (60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 259200.0),
    "metric",
    "priority",
)
SUPPORT_SLA_BREACHES = _counter(
    "support_sla_breaches_total",
    "SLA breaches recorded by this process (each clock breaches at most once).",
    "priority",
    "metric",
)
SUPPORT_SLA_AT_RISK = _counter(
    "support_sla_at_risk_total",
    "SLA clocks found at risk by this process (each warned at most once).",
    "priority",
    "metric",
)

SLA_ALARMS_PUBLISHED = _counter(
    "casetrail_sla_alarms_published_total",
    "SLA breaches and at-risk warnings published to Kafka, by topic.",
    "topic",
)

# Commerce context (Kafka in).
COMMERCE_CONSUMED = _counter(
    "casetrail_commerce_messages_consumed_total",
    "Messages read from a commerce topic (or lines from a file).",
    "topic",
)
COMMERCE_APPLIED = _counter(
    "casetrail_commerce_events_applied_total",
    "Events stored in the context projections for the first time.",
    "topic",
)
COMMERCE_DUPLICATES = _counter(
    "casetrail_commerce_duplicates_total",
    "Messages that changed nothing: redelivered offsets or event ids already stored.",
    "topic",
)
COMMERCE_DEAD_LETTERS = _counter(
    "casetrail_commerce_dead_letters_total",
    "Messages sent to the dead-letter topic, by reason.",
    "topic",
    "reason",
)
COMMERCE_RETRIES = _counter(
    "casetrail_commerce_retries_total",
    "Batches retried after a transient error (database or dead-letter topic away).",
    "cause",
)
COMMERCE_LAG = _gauge(
    "casetrail_commerce_lag_messages",
    "Messages in a partition not yet applied (high watermark minus stored position).",
    "topic",
    "partition",
)
COMMERCE_BATCH_SECONDS = _histogram(
    "casetrail_commerce_batch_duration_seconds",
    "Time to decode, dead-letter and store one batch, retries included.",
    (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
COMMERCE_BATCH_MESSAGES = _histogram(
    "casetrail_commerce_batch_messages",
    "Messages per stored batch.",
    (1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000),
)

# The 360° timeline (the names the timeline's design fixed: support_timeline_*).
TIMELINE_CACHE_REQUESTS = _counter(
    "support_timeline_cache_requests_total",
    "Timeline requests by cache outcome: hit, miss, or unavailable (served uncached).",
    "result",
)
TIMELINE_QUERIES = _counter(
    "support_timeline_queries_total", "Queries of the timeline view, by engine.", "source"
)
TIMELINE_QUERY_SECONDS = _histogram(
    "support_timeline_query_seconds",
    "Time to read one timeline from the view, by engine.",
    _QUERY_SECONDS,
    "source",
)
TIMELINE_REFRESH_ERRORS = _counter(
    "support_timeline_refresh_errors_total",
    "Timelines read from PostgreSQL because Trino failed, timed out, or was being left"
    " alone after a recent failure (skipped).",
    "reason",
)
TIMELINE_SHARED_READS = _counter(
    "support_timeline_shared_reads_total",
    "Requests answered by a read that a concurrent request for the same timeline had"
    " already started (single-flight).",
)

# Every metric defined above, in the order they are defined.
METRICS: tuple[Metric, ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, Metric)
)


def counter(metric: Metric, registry: CollectorRegistry) -> Counter:
    _expect(metric, Kind.COUNTER)
    return Counter(metric.name, metric.help, metric.labels, registry=registry)


def gauge(metric: Metric, registry: CollectorRegistry) -> Gauge:
    _expect(metric, Kind.GAUGE)
    return Gauge(metric.name, metric.help, metric.labels, registry=registry)


def histogram(metric: Metric, registry: CollectorRegistry) -> Histogram:
    _expect(metric, Kind.HISTOGRAM)
    return Histogram(
        metric.name, metric.help, metric.labels, registry=registry, buckets=metric.buckets
    )


def gauge_family(metric: Metric) -> GaugeMetricFamily:
    """An empty family for a collector that reads its values at scrape time."""
    _expect(metric, Kind.GAUGE)
    return GaugeMetricFamily(metric.name, metric.help, labels=list(metric.labels))


def _expect(metric: Metric, kind: Kind) -> None:
    if metric.kind is not kind:
        raise TypeError(f"{metric.name} is a {metric.kind.value}, not a {kind.value}")
