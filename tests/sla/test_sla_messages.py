"""``support.case.sla.*`` messages are described by the published AsyncAPI document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import jsonschema
import pytest

from casetrail.sla.outbound.alarm_relay import breach_message, warning_message
from casetrail.sla.outbound.messages import SLA_TOPICS
from tests.fixtures.asyncapi import PUBLISHED, load, validate_message

DUE = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
ROW: dict[str, Any] = {
    "published_id": uuid4(),
    "case_id": uuid4(),
    "metric": "first_response",
    "cycle": 1,
    "priority": "urgent",
    "department": None,
    "due_at": DUE,
    "detected_at": DUE.replace(day=8),
    "policy_id": uuid4(),
    "policy_version": 2,
    "at_risk_at": DUE.replace(hour=8, minute=18),
}


def samples() -> list[tuple[str, dict[str, Any]]]:
    return [
        (message.topic, message.model_dump(mode="json"))
        for message in (breach_message(ROW), warning_message(ROW))
    ]


def test_every_sla_topic_is_documented_and_its_messages_fit() -> None:
    document = load(PUBLISHED)
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert set(SLA_TOPICS) <= addresses
    assert {topic for topic, _ in samples()} == set(SLA_TOPICS)
    for topic, payload in samples():
        validate_message(document, topic, payload)


def test_a_breach_without_its_due_time_does_not_fit() -> None:
    topic, payload = samples()[0]
    del payload["detected_at"]
    with pytest.raises(jsonschema.ValidationError):
        validate_message(load(PUBLISHED), topic, payload)
