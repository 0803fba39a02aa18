"""The projector role: one runner per projection of the contexts and one follower per
subscriber (reactions such as the SLA clocks), each single-active across processes (the
subscription platform's advisory locks), supervised with backoff."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.application import Application
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.contexts import CONTEXTS, Contexts, subscribers
from casetrail.bootstrap.read_side import build_subscriber_supervisor, build_supervisor
from casetrail.bootstrap.settings import Settings
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.positions import PositionBoard
from casetrail.platform.subscriptions.supervisor import ProjectionSupervisor
from casetrail.platform.subscriptions.worker import AfterCommit


class ProjectorRole:
    name = "projector"

    def __init__(
        self,
        supervisor: ProjectionSupervisor,
        projections: Sequence[str],
        reactions: ProjectionSupervisor | None = None,
    ) -> None:
        self.supervisor = supervisor
        self.projections = tuple(projections)
        self.reactions = reactions

    def start(self) -> None:
        self.supervisor.start()
        if self.reactions is not None:
            self.reactions.start()

    def stop(self) -> None:
        if self.reactions is not None:
            self.reactions.stop()
        self.supervisor.stop()

    def wait(self) -> None:
        self.supervisor.wait()


def build_projector(
    app: Application[Any],
    database: Database,
    settings: Settings,
    registry: CollectorRegistry,
    *,
    projections: Sequence[str],
    board: PositionBoard | None = None,
    after_commit: AfterCommit | None = None,
    contexts: Contexts = CONTEXTS,
) -> ProjectorRole:
    """``board`` tells this process's queries (read-your-writes) where the runners are;
    ``after_commit`` is told which streams each committed batch changed (the timeline
    cache's invalidation)."""
    supervisor = build_supervisor(
        app,
        database,
        settings,
        metrics=ProjectionMetrics(registry),
        board=board,
        after_commit=after_commit,
        projections=projections,
    )
    reactions = build_subscriber_supervisor(
        app, database, registry, subscribers(app, registry, contexts), settings
    )
    return ProjectorRole(supervisor, projections, reactions)
