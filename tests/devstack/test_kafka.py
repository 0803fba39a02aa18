"""Kafka of the local stack: a message produced is a message consumed."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Consumer, Producer

from casetrail.devstack import Stack
from casetrail.devstack.testing import TopicFactory

pytestmark = pytest.mark.stack


def test_a_produced_message_is_consumed(stack: Stack, new_kafka_topic: TopicFactory) -> None:
    topic = new_kafka_topic("smoke")
    producer = Producer({"bootstrap.servers": stack.kafka.bootstrap_servers})
    producer.produce(topic, key=b"customer-1", value=b'{"event_id": "e-1"}')
    assert producer.flush(30) == 0

    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka.bootstrap_servers,
            "group.id": f"test-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    try:
        message = None
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                break
        assert message is not None
        assert message.error() is None
        assert message.key() == b"customer-1"
        assert message.value() == b'{"event_id": "e-1"}'
    finally:
        consumer.close()


def test_the_application_topics_exist(stack: Stack) -> None:
    from casetrail.devstack.topics import PARTITIONS, STACK_TOPICS

    topics = stack.kafka.admin().list_topics(timeout=10).topics
    for name in STACK_TOPICS:
        assert name in topics
        assert len(topics[name].partitions) == PARTITIONS
