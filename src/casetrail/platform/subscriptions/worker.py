"""One projection runner: follows the notification log and applies it in batches.

Only one runner per projection version is active across processes (a PostgreSQL advisory
lock held on a dedicated connection); the others stand by and take over when it goes.
While catching up, each transaction carries up to ``batch_size`` events; once caught up,
the runner sleeps until the event store's NOTIFY (or a short poll) wakes it.

Notification ids can have gaps (a rolled-back insert consumes ids). Reading "every
notification after my position, in order" neither stalls on a gap nor skips past an event
committed later with a lower id: the event store commits inserts in id order (it takes a
table lock), so a lower id can never appear after a higher one became visible.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow

from casetrail.platform.subscriptions.batches import BeforeCommit, apply_batch, read_batch
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.positions import PositionBoard
from casetrail.platform.subscriptions.versions import (
    LOCK_NAMESPACE,
    active_version,
    build_view,
    lock_key,
    read_versions,
)
from casetrail.platform.subscriptions.view import Numbered

logger = logging.getLogger(__name__)

AfterCommit = Callable[[Sequence[Numbered]], None]


@dataclass(frozen=True)
class RunnerOptions:
    batch_size: int = 2_000
    # How long an idle runner sleeps when no NOTIFY arrives (a missed one costs this much).
    idle_poll_seconds: float = 0.5
    # How often the runner checks its lock connection and whether a rebuild switched versions.
    check_seconds: float = 0.5
    # How often a standby runner tries to take over.
    standby_poll_seconds: float = 1.0


class ProjectionWorker:
    def __init__(
        self,
        projection: str,
        *,
        app: Application[Any],
        datastore: PostgresDatastore,
        connect: Callable[[], psycopg.Connection[DictRow]],
        wake: threading.Event,
        metrics: ProjectionMetrics,
        board: PositionBoard | None = None,
        options: RunnerOptions = RunnerOptions(),
        after_commit: AfterCommit | None = None,
    ) -> None:
        self.projection = projection
        self._app = app
        self._datastore = datastore
        self._connect = connect
        self._wake = wake
        self._metrics = metrics
        self._board = board
        self._options = options
        self.batches_applied = 0
        self.is_active = False  # holds the lock and applies events
        self.position = 0
        # For tests and fault drills: called inside each batch's transaction, before commit.
        self.before_commit: BeforeCommit | None = None
        # Told what each batch committed (cached answers built from the view are dropped).
        self.after_commit = after_commit

    @property
    def name(self) -> str:
        """The name it is supervised and reported under: its projection's."""
        return self.projection

    def wake(self) -> None:
        self._wake.set()

    @property
    def application_name(self) -> str:
        return str(self._app.name)

    def run(self, stop: threading.Event) -> None:
        """Follow the log until ``stop`` is set; raises when it cannot go on."""
        with self._connect() as lock_conn:
            while not stop.is_set():
                version = active_version(
                    lock_conn, self._datastore, self.projection, self.application_name
                )
                if not _try_lock(lock_conn, self.projection, version):
                    self._metrics.active.labels(self.projection).set(0)
                    stop.wait(self._options.standby_poll_seconds)
                    continue
                self._metrics.active.labels(self.projection).set(1)
                self.is_active = True
                try:
                    logger.info("projection %s v%d: active", self.projection, version)
                    self._follow(lock_conn, version, stop)
                finally:
                    self.is_active = False
                    self._metrics.active.labels(self.projection).set(0)
                    if not lock_conn.closed:
                        _unlock(lock_conn, self.projection, version)

    def _follow(
        self, lock_conn: psycopg.Connection[DictRow], version: int, stop: threading.Event
    ) -> None:
        view = build_view(self._datastore, self.projection, version)
        position = view.position(self.application_name)
        self._publish(position)
        next_check = time.monotonic() + self._options.check_seconds
        while not stop.is_set():
            if time.monotonic() >= next_check:
                # Also proves the lock connection is alive: if it died, so did our lock.
                if read_versions(lock_conn)[self.projection].active != version:
                    logger.info("projection %s: v%d is not active", self.projection, version)
                    return
                next_check = time.monotonic() + self._options.check_seconds
            self._wake.clear()
            batch = read_batch(view, self._app, position, self._options.batch_size)
            if batch is None:
                self._wake.wait(self._options.idle_poll_seconds)
                continue
            try:
                position = apply_batch(
                    view,
                    self.application_name,
                    batch,
                    before_commit=self.before_commit,
                    metrics=self._metrics,
                )
            finally:
                # Also when the batch failed: the events before a poison one were committed,
                # and telling about an event that was not does no harm.
                if self.after_commit is not None:
                    self.after_commit(batch.events)
            self.batches_applied += 1
            self._metrics.blocked_at.labels(self.projection).set(0)
            self._publish(position)

    def _publish(self, position: int) -> None:
        self.position = position
        if self._board is not None:
            self._board.advance(self.projection, position)


def _try_lock(conn: psycopg.Connection[DictRow], projection: str, version: int) -> bool:
    row = conn.execute(
        "SELECT pg_try_advisory_lock(%s, %s) AS got",
        (LOCK_NAMESPACE, lock_key(projection, version)),
    ).fetchone()
    return bool(row and row["got"])


def _unlock(conn: psycopg.Connection[DictRow], projection: str, version: int) -> None:
    # A broken connection has released the lock already.
    with contextlib.suppress(psycopg.Error):
        conn.execute(
            "SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, lock_key(projection, version))
        )
