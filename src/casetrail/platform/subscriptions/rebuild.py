"""Blue/green rebuild: replay the whole log into a new version while the active one keeps
serving, switch the stable views over in one transaction, then hand over to the runners.

The rebuild holds the new version's lock while it works, so a runner that sees the
switch waits for it, then carries on from the position the rebuild reached. The
previous version is kept (for comparison or rollback); older ones are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow

from casetrail.platform.subscriptions.batches import catch_up
from casetrail.platform.subscriptions.catalog import projection_names
from casetrail.platform.subscriptions.versions import (
    LOCK_NAMESPACE,
    activate,
    active_version,
    create_version,
    drop_version,
    existing_versions,
    lock_key,
    read_versions,
    start_building,
)


class RebuildRefused(Exception):
    """The rebuild cannot start (unknown projection, or one already running)."""


@dataclass(frozen=True)
class RebuildProgress:
    version: int
    position: int
    head: int
    events: int
    elapsed_seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


@dataclass(frozen=True)
class RebuildResult:
    projection: str
    previous_version: int
    version: int
    events: int
    elapsed_seconds: float
    dropped_versions: tuple[int, ...]


def rebuild(
    projection: str,
    *,
    app: Application[Any],
    datastore: PostgresDatastore,
    connect: Callable[[], psycopg.Connection[DictRow]],
    batch_size: int = 5_000,
    report: Callable[[RebuildProgress], None] = lambda _: None,
    report_every_seconds: float = 1.0,
) -> RebuildResult:
    if projection not in projection_names():
        raise RebuildRefused(
            f"no projection named {projection!r}: choose from {', '.join(projection_names())}"
        )
    with connect() as conn:
        active_version(conn, datastore, projection, app.name)
        version = start_building(conn, projection)
        key = lock_key(projection, version)
        got = conn.execute(
            "SELECT pg_try_advisory_lock(%s, %s) AS got", (LOCK_NAMESPACE, key)
        ).fetchone()
        if not got or not got["got"]:
            raise RebuildRefused(f"a rebuild of {projection} (version {version}) is running")
        try:
            view = create_version(datastore, projection, version, app.name)
            started = time.monotonic()
            events = 0
            reported = 0.0

            def progress(position: int, applied: int) -> None:
                nonlocal events, reported
                events += applied
                now = time.monotonic()
                if now - reported >= report_every_seconds:
                    head = app.recorder.max_notification_id() or 0
                    report(RebuildProgress(version, position, head, events, now - started))
                    reported = now

            position, _ = catch_up(view, app, batch_size, on_batch=progress)
            report(
                RebuildProgress(
                    version,
                    position,
                    app.recorder.max_notification_id() or 0,
                    events,
                    time.monotonic() - started,
                )
            )
            previous = activate(conn, view, version, app.name)
            # What arrived while switching; then the runners take over.
            catch_up(view, app, batch_size, on_batch=progress)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, key))
        dropped = tuple(
            old
            for old in _inactive_versions(conn, projection, keep=(version, previous))
            if drop_version(conn, datastore, projection, old)
        )
    return RebuildResult(projection, previous, version, events, time.monotonic() - started, dropped)


def _inactive_versions(
    conn: psycopg.Connection[DictRow], projection: str, keep: tuple[int, ...]
) -> list[int]:
    record = read_versions(conn)[projection]
    return [
        number
        for number in existing_versions(conn, projection)
        if number not in keep and number != record.active and number != record.building
    ]
