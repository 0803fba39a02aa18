"""The directory's messages against the published AsyncAPI document: every kind fits it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import jsonschema
import pytest

from casetrail.agents.domain.agent import Agent
from casetrail.agents.domain.department import Department
from casetrail.agents.domain.values import Presence, Seniority
from casetrail.agents.outbound.messages import (
    PUBLISHED_TOPICS,
    agent_outbound,
    department_outbound,
    stable_event_id,
)
from casetrail.kernel.actor import SYSTEM, Actor
from tests.fixtures.asyncapi import PUBLISHED, load, validate_message

SUPERVISOR = Actor(subject="sup-1", role="SUPERVISOR")
AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
GRACE = timedelta(seconds=60)


def sample_messages() -> list[tuple[str, bytes, dict[str, Any]]]:
    """One message of every kind, made by the same code the relay uses."""
    department = Department.create(
        department_id=uuid4(), name="Billing", description="", actor=SUPERVISOR, at=AT
    )
    department.change({"description": "Refunds"}, actor=SUPERVISOR, at=AT)
    agent = Agent.register(
        agent_id="agent-ana",
        name="Ana",
        email="ana@example.com",
        roles=["agent"],
        department_ids=[str(department.id)],
        skills=["billing"],
        capacity=5,
        seniority=Seniority.SENIOR,
        actor=SUPERVISOR,
        at=AT,
    )
    agent.change_profile({"capacity": 6}, actor=SUPERVISOR, at=AT)
    agent.log_in(grace=GRACE, actor=SUPERVISOR, at=AT)
    agent.heartbeat(grace=GRACE, actor=SUPERVISOR, at=AT + timedelta(seconds=40))
    agent.expire_presence(
        lease_expired_at=AT + timedelta(seconds=100), cause="timer", actor=SYSTEM, at=AT + GRACE * 2
    )
    samples = []
    for event in agent.collect_events():
        outbound = agent_outbound(event, agent)
        if outbound is not None:
            samples.append((outbound.topic, outbound.key, outbound.value.model_dump(mode="json")))
    for event in department.collect_events():
        outbound = department_outbound(event, department)
        if outbound is not None:
            samples.append((outbound.topic, outbound.key, outbound.value.model_dump(mode="json")))
    return samples


def test_every_directory_topic_is_documented() -> None:
    addresses = {channel["address"] for channel in load(PUBLISHED)["channels"].values()}
    assert set(PUBLISHED_TOPICS) <= addresses


def test_every_kind_of_directory_message_fits_the_document() -> None:
    document = load(PUBLISHED)
    samples = sample_messages()
    assert {topic for topic, _, _ in samples} == set(PUBLISHED_TOPICS)
    for topic, _key, payload in samples:
        validate_message(document, topic, payload)


def test_heartbeats_are_not_published_and_a_lapse_says_so() -> None:
    samples = sample_messages()
    presence = [payload for topic, _, payload in samples if topic.endswith("presence.changed")]
    assert [(item["from_status"], item["to_status"], item["cause"]) for item in presence] == [
        ("offline", "online", "login"),
        ("online", "offline", "expired"),
    ]
    assert presence[-1]["status"] == Presence.OFFLINE.value


def test_messages_are_keyed_by_record_with_stable_event_ids() -> None:
    for topic, key, payload in sample_messages():
        if topic.startswith("support.agent."):
            assert key == b"agent-ana"
        else:
            assert key == payload["department_id"].encode()
        assert payload["event_id"]
    ids = [payload["event_id"] for _, _, payload in sample_messages()]
    assert len(set(ids)) == len(ids)
    # The agent's stream is named by its id: the same event always gets the same id.
    assert sample_messages()[0][2]["event_id"] == sample_messages()[0][2]["event_id"]
    stream = uuid4()
    assert stable_event_id(stream, 3) == stable_event_id(stream, 3) != stable_event_id(stream, 4)


def test_a_message_missing_a_field_does_not_fit() -> None:
    document = load(PUBLISHED)
    topic, _key, payload = sample_messages()[0]
    del payload["capacity"]
    with pytest.raises(jsonschema.ValidationError):
        validate_message(document, topic, payload)
