"""Build the commerce consumer from the settings; run it alone or beside the API."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from prometheus_client import CollectorRegistry

from casetrail.consumers.dead_letters import DeadLetterLimit
from casetrail.consumers.metrics import ConsumerMetrics
from casetrail.consumers.ports import StoreUnavailable
from casetrail.consumers.processor import Backoff
from casetrail.consumers.topics import TopicMap
from casetrail.infra.bootstrap import EMBEDDED_DATABASE, embedded_postgres
from casetrail.infra.commerce.dead_letter_producer import KafkaDeadLetterSink
from casetrail.infra.commerce.kafka_consumer import (
    CommerceConsumer,
    ConsumerOptions,
    ConsumerTotals,
)
from casetrail.infra.commerce.postgres_store import PostgresContextStore
from casetrail.infra.settings import Settings

logger = logging.getLogger(__name__)


class CommerceSetupError(RuntimeError):
    """The consumer cannot start: something it needs is missing or unreachable."""


def topic_map(settings: Settings) -> TopicMap:
    return TopicMap(prefix=settings.commerce_topic_prefix)


def backoff(settings: Settings) -> Backoff:
    return Backoff(maximum=settings.commerce_retry_max_seconds)


@contextlib.contextmanager
def commerce_database(settings: Settings) -> Iterator[str]:
    """The database URL: the configured one, or the embedded default's (started if needed and
    left running if another casetrail process had started it)."""
    if settings.database_url is not None:
        yield str(settings.database_url)
        return
    embedded = embedded_postgres(settings.data_dir)
    was_running = embedded.is_running()
    embedded.start()
    embedded.create_database(EMBEDDED_DATABASE)
    try:
        yield embedded.dsn(EMBEDDED_DATABASE)
    finally:
        if not was_running:
            embedded.stop()


def check_topics(bootstrap_servers: str, topics: TopicMap, timeout: float = 15.0) -> None:
    """Fail with one clear line when the broker is unreachable or a topic is missing,
    rather than wait on a topic that will never exist."""
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
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
) -> CommerceRuntime:
    if not settings.kafka_bootstrap_servers:
        raise CommerceSetupError(
            'CASETRAIL_KAFKA_BOOTSTRAP_SERVERS is not set (`eval "$(casetrail stack env)"`'
            " points casetrail at the local stack)"
        )
    topics = topic_map(settings)
    check_topics(settings.kafka_bootstrap_servers, topics)
    store = PostgresContextStore(database_url)
    _migrate_waiting(store, settings, stop)
    dead_letters = KafkaDeadLetterSink(settings.kafka_bootstrap_servers)
    consumer = CommerceConsumer(
        ConsumerOptions(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group=group or settings.commerce_consumer_group,
            topics=topics,
            batch_size=settings.commerce_batch_size,
            batch_wait_seconds=settings.commerce_batch_wait_seconds,
            extra=tuple((kafka_config or {}).items()),
        ),
        store=store,
        dead_letters=dead_letters,
        limit=DeadLetterLimit(settings.commerce_dlq_limit, settings.commerce_dlq_window_seconds),
        metrics=ConsumerMetrics(registry) if registry is not None else None,
        stop=stop,
        backoff=backoff(settings),
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


@dataclass
class BackgroundConsumer:
    """The consumer on a thread of its own inside ``casetrail serve``."""

    settings: Settings
    database_url: str
    registry: CollectorRegistry
    stop: threading.Event = field(default_factory=threading.Event)
    failure: BaseException | None = None
    totals: ConsumerTotals | None = None
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="commerce-consumer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            running = build_consumer(
                self.settings, self.database_url, registry=self.registry, stop=self.stop
            )
            try:
                self.totals = running.consumer.run()
            finally:
                running.close()
        except Exception as error:  # reported on /readyz and in the log, never swallowed
            self.failure = error
            logger.critical("commerce consumer halted: %s", error)

    @property
    def healthy(self) -> bool:
        return self.failure is None

    def close(self, timeout: float = 60.0) -> None:
        self.stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
