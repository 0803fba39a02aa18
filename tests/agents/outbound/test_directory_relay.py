"""support.agent.* and support.department.* on a real Kafka, from committed events only."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from casetrail.agents.domain.values import Presence
from casetrail.agents.published import directory_events
from casetrail.agents.service.commands import (
    ChangeAgent,
    CreateDepartment,
    DirectoryContext,
    RegisterAgent,
    SetPresence,
)
from casetrail.agents.service.directory import Directory
from casetrail.bootstrap.roles.relay import build_relay
from casetrail.cases.published import stable_event_id
from casetrail.cases.service.desk import SupportDesk
from casetrail.devstack.stack import Stack
from casetrail.kernel.actor import Actor
from tests.fixtures.asyncapi import PUBLISHED, load, validate_message
from tests.fixtures.relay import RelayRunner, consuming, prefixed, receive

pytestmark = pytest.mark.stack

SUPERVISOR = DirectoryContext(actor=Actor(subject="sup-1", role="SUPERVISOR"))
TOPICS = (
    "support.agent.registered",
    "support.agent.changed",
    "support.agent.presence.changed",
    "support.department.created",
    "support.department.changed",
)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def directory(relay_desk: SupportDesk) -> Directory:
    return Directory(relay_desk, clock=now)


@pytest.fixture
def running_relay(relay_desk: SupportDesk, start_relay: RelayRunner) -> CollectorRegistry:
    """The relay as the relay role runs it: the directory's events ride the case relay."""
    return start_relay(sources=[directory_events(relay_desk)]).registry


def register(directory: Directory, agent_id: str, department_ids: tuple[str, ...] = ()) -> None:
    directory.register_agent(
        RegisterAgent(
            agent_id=agent_id,
            name="Ana",
            email="ana@example.com",
            capacity=4,
            department_ids=department_ids,
        ),
        SUPERVISOR,
    )


def distinct(consumer: Any, count: int, timeout: float = 60) -> list[Any]:
    """Messages until ``count`` distinct events came (delivery is at least once: a batch
    Kafka did not acknowledge in time is sent again, with the same event ids)."""
    seen: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < deadline:
        for message in receive(consumer, 1, timeout=2):
            seen.setdefault(json.loads(message.value)["event_id"], message)
    return list(seen.values())


def test_directory_changes_are_published_in_order_per_record(
    stack: Stack,
    directory: Directory,
    running_relay: CollectorRegistry,
    topic_prefix: str,
) -> None:
    department_id = directory.create_department(CreateDepartment(name="Billing"), SUPERVISOR).id
    register(directory, "agent-ana", (department_id,))
    directory.change_agent(ChangeAgent("agent-ana", {"capacity": 6}), SUPERVISOR)
    directory.set_presence(SetPresence("agent-ana", Presence.ONLINE), SUPERVISOR)
    directory.heartbeat("agent-ana", SUPERVISOR)  # renews nothing yet: not published
    directory.log_out("agent-ana", SUPERVISOR)
    with consuming(stack, prefixed(topic_prefix, *TOPICS)) as consumer:
        messages = distinct(consumer, 5)
    document = load(PUBLISHED)
    bodies = [json.loads(message.value) for message in messages]
    for message, body in zip(messages, bodies, strict=True):
        validate_message(document, message.topic.removeprefix(topic_prefix), body)
        assert message.headers["event_type"] == body["event_type"].encode()
    agent_messages = sorted(
        (m for m in messages if m.key == b"agent-ana"), key=lambda m: (m.partition, m.offset)
    )
    agent_bodies = sorted(
        (json.loads(m.value) for m in agent_messages), key=lambda body: body["version"]
    )
    assert [(body["event_type"], body["version"]) for body in agent_bodies] == [
        ("support.agent.registered", 1),
        ("support.agent.changed", 2),
        ("support.agent.presence.changed", 3),
        ("support.agent.presence.changed", 4),
    ]
    agent = directory.get_agent("agent-ana")
    assert agent_bodies[0]["event_id"] == str(stable_event_id(agent.id, 1))
    assert agent_bodies[1]["changed_fields"] == ["capacity"]
    assert agent_bodies[1]["capacity"] == 6
    assert agent_bodies[3]["cause"] == "logout"
    assert agent_bodies[3]["department_ids"] == [department_id]
    [department] = [body for body in bodies if body["event_type"].startswith("support.department")]
    assert (department["department_id"], department["name"]) == (department_id, "Billing")
    published = running_relay.get_sample_value(
        "casetrail_relay_published_total", {"topic": "support.agent.registered"}
    )
    assert published is not None
    assert published >= 1


def test_the_relay_role_publishes_directory_events_beside_case_events(
    stack: Stack, relay_desk: SupportDesk, directory: Directory, stack_database: str
) -> None:
    agent_id = f"agent-{uuid.uuid4().hex[:10]}"
    role = build_relay(
        relay_desk, stack_database, stack.kafka.bootstrap_servers, CollectorRegistry()
    )
    role.start()
    try:
        register(directory, agent_id)
        with consuming(stack, ["support.agent.registered"]) as consumer:
            found: list[Any] = []
            deadline = time.monotonic() + 60
            while not found and time.monotonic() < deadline:
                found = [m for m in receive(consumer, 1, timeout=2) if m.key == agent_id.encode()]
        assert found
        assert json.loads(found[0].value)["agent_id"] == agent_id
        assert role.failure is None
    finally:
        role.stop()
