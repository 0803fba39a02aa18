"""One projection runner: the platform's log follower (``log_follower``) on a projection's track.

A projection's track is versioned: only one runner per projection version is active across
processes (a PostgreSQL advisory lock on the projection and version, held on a dedicated
connection), and the position is kept in the tracking table of the version it writes, in the
transaction that writes the rows. A rebuild fills a new version while the active one keeps
serving; when it switches the views, the runner of the old version notices within
``check_seconds``, gives its lock back and claims the new active version (blue/green).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow

from casetrail.platform.subscriptions.batches import BeforeCommit
from casetrail.platform.subscriptions.log_follower import Connect, FollowerOptions, LogFollower
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.positions import PositionBoard
from casetrail.platform.subscriptions.versions import (
    LOCK_NAMESPACE,
    active_version,
    build_view,
    lock_key,
    read_versions,
)
from casetrail.platform.subscriptions.view import BatchedView, Numbered
from casetrail.platform.tracing import attributes_of, span

logger = logging.getLogger(__name__)

AfterCommit = Callable[[Sequence[Numbered]], None]

# A projection runner's defaults: larger batches and a shorter idle poll than a subscriber's.
PROJECTION_RUNNER_DEFAULTS = FollowerOptions(batch_size=2_000, idle_poll_seconds=0.5)


class ProjectionWorker(LogFollower):
    def __init__(
        self,
        projection: str,
        *,
        app: Application[Any],
        datastore: PostgresDatastore,
        connect: Connect,
        wake: threading.Event,
        metrics: ProjectionMetrics,
        board: PositionBoard | None = None,
        options: FollowerOptions = PROJECTION_RUNNER_DEFAULTS,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self.projection_track = ProjectionTrack(
            projection, app_name=str(app.name), datastore=datastore, after_commit=after_commit
        )
        super().__init__(
            self.projection_track,
            app=app,
            connect=connect,
            wake=wake,
            report=ProjectionReport(projection, metrics),
            options=options,
            on_position=None if board is None else lambda p: board.advance(projection, p),
        )
        self.projection = projection

    @property
    def before_commit(self) -> BeforeCommit | None:
        """For tests and fault drills: called inside each batch's transaction, before commit."""
        return self.projection_track.before_commit

    @before_commit.setter
    def before_commit(self, hook: BeforeCommit | None) -> None:
        self.projection_track.before_commit = hook


class ProjectionTrack:
    """The active version of a projection: its lock, and its view's tracking row."""

    topics: Sequence[str] = ()

    def __init__(
        self,
        projection: str,
        *,
        app_name: str,
        datastore: PostgresDatastore,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self.name = projection
        self.app_name = app_name
        self._datastore = datastore
        # Told what each batch committed (cached answers built from the view are dropped).
        self.after_commit = after_commit
        self.before_commit: BeforeCommit | None = None

    def claim(self, lock_conn: psycopg.Connection[DictRow]) -> ProjectionClaim | None:
        version = active_version(lock_conn, self._datastore, self.name, self.app_name)
        key = lock_key(self.name, version)
        row = lock_conn.execute(
            "SELECT pg_try_advisory_lock(%s, %s) AS got", (LOCK_NAMESPACE, key)
        ).fetchone()
        if not (row and row["got"]):
            return None
        logger.info("projection %s v%d: active", self.name, version)
        view = build_view(self._datastore, self.name, version)
        return ProjectionClaim(self, view, version, lock_conn)


class ProjectionClaim:
    def __init__(
        self,
        track: ProjectionTrack,
        view: BatchedView,
        version: int,
        lock_conn: psycopg.Connection[DictRow],
    ) -> None:
        self._track = track
        self._view = view
        self._version = version
        self._lock_conn = lock_conn

    def position(self) -> int:
        return self._view.position(self._track.app_name)

    def still_held(self) -> bool:
        # Also proves the lock connection is alive: if it died, so did the lock.
        active = read_versions(self._lock_conn)[self._track.name].active
        if active != self._version:
            logger.info("projection %s: v%d is not active", self._track.name, self._version)
            return False
        return True

    def parked_between(self, after: int, up_to: int) -> set[int]:
        return self._view.parked_between(after, up_to)

    def commit(self, events: list[Numbered], stop: threading.Event) -> int:  # noqa: ARG002
        # (one short transaction: nothing to interrupt)
        track = self._track
        hook = track.before_commit
        attributes = attributes_of(projection=track.name, events=len(events))
        try:
            with span("projection batch", attributes):
                self._view.apply(
                    track.app_name,
                    events,
                    before_commit=None if hook is None else lambda: hook(events),
                )
        finally:
            # Also when the batch failed: the events before a poison one were committed, and
            # telling about an event that was not does no harm.
            if track.after_commit is not None:
                track.after_commit(events)
        return len(events)

    def release(self) -> None:
        key = lock_key(self._track.name, self._version)
        with contextlib.suppress(psycopg.Error):  # a broken connection released it already
            self._lock_conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, key))


class ProjectionReport:
    """A projection runner's metrics (``casetrail_projection_*``); its lag is read from the
    database by the status collector, which also sees runners in other processes."""

    tracks_lag = False

    def __init__(self, name: str, metrics: ProjectionMetrics) -> None:
        self._name = name
        self._metrics = metrics

    def active(self, is_active: bool) -> None:
        self._metrics.active.labels(self._name).set(1 if is_active else 0)

    def committed(self, events: int, seconds: float) -> None:
        self._metrics.events.labels(self._name).inc(events)
        self._metrics.batches.labels(self._name).inc()
        self._metrics.batch_seconds.labels(self._name).observe(seconds)

    def unblocked(self) -> None:
        self._metrics.blocked_at.labels(self._name).set(0)

    def lag(self, events: int, seconds: float | None) -> None:
        """Not kept here (see the class's note)."""
