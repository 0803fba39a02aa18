"""Which event a projection is stopped at and why, and parking it so that it goes on.

The event is found by trying it: the first notification after the projection's position is
decoded and applied in a transaction that is then rolled back. So the answer does not depend
on a runner running, or on which process runs it; a projection merely behind is not blocked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow

from casetrail.platform.subscriptions.batches import TRANSIENT_ERRORS, read_batch
from casetrail.platform.subscriptions.catalog import projection_names
from casetrail.platform.subscriptions.errors import PoisonEvent
from casetrail.platform.subscriptions.parking import (
    ParkedEvent,
    ParkingRecord,
    parking_records,
    record_parking,
)
from casetrail.platform.subscriptions.versions import active_version, build_view

# Enough of an error to recognise it; the full story is in the runner's log.
MAX_ERROR_CHARACTERS = 2_000

Connect = Callable[[], psycopg.Connection[DictRow]]


@dataclass(frozen=True)
class BlockedEvent:
    projection: str
    version: int
    position: int  # the last notification the projection applied
    notification_id: int
    topic: str
    originator_id: str
    error: str


class ParkRefused(Exception):
    """The event cannot be parked: the projection is not blocked at it."""


def blocked_event(
    projection: str, *, app: Application[Any], datastore: PostgresDatastore, connect: Connect
) -> BlockedEvent | None:
    """The event ``projection`` cannot apply, or None when it can apply the next one (or
    has none to apply)."""
    with connect() as conn:
        version = active_version(conn, datastore, projection, app.name)
    view = build_view(datastore, projection, version)
    position = view.position(app.name)

    def blocked(notification_id: int, topic: str, originator_id: Any, error: str) -> BlockedEvent:
        return BlockedEvent(
            projection,
            version,
            position,
            notification_id,
            topic,
            str(originator_id),
            error[:MAX_ERROR_CHARACTERS],
        )

    try:
        batch = read_batch(view, app, position, batch_size=1)
    except PoisonEvent as poison:  # it does not even decode
        return blocked(
            poison.notification_id, poison.topic, poison.originator_id, _text(poison.reason)
        )
    if batch is None or isinstance(batch.events[0][1], ParkedEvent):
        return None
    try:
        view.rehearse(app.name, batch.events)
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        first = batch.notifications[0]
        return blocked(first.id, first.topic, first.originator_id, _text(error))
    return None


def park(
    projection: str,
    notification_id: int,
    *,
    reason: str,
    parked_by: str,
    app: Application[Any],
    datastore: PostgresDatastore,
    connect: Connect,
) -> tuple[ParkingRecord, bool]:
    """Park the event ``projection`` is blocked at, which must be ``notification_id``.
    Answers the record and whether it is new (parking twice keeps the first record)."""
    if projection not in projection_names():
        raise ParkRefused(
            f"no projection named {projection!r}: choose from {', '.join(projection_names())}"
        )
    if not reason.strip():
        raise ParkRefused("say why the event is parked (--reason)")
    if not parked_by.strip():
        raise ParkRefused("say who parks it (--by)")
    with connect() as conn:
        for record in parking_records(conn, [projection]):
            if record.notification_id == notification_id:
                return record, False
    blocked = blocked_event(projection, app=app, datastore=datastore, connect=connect)
    if blocked is None:
        raise ParkRefused(
            f"{projection} is not blocked: it can apply its next event, so nothing is parked"
        )
    if blocked.notification_id != notification_id:
        raise ParkRefused(
            f"{projection} is blocked at notification {blocked.notification_id}, not "
            f"{notification_id}: only the event it is blocked at can be parked"
        )
    with connect() as conn:
        record = record_parking(
            conn,
            projection=projection,
            notification_id=blocked.notification_id,
            topic=blocked.topic,
            originator_id=blocked.originator_id,
            error=blocked.error,
            reason=reason.strip(),
            parked_by=parked_by.strip(),
        )
    return record, True


def _text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
