"""Producing test messages, running consumers on threads, and reading the context tables."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from confluent_kafka import Consumer, Producer, TopicPartition
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.commerce import CommerceRuntime, build_consumer
from casetrail.bootstrap.settings import Settings
from casetrail.commerce.decoding import Decoded, RawMessage, decode
from casetrail.commerce.events import CommerceEvent
from casetrail.commerce.generator import GeneratedMessage
from casetrail.commerce.kafka_consumer import ConsumerTotals
from casetrail.commerce.plan import plan_batch
from casetrail.commerce.postgres_store import LOG_COLUMNS, UPSERTS, plan_rows
from casetrail.commerce.schema import CONTEXT_EVENTS, POSITIONS
from casetrail.commerce.topics import TopicMap

# Rebalances within seconds rather than the default 45 s session timeout.
FAST_GROUP = {"session.timeout.ms": 6_000, "heartbeat.interval.ms": 500}


def message(topic: str, value: dict[str, Any] | bytes, key: str = "cust-1") -> GeneratedMessage:
    body = value if isinstance(value, bytes) else json.dumps(value).encode()
    return GeneratedMessage(topic, key.encode(), body)


def produce(settings: Settings, messages: Iterable[GeneratedMessage]) -> int:
    """Produce in order (one in flight per partition keeps the order), wait for all acks."""
    assert settings.kafka_bootstrap_servers
    producer = Producer(
        {"bootstrap.servers": settings.kafka_bootstrap_servers, "enable.idempotence": True}
    )
    topics = TopicMap(settings.commerce_topic_prefix)
    count = 0
    for item in messages:
        producer.produce(topics.name(item.topic), value=item.value, key=item.key)
        count += 1
        if count % 1_000 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0
    return count


def end_offsets(settings: Settings) -> dict[tuple[str, int], int]:
    assert settings.kafka_bootstrap_servers
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap_servers, "group.id": "x"})
    try:
        ends = {}
        topics = TopicMap(settings.commerce_topic_prefix)
        for topic in topics.names:
            metadata = consumer.list_topics(topic, timeout=10).topics[topic]
            for partition in metadata.partitions:
                _low, high = consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=10
                )
                ends[topic, partition] = high
        return ends
    finally:
        consumer.close()


def stored_positions(settings: Settings, group: str | None = None) -> dict[tuple[str, int], int]:
    with psycopg.connect(str(settings.database_url)) as conn:
        try:
            rows = conn.execute(
                f"SELECT topic, partition, next_offset FROM {POSITIONS} WHERE consumer_group = %s",
                (group or settings.commerce_consumer_group,),
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            return {}  # the consumer has not created its tables yet
    return {(topic, partition): offset for topic, partition, offset in rows}


def caught_up(settings: Settings, group: str | None = None) -> bool:
    ends = {key: value for key, value in end_offsets(settings).items() if value > 0}
    positions = stored_positions(settings, group)
    return all(positions.get(key, 0) >= end for key, end in ends.items())


def wait_until(condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or condition}")


@dataclass
class ConsumerThread:
    """One consumer-group member on a thread, as `casetrail consume` runs it."""

    settings: Settings
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    stop: threading.Event = field(default_factory=threading.Event)
    totals: ConsumerTotals | None = None
    error: BaseException | None = None
    running: CommerceRuntime | None = None
    assignments: list[list[tuple[str, int]]] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def start(self) -> ConsumerThread:
        self.running = build_consumer(
            self.settings,
            str(self.settings.database_url),
            registry=self.registry,
            stop=self.stop,
            kafka_config=FAST_GROUP,
        )
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        assert self.running is not None
        try:
            self.totals = self.running.consumer.run()
        except BaseException as error:  # the test inspects it
            self.error = error
        finally:
            self.running.close()

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0

    def close(self, timeout: float = 30.0) -> ConsumerTotals | None:
        self.stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            assert not self._thread.is_alive(), "the consumer did not stop"
        return self.totals

    @property
    def finished(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()


def events_of(messages: Sequence[GeneratedMessage]) -> list[CommerceEvent]:
    events = []
    for item in messages:
        result = decode(RawMessage(item.topic, item.value), TopicMap())
        if isinstance(result, Decoded):
            events.append(result.event)
    return events


def expected_rows(messages: Sequence[GeneratedMessage]) -> dict[str, set[tuple[Any, ...]]]:
    """The rows every correct consumer ends with, whatever the delivery order."""
    events = events_of(messages)
    plan = plan_batch(events)
    expected = {upsert.table: set(rows) for upsert, rows in plan_rows(plan).items()}
    expected[CONTEXT_EVENTS] = {
        (event.event_id, event.customer_id, event.related_order_id, event.TOPIC, event.occurred_at)
        for event in plan.log
    }
    return expected


def table_rows(settings: Settings) -> dict[str, set[tuple[Any, ...]]]:
    with psycopg.connect(str(settings.database_url)) as conn:
        rows = {
            upsert.table: set(
                conn.execute(f"SELECT {', '.join(upsert.columns)} FROM {upsert.table}").fetchall()
            )
            for upsert in UPSERTS
        }
        log_columns = ", ".join(LOG_COLUMNS[:-1])  # the payload is the event itself
        rows[CONTEXT_EVENTS] = set(
            conn.execute(f"SELECT {log_columns} FROM {CONTEXT_EVENTS}").fetchall()
        )
    return rows
