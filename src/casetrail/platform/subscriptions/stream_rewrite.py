"""Rewriting what some streams made in every version of every read model, at once.

After an erasure the customer's events read differently (their personal fields as erased),
but the rows already projected from them still hold what they read before. This replaces
those rows, in each version that exists (the active one, one being built, and the previous
ones kept for comparison), with what a rebuild of that version would write now: the rows
are deleted and the streams' events up to the version's tracked position (but those an
operator parked for that projection) applied again, in one transaction that holds the
version's tracking row, so no runner writes in between.

A runner may have read some of these events just before they changed and not written them
yet: the versions in use are first given a moment to pass the streams' last event, so that
what they write from the old reading is replaced too.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from casetrail.platform.subscriptions.catalog import projection_names, tracking_table
from casetrail.platform.subscriptions.parking import parked_between
from casetrail.platform.subscriptions.storable_parameters import store_text_safely
from casetrail.platform.subscriptions.versions import build_view, existing_versions, read_versions
from casetrail.platform.subscriptions.view import Numbered

POLL_SECONDS = 0.05


@runtime_checkable
class DeletesStreamRows(Protocol):
    def delete_stream_rows(self, curs: Cursor[DictRow], stream_ids: Sequence[UUID]) -> None:
        """Delete every row this view made from these streams' events."""
        ...


@dataclass(frozen=True)
class RewrittenVersion:
    projection: str
    version: int
    # The tracked position the rows were rewritten up to.
    position: int
    # False when a version in use had not reached the streams' last event in time.
    caught_up: bool


def rewrite_streams(
    datastore: PostgresDatastore,
    application_name: str,
    stream_ids: Sequence[UUID],
    events: Sequence[Numbered],
    *,
    wait_seconds: float = 10.0,
) -> list[RewrittenVersion]:
    """Replace the rows of ``stream_ids`` in every version of every read model with what
    ``events`` (all of those streams' events, in notification order, as they read now) make.
    Answers the versions rewritten."""
    if not stream_ids:
        return []
    last_event = max((number for number, _ in events), default=0)
    deadline = time.monotonic() + wait_seconds
    rewritten = []
    for projection in projection_names():
        with datastore.get_connection() as conn:
            versions = sorted(existing_versions(conn, projection))
            if not versions:
                continue
            record = read_versions(conn).get(projection)
        in_use = {record.active, record.building} if record is not None else set()
        for version in versions:
            caught_up = True
            if version in in_use:
                caught_up = _wait_for(
                    datastore, projection, version, application_name, last_event, deadline
                )
            position = _rewrite_version(
                datastore, projection, version, application_name, stream_ids, events
            )
            rewritten.append(RewrittenVersion(projection, version, position, caught_up))
    return rewritten


def _rewrite_version(
    datastore: PostgresDatastore,
    projection: str,
    version: int,
    application_name: str,
    stream_ids: Sequence[UUID],
    events: Sequence[Numbered],
) -> int:
    view = build_view(datastore, projection, version)
    if not isinstance(view, DeletesStreamRows):
        raise TypeError(f"the {projection} view cannot delete the rows of a stream")
    with datastore.transaction(commit=True) as curs:
        store_text_safely(curs)  # as the runners write (the desk's datastore may not)
        row = curs.execute(
            SQL("SELECT notification_id FROM {} WHERE application_name = %s FOR UPDATE").format(
                Identifier(tracking_table(projection, version))
            ),
            (application_name,),
        ).fetchone()
        position = int(row["notification_id"] or 0) if row is not None else 0
        view.delete_stream_rows(curs, stream_ids)
        parked = parked_between(curs, projection, 0, position)
        applied = [event for number, event in events if number <= position and number not in parked]
        if applied:
            view.write(curs, applied)
    return position


def _wait_for(
    datastore: PostgresDatastore,
    projection: str,
    version: int,
    application_name: str,
    position: int,
    deadline: float,
) -> bool:
    view = build_view(datastore, projection, version)
    while view.position(application_name) < position:
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True
