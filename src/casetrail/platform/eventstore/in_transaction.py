"""Recording events inside a transaction the caller already holds.

A follower that decides something (an SLA deadline, an assignment, a rule firing) records the
decision as an event that commits together with its position, its rows and its timers — or
not at all. A timer handler records what its fire found in the transaction that marks the
timer fired. Both write through the event store's own append function, so the events are
numbered in commit order, wake the log's followers, and are encoded (and, for personal
fields, encrypted) by the application's mapper like any other.

```python
versions = lock_streams(conn, app, [stream_id])      # the store's write lock, until commit
event = Decided(originator_id=stream_id, originator_version=versions[stream_id] + 1, ...)
append(conn, app, [event])
```

``lock_streams`` takes the event store's write lock for the rest of the transaction, so the
versions it answers stay current until the commit: take it last, just before appending, to
keep commands waiting as briefly as possible. Declare such event classes with
``@dataclass(frozen=True)`` so that their fields are typed where they are built.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from casetrail.platform.eventstore.postgres_recorder import SupportEventRecorder


def _recorder(app: Application[Any]) -> SupportEventRecorder:
    recorder = app.recorder
    if not isinstance(recorder, SupportEventRecorder):
        raise TypeError("events are recorded in a transaction only on the PostgreSQL store")
    return recorder


def lock_streams(
    conn: psycopg.Connection[Any], app: Application[Any], stream_ids: Collection[UUID]
) -> dict[UUID, int]:
    """Take the event store's write lock until this transaction ends and answer each
    stream's current version (0 for a stream with no events yet)."""
    recorder = _recorder(app)
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(recorder.lock_statement)
        rows = cursor.execute(recorder.stream_versions_statement, (list(stream_ids),)).fetchall()
    versions = dict.fromkeys(stream_ids, 0)
    versions.update({row["originator_id"]: row["version"] for row in rows})
    return versions


def append(
    conn: psycopg.Connection[Any],
    app: Application[Any],
    events: Sequence[DomainEventProtocol[UUID]],
) -> list[int]:
    """Store the events in this transaction; answer their notification ids in order.

    A version already taken raises ``psycopg.errors.UniqueViolation`` (the transaction is
    then to be rolled back), as optimistic concurrency does for commands."""
    if not events:
        return []
    recorder = _recorder(app)
    stored = [app.mapper.to_stored_event(event) for event in events]
    empty: list[Any] = []
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            recorder.append_statement,
            (
                [event.originator_id for event in stored],
                [event.originator_version for event in stored],
                [event.topic for event in stored],
                [event.state for event in stored],
                empty,
                empty,
                list[Jsonb](),
            ),
        ).fetchall()
    return sorted(row["notification_id"] for row in rows)
