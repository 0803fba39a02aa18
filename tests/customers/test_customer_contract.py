"""support.customer.* messages are what docs/asyncapi.yaml says, without any engine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest

from casetrail.customers.domain.customer import Customer
from casetrail.customers.domain.values import Tier
from casetrail.customers.outbound.integration_events import PUBLISHED_TOPICS, outbound_for
from casetrail.kernel.actor import Actor
from tests.fixtures.asyncapi import PUBLISHED, load, validate_message

AGENT = Actor(subject="agent-1", role="AGENT")
AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def register(customer_id: str) -> Customer:
    return Customer.register(
        customer_id=customer_id,
        name="Sarah Lee",
        email="sarah@example.com",
        phone=None,
        external_ids={"shopify": "7421"},
        timezone="Europe/Berlin",
        language="de",
        tier=Tier.VIP,
        actor=AGENT,
        at=AT,
    )


def sample_messages() -> list[tuple[str, dict[str, Any]]]:
    survivor, duplicate = register("cust-a"), register("cust-b")
    survivor.change_details({"phone": "+49 30 1234567"}, actor=AGENT, at=AT)
    survivor.absorb(duplicate, actor=AGENT, at=AT)
    samples = []
    for customer in (survivor, duplicate):
        for event in customer.collect_events():
            outbound = outbound_for(event, customer)  # the customer as it stands at the end
            if outbound is not None:
                assert outbound.key == customer.customer_id.encode()
                samples.append((outbound.topic, outbound.value.model_dump(mode="json")))
    return samples


def test_every_customer_topic_is_documented_and_every_message_fits() -> None:
    document = load(PUBLISHED)
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert set(PUBLISHED_TOPICS) <= addresses
    samples = sample_messages()
    assert {topic for topic, _ in samples} == set(PUBLISHED_TOPICS)
    for topic, payload in samples:
        validate_message(document, topic, payload)


def test_a_customer_message_missing_a_field_does_not_fit() -> None:
    topic, payload = sample_messages()[0]
    del payload["customer_id"]
    with pytest.raises(jsonschema.ValidationError):
        validate_message(load(PUBLISHED), topic, payload)
