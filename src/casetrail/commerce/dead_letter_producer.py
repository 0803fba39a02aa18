"""Dead letters to Kafka: an idempotent producer that waits for every acknowledgement."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from opentelemetry.trace import SpanKind

from casetrail.commerce.dead_letters import DeadLetter
from casetrail.commerce.ports import DeadLetterUnavailable
from casetrail.platform.kafka_logs import librdkafka_logger
from casetrail.platform.tracing import attributes_of, span

logger = logging.getLogger(__name__)


class KafkaDeadLetterSink:
    def __init__(
        self, bootstrap_servers: str, *, timeout_seconds: float = 30.0, **config: Any
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self._config = {
            "bootstrap.servers": bootstrap_servers,
            "enable.idempotence": True,  # a retried send never doubles a dead letter
            "acks": "all",
            "linger.ms": 5,
            "message.timeout.ms": int(timeout_seconds * 1000),
            "client.id": "casetrail-commerce-dlq",
            "logger": librdkafka_logger(),
            **config,
        }
        self._producer: Producer | None = None

    def send(self, letters: Sequence[DeadLetter]) -> None:
        with span(
            "kafka produce dead letters", attributes_of(messages=len(letters)), SpanKind.PRODUCER
        ):
            self._send(letters)

    def _send(self, letters: Sequence[DeadLetter]) -> None:
        failures: list[KafkaError] = []

        def delivered(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                failures.append(error)

        producer = self._ensure_producer()
        try:
            for letter in letters:
                headers: list[tuple[str, str | bytes | None]] = list(letter.headers)
                while True:
                    try:
                        producer.produce(
                            letter.topic,
                            value=letter.value,
                            key=letter.key,
                            headers=headers,
                            on_delivery=delivered,
                        )
                        break
                    except BufferError:
                        producer.poll(0.1)  # local queue full: let deliveries drain
            remaining = producer.flush(self.timeout_seconds)
        except KafkaException as error:
            failures.append(error.args[0])
            remaining = 0
        if failures or remaining:
            if any(failure.fatal() for failure in failures):
                self._producer = None  # an idempotent producer in a fatal state is replaced
            first = failures[0].str() if failures else f"{remaining} not acknowledged"
            raise DeadLetterUnavailable(
                f"dead-letter topic {letters[0].topic} did not take {len(letters)} messages:"
                f" {first}"
            )

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(self.timeout_seconds)
            self._producer = None

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            self._producer = Producer(self._config)
        return self._producer
