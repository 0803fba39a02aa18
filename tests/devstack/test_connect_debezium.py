"""Kafka Connect of the local stack runs the Debezium PostgreSQL connector: a row change in
PostgreSQL arrives on Kafka."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest
from confluent_kafka import Consumer
from psycopg import sql

from casetrail.devstack import Stack
from casetrail.devstack.assets import render
from casetrail.devstack.engines.postgres import REPLICATION_ROLE
from casetrail.devstack.testing import PostgresSchema
from tests.fixtures.debezium import drop_slot_when_released

pytestmark = pytest.mark.stack


@dataclass(frozen=True)
class CapturedTable:
    connector: str
    topic: str
    schema: PostgresSchema


def _wait_for_running(
    connect_url: str, connector: str, timeout: float = 120.0
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = httpx.get(f"{connect_url}/connectors/{connector}/status", timeout=10)
        if response.status_code == 200:
            status = response.json()
            tasks = status.get("tasks") or []
            connector_state = status["connector"]["state"]
            if connector_state == "FAILED" or any(t["state"] == "FAILED" for t in tasks):
                pytest.fail(f"connector failed: {json.dumps(status)}")
            if (
                connector_state == "RUNNING"
                and tasks
                and all(t["state"] == "RUNNING" for t in tasks)
            ):
                return status
        time.sleep(1)
    pytest.fail(f"connector not RUNNING within {timeout}s: {json.dumps(status)}")


@pytest.fixture
def captured_table(stack: Stack, stack_schema: PostgresSchema) -> Iterator[CapturedTable]:
    """A table in the test's schema, published for logical decoding, with a Debezium
    connector of its own capturing it."""
    suffix = uuid.uuid4().hex[:10]
    slot, publication, connector = f"test_{suffix}", f"test_{suffix}", f"test-{suffix}"
    table = sql.Identifier(stack_schema.name, "tickets")
    with psycopg.connect(stack_schema.database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, subject text)").format(table))
        # As in production: the owner publishes the table; Debezium's role only reads it.
        conn.execute(
            sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(sql.Identifier(publication), table)
        )
        conn.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(stack_schema.name), sql.Identifier(REPLICATION_ROLE)
            )
        )
        conn.execute(
            sql.SQL("GRANT SELECT ON {} TO {}").format(table, sql.Identifier(REPLICATION_ROLE))
        )
    definition = json.loads(
        render(
            "debezium/postgres-connector.json",
            {
                "name": connector,
                "hostname": "127.0.0.1",
                "port": stack.settings.stack.postgres_port,
                "topic_prefix": f"test{suffix}",
                "tables": f"{stack_schema.name}.tickets",
                "slot": slot,
                "publication": publication,
            },
        )
    )
    response = httpx.post(f"{stack.connect.url}/connectors", json=definition, timeout=30)
    assert response.status_code == 201, response.text
    try:
        yield CapturedTable(
            connector=connector,
            topic=f"test{suffix}.{stack_schema.name}.tickets",
            schema=stack_schema,
        )
    finally:
        httpx.delete(f"{stack.connect.url}/connectors/{connector}", timeout=30)
        drop_slot_when_released(stack_schema.database_url, slot)
        with psycopg.connect(stack_schema.database_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP PUBLICATION IF EXISTS {}").format(sql.Identifier(publication))
            )


def test_debezium_connector_runs_and_captures_a_row_change(
    stack: Stack, captured_table: CapturedTable
) -> None:
    _wait_for_running(stack.connect.url, captured_table.connector)

    with psycopg.connect(captured_table.schema.url, autocommit=True) as conn:
        conn.execute("INSERT INTO tickets VALUES (42, 'parcel never arrived')")

    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka.bootstrap_servers,
            "group.id": f"test-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            # The topic appears only when Debezium writes its first change.
            "topic.metadata.refresh.interval.ms": 1000,
        }
    )
    consumer.subscribe([captured_table.topic])
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error() is not None:
                continue
            change = json.loads(message.value() or b"null")
            if change and change.get("after", {}).get("id") == 42:
                assert change["op"] == "c"
                assert change["after"]["subject"] == "parcel never arrived"
                return
        pytest.fail(f"no change for row 42 arrived on {captured_table.topic}")
    finally:
        consumer.close()
