"""Parked events: the operator's way past an event a projection cannot apply.

A poison event stops its projection until a release that can apply it. When that cannot
wait, an operator parks it (``casetrail projections park``): a row in
``projection_parked_events`` says who parked which event of which projection, when and why.
That projection's runners, and its rebuilds, then pass over that notification id, and only
that one; the event itself stays in the event store, and every other projection still
applies it. The rows are never deleted: they are the audit trail, listed by
``casetrail projections status``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from casetrail.platform.subscriptions.storable_parameters import store_text_safely

PARKED_EVENTS = "projection_parked_events"

_CREATE = SQL(
    "CREATE TABLE IF NOT EXISTS {} ("
    " projection text NOT NULL,"
    " notification_id bigint NOT NULL,"
    " topic text NOT NULL,"
    " originator_id text NOT NULL,"
    " error text NOT NULL,"
    " reason text NOT NULL,"
    " parked_by text NOT NULL,"
    " parked_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (projection, notification_id))"
).format(Identifier(PARKED_EVENTS))


@dataclass(frozen=True)
class ParkedEvent:
    """Stands in a batch for an event its projection passes over (it is never decoded)."""

    notification_id: int
    topic: str
    originator_id: UUID | str


@dataclass(frozen=True)
class ParkingRecord:
    projection: str
    notification_id: int
    topic: str
    originator_id: str
    error: str
    reason: str
    parked_by: str
    parked_at: datetime


def parking_table_exists(conn: psycopg.Connection[DictRow]) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (PARKED_EVENTS,)).fetchone()
    return bool(row and row["found"])


# Followers starting side by side create the table at once: CREATE TABLE IF NOT EXISTS is
# not safe against itself in PostgreSQL, so they take turns.
_CREATE_LOCK = 0x7061726B  # "park"


def create_parking_table(conn: psycopg.Connection[DictRow]) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
        conn.execute(_CREATE)


def parked_between(curs: Cursor[DictRow], projection: str, after: int, up_to: int) -> set[int]:
    """The notification ids in (``after``, ``up_to``] parked for ``projection``."""
    rows = curs.execute(
        SQL(
            "SELECT notification_id FROM {} WHERE projection = %s"
            " AND notification_id > %s AND notification_id <= %s"
        ).format(Identifier(PARKED_EVENTS)),
        (projection, after, up_to),
        prepare=True,
    ).fetchall()
    return {int(row["notification_id"]) for row in rows}


def record_parking(
    conn: psycopg.Connection[DictRow],
    *,
    projection: str,
    notification_id: int,
    topic: str,
    originator_id: UUID | str,
    error: str,
    reason: str,
    parked_by: str,
) -> ParkingRecord:
    """Record the parking; answers the record (the first one, if it was parked already)."""
    store_text_safely(conn)  # the error may quote the very text that poisoned the view
    table = Identifier(PARKED_EVENTS)
    conn.execute(
        SQL(
            "INSERT INTO {} (projection, notification_id, topic, originator_id, error, reason,"
            " parked_by) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
        ).format(table),
        (projection, notification_id, topic, str(originator_id), error, reason, parked_by),
    )
    row = conn.execute(
        SQL("SELECT * FROM {} WHERE projection = %s AND notification_id = %s").format(table),
        (projection, notification_id),
    ).fetchone()
    assert row is not None, "the row was just written"
    return _record(row)


def parking_records(
    conn: psycopg.Connection[DictRow], projections: Collection[str] | None = None
) -> list[ParkingRecord]:
    """Every parked event (of these projections), oldest parking first."""
    if not parking_table_exists(conn):
        return []
    rows = conn.execute(
        SQL("SELECT * FROM {} ORDER BY parked_at, projection, notification_id").format(
            Identifier(PARKED_EVENTS)
        )
    ).fetchall()
    records = [_record(row) for row in rows]
    if projections is None:
        return records
    return [record for record in records if record.projection in projections]


def _record(row: DictRow) -> ParkingRecord:
    return ParkingRecord(
        projection=row["projection"],
        notification_id=int(row["notification_id"]),
        topic=row["topic"],
        originator_id=row["originator_id"],
        error=row["error"],
        reason=row["reason"],
        parked_by=row["parked_by"],
        parked_at=row["parked_at"],
    )
