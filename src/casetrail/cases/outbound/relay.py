"""Publishes committed case events to Kafka (``support.case.*``): no dual write.

The relay follows the event store's notification log from the position it recorded in
PostgreSQL, turns each published event into its public message, produces it with an
idempotent producer (ordered per case: the key is the case id), waits until Kafka has
acknowledged the batch, and only then records the new position. If Kafka is down, commands
still succeed; the relay waits and resumes in order, losing nothing. After a crash it
re-sends at most the batch that was in flight (every message carries a stable event id).

Only one relay is active per database (a PostgreSQL advisory lock); others stand by.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import psycopg
from confluent_kafka import KafkaError, Message, Producer
from eventsourcing.domain import AggregateEvent
from eventsourcing.persistence import Mapper, Notification
from prometheus_client import CollectorRegistry, Counter, Gauge

from casetrail.cases.domain.conversation import Conversation
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.outbound.integration_events import (
    PUBLISHED_EVENT_TOPICS,
    Outbound,
    outbound_for,
)
from casetrail.cases.service.desk import SupportDesk

logger = logging.getLogger(__name__)

RELAY_NAME = "support.case-events"
TRACKING_TABLE = "support_relay_positions"


class RelayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.published = Counter(
            "casetrail_relay_published_total",
            "Case events published to Kafka, by topic.",
            ["topic"],
            registry=registry,
        )
        self.lag_events = Gauge(
            "casetrail_relay_lag_events",
            "Notifications in the event store not yet examined by the relay.",
            registry=registry,
        )
        self.lag_seconds = Gauge(
            "casetrail_relay_lag_seconds",
            "Age of the oldest event not yet published (0 when caught up).",
            registry=registry,
        )
        self.active = Gauge(
            "casetrail_relay_active",
            "1 while this process holds the relay's lock and publishes.",
            registry=registry,
        )


class CaseStates:
    """The case each event belongs to, as it stood just after the event, kept warm in an LRU
    so that following the log costs no reads in the common case."""

    def __init__(self, desk: SupportDesk, capacity: int = 10_000) -> None:
        self._desk = desk
        self._capacity = capacity
        self._cases: OrderedDict[UUID, Ticket] = OrderedDict()
        self._case_of_conversation: OrderedDict[UUID, UUID] = OrderedDict()

    def after(self, event: AggregateEvent) -> Ticket | None:
        if isinstance(event, Ticket.Event):
            return self._advance(event)
        if isinstance(event, Conversation.Event):
            case_id = self._case_id_of(event.originator_id)
            return self._current(case_id) if case_id is not None else None
        return None

    def _advance(self, event: Ticket.Event) -> Ticket:
        case = self._cases.pop(event.originator_id, None)
        if isinstance(event, Ticket.Opened):
            case = cast("Ticket", event.mutate(None))
        elif case is not None and case.version == event.originator_version - 1:
            case = cast("Ticket", event.mutate(case))
        else:
            case = cast(
                "Ticket",
                self._desk.repository.get(event.originator_id, version=event.originator_version),
            )
        self._remember(self._cases, event.originator_id, case)
        return case

    def _current(self, case_id: UUID) -> Ticket | None:
        case = self._cases.get(case_id)
        if case is None:
            case = self._desk.get_case(case_id)
            self._remember(self._cases, case_id, case)
        return case

    def _case_id_of(self, conversation_id: UUID) -> UUID | None:
        case_id = self._case_of_conversation.get(conversation_id)
        if case_id is None:
            conversation: Conversation = self._desk.repository.get(conversation_id, version=1)
            case_id = conversation.case_id
            if case_id is None:
                return None
            self._remember(self._case_of_conversation, conversation_id, case_id)
        return case_id

    def _remember(self, cache: OrderedDict[UUID, Any], key: UUID, value: Any) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self._capacity:
            cache.popitem(last=False)


def producer_config(bootstrap_servers: str) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap_servers,
        # No duplicates and per-partition order across retries.
        "enable.idempotence": True,
        "acks": "all",
        # Never give up on a message: while Kafka is down the relay waits, it does not drop.
        "message.timeout.ms": 0,
        "linger.ms": 5,
        "compression.type": "lz4",
    }


class CaseEventRelay:
    def __init__(
        self,
        desk: SupportDesk,
        database_url: str,
        bootstrap_servers: str,
        registry: CollectorRegistry,
        *,
        batch_size: int = 1_000,
        topic_prefix: str = "",
        producer_factory: Callable[[dict[str, Any]], Producer] = Producer,
    ) -> None:
        self._desk = desk
        self._mapper: Mapper[UUID] = desk.mapper
        self._database_url = database_url
        self._producer = producer_factory(producer_config(bootstrap_servers))
        self._metrics = RelayMetrics(registry)
        self._batch_size = batch_size
        self._topic_prefix = topic_prefix
        self._states = CaseStates(desk)
        self._failed: list[KafkaError] = []

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set, restarting with backoff after a failure (the
        database going away, Kafka refusing a message): nothing is skipped, a failed batch
        is sent again."""
        backoff = 0.5
        while not stop.is_set():
            try:
                self._run_once(stop)
                return
            except RelayStopped:
                return
            except (psycopg.Error, RelayDeliveryFailed) as error:
                logger.warning("relay failed (%s); restarting in %.1fs", error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _run_once(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set; stand by while another relay holds the lock."""
        with psycopg.connect(self._database_url, autocommit=True) as conn:
            self._ensure_tracking_table(conn)
            while not stop.is_set():
                if self._try_lock(conn):
                    break
                stop.wait(1.0)
            if stop.is_set():
                return
            self._metrics.active.set(1)
            conn.execute(f"LISTEN {self._desk.recorder.channel_name}")  # type: ignore[attr-defined]
            position = self._position(conn)
            try:
                while not stop.is_set():
                    published_to = self._publish_batch(conn, position, stop)
                    if published_to == position:
                        self._wait_for_news(conn)
                    position = published_to
            finally:
                self._metrics.active.set(0)
                self._producer.flush(5)

    def _publish_batch(
        self, conn: psycopg.Connection[Any], position: int, stop: threading.Event
    ) -> int:
        notifications = self._desk.recorder.select_notifications(
            start=position + 1, limit=self._batch_size, topics=PUBLISHED_EVENT_TOPICS
        )
        self._update_lag(position, notifications)
        if not notifications:
            return position
        for notification in notifications:
            outbound = self._outbound(notification)
            if outbound is not None:
                self._produce(outbound)
        self._wait_for_acknowledgement(stop)
        last = notifications[-1].id
        conn.execute(
            f"UPDATE {TRACKING_TABLE} SET position = %s, updated_at = now() WHERE name = %s",
            (last, RELAY_NAME),
        )
        return last

    def _outbound(self, notification: Notification) -> Outbound | None:
        event = cast("AggregateEvent", self._mapper.to_domain_event(notification))
        case = self._states.after(event)
        if case is None:
            return None  # a conversation without a case (a chat session) has no case topic
        return outbound_for(event, case)

    def _produce(self, outbound: Outbound) -> None:
        topic = self._topic_prefix + outbound.topic
        while True:
            try:
                self._producer.produce(
                    topic,
                    key=outbound.key,
                    value=outbound.value.model_dump_json().encode(),
                    headers=outbound.headers,
                    on_delivery=self._delivered,
                )
                break
            except BufferError:
                self._producer.poll(0.1)  # the local queue is full: let Kafka drain it
        self._metrics.published.labels(outbound.topic).inc()

    def _delivered(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            self._failed.append(error)

    def _wait_for_acknowledgement(self, stop: threading.Event) -> None:
        while self._producer.flush(1.0) > 0:
            logger.warning("Kafka has not acknowledged the relay's batch yet; waiting")
            if stop.is_set():
                raise RelayStopped
        if self._failed:
            errors, self._failed = self._failed, []
            raise RelayDeliveryFailed(f"Kafka refused {len(errors)} message(s): {errors[0]}")

    def _wait_for_news(self, conn: psycopg.Connection[Any]) -> None:
        """Sleep until the event store announces new events (or a second passes)."""
        for _ in conn.notifies(timeout=1.0, stop_after=1):
            pass

    def _update_lag(self, position: int, notifications: Sequence[Notification]) -> None:
        newest = self._desk.recorder.max_notification_id() or 0
        self._metrics.lag_events.set(max(0, newest - position))
        if not notifications:
            self._metrics.lag_seconds.set(0)
            return
        oldest = cast("AggregateEvent", self._mapper.to_domain_event(notifications[0]))
        self._metrics.lag_seconds.set(
            max(0.0, (datetime.now(UTC) - oldest.timestamp).total_seconds())
        )

    def _ensure_tracking_table(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} ("
            " name text PRIMARY KEY, position bigint NOT NULL,"
            " updated_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(
            f"INSERT INTO {TRACKING_TABLE} (name, position) VALUES (%s, 0)"
            " ON CONFLICT (name) DO NOTHING",
            (RELAY_NAME,),
        )

    def _try_lock(self, conn: psycopg.Connection[Any]) -> bool:
        row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (RELAY_NAME,)).fetchone()
        return bool(row and row[0])

    def _position(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(
            f"SELECT position FROM {TRACKING_TABLE} WHERE name = %s", (RELAY_NAME,)
        ).fetchone()
        return int(row[0]) if row else 0


class RelayStopped(Exception):
    """Asked to stop while a batch was unacknowledged: its position is not recorded."""


class RelayDeliveryFailed(Exception):
    """Kafka refused a message for good; the batch will be sent again."""
