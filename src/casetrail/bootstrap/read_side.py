"""Wiring of the read side: the PostgreSQL read models, their runners and their status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from eventsourcing.application import Application
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.contexts import register_projections
from casetrail.bootstrap.settings import Settings
from casetrail.cases.projections.read_model import PostgresReadModel
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.follower import Follower, FollowerOptions
from casetrail.platform.subscriptions.follower_metrics import SubscriptionMetrics
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.positions import PositionBoard
from casetrail.platform.subscriptions.status import (
    CachedStatus,
    ProjectionLagCollector,
    StatusReader,
)
from casetrail.platform.subscriptions.subscriber import (
    ExternalSubscriber,
    TransactionalSubscriber,
)
from casetrail.platform.subscriptions.supervisor import Backoff, ProjectionSupervisor
from casetrail.platform.subscriptions.versions import active_version
from casetrail.platform.subscriptions.wakeups import LogWakeups
from casetrail.platform.subscriptions.worker import (
    PROJECTION_RUNNER_DEFAULTS,
    AfterCommit,
    ProjectionWorker,
)
from casetrail.sla.published import KeptDueTimes, create_sla_tables
from casetrail.timeline.model import TIMELINE_PROJECTIONS

# A runner uses one pooled connection at a time (plus its lock connection, not pooled).
RUNNER_CONNECTIONS = 1


@dataclass
class ReadSide:
    database: Database
    read_model: PostgresReadModel
    status: CachedStatus
    board: PositionBoard
    supervisor: ProjectionSupervisor | None

    def close(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()
        self.read_model.close()


def prepare_read_models(
    app: Application[Any], database: Database, projections: Sequence[str] | None = None
) -> None:
    """Create each projection's registry entry and first version if they do not exist, so
    that queries find their views even before a runner has started (default: the
    projections of every context)."""
    names = list(register_projections()) if projections is None else projections
    datastore = database.datastore(pool_size=1)
    try:
        with database.connect() as conn:
            for projection in names:
                active_version(conn, datastore, projection, app.name)
    finally:
        datastore.close()


def build_supervisor(
    app: Application[Any],
    database: Database,
    settings: Settings,
    *,
    metrics: ProjectionMetrics,
    board: PositionBoard | None = None,
    after_commit: AfterCommit | None = None,
    backoff: Backoff | None = None,
    projections: Sequence[str] | None = None,
) -> ProjectionSupervisor:
    """One runner per projection (default: those of every context), in this process."""
    names = list(register_projections()) if projections is None else projections
    wakeups = LogWakeups(database.connect, channel=f"{app.name}_events".lower())
    options = replace(PROJECTION_RUNNER_DEFAULTS, batch_size=settings.projections.batch_size)
    workers = [
        ProjectionWorker(
            projection,
            app=app,
            datastore=database.datastore(pool_size=RUNNER_CONNECTIONS),
            connect=database.connect,
            wake=wakeups.subscribe(),
            metrics=metrics,
            board=board,
            options=options,
            # Cached timelines change with the projections the timeline reads; telling
            # them again for another projection's commit of the same events would drop
            # answers cached in between for nothing.
            after_commit=after_commit if projection in TIMELINE_PROJECTIONS else None,
        )
        for projection in names
    ]
    return ProjectionSupervisor(
        workers, metrics=metrics, wakeups=wakeups, backoff=backoff or Backoff()
    )


def build_subscriber_supervisor(
    app: Application[Any],
    database: Database,
    registry: CollectorRegistry,
    subscribers: Sequence[TransactionalSubscriber | ExternalSubscriber],
    settings: Settings,
) -> ProjectionSupervisor | None:
    """A follower per subscriber (none: None), in this process."""
    if not subscribers:
        return None
    metrics = SubscriptionMetrics.of(registry)
    wakeups = LogWakeups(database.connect, channel=f"{app.name}_events".lower())
    options = FollowerOptions(batch_size=settings.projections.batch_size)
    followers = [
        Follower(
            subscriber,
            app=app,
            connect=database.connect,
            wake=wakeups.subscribe(),
            metrics=metrics,
            options=options,
        )
        for subscriber in subscribers
    ]
    return ProjectionSupervisor(followers, metrics=metrics, wakeups=wakeups)


def start_read_side(
    app: Application[Any],
    database_url: str,
    settings: Settings,
    registry: CollectorRegistry,
    *,
    run_projections: bool,
    after_commit: AfterCommit | None = None,
    projections: Sequence[str] | None = None,
) -> ReadSide:
    """The read models of ``projections`` (default: every context's) for queries, with their
    runners in this process when ``run_projections`` (tests and tools; ``casetrail serve``
    runs them as its projector role)."""
    database = Database(database_url, pool_size=max(2, settings.database.pool_size // 2))
    prepare_read_models(app, database, projections)
    board = PositionBoard()
    status = CachedStatus(StatusReader(app, database.connect))
    registry.register(ProjectionLagCollector(status))
    supervisor = None
    if run_projections:
        supervisor = build_supervisor(
            app,
            database,
            settings,
            metrics=ProjectionMetrics(registry),
            board=board,
            after_commit=after_commit,
            projections=projections,
        )
        supervisor.start()
    # Lists show each case's SLA deadline and sort by it: from the SLA context's view.
    with database.connect() as conn:
        create_sla_tables(conn)
    read_model = PostgresReadModel(database.datastore(), board, due_times=KeptDueTimes())
    return ReadSide(database, read_model, status, board, supervisor)
