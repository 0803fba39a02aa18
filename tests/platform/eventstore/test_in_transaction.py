"""Events recorded inside a caller's transaction commit with it, or not at all, and are read
back like any other event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.domain import Aggregate

from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.eventstore.in_transaction import append, lock_streams


class Ledger(Aggregate):
    @dataclass(frozen=True)
    class Noted(Aggregate.Event):
        note: str


def noted(stream_id: Any, version: int, note: str) -> Ledger.Noted:
    return Ledger.Noted(
        originator_id=stream_id,
        originator_version=version,
        timestamp=Ledger.Event.create_timestamp(),
        note=note,
    )


def stored_notes(desk: SupportDesk, stream_id: Any) -> list[str]:
    return [cast("Ledger.Noted", event).note for event in desk.events.get(stream_id)]


def test_events_commit_with_the_transaction_and_read_back(
    postgres_desk: SupportDesk, database_url: str
) -> None:
    stream_id = uuid4()
    with psycopg.connect(database_url) as conn, conn.transaction():
        versions = lock_streams(conn, postgres_desk, [stream_id])
        assert versions == {stream_id: 0}
        ids = append(
            conn,
            postgres_desk,
            [noted(stream_id, 1, "first"), noted(stream_id, 2, "second")],
        )
    assert len(ids) == 2
    assert ids[0] < ids[1]
    assert stored_notes(postgres_desk, stream_id) == ["first", "second"]
    with psycopg.connect(database_url) as conn, conn.transaction():
        assert lock_streams(conn, postgres_desk, [stream_id]) == {stream_id: 2}
    notified = postgres_desk.notification_log.select(ids[0], 2)
    assert [item.originator_id for item in notified] == [stream_id, stream_id]


def test_events_of_a_rolled_back_transaction_are_not_stored(
    postgres_desk: SupportDesk, database_url: str
) -> None:
    stream_id = uuid4()

    def effect_that_fails(conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            append(conn, postgres_desk, [noted(stream_id, 1, "lost")])
            raise RuntimeError("the caller's effect failed")

    with psycopg.connect(database_url) as conn, pytest.raises(RuntimeError):
        effect_that_fails(conn)
    assert stored_notes(postgres_desk, stream_id) == []


def test_a_version_already_taken_is_refused(postgres_desk: SupportDesk, database_url: str) -> None:
    stream_id = uuid4()
    with psycopg.connect(database_url) as conn, conn.transaction():
        append(conn, postgres_desk, [noted(stream_id, 1, "first")])
    with (
        psycopg.connect(database_url) as conn,
        pytest.raises(psycopg.errors.UniqueViolation),
        conn.transaction(),
    ):
        append(conn, postgres_desk, [noted(stream_id, 1, "again")])
    assert stored_notes(postgres_desk, stream_id) == ["first"]
