"""Publishes recorded breaches and at-risk warnings to Kafka (``support.case.sla.*``).

The breach and warning tables are the outbox: a row is written once, by the timer fire
that detected it, in the fire's transaction; this relay sends the rows not yet published,
waits for Kafka's acknowledgement (idempotent producer, ``acks=all``), then marks them
published. A crash in between sends them again with the same ``event_id``. Rows are
claimed with ``FOR UPDATE SKIP LOCKED``, so several relays never send the same row at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from confluent_kafka import KafkaError, Message, Producer
from prometheus_client import CollectorRegistry
from psycopg.rows import dict_row

from casetrail.platform.kafka_logs import librdkafka_logger
from casetrail.platform.metrics import SLA_ALARMS_PUBLISHED, counter
from casetrail.platform.retry import Backoff
from casetrail.sla.outbound.messages import SlaAtRiskMessage, SlaBreachedMessage, SlaMessage
from casetrail.sla.projections.tables import BREACHES, WARNINGS, create_sla_tables

logger = logging.getLogger(__name__)

BATCH = 500
WAITING_WARNING_SECONDS = 30.0


def producer_config(bootstrap_servers: str) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap_servers,
        "enable.idempotence": True,
        "acks": "all",
        "message.timeout.ms": 0,  # never drop: wait while Kafka is away
        "linger.ms": 5,
        "logger": librdkafka_logger(),  # through casetrail's logging, a few lines a minute
    }


def breach_message(row: dict[str, Any]) -> SlaBreachedMessage:
    return SlaBreachedMessage(
        event_id=row["published_id"],
        occurred_at=row["detected_at"],
        case_id=row["case_id"],
        metric=row["metric"],
        cycle=row["cycle"],
        priority=row["priority"],
        department=row["department"],
        due_at=row["due_at"],
        detected_at=row["detected_at"],
        policy_id=row["policy_id"],
        policy_version=row["policy_version"],
    )


def warning_message(row: dict[str, Any]) -> SlaAtRiskMessage:
    return SlaAtRiskMessage(
        event_id=row["published_id"],
        occurred_at=row["detected_at"],
        case_id=row["case_id"],
        metric=row["metric"],
        cycle=row["cycle"],
        priority=row["priority"],
        department=row["department"],
        due_at=row["due_at"],
        detected_at=row["detected_at"],
        at_risk_at=row["at_risk_at"],
    )


OUTBOXES: tuple[tuple[str, Callable[[dict[str, Any]], SlaMessage]], ...] = (
    (BREACHES, breach_message),
    (WARNINGS, warning_message),
)


class PublishedAlarms:
    """``casetrail_sla_alarms_published_total`` in this process."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.published = counter(SLA_ALARMS_PUBLISHED, registry)


class DeliveryFailed(RuntimeError):
    """Kafka refused a message; nothing was marked published."""


class SlaAlarmRelay:
    def __init__(
        self,
        database_url: str,
        bootstrap_servers: str,
        registry: CollectorRegistry,
        *,
        topic_prefix: str = "",
        poll_seconds: float = 1.0,
        producer_factory: Callable[[dict[str, Any]], Producer] = Producer,
    ) -> None:
        self._database_url = database_url
        self._bootstrap_servers = bootstrap_servers
        self._producer_factory = producer_factory
        # Made when there is something to send: an idle relay keeps no Kafka connection.
        self._made: Producer | None = None
        self._topic_prefix = topic_prefix
        self._poll_seconds = poll_seconds
        self._published = PublishedAlarms(registry).published
        self._failed: list[KafkaError] = []

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set; a failure (the database or Kafka away) is retried
        with the platform's backoff, nothing is skipped."""
        backoff, failures = Backoff(), 0
        conn: psycopg.Connection[dict[str, Any]] | None = None
        try:
            while not stop.is_set():
                try:
                    if conn is None or conn.closed:
                        conn = self._connect()
                    sent = self.publish_once(conn, stop)
                    failures = 0
                except (psycopg.Error, DeliveryFailed) as error:
                    failures += 1
                    logger.warning("SLA alarm relay: %s", error)
                    stop.wait(backoff.delay(failures))
                    continue
                if sent == 0:
                    stop.wait(self._poll_seconds)
        finally:
            if conn is not None:
                conn.close()
            if self._made is not None:
                self._made.flush(5)

    @property
    def _producer(self) -> Producer:
        if self._made is None:
            self._made = self._producer_factory(producer_config(self._bootstrap_servers))
        return self._made

    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        conn = psycopg.connect(self._database_url, row_factory=dict_row, autocommit=True)
        create_sla_tables(conn)
        return conn

    def publish_once(
        self,
        conn: psycopg.Connection[dict[str, Any]] | None = None,
        stop: threading.Event | None = None,
    ) -> int:
        """Send what is unpublished, on ``conn`` (a connection of its own if none); asked
        to ``stop`` before Kafka acknowledged, nothing is marked published."""
        if conn is None:
            with self._connect() as own:
                return self.publish_once(own, stop)
        sent = 0
        for table, message_of in OUTBOXES:
            with conn.transaction():
                rows = conn.execute(
                    f"SELECT * FROM {table} WHERE published_at IS NULL"
                    " ORDER BY detected_at LIMIT %s FOR UPDATE SKIP LOCKED",
                    (BATCH,),
                ).fetchall()
                if not rows:
                    continue
                for row in rows:
                    self._produce(message_of(row))
                self._wait_for_acknowledgement(stop)
                conn.execute(
                    f"UPDATE {table} SET published_at = now() WHERE published_id = ANY(%s)",
                    ([row["published_id"] for row in rows],),
                )
                sent += len(rows)
        return sent

    def _produce(self, message: SlaMessage) -> None:
        while True:
            try:
                self._producer.produce(
                    self._topic_prefix + message.topic,
                    key=str(message.case_id).encode(),
                    value=message.model_dump_json().encode(),
                    headers=[
                        ("event_id", str(message.event_id).encode()),
                        ("event_type", message.event_type.encode()),
                        ("schema_version", str(message.schema_version).encode()),
                    ],
                    on_delivery=self._delivered,
                )
                break
            except BufferError:
                self._producer.poll(0.1)
        self._published.labels(message.topic).inc()

    def _delivered(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            self._failed.append(error)

    def _wait_for_acknowledgement(self, stop: threading.Event | None) -> None:
        started = time.monotonic()
        next_warning = started + 1.0
        while self._producer.flush(1.0) > 0:
            now = time.monotonic()
            if now >= next_warning:  # once, then every half minute
                logger.warning(
                    "Kafka has not acknowledged the SLA alarms for %.0f s; waiting", now - started
                )
                next_warning = now + WAITING_WARNING_SECONDS
            if stop is not None and stop.is_set():
                raise DeliveryFailed("stopped before Kafka acknowledged; sent again next time")
        if self._failed:
            errors, self._failed = self._failed, []
            raise DeliveryFailed(f"Kafka refused {len(errors)} message(s): {errors[0]}")
