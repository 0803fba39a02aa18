"""pytest fixtures for tests that need the real engines of the local stack.

Register with ``pytest_plugins = ["casetrail.devstack.testing"]``. Importing this module
starts nothing: the first test that asks for ``stack`` brings the whole stack up once for the
session (downloading on first use, reusing engines that already run), and the session stops
only the engines it started itself, unless ``CASETRAIL_STACK_KEEP_RUNNING`` is set.

Each test gets its own Kafka topics and its own PostgreSQL schema or database, so tests never
see each other's data and need no cleanup between runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from confluent_kafka import KafkaException
from confluent_kafka.cimpl import NewTopic
from psycopg import sql

from casetrail.bootstrap.settings import Settings
from casetrail.devstack.engines.postgres import DATABASE
from casetrail.devstack.stack import Stack

TopicFactory = Callable[..., str]

# Names of what tests create in the shared stack start with this (slots, connectors, schemas).
TEST_PREFIX = "test"


@pytest.fixture(scope="session")
def stack_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def stack(stack_settings: Settings, pytestconfig: pytest.Config) -> Iterator[Stack]:
    """The running local stack: PostgreSQL, Redis, Kafka, Trino and Kafka Connect."""
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")

    def report(message: str) -> None:
        # Straight to the terminal, past output capture: a first start downloads for
        # minutes, and captured progress would leave the run looking stuck.
        if reporter is None:
            return
        if capture is None:
            reporter.write_line(f"[stack] {message}")
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"[stack] {message}")

    local = Stack(stack_settings, report=report)
    started = local.up()
    _remove_leftovers_of_interrupted_runs(local)
    yield local
    if started.launched and not stack_settings.stack.keep_running:
        local.down(only=started.launched)


def _remove_leftovers_of_interrupted_runs(local: Stack) -> None:
    """A run killed mid-test leaves its Debezium connector failing on a dropped table and its
    replication slot behind; a forgotten slot makes PostgreSQL keep WAL without end."""
    connectors = httpx.get(f"{local.connect.url}/connectors?expand=status", timeout=30).json()
    for name, details in connectors.items():
        if name.startswith(TEST_PREFIX) and details["status"]["connector"]["state"] == "FAILED":
            httpx.delete(f"{local.connect.url}/connectors/{name}", timeout=30)
    with psycopg.connect(local.postgres.dsn(DATABASE), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            " WHERE NOT active AND slot_name LIKE %s",
            (f"{TEST_PREFIX}%",),
        )


@pytest.fixture
def new_kafka_topic(stack: Stack) -> Iterator[TopicFactory]:
    """Creates topics of this test's own (``new_kafka_topic("orders", partitions=3)``);
    deletes them afterwards."""
    admin = stack.kafka.admin()
    created: list[str] = []

    def create(hint: str = "topic", partitions: int = 1) -> str:
        name = f"test.{hint}.{uuid.uuid4().hex[:12]}"
        futures = admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=1)]
        )
        futures[name].result(timeout=30)
        created.append(name)
        return name

    yield create
    if created:
        for future in admin.delete_topics(created, operation_timeout=30).values():
            try:
                future.result(timeout=30)
            except KafkaException:
                continue  # already gone: nothing to clean


@dataclass(frozen=True)
class PostgresSchema:
    """A schema of one test's own in the stack's ``casetrail`` database."""

    name: str
    database_url: str  # the casetrail database, search_path unchanged
    url: str  # the same database with this schema first on the search_path


@pytest.fixture
def stack_schema(stack: Stack) -> Iterator[PostgresSchema]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    database_url = stack.postgres.dsn(DATABASE)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    yield PostgresSchema(
        name=name,
        database_url=database_url,
        url=f"{database_url}?options=-csearch_path%3D{name}",
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def stack_database(stack: Stack) -> Iterator[str]:
    """The URL of a fresh database of this test's own on the stack's PostgreSQL."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    stack.postgres.server.create_database(name)
    yield stack.postgres.dsn(name)
    with psycopg.connect(stack.postgres.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
