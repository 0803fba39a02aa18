"""Producing commerce messages (generated streams for demos, tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from casetrail.commerce.generator import GeneratedMessage
from casetrail.commerce.topics import TopicMap
from casetrail.platform.kafka_logs import librdkafka_logger

PROGRESS_EVERY = 10_000


def produce_generated(
    bootstrap_servers: str,
    messages: Iterable[GeneratedMessage],
    topics: TopicMap,
    *,
    progress: Callable[[int], None] | None = None,
    **config: Any,
) -> int:
    """Produce each message to its topic, keyed by customer; wait for every acknowledgement."""
    failures: list[KafkaError] = []

    def delivered(error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            failures.append(error)

    producer = Producer(
        {
            "bootstrap.servers": bootstrap_servers,
            "enable.idempotence": True,
            "linger.ms": 20,
            "batch.size": 1_000_000,
            "compression.type": "lz4",
            "logger": librdkafka_logger(),
            **config,
        }
    )
    count = 0
    for message in messages:
        while True:
            try:
                producer.produce(
                    topics.name(message.topic),
                    value=message.value,
                    key=message.key,
                    on_delivery=delivered,
                )
                break
            except BufferError:
                producer.poll(0.05)
        count += 1
        if count % PROGRESS_EVERY == 0:
            producer.poll(0)
            if progress is not None:
                progress(PROGRESS_EVERY)
    producer.flush()
    if progress is not None:
        progress(count % PROGRESS_EVERY)
    if failures:
        raise KafkaException(failures[0])
    return count
