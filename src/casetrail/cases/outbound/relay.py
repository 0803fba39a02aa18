"""Publishes committed case events to Kafka (``support.case.*``): no dual write.

The relay is a subscriber of the platform's log follower (``platform.subscriptions``) with
an external effect: for each batch of published event topics after its committed position
it turns each event into its public message, produces it with an idempotent producer
(ordered per case: the key is the case id) and returns once Kafka has acknowledged the
batch; only then does the follower commit the new position. If Kafka is down, commands
still succeed; the relay waits and resumes in order, losing nothing. After a crash it
re-sends at most the batch that was in flight (every message carries a stable event id).

Like every follower, only one relay is active per database (a PostgreSQL advisory lock;
others stand by), it restarts with the platform's backoff, an event it cannot publish is
reported as a poison event (never skipped), and it reports its lag.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, cast
from uuid import UUID

from confluent_kafka import KafkaError, Message, Producer
from eventsourcing.domain import AggregateEvent
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry

from casetrail.cases.domain.conversation import Conversation
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.outbound.integration_events import (
    PUBLISHED_EVENT_TOPICS,
    Outbound,
    OutboundSource,
    outbound_for,
)
from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.kafka_logs import librdkafka_logger
from casetrail.platform.metrics import (
    RELAY_ACTIVE,
    RELAY_LAG_EVENTS,
    RELAY_LAG_SECONDS,
    RELAY_PUBLISHED,
    counter,
    gauge,
)
from casetrail.platform.retry import Backoff
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.follower import Follower, FollowerOptions
from casetrail.platform.subscriptions.follower_metrics import FollowerGauges, SubscriptionMetrics
from casetrail.platform.subscriptions.subscriber import DeliveryStopped, EffectUnavailable
from casetrail.platform.subscriptions.subscriber_positions import SubscriberPositions
from casetrail.platform.subscriptions.supervisor import supervise
from casetrail.platform.subscriptions.view import Numbered
from casetrail.platform.subscriptions.wakeups import LogWakeups
from casetrail.platform.tracing import attributes_of, span

logger = logging.getLogger(__name__)

# How often the relay repeats that Kafka has not acknowledged its batch.
WAITING_WARNING_SECONDS = 30.0

RELAY_NAME = "support.case-events"
# Where the relay's position has always been kept (so an upgrade resumes where it was).
TRACKING_TABLE = "support_relay_positions"


class RelayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.published = counter(RELAY_PUBLISHED, registry)
        self.lag_events = gauge(RELAY_LAG_EVENTS, registry)
        self.lag_seconds = gauge(RELAY_LAG_SECONDS, registry)
        self.active = gauge(RELAY_ACTIVE, registry)

    def gauges(self) -> FollowerGauges:
        return FollowerGauges(self.active, self.lag_events, self.lag_seconds)


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
        "logger": librdkafka_logger(),
    }


class CaseEventPublisher:
    """The relay's subscriber: publishes each batch and returns once Kafka acknowledged it.
    Besides ``support.case.*`` it publishes the messages of the other contexts' ``sources``
    (``support.customer.*``), in the log's order."""

    name = RELAY_NAME

    def __init__(
        self,
        desk: SupportDesk,
        producer: Producer,
        metrics: RelayMetrics,
        topic_prefix: str = "",
        sources: Sequence[OutboundSource] = (),
    ) -> None:
        self._producer = producer
        self._metrics = metrics
        self._topic_prefix = topic_prefix
        self._states = CaseStates(desk)
        self._failed: list[KafkaError] = []
        self._sources = {topic: source for source in sources for topic in source.event_topics}
        self.topics: Sequence[str] = (*PUBLISHED_EVENT_TOPICS, *self._sources)

    def deliver(self, events: Sequence[Numbered], stop: threading.Event) -> None:
        with span("kafka produce", attributes_of(events=len(events)), SpanKind.PRODUCER):
            for _number, event in events:
                outbound = self._outbound(cast("AggregateEvent", event))
                if outbound is not None:
                    self._produce(outbound)
            self._wait_for_acknowledgement(stop)

    def _outbound(self, event: AggregateEvent) -> Outbound | None:
        source = self._sources.get(getattr(type(event), "TOPIC", ""))
        if source is not None:
            return source.outbound_for(event)
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
        started = time.monotonic()
        next_warning = started + 1.0
        while self._producer.flush(1.0) > 0:
            now = time.monotonic()
            if now >= next_warning:
                # Once, then every half minute: an outage is not a line a second.
                logger.warning(
                    "Kafka has not acknowledged the relay's batch for %.0f s; waiting",
                    now - started,
                )
                next_warning = now + WAITING_WARNING_SECONDS
            if stop.is_set():
                raise RelayStopped
        if self._failed:
            errors, self._failed = self._failed, []
            raise RelayDeliveryFailed(f"Kafka refused {len(errors)} message(s): {errors[0]}")


class CaseEventRelay:
    """The relay as a process role runs it: ``run(stop)`` follows the log for the publisher,
    under the platform's supervisor, until ``stop`` is set."""

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
        backoff: Backoff | None = None,
        sources: Sequence[OutboundSource] = (),
    ) -> None:
        self._desk = desk
        self._database = Database(database_url)
        self._producer = producer_factory(producer_config(bootstrap_servers))
        self._metrics = RelayMetrics(registry)
        self._subscription_metrics = SubscriptionMetrics.of(registry)
        self._options = FollowerOptions(batch_size=batch_size)
        self._backoff = backoff or Backoff()
        self.publisher = CaseEventPublisher(
            desk, self._producer, self._metrics, topic_prefix, sources
        )

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set, restarting with backoff after a failure (the
        database going away, Kafka refusing a message): nothing is skipped, a failed batch
        is sent again."""
        wakeups = LogWakeups(self._database.connect, channel=f"{self._desk.name}_events".lower())
        follower = Follower(
            self.publisher,
            app=self._desk,
            connect=self._database.connect,
            wake=wakeups.subscribe(),
            metrics=self._subscription_metrics,
            gauges=self._metrics.gauges(),
            positions=SubscriberPositions(TRACKING_TABLE),
            options=self._options,
        )
        try:
            supervise(follower, stop, metrics=self._subscription_metrics, backoff=self._backoff)
        finally:
            wakeups.stop()
            self._producer.flush(5)


class RelayStopped(DeliveryStopped):
    """Asked to stop while a batch was unacknowledged: its position is not recorded."""


class RelayDeliveryFailed(EffectUnavailable):
    """Kafka refused a message; the batch will be sent again."""
