"""Breaches and warnings reach Kafka (``support.case.sla.*``) from the tables the timer
fires wrote, once acknowledged marked published; a second pass sends nothing again."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from confluent_kafka.admin import NewTopic
from prometheus_client import CollectorRegistry

from casetrail.devstack.stack import Stack
from casetrail.sla.outbound.alarm_relay import SlaAlarmRelay
from casetrail.sla.outbound.messages import SLA_TOPICS
from casetrail.sla.projections.tables import BREACHES, WARNINGS, create_sla_tables
from tests.fixtures.asyncapi import PUBLISHED, load, validate_message
from tests.fixtures.relay import consuming, prefixed, receive

pytestmark = pytest.mark.integration

DUE = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


def test_recorded_breaches_and_warnings_are_published_once(
    stack: Stack, stack_database: str, topic_prefix: str
) -> None:
    case_id = uuid.uuid4()
    topics = prefixed(topic_prefix, *SLA_TOPICS)
    with psycopg.connect(stack_database, autocommit=True) as conn:
        create_sla_tables(conn)
        conn.execute(
            f"INSERT INTO {BREACHES} (case_id, metric, cycle, priority, due_at, detected_at,"
            " cause, published_id) VALUES (%s, 'first_response', 1, 'urgent', %s, %s, 'e', %s)",
            (case_id, DUE, DUE + timedelta(days=1), uuid.uuid4()),
        )
        conn.execute(
            f"INSERT INTO {WARNINGS} (case_id, metric, cycle, priority, at_risk_at, due_at,"
            " detected_at, cause, published_id)"
            " VALUES (%s, 'first_response', 1, 'urgent', %s, %s, %s, 'e', %s)",
            (case_id, DUE - timedelta(minutes=12), DUE, DUE, uuid.uuid4()),
        )
    # Made before anything is sent, so the consumer is assigned both from the start.
    admin = stack.kafka.admin()
    created = admin.create_topics(
        [NewTopic(topic, num_partitions=1, replication_factor=1) for topic in topics]
    )
    for future in created.values():
        future.result(timeout=30)
    relay = SlaAlarmRelay(
        stack_database,
        stack.kafka.bootstrap_servers,
        CollectorRegistry(),
        topic_prefix=topic_prefix,
    )
    with consuming(stack, topics) as consumer:
        assert relay.publish_once() == 2
        assert relay.publish_once() == 0
        received = receive(consumer, 2)
    document = load(PUBLISHED)
    by_topic = {message.topic.removeprefix(topic_prefix): message for message in received}
    assert set(by_topic) == set(SLA_TOPICS)
    for topic, message in by_topic.items():
        payload = json.loads(message.value)
        validate_message(document, topic, payload)
        assert message.key == str(case_id).encode()
        assert message.headers["event_id"].decode() == payload["event_id"]
    breach = json.loads(by_topic["support.case.sla.breached"].value)
    assert datetime.fromisoformat(breach["due_at"]) == DUE
