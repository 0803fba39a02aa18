from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaException
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.wiring import build_postgres_desk
from casetrail.cases.outbound.integration_events import PUBLISHED_TOPICS
from casetrail.cases.outbound.relay import CaseEventRelay
from casetrail.cases.service.desk import SupportDesk
from casetrail.devstack.stack import Stack


@dataclass(frozen=True)
class Received:
    topic: str
    key: bytes
    value: bytes
    headers: dict[str, bytes]
    partition: int
    offset: int


@pytest.fixture
def topic_prefix(stack: Stack) -> Iterator[str]:
    """Every test publishes to topics of its own: ``test.<id>.support.case.opened``, ..."""
    prefix = f"test.{uuid.uuid4().hex[:10]}."
    yield prefix
    admin = stack.kafka.admin()
    existing = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
    if existing:
        for future in admin.delete_topics(existing, operation_timeout=30).values():
            try:
                future.result(timeout=30)
            except KafkaException:
                continue


@pytest.fixture
def relay_desk(stack_database: str, tmp_path: Path) -> Iterator[SupportDesk]:
    desk = build_postgres_desk(stack_database, Settings(data_dir=tmp_path))
    yield desk
    desk.close()


RelayRunner = Callable[..., "RunningRelay"]


@dataclass
class RunningRelay:
    relay: CaseEventRelay
    registry: CollectorRegistry
    thread: threading.Thread
    stop: threading.Event


@pytest.fixture
def start_relay(
    stack: Stack, relay_desk: SupportDesk, stack_database: str, topic_prefix: str
) -> Iterator[RelayRunner]:
    running: list[RunningRelay] = []

    def start(desk: SupportDesk | None = None) -> RunningRelay:
        registry = CollectorRegistry()
        relay = CaseEventRelay(
            desk or relay_desk,
            stack_database,
            stack.kafka.bootstrap_servers,
            registry,
            topic_prefix=topic_prefix,
        )
        stop = threading.Event()
        thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
        thread.start()
        running.append(RunningRelay(relay, registry, thread, stop))
        return running[-1]

    yield start
    for each in running:
        each.stop.set()
        each.thread.join(timeout=30)


@contextmanager
def consuming(stack: Stack, topics: list[str]) -> Iterator[Consumer]:
    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka.bootstrap_servers,
            "group.id": f"test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "topic.metadata.refresh.interval.ms": 1000,
        }
    )
    consumer.subscribe(topics)
    try:
        yield consumer
    finally:
        consumer.close()


def receive(consumer: Consumer, count: int, timeout: float = 60) -> list[Received]:
    import time

    received: list[Received] = []
    deadline = time.monotonic() + timeout
    while len(received) < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        received.append(
            Received(
                topic=message.topic() or "",
                key=message.key() or b"",
                value=message.value() or b"",
                headers={k: v or b"" for k, v in (message.headers() or [])},
                partition=message.partition() or 0,
                offset=message.offset() or 0,
            )
        )
    return received


def prefixed(prefix: str, *topics: str) -> list[str]:
    return [prefix + topic for topic in (topics or PUBLISHED_TOPICS)]
