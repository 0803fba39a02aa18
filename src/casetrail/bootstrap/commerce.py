"""Build the commerce consumer from the settings; run it alone or beside the API."""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.timeline import redis_invalidation
from casetrail.commerce.context_reader import PostgresCustomerContext
from casetrail.commerce.dead_letter_producer import KafkaDeadLetterSink
from casetrail.commerce.dead_letters import DeadLetterLimit
from casetrail.commerce.kafka_consumer import (
    CommerceConsumer,
    ConsumerOptions,
)
from casetrail.commerce.metrics import ConsumerMetrics
from casetrail.commerce.ports import StoreUnavailable
from casetrail.commerce.postgres_store import PostgresContextStore
from casetrail.commerce.processor import Backoff
from casetrail.commerce.topics import TopicMap
from casetrail.platform.kafka_logs import librdkafka_logger
from casetrail.timeline.model import TimelineInvalidation

logger = logging.getLogger(__name__)


class CommerceSetupError(RuntimeError):
    """The consumer cannot start: something it needs is missing or unreachable."""


# A batch allocates tens of thousands of short-lived objects (messages, events, rows), almost
# none of them in reference cycles. At the default threshold (700 allocations) the cyclic
# collector would run dozens of times per batch for nothing; this costs a fifth of the
# decoding time. Only for processes that do nothing but consume.
CONSUMER_GC_THRESHOLD = (50_000, 20, 100)


def tune_garbage_collector_for_batches() -> None:
    gc.set_threshold(*CONSUMER_GC_THRESHOLD)


def topic_map(settings: Settings) -> TopicMap:
    return TopicMap(prefix=settings.commerce.topic_prefix)


def backoff(settings: Settings) -> Backoff:
    return Backoff(maximum=settings.commerce.retry_max_seconds)


def check_topics(bootstrap_servers: str, topics: TopicMap, timeout: float = 15.0) -> None:
    """Fail with one clear line when the broker is unreachable or a topic is missing,
    rather than wait on a topic that will never exist."""
    config: dict[str, Any] = {"bootstrap.servers": bootstrap_servers, "logger": librdkafka_logger()}
    admin = AdminClient(config)
    try:
        existing = set(admin.list_topics(timeout=timeout).topics)
    except KafkaException as error:
        raise CommerceSetupError(
            f"cannot reach Kafka at {bootstrap_servers}: {error.args[0].str()}"
        ) from None
    missing = [name for name in topics.names + topics.dead_letter_names if name not in existing]
    if missing:
        raise CommerceSetupError(
            f"Kafka at {bootstrap_servers} lacks the topics {', '.join(missing)}"
            " (`casetrail stack up` creates them; in other clusters create them with as many"
            " partitions as consumers you plan to run)"
        )


@dataclass
class CommerceRuntime:
    consumer: CommerceConsumer
    store: PostgresContextStore
    dead_letters: KafkaDeadLetterSink

    def close(self) -> None:
        self.dead_letters.close()
        self.store.close()


def build_consumer(
    settings: Settings,
    database_url: str,
    *,
    registry: CollectorRegistry | None = None,
    stop: threading.Event | None = None,
    group: str | None = None,
    kafka_config: dict[str, object] | None = None,
    timeline: TimelineInvalidation | None = None,
) -> CommerceRuntime:
    """``timeline`` is told what each batch changed (default: the shared Redis cache's
    invalidation when Redis is configured, so cached timelines show new context at once)."""
    if not settings.kafka.bootstrap_servers:
        raise CommerceSetupError(
            'CASETRAIL_KAFKA_BOOTSTRAP_SERVERS is not set (`eval "$(casetrail stack env)"`'
            " points casetrail at the local stack)"
        )
    topics = topic_map(settings)
    check_topics(settings.kafka.bootstrap_servers, topics)
    store = PostgresContextStore(database_url)
    _migrate_waiting(store, settings, stop)
    dead_letters = KafkaDeadLetterSink(settings.kafka.bootstrap_servers)
    if timeline is None:
        timeline = redis_invalidation(settings, database_url)
    consumer = CommerceConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.kafka.bootstrap_servers,
            group=group or settings.commerce.consumer_group,
            topics=topics,
            batch_size=settings.commerce.batch_size,
            batch_wait_seconds=settings.commerce.batch_wait_seconds,
            extra=tuple((kafka_config or {}).items()),
        ),
        store=store,
        dead_letters=dead_letters,
        limit=DeadLetterLimit(settings.commerce.dlq_limit, settings.commerce.dlq_window_seconds),
        metrics=ConsumerMetrics(registry) if registry is not None else None,
        stop=stop,
        backoff=backoff(settings),
        timeline=timeline,
    )
    return CommerceRuntime(consumer, store, dead_letters)


def _migrate_waiting(
    store: PostgresContextStore, settings: Settings, stop: threading.Event | None
) -> None:
    delays = backoff(settings).delays()
    stop = stop or threading.Event()
    while True:
        try:
            store.migrate()
            return
        except StoreUnavailable as error:
            delay = next(delays)
            logger.warning("%s; creating the context tables again in %.1fs", error, delay)
            if stop.wait(delay):
                raise CommerceSetupError("stopped before PostgreSQL became available") from None


def open_customer_context(database_url: str) -> PostgresCustomerContext:
    """The read side of the context tables, created first if this is a new database (the API
    answers with an empty context before any consumer ever ran)."""
    store = PostgresContextStore(database_url)
    try:
        store.migrate()
    finally:
        store.close()
    reader = PostgresCustomerContext(database_url)
    reader.open()
    return reader
