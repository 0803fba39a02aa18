"""The AsyncAPI document is the contract with downstream services: it must describe what the
code produces, and it may only grow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import jsonschema
import pytest

from casetrail.bootstrap.outbound import PUBLISHED_MESSAGE_TYPES
from casetrail.cases.domain.conversation import Conversation
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import (
    AssignmentReason,
    AuthorType,
    CaseStatus,
    Channel,
    Priority,
)
from casetrail.cases.outbound.asyncapi import asyncapi_yaml
from casetrail.cases.outbound.integration_events import PUBLISHED_TOPICS, outbound_for
from casetrail.kernel.actor import Actor
from tests.fixtures.asyncapi import BASELINE, PUBLISHED, load, validate_message

ACTOR = Actor(subject="agent-1", role="AGENT")
AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_the_published_document_is_what_the_code_produces() -> None:
    assert PUBLISHED.read_text() == asyncapi_yaml(PUBLISHED_MESSAGE_TYPES), (
        "docs/asyncapi.yaml is out of date: run `casetrail asyncapi > docs/asyncapi.yaml`"
        " (and check the change is compatible)"
    )


def test_every_produced_topic_is_documented() -> None:
    addresses = {channel["address"] for channel in load(PUBLISHED)["channels"].values()}
    assert set(PUBLISHED_TOPICS) <= addresses


def sample_messages() -> list[tuple[str, dict[str, Any]]]:
    """One message of every kind, made by the same code the relay uses."""
    case = Ticket.open(
        case_id=uuid4(),
        sequence_number=7,
        customer_id="cust-1",
        subject="Late parcel",
        description="",
        priority=Priority.HIGH,
        channel=Channel.CHAT,
        tags=["vip"],
        order_id="order-9",
        external_ref=None,
        actor=ACTOR,
        at=AT,
    )
    case.assign("agent-2", reason=AssignmentReason.MANUAL, actor=ACTOR, at=AT)
    case.change_priority(Priority.URGENT, actor=ACTOR, at=AT)
    case.escalate(reason="VIP", actor=ACTOR, at=AT)
    case.change_status(CaseStatus.ON_HOLD, reason="carrier", actor=ACTOR, at=AT)
    case.change_status(CaseStatus.RESOLVED, reason="refund", actor=ACTOR, at=AT)
    case.change_status(CaseStatus.OPEN, reason=None, actor=ACTOR, at=AT)
    case.unassign(actor=ACTOR, at=AT)
    conversation = Conversation.start_for_case(case.id, actor=ACTOR, at=AT)
    conversation.post(
        message_id=uuid4(),
        author_type=AuthorType.AGENT,
        author_id="agent-2",
        body="Hello",
        attachment_uri="https://files.example.com/x.pdf",
        internal=True,
        actor=ACTOR,
        at=AT,
    )
    samples = []
    for event in [*case.collect_events(), *conversation.collect_events()]:
        outbound = outbound_for(event, case)  # type: ignore[arg-type]
        if outbound is not None:
            samples.append((outbound.topic, outbound.value.model_dump(mode="json")))
    return samples


def test_every_kind_of_message_fits_the_document() -> None:
    document = load(PUBLISHED)
    samples = sample_messages()
    assert {topic for topic, _ in samples} == set(PUBLISHED_TOPICS)
    for topic, payload in samples:
        validate_message(document, topic, payload)


def test_a_message_missing_a_field_does_not_fit() -> None:
    document = load(PUBLISHED)
    topic, payload = sample_messages()[0]
    del payload["case_number"]
    with pytest.raises(jsonschema.ValidationError):
        validate_message(document, topic, payload)


def payload_schema(document: dict[str, Any], address: str) -> dict[str, Any]:
    [channel] = [c for c in document["channels"].values() if c["address"] == address]
    [ref] = [m["$ref"] for m in channel["messages"].values()]
    message = document["components"]["messages"][ref.rsplit("/", 1)[-1]]
    schema: dict[str, Any] = document["components"]["schemas"][
        message["payload"]["$ref"].rsplit("/", 1)[-1]
    ]
    return schema


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What a consumer of ``old`` would find broken in ``new``."""
    problems = []
    new_addresses = {channel["address"] for channel in new["channels"].values()}
    for channel in old["channels"].values():
        address = channel["address"]
        if address not in new_addresses:
            problems.append(f"{address}: topic removed")
            continue
        before, after = payload_schema(old, address), payload_schema(new, address)
        for field in before.get("required", []):
            if field not in after.get("required", []):
                problems.append(f"{address}.{field}: no longer always present")
        for field, spec in before.get("properties", {}).items():
            now = after.get("properties", {}).get(field)
            if now is None:
                problems.append(f"{address}.{field}: removed")
            elif {k: v for k, v in spec.items() if k not in {"description", "title"}} != {
                k: v for k, v in now.items() if k not in {"description", "title"}
            }:
                problems.append(f"{address}.{field}: type changed")
    return problems


def test_the_document_stays_compatible_with_what_was_published_before() -> None:
    assert incompatibilities(load(BASELINE), load(PUBLISHED)) == []


def test_the_compatibility_check_catches_a_removed_field() -> None:
    changed = load(PUBLISHED)
    schema = payload_schema(changed, "support.case.opened")
    del schema["properties"]["subject"]
    schema["required"].remove("subject")
    assert incompatibilities(load(BASELINE), changed) == [
        "support.case.opened.subject: no longer always present",
        "support.case.opened.subject: removed",
    ]
