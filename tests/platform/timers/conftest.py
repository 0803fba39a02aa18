"""Timers on a real PostgreSQL: their tables, an effects table without any uniqueness (so
a second fire would show), a handler that writes to it, and a clock that tests move."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from casetrail.platform.timers import Fire, ManualClock, TimerWorker, create_tables, schedule

KIND = "test.effect"

EFFECTS_DDL = """
CREATE TABLE IF NOT EXISTS timer_effects (
    timer_key   text NOT NULL,
    due_at      timestamptz NOT NULL,
    detected_at timestamptz NOT NULL,
    payload     jsonb NOT NULL,
    attempt     integer NOT NULL
)
"""

Arm = Callable[..., bool]
Effects = Callable[[], list[tuple[Any, ...]]]


def write_effect(conn: psycopg.Connection[Any], fire: Fire) -> None:
    """The handler's effect, written on the worker's connection (same transaction)."""
    conn.execute(
        "INSERT INTO timer_effects VALUES (%s, %s, %s, %s, %s)",
        (fire.timer_key, fire.due_at, fire.detected_at, Jsonb(dict(fire.payload)), fire.attempt),
    )


@pytest.fixture
def timers_url(database_url: str) -> str:
    with psycopg.connect(database_url, autocommit=True) as conn:
        create_tables(conn)
        conn.execute(EFFECTS_DDL)
    return database_url


@pytest.fixture
def start() -> datetime:
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(start: datetime) -> ManualClock:
    return ManualClock(start)


@pytest.fixture
def conn(timers_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A follower's connection: each ``with conn.transaction()`` is one commit."""
    with psycopg.connect(timers_url, autocommit=True) as connection:
        yield connection


@pytest.fixture
def arm(conn: psycopg.Connection[Any]) -> Arm:
    """Schedule one timer of the test kind in its own transaction, as a follower would."""

    def arm(
        key: str, due_at: datetime, payload: Mapping[str, Any] | None = None, cause: str = "e-1"
    ) -> bool:
        with conn.transaction():
            return schedule(conn, key, due_at, kind=KIND, payload=payload or {}, cause=cause)

    return arm


@pytest.fixture
def effects(conn: psycopg.Connection[Any]) -> Effects:
    """Every effect written so far: (key, due_at, detected_at, payload, attempt)."""

    def effects() -> list[tuple[Any, ...]]:
        return conn.execute("SELECT * FROM timer_effects ORDER BY timer_key, due_at").fetchall()

    return effects


@pytest.fixture
def handlers() -> dict[str, Callable[[psycopg.Connection[Any], Fire], None]]:
    return {KIND: write_effect}


@pytest.fixture
def worker(
    timers_url: str,
    clock: ManualClock,
    handlers: dict[str, Callable[[psycopg.Connection[Any], Fire], None]],
) -> Iterator[TimerWorker]:
    worker = TimerWorker(timers_url, handlers, clock=clock)
    yield worker
    worker.stop()
