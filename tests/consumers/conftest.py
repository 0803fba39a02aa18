"""Fixtures for the commerce consumer tests on the real Kafka and PostgreSQL of the stack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.cimpl import NewTopic

from casetrail.bootstrap.settings import Settings
from casetrail.commerce.topics import TopicMap
from casetrail.devstack.stack import Stack
from casetrail.devstack.testing import TEST_PREFIX, PostgresSchema

PARTITIONS = 3


@pytest.fixture
def commerce_topics(stack: Stack) -> Iterator[TopicMap]:
    """The four commerce topics and their dead-letter topics under a prefix of this test's."""
    topics = TopicMap(prefix=f"{TEST_PREFIX}.{uuid.uuid4().hex[:12]}.")
    names = list(topics.names + topics.dead_letter_names)
    admin = stack.kafka.admin()
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=PARTITIONS, replication_factor=1) for name in names]
    )
    for future in futures.values():
        future.result(timeout=30)
    yield topics
    for future in admin.delete_topics(names, operation_timeout=30).values():
        try:
            future.result(timeout=30)
        except KafkaException:
            continue


@pytest.fixture
def commerce_settings(
    stack: Stack, stack_schema: PostgresSchema, commerce_topics: TopicMap
) -> Settings:
    return Settings(
        database_url=stack_schema.url,  # type: ignore[arg-type]
        kafka_bootstrap_servers=stack.kafka.bootstrap_servers,
        commerce_topic_prefix=commerce_topics.prefix,
        commerce_consumer_group=f"{TEST_PREFIX}-{uuid.uuid4().hex[:12]}",
        commerce_batch_size=500,
        commerce_batch_wait_seconds=0.1,
        commerce_retry_max_seconds=1.0,
    )
