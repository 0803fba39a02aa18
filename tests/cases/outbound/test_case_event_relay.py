"""support.case.* on a real Kafka, published from committed events only."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from uuid import UUID

import pytest

from casetrail.cases.domain.values import AuthorType, CaseStatus
from casetrail.cases.outbound.integration_events import stable_event_id
from casetrail.cases.service.commands import (
    AssignCase,
    ChangeStatus,
    CommandContext,
    EscalateCase,
    OpenCase,
    PostMessage,
)
from casetrail.cases.service.desk import SupportDesk
from casetrail.devstack.stack import Stack
from casetrail.kernel.actor import Actor
from tests.fixtures.asyncapi import PUBLISHED, load, validate_message
from tests.fixtures.relay import RelayRunner, consuming, prefixed, receive

pytestmark = pytest.mark.stack

AGENT = Actor(subject="agent-5", role="AGENT")
PLAIN = CommandContext(actor=AGENT)


def open_case(desk: SupportDesk, n: int = 0) -> UUID:
    return desk.open_case(
        OpenCase(customer_id=f"cust-{n}", subject=f"Case {n}", description="d", tags=("vip",)),
        PLAIN,
    ).case_id


def test_opening_a_case_publishes_support_case_opened(
    stack: Stack, relay_desk: SupportDesk, start_relay: RelayRunner, topic_prefix: str
) -> None:
    case_id = open_case(relay_desk)
    start_relay()
    with consuming(stack, prefixed(topic_prefix, "support.case.opened")) as consumer:
        [message] = receive(consumer, 1)
    body = json.loads(message.value)
    ticket = relay_desk.get_case(case_id)
    assert message.key == str(case_id).encode()
    assert body["event_type"] == "support.case.opened"
    assert body["schema_version"] == 1
    assert body["event_id"] == str(stable_event_id(case_id, 1))
    assert (body["case_id"], body["case_number"]) == (str(case_id), ticket.case_number)
    assert (body["customer_id"], body["subject"], body["tags"]) == ("cust-0", "Case 0", ["vip"])
    assert (body["priority"], body["channel"], body["status"]) == ("medium", "web", "open")
    assert body["actor"] == {"subject": "agent-5", "role": "AGENT"}
    assert message.headers["event_id"] == body["event_id"].encode()
    assert message.headers["event_type"] == b"support.case.opened"


def test_changes_and_messages_follow_in_order_per_case(
    stack: Stack, relay_desk: SupportDesk, start_relay: RelayRunner, topic_prefix: str
) -> None:
    case_id = open_case(relay_desk)
    relay_desk.assign_case(AssignCase(case_id, "agent-9"), PLAIN)
    relay_desk.post_message(PostMessage(case_id, AuthorType.AGENT, "agent-9", "On it"), PLAIN)
    relay_desk.escalate_case(EscalateCase(case_id, "VIP"), PLAIN)
    relay_desk.change_status(ChangeStatus(case_id, CaseStatus.RESOLVED, "refunded"), PLAIN)
    relay_desk.change_status(ChangeStatus(case_id, CaseStatus.OPEN, "not fixed"), PLAIN)
    start_relay()
    with consuming(stack, prefixed(topic_prefix)) as consumer:
        messages = receive(consumer, 6)
    assert {message.partition for message in messages} == {messages[0].partition}
    by_offset = sorted(messages, key=lambda message: message.offset)
    types = [json.loads(message.value)["event_type"] for message in by_offset]
    # One partition per case on each topic; across topics the case's story keeps its order
    # by occurred_at.
    bodies = sorted((json.loads(m.value) for m in messages), key=lambda b: b["occurred_at"])
    assert [body["event_type"] for body in bodies] == [
        "support.case.opened",
        "support.case.assigned",
        "support.case.message.posted",
        "support.case.escalated",
        "support.case.resolved",
        "support.case.status.changed",
    ]
    assert sorted(types) == sorted(body["event_type"] for body in bodies)
    document = load(PUBLISHED)
    for message in messages:  # what a real consumer reads fits the published contract
        validate_message(
            document, message.topic.removeprefix(topic_prefix), json.loads(message.value)
        )
    posted = bodies[2]
    assert (posted["body"], posted["internal"], posted["assignee_id"]) == (
        "On it",
        False,
        "agent-9",
    )
    assert bodies[5]["from_status"] == "resolved"
    assert bodies[5]["to_status"] == "open"


def test_commands_succeed_while_kafka_is_down_and_nothing_is_lost(
    stack: Stack, relay_desk: SupportDesk, start_relay: RelayRunner, topic_prefix: str
) -> None:
    start_relay()
    first = open_case(relay_desk, 0)
    with consuming(stack, prefixed(topic_prefix, "support.case.opened")) as consumer:
        assert len(receive(consumer, 1)) == 1
    stack.down(only=["kafka"])
    try:
        opened = [first, *(open_case(relay_desk, n) for n in range(1, 101))]
        time.sleep(2)  # the relay tries, and waits
    finally:
        stack.up(only=["kafka"])
    with consuming(stack, prefixed(topic_prefix, "support.case.opened")) as consumer:
        messages = receive(consumer, 101, timeout=120)
    event_ids = [json.loads(message.value)["event_id"] for message in messages]
    assert len(event_ids) == len(set(event_ids)) == 101
    assert {json.loads(m.value)["case_id"] for m in messages} == {str(c) for c in opened}
    offsets_by_partition: dict[int, list[int]] = defaultdict(list)
    for message in messages:
        offsets_by_partition[message.partition].append(message.offset)
    numbers = {
        json.loads(m.value)["case_id"]: relay_desk.get_case(UUID(json.loads(m.value)["case_id"]))
        for m in messages
    }
    for partition, offsets in offsets_by_partition.items():
        in_partition = sorted(
            (m for m in messages if m.partition == partition), key=lambda m: m.offset
        )
        case_numbers = [numbers[json.loads(m.value)["case_id"]].case_number for m in in_partition]
        assert case_numbers == sorted(case_numbers), f"partition {partition} out of order"
        assert offsets == sorted(offsets)


def test_only_one_relay_is_active(
    stack: Stack, relay_desk: SupportDesk, start_relay: RelayRunner, topic_prefix: str
) -> None:
    first = start_relay()
    second = start_relay()
    opened = [open_case(relay_desk, n) for n in range(20)]
    with consuming(stack, prefixed(topic_prefix, "support.case.opened")) as consumer:
        messages = receive(consumer, 20)
        assert receive(consumer, 1, timeout=3) == []
    assert len(messages) == 20
    assert {json.loads(m.value)["case_id"] for m in messages} == {str(c) for c in opened}
    active = [
        relay.registry.get_sample_value("casetrail_relay_active") for relay in (first, second)
    ]
    assert sorted(active) == [0.0, 1.0]
