"""The consumer loop: a Kafka consumer-group member feeding batches to the processor.

PostgreSQL, not Kafka, holds the positions that count. On every assignment the consumer seeks
each partition to the offset stored with the rows; after each batch it also commits that
offset to Kafka, but only so that the usual tools (``kafka-consumer-groups``) show the lag.

While a batch waits for a retry (database away) the consumer keeps serving the group with
its partitions paused, so that it is not thrown out of the group and nothing new is fetched.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)
from opentelemetry.trace import SpanKind

from casetrail.commerce.dead_letters import DeadLetterLimit
from casetrail.commerce.decoding import RawMessage
from casetrail.commerce.metrics import ConsumerMetrics
from casetrail.commerce.ports import (
    ContextChanges,
    ContextStore,
    DeadLetterSink,
    Positions,
    TransientError,
)
from casetrail.commerce.processor import (
    Backoff,
    BatchProcessor,
    BatchResult,
    PreparedBatch,
    ProcessingStopped,
)
from casetrail.commerce.topics import TopicMap
from casetrail.platform.kafka_logs import librdkafka_logger
from casetrail.platform.tracing import attributes_of, span

logger = logging.getLogger(__name__)

LAG_REPORT_INTERVAL = 2.0
# A batch stored for longer than this (database away) makes the consumer serve the group.
SERVE_GROUP_AFTER = 1.0


@dataclass(frozen=True)
class ConsumerOptions:
    bootstrap_servers: str
    group: str
    topics: TopicMap
    batch_size: int = 5_000
    batch_wait_seconds: float = 0.2
    # librdkafka settings on top of ours (tests shorten session timeouts with these).
    extra: tuple[tuple[str, Any], ...] = ()


@dataclass
class ConsumerTotals:
    batches: int = 0
    consumed: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


class CommerceConsumer:
    def __init__(
        self,
        options: ConsumerOptions,
        *,
        store: ContextStore,
        dead_letters: DeadLetterSink,
        limit: DeadLetterLimit,
        metrics: ConsumerMetrics | None = None,
        stop: threading.Event | None = None,
        backoff: Backoff | None = None,
        timeline: ContextChanges | None = None,
    ) -> None:
        self.options = options
        self.store = store
        self.metrics = metrics
        self.stop = stop or threading.Event()
        self.backoff = backoff or Backoff()
        self.totals = ConsumerTotals()
        self._consumer = Consumer(
            {
                "bootstrap.servers": options.bootstrap_servers,
                "group.id": options.group,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
                "client.id": f"casetrail-{options.group}",
                "logger": librdkafka_logger(),
                **dict(options.extra),
            }
        )
        self._applied: Positions = {}
        self._assigned: frozenset[tuple[str, int]] = frozenset()
        self._paused = False
        self._last_lag_report = 0.0
        self.processor = BatchProcessor(
            store,
            dead_letters,
            topics=options.topics,
            group=options.group,
            limit=limit,
            metrics=metrics,
            backoff=self.backoff,
            # Retries wait on the storing thread; the consuming thread serves the group.
            wait=lambda seconds: not self.stop.wait(seconds),
            timeline=timeline,
        )

    @property
    def assignment(self) -> list[tuple[str, int]]:
        """The partitions this member holds (safe to read from any thread: the Kafka client
        itself is only ever called from the consuming thread)."""
        return sorted(self._assigned)

    def run(self) -> ConsumerTotals:
        """Consume until :attr:`stop` is set, then leave the group. Raises what halts it
        (a dead-letter limit exceeded, a fatal Kafka or database error).

        Two batches are in hand at most: while one is stored (on a thread of its own, where
        the database does most of the work), the next is fetched, decoded and planned. The
        Kafka client is only ever called from this thread."""
        self._consumer.subscribe(
            list(self.options.topics.names),
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_revoke,
        )
        storing: Future[BatchResult] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="commerce-store") as store:
            try:
                while not self.stop.is_set():
                    messages = self._consumer.consume(
                        num_messages=self.options.batch_size,
                        timeout=self.options.batch_wait_seconds,
                    )
                    batch = self._raw(messages)
                    prepared = self.processor.prepare(batch) if batch else None
                    if storing is not None:
                        self._finish(storing)
                        storing = None
                    if prepared is not None:
                        storing = store.submit(self._store, prepared)
                    self._report_lag()
                if storing is not None:
                    self._finish(storing)  # SIGTERM: the batch in hand is stored first
            except ProcessingStopped as stopped:
                logger.warning("%s", stopped)
            finally:
                self.stop.set()  # a batch still retrying gives up, unstored
                # Leaves the group at once, so the partitions move to the others without
                # waiting for a session timeout.
                self._consumer.close()
        return self.totals

    def _store(self, prepared: PreparedBatch) -> BatchResult:
        attributes = attributes_of(group=self.options.group, messages=len(prepared.items))
        with span("kafka consume", attributes, SpanKind.CONSUMER):
            return self.processor.store_batch(prepared)

    def _finish(self, storing: Future[BatchResult]) -> None:
        """Wait for the batch being stored; if that takes long (database away), stay a live
        member of the group meanwhile, with every partition paused."""
        while True:
            try:
                result = storing.result(timeout=SERVE_GROUP_AFTER)
                break
            except TimeoutError:
                self._serve_group()
        if self._paused:
            self._paused = False
            self._consumer.resume(self._consumer.assignment())
        self._applied.update(result.positions)
        self.totals.batches += 1
        self.totals.consumed += result.consumed
        self.totals.applied += result.applied
        self.totals.duplicates += result.duplicates
        self.totals.dead_lettered += result.dead_lettered
        self._commit_to_kafka(result.positions)

    def _serve_group(self) -> None:
        self._paused = True
        self._consumer.pause(self._consumer.assignment())
        message = self._consumer.poll(SERVE_GROUP_AFTER)
        if message is not None and message.error() is None:
            # Fetched before the pause took effect: put it back for later.
            topic, partition, offset = message.topic(), message.partition(), message.offset()
            if topic is not None and partition is not None and offset is not None:
                self._consumer.seek(TopicPartition(topic, partition, offset))
                self._consumer.pause([TopicPartition(topic, partition)])

    def _raw(self, messages: Sequence[Message]) -> list[RawMessage]:
        batch = []
        for message in messages:
            error = message.error()
            if error is not None:
                self._handle_error(error)
                continue
            topic, partition, offset = message.topic(), message.partition(), message.offset()
            if topic is None or partition is None or offset is None:
                continue
            batch.append(
                RawMessage(
                    topic=topic,
                    value=message.value(),
                    key=message.key(),
                    partition=partition,
                    offset=offset,
                )
            )
        return batch

    @staticmethod
    def _handle_error(error: KafkaError) -> None:
        if error.fatal():
            raise KafkaException(error)
        if error.code() == KafkaError._PARTITION_EOF:
            return
        # Rate-limited with librdkafka's own lines: an unreachable broker repeats itself.
        librdkafka_logger().warning("%s [%s] %s", "CONSUME", "casetrail", error.str())

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        stored = self._stored_positions([tp.topic for tp in partitions if tp.topic])
        for tp in partitions:
            position = stored.get((tp.topic, tp.partition)) if tp.topic else None
            tp.offset = position if position else OFFSET_BEGINNING
            if position is not None and tp.topic is not None:
                self._applied[tp.topic, tp.partition] = position
        consumer.assign(partitions)
        self._assigned = frozenset((tp.topic, tp.partition) for tp in partitions if tp.topic)
        if self._paused or self.stop.is_set():
            consumer.pause(partitions)
        logger.info(
            "assigned %s",
            ", ".join(f"{tp.topic}[{tp.partition}]@{tp.offset}" for tp in partitions) or "nothing",
        )

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            if tp.topic is None:
                continue
            self._applied.pop((tp.topic, tp.partition), None)
            if self.metrics is not None:
                with contextlib.suppress(KeyError):  # never reported yet
                    self.metrics.lag.remove(tp.topic, str(tp.partition))
        consumer.unassign()
        self._assigned = frozenset()

    def _stored_positions(self, topics: list[str]) -> Positions:
        """Positions from PostgreSQL, waiting for it if it is away: starting anywhere else
        could skip or repeat messages."""
        delays = self.backoff.delays()
        while True:
            try:
                return self.store.positions(self.options.group, sorted(set(topics)))
            except TransientError as error:
                delay = next(delays)
                logger.warning("%s; reading positions again in %.1fs", error, delay)
                if self.stop.wait(delay):
                    return {}

    def _commit_to_kafka(self, positions: Positions) -> None:
        if not positions:
            return
        offsets = [
            TopicPartition(topic, partition, offset)
            for (topic, partition), offset in positions.items()
        ]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=True)
        except KafkaException as error:
            logger.debug("informational offset commit failed: %s", error)

    def _report_lag(self) -> None:
        now = time.monotonic()
        if self.metrics is None or now - self._last_lag_report < LAG_REPORT_INTERVAL:
            return
        self._last_lag_report = now
        for topic, partition in self._assigned:
            # Watermarks the client learnt from its last fetch: no request to the broker.
            low, high = self._consumer.get_watermark_offsets(
                TopicPartition(topic, partition), cached=True
            )
            if high < 0:
                continue
            position = self._applied.get((topic, partition), max(low, 0))
            self.metrics.lag.labels(topic, str(partition)).set(max(0, high - position))
