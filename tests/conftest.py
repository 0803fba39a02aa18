"""The test session: shared fixtures (tests/fixtures), and engine markers from fixtures."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "casetrail.devstack.testing",  # first: the fixtures below import the devstack
    "tests.fixtures.postgres",
    "tests.fixtures.api",
    "tests.fixtures.read_side",
    "tests.fixtures.access",
    "tests.fixtures.commerce",
    "tests.fixtures.relay",
    "tests.fixtures.timeline",
    "tests.fixtures.kafka",
    "tests.fixtures.sla_postgres",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the engines it needs, from the fixtures it uses, so a marker is
    never forgotten: ``-m "not stack"`` runs without Kafka, Connect, Trino and Redis, and
    ``-m "not postgres and not stack"`` runs on no engine at all."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "stack" in fixtures:
            item.add_marker(pytest.mark.stack)
        if fixtures & {"postgres_server", "stack"}:
            item.add_marker(pytest.mark.postgres)
