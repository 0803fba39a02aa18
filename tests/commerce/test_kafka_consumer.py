"""The consumer on the stack's real Kafka and PostgreSQL."""

from __future__ import annotations

import random

import psycopg
import pytest
from confluent_kafka import Consumer, TopicPartition

from casetrail.bootstrap.commerce import CommerceSetupError
from casetrail.bootstrap.settings import Settings
from casetrail.commerce.dead_letters import DeadLetterLimitExceeded
from casetrail.commerce.generator import CommerceStreamGenerator
from casetrail.commerce.schema import FRAUD_ALERTS, ORDERS, PAYMENTS, SHIPMENTS
from casetrail.commerce.topics import TopicMap
from tests.fixtures.commerce_fakes import at, order_event
from tests.fixtures.kafka import (
    ConsumerThread,
    caught_up,
    end_offsets,
    expected_rows,
    message,
    produce,
    stored_positions,
    table_rows,
    wait_until,
)

pytestmark = pytest.mark.stack


def consume_all(settings: Settings, timeout: float = 90.0) -> ConsumerThread:
    consumer = ConsumerThread(settings).start()
    try:
        wait_until(
            lambda: consumer.finished or caught_up(settings), timeout, "the consumer to catch up"
        )
    finally:
        consumer.close()
    assert consumer.error is None, consumer.error
    return consumer


def test_each_topic_is_applied(commerce_settings: Settings) -> None:
    produce(
        commerce_settings,
        [
            message("order.status.changed", order_event("e-1", 0, "placed")),
            message("order.status.changed", order_event("e-2", 5, "paid")),
            message(
                "payment.authorized",
                {
                    "event_id": "e-3",
                    "occurred_at": at(4),
                    "customer_id": "cust-1",
                    "order_id": "ord-1",
                    "payment_id": "pay-1",
                    "amount": "42.50",
                    "currency": "EUR",
                    "method": "card",
                },
            ),
            message(
                "shipment.status.changed",
                {
                    "event_id": "e-4",
                    "occurred_at": at(60),
                    "customer_id": "cust-1",
                    "order_id": "ord-1",
                    "shipment_id": "shp-1",
                    "carrier": "DHL",
                    "tracking_number": "JD014600006281",
                    "status": "in_transit",
                },
            ),
            message(
                "fraud.alert",
                {
                    "event_id": "e-5",
                    "occurred_at": at(1),
                    "customer_id": "cust-1",
                    "order_id": "ord-1",
                    "alert_id": "fra-1",
                    "severity": "high",
                    "rule": "velocity",
                    "score": 0.93,
                },
            ),
        ],
    )
    consumer = consume_all(commerce_settings)
    with psycopg.connect(str(commerce_settings.database_url)) as conn:
        assert conn.execute(f"SELECT order_id, status, customer_id FROM {ORDERS}").fetchall() == [
            ("ord-1", "paid", "cust-1")
        ]
        assert conn.execute(f"SELECT payment_id, order_id, method FROM {PAYMENTS}").fetchall() == [
            ("pay-1", "ord-1", "card")
        ]
        assert conn.execute(
            f"SELECT carrier, tracking_number, status FROM {SHIPMENTS}"
        ).fetchall() == [("DHL", "JD014600006281", "in_transit")]
        assert conn.execute(f"SELECT order_id, severity FROM {FRAUD_ALERTS}").fetchall() == [
            ("ord-1", "high")
        ]
    assert (
        consumer.metric(
            "casetrail_commerce_events_applied_total",
            topic=TopicMap(commerce_settings.commerce.topic_prefix).name("order.status.changed"),
        )
        == 2
    )
    assert consumer.registry.get_sample_value("casetrail_commerce_batch_duration_seconds_count")


def test_duplicates_and_out_of_order_deliveries_end_in_the_rows_of_a_clean_stream(
    commerce_settings: Settings,
) -> None:
    clean = list(CommerceStreamGenerator(seed=11, customers=50).messages(3_000))
    shuffled = list(clean)
    random.Random(3).shuffle(shuffled)
    redelivered = shuffled + random.Random(4).sample(clean, 500)
    produce(commerce_settings, redelivered)

    consumer = consume_all(commerce_settings)

    assert table_rows(commerce_settings) == expected_rows(clean)
    assert consumer.totals is not None
    assert consumer.totals.applied == 3_000
    assert consumer.totals.duplicates == 500


def test_poison_goes_to_the_dead_letter_topic_with_its_origin(
    commerce_settings: Settings,
) -> None:
    topics = TopicMap(commerce_settings.commerce.topic_prefix)
    good = order_event("e-1", 0, "placed")
    produce(
        commerce_settings,
        [
            message("order.status.changed", b"not json at all", key="cust-1"),
            message("order.status.changed", {**good, "event_id": "e-0", "total_amount": []}),
            message("order.status.changed", {"event_id": "e-x"}),
            message("order.status.changed", good),
        ],
    )
    consume_all(commerce_settings)

    dead = read_all(commerce_settings, topics.dead_letter_names[0], expected=3)
    assert next(letter["value"] for letter in dead) == b"not json at all"
    assert [letter["headers"]["casetrail.dlq.reason"] for letter in dead] == [
        b"not-json",
        b"invalid",
        b"invalid",
    ]
    first = dead[0]
    assert first["key"] == b"cust-1"
    assert first["headers"]["casetrail.dlq.original.topic"] == topics.names[0].encode()
    partition = int(first["headers"]["casetrail.dlq.original.partition"])
    assert [letter["headers"]["casetrail.dlq.original.offset"] for letter in dead] == [
        b"0",
        b"1",
        b"2",
    ]
    assert b"total_amount" in dead[1]["headers"]["casetrail.dlq.error"]
    assert stored_positions(commerce_settings)[topics.names[0], partition] == 4
    assert (
        table_rows(commerce_settings)[ORDERS]
        == expected_rows([message("order.status.changed", good)])[ORDERS]
    )


def test_a_flood_of_poison_halts_the_consumer_without_moving_on(
    commerce_settings: Settings,
) -> None:
    settings = commerce_settings.replaced(commerce_dlq_limit=2)
    produce(settings, [message("payment.authorized", b"{") for _ in range(5)])
    consumer = ConsumerThread(settings).start()
    wait_until(lambda: consumer.finished, 60, "the consumer to halt")
    assert isinstance(consumer.error, DeadLetterLimitExceeded)
    assert all(offset == 0 for offset in stored_positions(settings).values())


def test_a_restart_resumes_from_the_positions_in_postgresql(commerce_settings: Settings) -> None:
    stream = list(CommerceStreamGenerator(seed=5, customers=30).messages(2_000))
    produce(commerce_settings, stream[:1_200])
    consume_all(commerce_settings)
    # Kafka's own committed offsets are only informational: rewinding them must not matter.
    rewind_kafka_offsets(commerce_settings)
    produce(commerce_settings, stream[1_200:])

    second = consume_all(commerce_settings)

    assert second.totals is not None
    assert (second.totals.consumed, second.totals.applied) == (800, 800)
    assert table_rows(commerce_settings) == expected_rows(stream)


def test_two_consumers_in_one_group_share_the_partitions(commerce_settings: Settings) -> None:
    stream = list(CommerceStreamGenerator(seed=8, customers=300).messages(6_000))
    first = ConsumerThread(commerce_settings).start()
    second = ConsumerThread(commerce_settings).start()
    try:
        wait_until(
            lambda: (
                bool(first.running and first.running.consumer.assignment)
                and bool(second.running and second.running.consumer.assignment)
            ),
            60,
            "both consumers to be assigned partitions",
        )
        assert first.running is not None
        assert second.running is not None
        mine, theirs = first.running.consumer.assignment, second.running.consumer.assignment
        assert not set(mine) & set(theirs)
        assert len(mine) + len(theirs) == 4 * 3
        produce(commerce_settings, stream)
        wait_until(lambda: caught_up(commerce_settings), 90, "the group to catch up")
    finally:
        first.close()
        second.close()
    assert first.error is None
    assert second.error is None
    assert first.totals is not None
    assert second.totals is not None
    assert first.totals.applied > 0
    assert second.totals.applied > 0
    assert first.totals.applied + second.totals.applied == 6_000
    assert table_rows(commerce_settings) == expected_rows(stream)


def read_all(settings: Settings, topic: str, expected: int) -> list[dict[str, object]]:
    assert settings.kafka.bootstrap_servers
    reader = Consumer(
        {
            "bootstrap.servers": settings.kafka.bootstrap_servers,
            "group.id": f"reader-{topic}",
            "auto.offset.reset": "earliest",
        }
    )
    reader.subscribe([topic])
    found: list[dict[str, object]] = []
    try:
        wait_until(
            lambda: (
                bool(
                    found.extend(
                        {"key": m.key(), "value": m.value(), "headers": dict(m.headers() or [])}
                        for m in reader.consume(10, 0.5)
                        if m.error() is None
                    )
                )
                or len(found) >= expected
            ),
            30,
            f"{expected} messages on {topic}",
        )
    finally:
        reader.close()
    return sorted(found, key=lambda letter: int(letter["headers"]["casetrail.dlq.original.offset"]))  # type: ignore[index]


def rewind_kafka_offsets(settings: Settings) -> None:
    assert settings.kafka.bootstrap_servers
    client = Consumer(
        {
            "bootstrap.servers": settings.kafka.bootstrap_servers,
            "group.id": settings.commerce.consumer_group,
            "enable.auto.commit": False,
        }
    )
    try:
        client.commit(
            offsets=[
                TopicPartition(topic, partition, 0) for topic, partition in end_offsets(settings)
            ],
            asynchronous=False,
        )
    finally:
        client.close()


def test_lag_is_reported_per_partition_and_reaches_zero(commerce_settings: Settings) -> None:
    produce(commerce_settings, CommerceStreamGenerator(seed=2, customers=40).messages(1_500))
    consumer = ConsumerThread(commerce_settings).start()

    def lags() -> dict[tuple[str, str], float]:
        return {
            (sample.labels["topic"], sample.labels["partition"]): sample.value
            for metric in consumer.registry.collect()
            if metric.name == "casetrail_commerce_lag_messages"
            for sample in metric.samples
        }

    try:
        wait_until(
            lambda: caught_up(commerce_settings) and len(lags()) == 12 and not any(lags().values()),
            60,
            "every partition's lag to read 0",
        )
    finally:
        consumer.close()


def test_a_consumer_without_its_topics_refuses_to_start(commerce_settings: Settings) -> None:
    settings = commerce_settings.replaced(commerce_topic_prefix="nowhere.")
    with pytest.raises(CommerceSetupError, match=r"lacks the topics nowhere\.order\.status"):
        ConsumerThread(settings).start()
