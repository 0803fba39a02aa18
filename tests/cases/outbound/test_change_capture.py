"""Debezium captures support changes for analytics, without the events' payloads."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from casetrail.cases.outbound.change_capture import (
    CAPTURED_COLUMNS,
    CaptureTarget,
    register,
    unregister,
)
from casetrail.cases.service.commands import CommandContext, OpenCase
from casetrail.cases.service.desk import SupportDesk
from casetrail.devstack.stack import Stack
from casetrail.kernel.actor import Actor
from tests.fixtures.debezium import drop_slot_when_released
from tests.fixtures.relay import consuming, receive

pytestmark = pytest.mark.stack


@pytest.fixture
def capture(stack: Stack, stack_database: str, relay_desk: SupportDesk) -> Iterator[CaptureTarget]:
    suffix = uuid.uuid4().hex[:10]
    target = CaptureTarget(
        database_url=stack_database,
        connect_url=stack.connect.url,
        topic_prefix=f"test.{suffix}.cdc",
        connector=f"test-cdc-{suffix}",
        publication=f"test_cdc_{suffix}",
        slot=f"test_cdc_{suffix}",
    )
    yield target
    unregister(target)
    drop_slot_when_released(stack_database, target.slot)


def test_a_new_case_reaches_the_change_topic_without_its_payload(
    stack: Stack, relay_desk: SupportDesk, capture: CaptureTarget, stack_database: str
) -> None:
    first = relay_desk.open_case(
        OpenCase(customer_id="cust-1", subject="Secret subject", description="private"),
        CommandContext(actor=Actor("agent-1", "AGENT")),
    ).case_id
    state = register(capture)
    assert state["connector"]["state"] == "RUNNING"
    second = relay_desk.open_case(
        OpenCase(customer_id="cust-2", subject="Another secret", description="private"),
        CommandContext(actor=Actor("agent-1", "AGENT")),
    ).case_id
    with consuming(stack, [capture.events_topic]) as consumer:
        messages = receive(consumer, 2, timeout=120)
    changes = [json.loads(message.value) for message in messages]
    rows = [change["after"] for change in changes]
    assert {row["originator_id"] for row in rows} == {str(first), str(second)}
    assert all(set(row) == set(CAPTURED_COLUMNS) for row in rows)
    assert {row["topic"] for row in rows} == {"casetrail.ticket.Opened.v1"}
    # The first case came with the snapshot, the second as a live change (the topic has
    # several partitions, so the two may arrive in either order).
    ops = {change["after"]["originator_id"]: change["op"] for change in changes}
    assert ops == {str(first): "r", str(second): "c"}
    assert all(b"secret" not in message.value.lower() for message in messages)
    with psycopg.connect(stack_database) as conn:
        published = conn.execute(
            "SELECT attnames FROM pg_publication_tables WHERE pubname = %s", (capture.publication,)
        ).fetchone()
    assert published is not None
    assert "state" not in published[0]
