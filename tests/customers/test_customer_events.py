"""support.customer.* on a real Kafka, published by the support relay from committed events;
an erased customer's personal fields never leave in clear."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from casetrail.cases.service.desk import SupportDesk
from casetrail.customers.published import PUBLISHED_TOPICS, customer_events
from casetrail.customers.service.commands import (
    ChangeCustomer,
    DirectoryContext,
    MergeCustomers,
    RegisterCustomer,
)
from casetrail.customers.service.directory import CustomerDirectory
from casetrail.devstack.stack import Stack
from casetrail.kernel.actor import Actor
from casetrail.privacy.erasure import erasure_for
from casetrail.privacy.erasure_command import EraseCustomer
from tests.fixtures.asyncapi import PUBLISHED, load, validate_message
from tests.fixtures.relay import RelayRunner, consuming, prefixed, receive

pytestmark = pytest.mark.stack

AGENT = Actor(subject="agent-5", role="AGENT")
CONTEXT = DirectoryContext(actor=AGENT)


def utc_now() -> datetime:
    return datetime.now(UTC)


def test_directory_changes_are_published_in_order_and_fit_the_contract(
    stack: Stack, relay_desk: SupportDesk, start_relay: RelayRunner, topic_prefix: str
) -> None:
    directory = CustomerDirectory(relay_desk, clock=utc_now)
    directory.register(
        RegisterCustomer(
            name="Sarah Lee",
            email="sarah@example.com",
            external_ids={"shopify": "7421"},
            customer_id="cust-a",
        ),
        CONTEXT,
    )
    directory.register(RegisterCustomer(name="S. Lee", customer_id="cust-b"), CONTEXT)
    directory.change(ChangeCustomer("cust-a", {"tier": "vip"}), CONTEXT)
    directory.merge(MergeCustomers("cust-a", "cust-b"), CONTEXT)
    start_relay(sources=[customer_events(relay_desk)])
    with consuming(stack, prefixed(topic_prefix, *PUBLISHED_TOPICS)) as consumer:
        messages = receive(consumer, 4)
    bodies = sorted((json.loads(m.value) for m in messages), key=lambda b: b["occurred_at"])
    assert [(body["event_type"], body["customer_id"]) for body in bodies] == [
        ("support.customer.registered", "cust-a"),
        ("support.customer.registered", "cust-b"),
        ("support.customer.updated", "cust-a"),
        ("support.customer.merged", "cust-b"),
    ]
    assert (bodies[0]["name"], bodies[0]["email"], bodies[0]["external_ids"]) == (
        "Sarah Lee",
        "sarah@example.com",
        {"shopify": "7421"},
    )
    assert (bodies[2]["changed"], bodies[2]["tier"]) == (["tier"], "vip")
    assert (bodies[3]["survivor_id"], bodies[3]["merged_into"]) == ("cust-a", "cust-a")
    assert {m.key for m in messages} == {b"cust-a", b"cust-b"}
    document = load(PUBLISHED)
    for message in messages:
        validate_message(
            document, message.topic.removeprefix(topic_prefix), json.loads(message.value)
        )


def test_a_customer_erased_before_publishing_leaves_without_personal_fields(
    stack: Stack, relay_desk: SupportDesk, start_relay: RelayRunner, topic_prefix: str
) -> None:
    directory = CustomerDirectory(relay_desk, clock=utc_now)
    directory.register(
        RegisterCustomer(
            name="Jane Doe",
            email="jane.doe@example.com",
            phone="+44 20 7946 0958",
            customer_id="cust-erased",
        ),
        CONTEXT,
    )
    erasure = erasure_for(relay_desk, utc_now)
    assert erasure is not None
    erasure.erase(EraseCustomer("cust-erased", "GDPR art. 17"), AGENT)
    start_relay(sources=[customer_events(relay_desk)])
    with consuming(stack, prefixed(topic_prefix, "support.customer.registered")) as consumer:
        [message] = receive(consumer, 1)
    body = json.loads(message.value)
    assert (body["name"], body["email"], body["phone"]) == ("[erased]", None, None)
    for secret in (b"Jane", b"jane.doe", b"7946"):
        assert secret not in message.value
