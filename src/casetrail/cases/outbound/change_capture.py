"""Change capture of support data for analytics, by Debezium on Kafka Connect.

What leaves PostgreSQL is decided here, twice: the publication names the captured columns
(so the event payload, ``state``, which may hold personal or encrypted data, is never even
decoded), and the connector excludes the same column from its snapshot. Analytics sees, for
every stored event: the stream (case or conversation) id, its version, the event type and
its position in the store — on ``<prefix>.public.support_events``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import psycopg
from psycopg import sql

from casetrail.devstack.assets import render

CONNECTOR = "casetrail-support-cdc"
PUBLICATION = "casetrail_support_cdc"
SLOT = "casetrail_support_cdc"
TOPIC_PREFIX = "casetrail.cdc"
EVENTS_TABLE = "support_events"
CAPTURED_COLUMNS = ("originator_id", "originator_version", "topic", "notification_id")
NEVER_CAPTURED = ("state",)


class ChangeCaptureError(RuntimeError):
    pass


@dataclass(frozen=True)
class CaptureTarget:
    database_url: str
    connect_url: str
    replication_user: str = "debezium"
    replication_password: str = "debezium"  # noqa: S105 - loopback development default
    schema: str = "public"
    topic_prefix: str = TOPIC_PREFIX
    connector: str = CONNECTOR
    publication: str = PUBLICATION
    slot: str = SLOT

    @property
    def events_topic(self) -> str:
        return f"{self.topic_prefix}.{self.schema}.{EVENTS_TABLE}"


def publish_support_tables(target: CaptureTarget) -> None:
    """Create (or correct) the publication with its column list, and let Debezium read."""
    table = sql.Identifier(target.schema, EVENTS_TABLE)
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in CAPTURED_COLUMNS)
    with psycopg.connect(target.database_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_publication WHERE pubname = %s", (target.publication,)
        ).fetchone()
        verb = (
            "ALTER PUBLICATION {} SET TABLE {} ({})"
            if exists
            else ("CREATE PUBLICATION {} FOR TABLE {} ({})")
        )
        conn.execute(sql.SQL(verb).format(sql.Identifier(target.publication), table, columns))
        conn.execute(
            sql.SQL("GRANT SELECT ({}) ON {} TO {}").format(
                columns, table, sql.Identifier(target.replication_user)
            )
        )
        conn.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(target.schema), sql.Identifier(target.replication_user)
            )
        )


def connector_config(target: CaptureTarget) -> dict[str, Any]:
    url = urlsplit(target.database_url)
    config: dict[str, Any] = json.loads(
        render(
            "debezium/support-cdc-connector.json",
            {
                "hostname": url.hostname or "127.0.0.1",
                "port": url.port or 5432,
                "user": target.replication_user,
                "password": target.replication_password,
                "database": unquote(url.path.lstrip("/")),
                "topic_prefix": target.topic_prefix,
                "tables": f"{target.schema}.{EVENTS_TABLE}",
                "excluded_columns": ",".join(
                    f"{target.schema}.{EVENTS_TABLE}.{column}" for column in NEVER_CAPTURED
                ),
                "slot": target.slot,
                "publication": target.publication,
            },
        )
    )
    return config


def register(target: CaptureTarget, timeout: float = 120.0) -> dict[str, Any]:
    """Publish the tables and (re)configure the connector; wait until it is RUNNING."""
    publish_support_tables(target)
    try:
        response = httpx.put(
            f"{target.connect_url}/connectors/{target.connector}/config",
            json=connector_config(target),
            timeout=30,
        )
    except httpx.HTTPError as error:
        raise ChangeCaptureError(
            f"Kafka Connect unreachable at {target.connect_url}: {error}"
        ) from None
    if response.status_code >= 400:
        raise ChangeCaptureError(f"Kafka Connect refused the connector: {response.text}")
    return wait_until_running(target, timeout)


def status(target: CaptureTarget) -> dict[str, Any]:
    response = httpx.get(f"{target.connect_url}/connectors/{target.connector}/status", timeout=10)
    if response.status_code == 404:
        return {"connector": {"state": "NOT REGISTERED"}, "tasks": []}
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def wait_until_running(target: CaptureTarget, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    current: dict[str, Any] = {}
    while time.monotonic() < deadline:
        current = status(target)
        states = [current["connector"]["state"], *(t["state"] for t in current.get("tasks", []))]
        if "FAILED" in states:
            raise ChangeCaptureError(f"the connector failed: {json.dumps(current)[:2000]}")
        if current.get("tasks") and all(state == "RUNNING" for state in states):
            return current
        time.sleep(1)
    raise ChangeCaptureError(f"the connector is not RUNNING after {timeout:.0f}s: {current}")


def unregister(target: CaptureTarget) -> None:
    httpx.delete(f"{target.connect_url}/connectors/{target.connector}", timeout=30)
